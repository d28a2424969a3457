//! NAdamW: Adam with Nesterov momentum and decoupled weight decay.
//!
//! Default form (`nesterov: algoperf`) is the AlgoPerf NAdamW baseline
//! (`jax_nadamw_full_budget.py`, identical to its PyTorch `NAdamW`):
//! ```text
//! m ← β₁m + (1−β₁)g ;  v ← β₂v + (1−β₂)g²
//! m̂ = (β₁m + (1−β₁)g)/(1−β₁ⁿ) ;  v̂ = v/(1−β₂ⁿ)
//! x ← x − lr·( m̂/(√v̂ + ε) + λ·x )
//! ```
//! `nesterov: optax` is `optax.nadamw`, whose bias correction differs:
//! `m̂ = β₁m/(1−β₁ⁿ⁺¹) + (1−β₁)g/(1−β₁ⁿ)`.

use std::collections::BTreeMap;

use burn::config::Config;
use burn::tensor::Device;

use crate::adam_family::{AdamUpdate, MomentStore};
use crate::hparams::{Hyperparams, Reader};
use crate::optimizer::{Optimizer, StepContext};
use crate::param::ParamTensor;
use crate::state::OptimizerState;
use crate::validate;

/// Which Nesterov bias correction NAdamW uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NesterovForm {
    /// AlgoPerf's baseline (the study's NAdamW).
    Algoperf,
    /// `optax.nadamw`.
    Optax,
}

/// Hyperparameters of [`NAdamW`]; defaults are the usual Adam ones with PyTorch's weight decay.
#[derive(Config, Debug, PartialEq)]
pub struct NAdamWConfig {
    /// β₁.
    #[config(default = 0.9)]
    pub b1: f64,
    /// β₂.
    #[config(default = 0.999)]
    pub b2: f64,
    /// ε, added to √v̂.
    #[config(default = 1e-8)]
    pub eps: f64,
    /// Decoupled weight decay λ (multiplied by the scheduled learning rate).
    #[config(default = 1e-2)]
    pub weight_decay: f64,
    /// Bias-correction form.
    #[config(default = "NesterovForm::Algoperf")]
    pub nesterov: NesterovForm,
}

impl NAdamWConfig {
    /// Reads `b1`, `b2` (or `one_minus_*`), `eps`, `weight_decay`, `nesterov: algoperf|optax`.
    pub fn from_hparams(h: &Hyperparams) -> crate::Result<Self> {
        let d = Self::new();
        let mut r = Reader::new("nadamw", h);
        let nesterov = match r.choice("nesterov", "algoperf", &["algoperf", "optax"])? {
            "optax" => NesterovForm::Optax,
            _ => NesterovForm::Algoperf,
        };
        let config = Self {
            b1: r.beta("b1", d.b1)?,
            b2: r.beta("b2", d.b2)?,
            eps: r.number("eps", d.eps)?,
            weight_decay: r.number("weight_decay", d.weight_decay)?,
            nesterov,
        };
        r.finish()?;
        Ok(config)
    }

    /// Checks the ranges and builds the optimizer.
    pub fn init(&self) -> crate::Result<NAdamW> {
        validate::beta("b1", self.b1)?;
        validate::beta("b2", self.b2)?;
        validate::non_negative("eps", self.eps)?;
        validate::non_negative("weight_decay", self.weight_decay)?;
        Ok(NAdamW {
            config: self.clone(),
            moments: MomentStore::default(),
        })
    }
}

/// The NAdamW optimizer; build it with [`NAdamWConfig`].
#[derive(Debug)]
pub struct NAdamW {
    config: NAdamWConfig,
    moments: MomentStore,
}

impl Optimizer for NAdamW {
    fn algorithm(&self) -> &'static str {
        "nadamw"
    }

    fn step(&mut self, ctx: &StepContext, params: &mut [ParamTensor]) -> crate::Result<()> {
        let c = &self.config;
        let update = AdamUpdate {
            b1: c.b1,
            b2: c.b2,
            eps: c.eps,
            weight_decay: c.weight_decay,
            nesterov: Some(self.config.nesterov),
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
