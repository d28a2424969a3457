//! COCOB-Backprop (Orabona & Tommasi 2017): coin-betting, a per-coordinate learning-rate-free
//! method, as `optax.contrib.cocob` (and `parameterfree.COCOB`):
//!
//! ```text
//! g ← (g + λx)·lr        (L2; optax scales the gradient by the learning rate)
//! L ← max(L, |g|)        (L₀ = ε)
//! G ← G + |g|
//! R ← max(R − g·(x − x₀), 0)
//! θ ← θ − g
//! x ← x₀ + θ / (L·max(G + L, αL)) · (L + R)
//! ```
//! `lr_scales_gradient: false` is PyPI `parameterfree` 0.0.1, which has no learning rate.

use std::collections::{BTreeMap, HashMap};

use burn::config::Config;
use burn::tensor::{Device, Tensor};

use crate::hparams::{Hyperparams, Reader};
use crate::optimizer::{Optimizer, StepContext};
use crate::param::ParamTensor;
use crate::state::{OptimizerState, StateTensor};
use crate::validate;

/// Hyperparameters of [`Cocob`].
#[derive(Config, Debug, PartialEq)]
pub struct CocobConfig {
    /// α: roughly how many steps the betting warms up over.
    #[config(default = 100.0)]
    pub alpha: f64,
    /// ε, the initial scale L₀.
    #[config(default = 1e-8)]
    pub eps: f64,
    /// L2 weight decay λ, added to the gradient.
    #[config(default = 0.0)]
    pub weight_decay: f64,
    /// Multiply the gradient by the learning rate (optax); `false` ignores it (parameterfree 0.0.1).
    #[config(default = true)]
    pub lr_scales_gradient: bool,
}

impl CocobConfig {
    /// Reads `alpha`, `eps`, `weight_decay`, `lr_scales_gradient`.
    pub fn from_hparams(h: &Hyperparams) -> crate::Result<Self> {
        let d = Self::new();
        let mut r = Reader::new("cocob", h);
        let config = Self {
            alpha: r.number("alpha", d.alpha)?,
            eps: r.number("eps", d.eps)?,
            weight_decay: r.number("weight_decay", d.weight_decay)?,
            lr_scales_gradient: r.flag("lr_scales_gradient", d.lr_scales_gradient)?,
        };
        r.finish()?;
        Ok(config)
    }

    /// Checks the ranges and builds the optimizer.
    pub fn init(&self) -> crate::Result<Cocob> {
        validate::positive("alpha", self.alpha)?;
        validate::positive("eps", self.eps)?;
        validate::non_negative("weight_decay", self.weight_decay)?;
        Ok(Cocob {
            config: self.clone(),
            count: 0,
            per_param: HashMap::new(),
        })
    }
}

/// Per-coordinate betting state.
#[derive(Debug, Clone)]
struct Slots {
    params0: Tensor<1>,
    /// θ: sum of negative gradients.
    theta: Tensor<1>,
    /// L: largest |g| seen.
    scale: Tensor<1>,
    /// G: sum of |g|.
    sum_abs: Tensor<1>,
    /// R: the wealth won so far.
    reward: Tensor<1>,
}

/// The COCOB optimizer; build it with [`CocobConfig`].
#[derive(Debug)]
pub struct Cocob {
    config: CocobConfig,
    count: u64,
    per_param: HashMap<String, Slots>,
}

impl Cocob {
    /// The step as one fused pass over x, g, x₀ and the four betting buffers per chunk.
    #[cfg(feature = "flex")]
    fn step_host<T: crate::host::Real>(&mut self, lr: f64, params: &mut [ParamTensor]) {
        use crate::host::{par_zip, Host};
        let c = &self.config;
        let (wd, alpha) = (T::of(c.weight_decay), T::of(c.alpha));
        let scale_g = c.lr_scales_gradient.then(|| T::of(lr));
        let zero = T::of(0.0);
        for p in params.iter_mut() {
            let mut x = Host::take_from(&mut p.value);
            let g = Host::take(p.grad.clone());
            let len = x.len();
            let (x0, mut theta, mut scale, mut sum_abs, mut reward) =
                match self.per_param.remove(&p.key) {
                    Some(st) => (
                        Host::take(st.params0),
                        Host::take(st.theta),
                        Host::take(st.scale),
                        Host::take(st.sum_abs),
                        Host::take(st.reward),
                    ),
                    None => (
                        x.duplicate::<T>(),
                        Host::zeros::<T>(len),
                        Host::filled(len, T::of(c.eps)),
                        Host::zeros::<T>(len),
                        Host::zeros::<T>(len),
                    ),
                };
            par_zip(
                [
                    x.slice_mut::<T>(),
                    theta.slice_mut::<T>(),
                    scale.slice_mut::<T>(),
                    sum_abs.slice_mut::<T>(),
                    reward.slice_mut::<T>(),
                ],
                [g.slice::<T>(), x0.slice::<T>()],
                |[x, theta, scale, sum_abs, reward], [g, x0]| {
                    let (wd, alpha, scale_g, zero) = (wd, alpha, scale_g, zero);
                    let len = x.len();
                    let (theta, scale, sum_abs, reward) = (
                        &mut theta[..len],
                        &mut scale[..len],
                        &mut sum_abs[..len],
                        &mut reward[..len],
                    );
                    let (g, x0) = (&g[..len], &x0[..len]);
                    for i in 0..len {
                        let mut gi = g[i] + x[i] * wd;
                        if let Some(lr) = scale_g {
                            gi = gi * lr;
                        }
                        let l = scale[i].maximum(gi.abs());
                        let s = sum_abs[i] + gi.abs();
                        let r = reward[i] - gi * (x[i] - x0[i]);
                        let r = if r < zero { zero } else { r };
                        let th = theta[i] - gi;
                        let bet = (s + l).maximum(l * alpha);
                        (scale[i], sum_abs[i], reward[i], theta[i]) = (l, s, r, th);
                        x[i] = x0[i] + th / (l * bet) * (l + r);
                    }
                    []
                },
            );
            p.value = x.into_tensor();
            self.per_param.insert(
                p.key.clone(),
                Slots {
                    params0: x0.into_tensor(),
                    theta: theta.into_tensor(),
                    scale: scale.into_tensor(),
                    sum_abs: sum_abs.into_tensor(),
                    reward: reward.into_tensor(),
                },
            );
        }
        self.count += 1;
    }
}

impl Optimizer for Cocob {
    fn algorithm(&self) -> &'static str {
        "cocob"
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
        let c = &self.config;
        for p in params.iter_mut() {
            let mut g = p
                .grad
                .clone()
                .add(p.value.clone().mul_scalar(c.weight_decay));
            if c.lr_scales_gradient {
                g = g.mul_scalar(ctx.lr);
            }
            let st = self.per_param.remove(&p.key).unwrap_or_else(|| Slots {
                params0: p.value.clone(),
                theta: p.value.zeros_like(),
                scale: p.value.ones_like().mul_scalar(c.eps),
                sum_abs: p.value.zeros_like(),
                reward: p.value.zeros_like(),
            });
            let scale = st.scale.max_pair(g.clone().abs());
            let sum_abs = st.sum_abs.add(g.clone().abs());
            let reward = st
                .reward
                .sub(g.clone().mul(p.value.clone().sub(st.params0.clone())))
                .clamp_min(0.0);
            let theta = st.theta.sub(g);
            let bet = sum_abs
                .clone()
                .add(scale.clone())
                .max_pair(scale.clone().mul_scalar(c.alpha));
            p.value = st.params0.clone().add(
                theta
                    .clone()
                    .div(scale.clone().mul(bet))
                    .mul(scale.clone().add(reward.clone())),
            );
            self.per_param.insert(
                p.key.clone(),
                Slots {
                    params0: st.params0,
                    theta,
                    scale,
                    sum_abs,
                    reward,
                },
            );
        }
        self.count += 1;
        Ok(())
    }

    fn scalars(&self) -> BTreeMap<String, f64> {
        BTreeMap::from([("count".to_string(), self.count as f64)])
    }

    fn export_state(&self) -> OptimizerState {
        let mut state = OptimizerState::new(self.algorithm());
        state.scalars = self.scalars();
        for (key, st) in &self.per_param {
            let slots = BTreeMap::from([
                ("params0".to_string(), StateTensor::from_tensor(&st.params0)),
                (
                    "theta_sum_neg_grads".to_string(),
                    StateTensor::from_tensor(&st.theta),
                ),
                (
                    "L_max_abs_grad".to_string(),
                    StateTensor::from_tensor(&st.scale),
                ),
                (
                    "G_sum_abs_grads".to_string(),
                    StateTensor::from_tensor(&st.sum_abs),
                ),
                ("reward".to_string(), StateTensor::from_tensor(&st.reward)),
            ]);
            state.tensors.insert(key.clone(), slots);
        }
        state
    }

    fn import_state(&mut self, state: &OptimizerState, device: &Device) -> crate::Result<()> {
        state.expect_algorithm(self.algorithm())?;
        self.count = state.scalar("count")? as u64;
        self.per_param.clear();
        for key in state.tensors.keys() {
            let load = |slot: &str| state.tensor(key, slot).map(|t| t.to_tensor(device));
            self.per_param.insert(
                key.clone(),
                Slots {
                    params0: load("params0")?,
                    theta: load("theta_sum_neg_grads")?,
                    scale: load("L_max_abs_grad")?,
                    sum_abs: load("G_sum_abs_grads")?,
                    reward: load("reward")?,
                },
            );
        }
        Ok(())
    }
}
