//! The optimizer interface: one step over all parameters at once.

use std::collections::BTreeMap;

use burn::tensor::{Device, Tensor};

use crate::error::Result;
use crate::param::ParamTensor;
use crate::state::OptimizerState;

/// What a step gets besides the parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepContext {
    /// The learning rate of this step (base learning rate × schedule), as optax's
    /// `learning_rate(count)` or PyTorch's `param_group["lr"]`.
    pub lr: f64,
    /// The mini-batch loss at the current parameters (MoMo and MoMo-Adam need it).
    pub loss: Option<f64>,
}

impl StepContext {
    /// A step with learning rate `lr` and no loss value.
    pub fn new(lr: f64) -> Self {
        Self { lr, loss: None }
    }

    /// Adds the loss value.
    pub fn with_loss(mut self, loss: f64) -> Self {
        self.loss = Some(loss);
        self
    }
}

/// A whole-model optimizer.
///
/// Unlike burn's per-parameter `Optimizer`, `step` sees every parameter at once, so
/// optimizers with global statistics (Prodigy's `d`, DoG's distance, Mechanic's scale,
/// MoMo's Polyak step) are written directly. Use [`crate::ModuleOptimizer`] to step a burn
/// `Module`, or call `step` on your own list of [`ParamTensor`]s.
pub trait Optimizer: Send {
    /// Registry name, e.g. `"prodigy"`.
    fn algorithm(&self) -> &'static str;

    /// Whether [`StepContext::loss`] must be given.
    fn needs_loss(&self) -> bool {
        false
    }

    /// Updates every `params[i].value` in place from its gradient.
    ///
    /// The slice order is the order of global reductions; keep it fixed across steps.
    fn step(&mut self, ctx: &StepContext, params: &mut [ParamTensor]) -> Result<()>;

    /// Global scalars worth logging (e.g. Prodigy's `d`), by name.
    fn scalars(&self) -> BTreeMap<String, f64>;

    /// The full state, for inspection, checkpoints and golden comparison.
    fn export_state(&self) -> OptimizerState;

    /// Restores a state written by [`Optimizer::export_state`]; tensors go to `device`.
    fn import_state(&mut self, state: &OptimizerState, device: &Device) -> Result<()>;

    /// The point to evaluate at when it is not the training iterate — Schedule-Free's `x`, an
    /// iterate average — one tensor per entry of `params` (the current training parameters, in
    /// step order); `None` means evaluate at `params` themselves.
    fn eval_params(&self, params: &[ParamTensor]) -> Option<Vec<Tensor<1>>> {
        let _ = params;
        None
    }
}
