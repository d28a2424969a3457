//! SGD with Nesterov momentum, the AlgoPerf baseline:
//! `optax.chain(add_decayed_weights(λ), sgd(lr, momentum=μ, nesterov=True))`, identical to
//! `torch.optim.SGD(lr, momentum=μ, nesterov=True, weight_decay=λ)`.
//!
//! ```text
//! g ← g + λ·x          (L2, before the momentum)
//! b ← μ·b + g          (b starts at 0)
//! x ← x − lr·(g + μ·b)
//! ```

use std::collections::{BTreeMap, HashMap};

use burn::config::Config;
use burn::tensor::{Device, Tensor};

use crate::hparams::{Hyperparams, Reader};
use crate::optimizer::{Optimizer, StepContext};
use crate::param::ParamTensor;
use crate::state::{OptimizerState, StateTensor};
use crate::validate;

/// Hyperparameters of [`SgdNesterov`].
#[derive(Config, Debug, PartialEq)]
pub struct SgdNesterovConfig {
    /// Momentum μ.
    #[config(default = 0.9)]
    pub momentum: f64,
    /// L2 weight decay λ, added to the gradient before the momentum.
    #[config(default = 0.0)]
    pub weight_decay: f64,
}

impl SgdNesterovConfig {
    /// Reads `momentum` (or `one_minus_momentum`) and `weight_decay`.
    pub fn from_hparams(h: &Hyperparams) -> crate::Result<Self> {
        let d = Self::new();
        let mut r = Reader::new("sgd_nesterov", h);
        let config = Self {
            momentum: r.beta("momentum", d.momentum)?,
            weight_decay: r.number("weight_decay", d.weight_decay)?,
        };
        r.finish()?;
        Ok(config)
    }

    /// Checks the ranges and builds the optimizer.
    pub fn init(&self) -> crate::Result<SgdNesterov> {
        validate::beta("momentum", self.momentum)?;
        validate::non_negative("weight_decay", self.weight_decay)?;
        Ok(SgdNesterov {
            config: self.clone(),
            count: 0,
            trace: HashMap::new(),
        })
    }
}

/// SGD with Nesterov momentum; build it with [`SgdNesterovConfig`].
#[derive(Debug)]
pub struct SgdNesterov {
    config: SgdNesterovConfig,
    count: u64,
    trace: HashMap<String, Tensor<1>>,
}

impl SgdNesterov {
    /// The step as one fused pass over x, g and the momentum per chunk.
    #[cfg(feature = "flex")]
    fn step_host<T: crate::host::Real>(&mut self, lr: f64, params: &mut [ParamTensor]) {
        use crate::host::{par_zip, Host};
        let (mu, wd, neg_lr) = (
            T::of(self.config.momentum),
            T::of(self.config.weight_decay),
            T::of(-lr),
        );
        for p in params.iter_mut() {
            let mut x = Host::take_from(&mut p.value);
            let g = Host::take(p.grad.clone());
            let mut b = match self.trace.remove(&p.key) {
                Some(b) => Host::take(b),
                None => Host::zeros::<T>(x.len()),
            };
            par_zip(
                [x.slice_mut::<T>(), b.slice_mut::<T>()],
                [g.slice::<T>()],
                |[x, b], [g]| {
                    let (mu, wd, neg_lr) = (mu, wd, neg_lr);
                    let len = x.len();
                    let (b, g) = (&mut b[..len], &g[..len]);
                    for i in 0..len {
                        let gi = g[i] + x[i] * wd;
                        let bi = gi + b[i] * mu;
                        b[i] = bi;
                        x[i] = x[i] + (gi + bi * mu) * neg_lr;
                    }
                    []
                },
            );
            p.value = x.into_tensor();
            self.trace.insert(p.key.clone(), b.into_tensor());
        }
        self.count += 1;
    }
}

impl Optimizer for SgdNesterov {
    fn algorithm(&self) -> &'static str {
        "sgd_nesterov"
    }

    fn step(&mut self, ctx: &StepContext, params: &mut [ParamTensor]) -> crate::Result<()> {
        validate::learning_rate(ctx.lr)?;
        #[cfg(feature = "flex")]
        match crate::host::param_dtype(params) {
            Some(burn::tensor::DType::F32) => {
                self.step_host::<f32>(ctx.lr, params);
                return Ok(());
            }
            Some(burn::tensor::DType::F64) => {
                self.step_host::<f64>(ctx.lr, params);
                return Ok(());
            }
            _ => {}
        }
        let (mu, wd) = (self.config.momentum, self.config.weight_decay);
        for p in params.iter_mut() {
            let g = p.grad.clone().add(p.value.clone().mul_scalar(wd));
            let old = self.trace.remove(&p.key).unwrap_or_else(|| g.zeros_like());
            let b = g.clone().add(old.mul_scalar(mu));
            let update = g.add(b.clone().mul_scalar(mu));
            p.value = p.value.clone().add(update.mul_scalar(-ctx.lr));
            self.trace.insert(p.key.clone(), b);
        }
        self.count += 1;
        Ok(())
    }

    fn scalars(&self) -> BTreeMap<String, f64> {
        BTreeMap::new()
    }

    fn export_state(&self) -> OptimizerState {
        let mut state = OptimizerState::new(self.algorithm());
        state.scalars.insert("count".into(), self.count as f64);
        for (key, b) in &self.trace {
            let slots = BTreeMap::from([("trace".to_string(), StateTensor::from_tensor(b))]);
            state.tensors.insert(key.clone(), slots);
        }
        state
    }

    fn import_state(&mut self, state: &OptimizerState, device: &Device) -> crate::Result<()> {
        state.expect_algorithm(self.algorithm())?;
        self.count = state.scalar("count")? as u64;
        self.trace.clear();
        for key in state.tensors.keys() {
            self.trace
                .insert(key.clone(), state.tensor(key, "trace")?.to_tensor(device));
        }
        Ok(())
    }
}
