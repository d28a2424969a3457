//! AdamW (Loshchilov & Hutter 2019) in the form of `optax.adamw`, the AlgoPerf AdamW baseline.
//!
//! ```text
//! m ← β₁m + (1−β₁)g ;  v ← β₂v + (1−β₂)g² ;  m̂ = m/(1−β₁ⁿ) ;  v̂ = v/(1−β₂ⁿ)
//! x ← x − lr·( m̂/(√v̂ + ε) + λ·x )        (λ is multiplied by the full scheduled lr)
//! ```
//! `torch.optim.AdamW` is the same maths (agrees to 3e-15 in float64).

use std::collections::BTreeMap;

use burn::config::Config;
use burn::tensor::Device;

use crate::adam_family::{AdamUpdate, MomentStore};
use crate::hparams::{Hyperparams, Reader};
use crate::optimizer::{Optimizer, StepContext};
use crate::param::ParamTensor;
use crate::state::OptimizerState;
use crate::validate;

/// Hyperparameters of [`AdamW`]. Defaults are PyTorch's (`weight_decay` 1e-2; optax uses 1e-4).
#[derive(Config, Debug, PartialEq)]
pub struct AdamWConfig {
    /// β₁, the first-moment decay.
    #[config(default = 0.9)]
    pub b1: f64,
    /// β₂, the second-moment decay.
    #[config(default = 0.999)]
    pub b2: f64,
    /// ε, added to √v̂.
    #[config(default = 1e-8)]
    pub eps: f64,
    /// Decoupled weight decay λ (multiplied by the scheduled learning rate).
    #[config(default = 1e-2)]
    pub weight_decay: f64,
}

impl AdamWConfig {
    /// Reads `b1`/`one_minus_b1`, `b2`/`one_minus_b2`, `eps`, `weight_decay`.
    pub fn from_hparams(h: &Hyperparams) -> crate::Result<Self> {
        let d = Self::new();
        let mut r = Reader::new("adamw", h);
        let config = Self {
            b1: r.beta("b1", d.b1)?,
            b2: r.beta("b2", d.b2)?,
            eps: r.number("eps", d.eps)?,
            weight_decay: r.number("weight_decay", d.weight_decay)?,
        };
        r.finish()?;
        Ok(config)
    }

    /// Checks the ranges and builds the optimizer.
    pub fn init(&self) -> crate::Result<AdamW> {
        validate::beta("b1", self.b1)?;
        validate::beta("b2", self.b2)?;
        validate::non_negative("eps", self.eps)?;
        validate::non_negative("weight_decay", self.weight_decay)?;
        Ok(AdamW {
            config: self.clone(),
            moments: MomentStore::default(),
        })
    }
}

/// The AdamW optimizer; build it with [`AdamWConfig`].
#[derive(Debug)]
pub struct AdamW {
    config: AdamWConfig,
    moments: MomentStore,
}

impl Optimizer for AdamW {
    fn algorithm(&self) -> &'static str {
        "adamw"
    }

    fn step(&mut self, ctx: &StepContext, params: &mut [ParamTensor]) -> crate::Result<()> {
        let c = &self.config;
        let update = AdamUpdate {
            b1: c.b1,
            b2: c.b2,
            eps: c.eps,
            weight_decay: c.weight_decay,
            nesterov: None,
        };
        self.moments.step(&update, ctx, params)
    }

    fn scalars(&self) -> BTreeMap<String, f64> {
        BTreeMap::new()
    }

    fn export_state(&self) -> OptimizerState {
        self.moments.state(self.algorithm())
    }

    fn import_state(&mut self, state: &OptimizerState, device: &Device) -> crate::Result<()> {
        self.moments = MomentStore::import(state, self.algorithm(), device)?;
        Ok(())
    }
}
