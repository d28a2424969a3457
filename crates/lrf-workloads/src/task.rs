//! The face every workload family implements; the training loop is written once against it.

use std::collections::BTreeMap;

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use crate::spec::Regularization;

/// A model, its data and its loss and metrics, for one trial (data order fixed by the seed
/// given when the task was built).
pub trait Task {
    /// The model.
    type Model: Module;

    /// Builds the model on `device` (an autodiff device) with the trial's regularisation.
    fn init_model(&self, device: &Device, regularization: &Regularization) -> Self::Model;

    /// Mean loss on the next training batch.
    fn train_loss(
        &mut self,
        model: &Self::Model,
        device: &Device,
        label_smoothing: f64,
    ) -> Tensor<1>;

    /// Makes `model` (an evaluation point such as Schedule-Free's `x`) ready to evaluate: models
    /// with BatchNorm recompute its statistics there, because the running statistics were
    /// gathered at the training iterates. The default changes nothing.
    fn recompute_statistics(&self, model: Self::Model, device: &Device) -> Self::Model {
        let _ = device;
        model
    }

    /// Untimed evaluation of a validation snapshot (`model.valid()`) on `device` (no autodiff):
    /// metrics by AlgoPerf column name (`validation/accuracy`, `validation/loss`,
    /// `validation/num_examples`, `train/accuracy`, …).
    fn evaluate(&self, model: &Self::Model, device: &Device) -> BTreeMap<String, f64>;
}
