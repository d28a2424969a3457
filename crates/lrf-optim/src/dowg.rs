//! DoWG, "Distance over Weighted Gradients" (Khaled, Mishchenko & Jin 2023), as
//! `optax.contrib.dowg`:
//!
//! ```text
//! g ← g + λx                                 (L2 weight decay, optional)
//! r̄² ← max(r̄², ‖x − x₀‖²)                   r̄²₀ = init_sq_dist, or ε when not given
//! v ← v + r̄²·‖g‖²
//! x ← x − lr · r̄²/(√v + ε) · g
//! ```
//! Norms are over all parameters.

use std::collections::{BTreeMap, HashMap};

use burn::config::Config;
use burn::tensor::{Device, Tensor};

use crate::hparams::{Hyperparams, Reader};
use crate::optimizer::{Optimizer, StepContext};
use crate::param::{dot, py_max, ParamTensor};
use crate::state::{OptimizerState, StateTensor};
use crate::validate;

/// Hyperparameters of [`Dowg`].
#[derive(Config, Debug, PartialEq)]
pub struct DowgConfig {
    /// Initial squared distance estimate r̄²₀; `None` uses `eps` (optax's default).
    #[config(default = "None")]
    pub init_sq_dist: Option<f64>,
    /// ε, both outside the square root and as the default r̄²₀.
    #[config(default = 1e-4)]
    pub eps: f64,
    /// L2 weight decay λ, added to the gradient.
    #[config(default = 0.0)]
    pub weight_decay: f64,
}

impl DowgConfig {
    /// Reads `init_sq_dist`, `eps`, `weight_decay`.
    pub fn from_hparams(h: &Hyperparams) -> crate::Result<Self> {
        let d = Self::new();
        let mut r = Reader::new("dowg", h);
        let init = r.number("init_sq_dist", f64::NAN)?;
        let config = Self {
            init_sq_dist: (!init.is_nan()).then_some(init),
            eps: r.number("eps", d.eps)?,
            weight_decay: r.number("weight_decay", d.weight_decay)?,
        };
        r.finish()?;
        Ok(config)
    }

    /// Checks the ranges and builds the optimizer.
    pub fn init(&self) -> crate::Result<Dowg> {
        validate::non_negative("eps", self.eps)?;
        validate::non_negative("weight_decay", self.weight_decay)?;
        if let Some(r) = self.init_sq_dist {
            validate::non_negative("init_sq_dist", r)?;
        }
        Ok(Dowg {
            config: self.clone(),
            rbar_sq: self.init_sq_dist.unwrap_or(self.eps),
            weighted_sum: 0.0,
            count: 0,
            params0: HashMap::new(),
        })
    }
}

/// The DoWG optimizer; build it with [`DowgConfig`].
#[derive(Debug)]
pub struct Dowg {
    config: DowgConfig,
    rbar_sq: f64,
    weighted_sum: f64,
    count: u64,
    params0: HashMap<String, Tensor<1>>,
}

impl Dowg {
    /// Two fused passes: ‖x₀ − x‖² and ‖g‖² over x, x₀ and g; then x ← x − lr·η·g.
    #[cfg(feature = "flex")]
    fn step_host<T: crate::host::Real>(&mut self, lr: f64, params: &mut [ParamTensor]) {
        use crate::host::{par_zip, sum_map, Host};
        let (wd, eps) = (self.config.weight_decay, self.config.eps);
        let decay = (wd > 0.0).then(|| T::of(wd));
        let (mut dist_sq, mut grad_sq) = (0.0, 0.0);
        for p in params.iter() {
            let x0 = self
                .params0
                .entry(p.key.clone())
                .or_insert_with(|| p.value.clone());
            let (x, x0, g) = (
                Host::take(p.value.clone()),
                Host::take(x0.clone()),
                Host::take(p.grad.clone()),
            );
            let [d, s] = par_zip(
                [],
                [x.slice::<T>(), x0.slice::<T>(), g.slice::<T>()],
                |[], [x, x0, g]| {
                    let len = x.len();
                    let (x0, g) = (&x0[..len], &g[..len]);
                    [
                        sum_map([x0, x], |[x0, x]| (x0 - x) * (x0 - x)),
                        sum_map([g, x], |[g, x]| {
                            let g = decay.map_or(g, |wd| g + x * wd);
                            g * g
                        }),
                    ]
                },
            );
            dist_sq += d;
            grad_sq += s;
        }
        self.rbar_sq = py_max(self.rbar_sq, dist_sq);
        self.weighted_sum += self.rbar_sq * grad_sq;
        let eta = self.rbar_sq / (self.weighted_sum.sqrt() + eps);
        let step = T::of(lr * eta);
        for p in params.iter_mut() {
            let mut x = Host::take_from(&mut p.value);
            let g = Host::take(p.grad.clone());
            par_zip([x.slice_mut::<T>()], [g.slice::<T>()], |[x], [g]| {
                let (decay, step) = (decay, step);
                let len = x.len();
                let g = &g[..len];
                for i in 0..len {
                    let gi = match decay {
                        Some(wd) => g[i] + x[i] * wd,
                        None => g[i],
                    };
                    x[i] = x[i] - gi * step;
                }
                []
            });
            p.value = x.into_tensor();
        }
        self.count += 1;
    }
}

impl Optimizer for Dowg {
    fn algorithm(&self) -> &'static str {
        "dowg"
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
        let (wd, eps) = (self.config.weight_decay, self.config.eps);
        let (mut dist_sq, mut grad_sq) = (0.0, 0.0);
        for p in params.iter_mut() {
            if wd > 0.0 {
                p.grad = p.grad.clone().add(p.value.clone().mul_scalar(wd));
            }
            let x0 = self
                .params0
                .entry(p.key.clone())
                .or_insert_with(|| p.value.clone());
            let diff = x0.clone().sub(p.value.clone());
            dist_sq += dot(&diff, &diff);
            grad_sq += dot(&p.grad, &p.grad);
        }
        self.rbar_sq = py_max(self.rbar_sq, dist_sq);
        self.weighted_sum += self.rbar_sq * grad_sq;
        let eta = self.rbar_sq / (self.weighted_sum.sqrt() + eps);
        for p in params.iter_mut() {
            p.value = p.value.clone().sub(p.grad.clone().mul_scalar(ctx.lr * eta));
        }
        self.count += 1;
        Ok(())
    }

    fn scalars(&self) -> BTreeMap<String, f64> {
        BTreeMap::from([
            ("rbar_sq".to_string(), self.rbar_sq),
            ("v_weighted_sq_grad_norms".to_string(), self.weighted_sum),
            ("count".to_string(), self.count as f64),
        ])
    }

    fn export_state(&self) -> OptimizerState {
        let mut state = OptimizerState::new(self.algorithm());
        state.scalars = self.scalars();
        for (key, x0) in &self.params0 {
            let slots = BTreeMap::from([("params0".to_string(), StateTensor::from_tensor(x0))]);
            state.tensors.insert(key.clone(), slots);
        }
        state
    }

    fn import_state(&mut self, state: &OptimizerState, device: &Device) -> crate::Result<()> {
        state.expect_algorithm(self.algorithm())?;
        self.rbar_sq = state.scalar("rbar_sq")?;
        self.weighted_sum = state.scalar("v_weighted_sq_grad_norms")?;
        self.count = state.scalar("count")? as u64;
        self.params0.clear();
        for key in state.tensors.keys() {
            self.params0
                .insert(key.clone(), state.tensor(key, "params0")?.to_tensor(device));
        }
        Ok(())
    }
}
