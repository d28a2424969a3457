//! Schedule-Free AdamW (Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky 2024): no decay
//! schedule; the gradient is taken at `y`, the base AdamW (without momentum) steps `z`, and the
//! model is evaluated at the average `x` — [`Optimizer::eval_params`] gives it.
//!
//! ```text
//! y = (1−β₁)z + β₁x          (the training parameters)
//! z ← z − lr·( g/(√v̂ + ε) + λ·y )
//! x ← (1 − c)x + c·z,   c = w/Σw,   w = lr_max^p  (PyTorch: (k+1)^r · lr_max^p)
//! ```
//! Flavors: `optax` (`optax.contrib.schedule_free_adamw`: the averaging weight uses the
//! schedule at the 1-based step, the z step at the 0-based one), `torch`
//! (`schedulefree.AdamWScheduleFree`, also `AdamWScheduleFreeReference`), `torch_paper`
//! (`AdamWScheduleFreePaper`: the bias correction moves into the learning rate).
//! `warmup_steps` is the package's own linear warmup; lrf's trainer warms up through the
//! learning rate it passes instead (preset `decay: constant`).

use std::collections::{BTreeMap, HashMap};

use burn::config::Config;
use burn::tensor::{Device, Tensor};

use crate::error::invalid;
use crate::hparams::{Hyperparams, Reader};
use crate::optimizer::{Optimizer, StepContext};
use crate::param::{nan_max, py_max, ParamTensor};
use crate::state::{OptimizerState, StateTensor};
use crate::validate;

/// Which package Schedule-Free AdamW follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleFreeFlavor {
    /// `optax.contrib.schedule_free_adamw`.
    Optax,
    /// `schedulefree.AdamWScheduleFree` 1.4.
    Torch,
    /// `schedulefree.AdamWScheduleFreePaper`.
    TorchPaper,
}

/// Hyperparameters of [`ScheduleFreeAdamW`]; defaults are the packages' (lr 0.0025).
#[derive(Config, Debug, PartialEq)]
pub struct ScheduleFreeAdamWConfig {
    /// β₁, the interpolation between `z` and `x` (must be > 0).
    #[config(default = 0.9)]
    pub b1: f64,
    /// β₂ of the second moment.
    #[config(default = 0.999)]
    pub b2: f64,
    /// ε added to √v̂.
    #[config(default = 1e-8)]
    pub eps: f64,
    /// Decoupled weight decay, evaluated at `y` (multiplied by the learning rate).
    #[config(default = 0.0)]
    pub weight_decay: f64,
    /// p in the averaging weight lr_max^p.
    #[config(default = 2.0)]
    pub weight_lr_power: f64,
    /// r in the averaging weight (k+1)^r (PyTorch flavors only; AlgoPerf used 0.75).
    #[config(default = 0.0)]
    pub r: f64,
    /// The package's own linear warmup, in steps (0: none).
    #[config(default = 0)]
    pub warmup_steps: u64,
    /// Evaluate the optax warmup in float32 as optax does under jit (golden replay only).
    #[config(default = false)]
    pub warmup_f32: bool,
    /// Package semantics.
    #[config(default = "ScheduleFreeFlavor::Optax")]
    pub flavor: ScheduleFreeFlavor,
}

impl ScheduleFreeAdamWConfig {
    /// Reads the keys of the struct.
    pub fn from_hparams(h: &Hyperparams) -> crate::Result<Self> {
        let d = Self::new();
        let mut r = Reader::new("schedule_free_adamw", h);
        let flavor = match r.choice("flavor", "optax", &["optax", "torch", "torch_paper"])? {
            "torch" => ScheduleFreeFlavor::Torch,
            "torch_paper" => ScheduleFreeFlavor::TorchPaper,
            _ => ScheduleFreeFlavor::Optax,
        };
        let warmup = r.number("warmup_steps", 0.0)?;
        if !(warmup >= 0.0 && warmup.fract() == 0.0 && warmup < 1e15) {
            return Err(invalid(
                "warmup_steps",
                warmup,
                "a whole number of steps >= 0",
            ));
        }
        let config = Self {
            b1: r.beta("b1", d.b1)?,
            b2: r.beta("b2", d.b2)?,
            eps: r.number("eps", d.eps)?,
            weight_decay: r.number("weight_decay", d.weight_decay)?,
            weight_lr_power: r.number("weight_lr_power", d.weight_lr_power)?,
            r: r.number("r", d.r)?,
            warmup_steps: warmup as u64,
            warmup_f32: r.flag("warmup_f32", d.warmup_f32)?,
            flavor,
        };
        r.finish()?;
        Ok(config)
    }

    /// Checks the ranges and builds the optimizer.
    pub fn init(&self) -> crate::Result<ScheduleFreeAdamW> {
        validate::beta("b1", self.b1)?;
        if self.b1 == 0.0 {
            return Err(invalid(
                "b1",
                0.0,
                "a number in (0, 1): x is recovered by dividing by b1",
            ));
        }
        validate::beta("b2", self.b2)?;
        validate::non_negative("eps", self.eps)?;
        validate::non_negative("weight_decay", self.weight_decay)?;
        validate::non_negative("weight_lr_power", self.weight_lr_power)?;
        validate::non_negative("r", self.r)?;
        if self.r != 0.0 && self.flavor == ScheduleFreeFlavor::Optax {
            return Err(invalid(
                "r",
                self.r,
                "0 with flavor: optax (optax has no r)",
            ));
        }
        let optax = self.flavor == ScheduleFreeFlavor::Optax;
        Ok(ScheduleFreeAdamW {
            config: self.clone(),
            weight_sum: 0.0,
            max_lr: if optax { 0.0 } else { -1.0 },
            scheduled_lr: 0.0,
            count: 0,
            per_param: HashMap::new(),
        })
    }
}

/// `z` and the second moment of one parameter.
#[derive(Debug, Clone)]
struct Slots {
    z: Tensor<1>,
    exp_avg_sq: Tensor<1>,
}

/// Schedule-Free AdamW; build it with [`ScheduleFreeAdamWConfig`].
#[derive(Debug)]
pub struct ScheduleFreeAdamW {
    config: ScheduleFreeAdamWConfig,
    weight_sum: f64,
    max_lr: f64,
    scheduled_lr: f64,
    /// Completed steps (PyTorch `k`; optax's `step_count` is this + 1).
    count: u64,
    per_param: HashMap<String, Slots>,
}

impl ScheduleFreeAdamW {
    /// optax's `warmup_constant_schedule(0, peak, W)` at count `c`: `(0 − peak)(1 − c/W) + peak`,
    /// in float32 the way XLA evaluates it (`c·(1/W)`, fused multiply-add) when asked.
    fn optax_schedule(&self, peak: f64, c: u64) -> f64 {
        let w = self.config.warmup_steps;
        if w == 0 {
            return peak;
        }
        let c = c.min(w);
        if self.config.warmup_f32 {
            let peak = peak as f32;
            let frac = 1.0f32 - c as f32 * (1.0f32 / w as f32);
            (-peak).mul_add(frac, peak) as f64
        } else {
            (0.0 - peak) * (1.0 - c as f64 / w as f64) + peak
        }
    }

    fn step_optax(&mut self, peak: f64, params: &mut [ParamTensor]) {
        let c = &self.config;
        let (b1, p) = (c.b1, c.weight_lr_power);
        let lr_weight = self.optax_schedule(peak, self.count + 1);
        let lr_z = self.optax_schedule(peak, self.count);
        self.max_lr = nan_max(self.max_lr, lr_weight);
        let weight = self.max_lr.powf(p);
        let total = self.weight_sum + weight;
        let ck = if weight.is_nan() || total.is_nan() {
            f64::NAN
        } else {
            let x = weight / total;
            if x.is_nan() {
                0.0
            } else {
                x
            }
        };
        let n = (self.count + 1) as f64;
        let bc2 = 1.0 - c.b2.powf(n);
        #[cfg(feature = "flex")]
        if let Some(dtype) = crate::host::param_dtype(params) {
            let k = HostCoefficients {
                b1,
                b2: c.b2,
                eps: c.eps,
                weight_decay: c.weight_decay,
                bc2,
                ck,
                lr: lr_z,
                paper: false,
            };
            match dtype {
                burn::tensor::DType::F32 => self.step_host::<f32>(&k, true, params),
                _ => self.step_host::<f64>(&k, true, params),
            }
            self.weight_sum = total;
            return;
        }
        for param in params.iter_mut() {
            let st = self.per_param.remove(&param.key).unwrap_or_else(|| Slots {
                z: param.value.clone(),
                exp_avg_sq: param.value.zeros_like(),
            });
            let g = param.grad.clone();
            let v = g
                .clone()
                .mul(g.clone())
                .mul_scalar(1.0 - c.b2)
                .add(st.exp_avg_sq.mul_scalar(c.b2));
            let u = g
                .div(v.clone().div_scalar(bc2).sqrt().add_scalar(c.eps))
                .add(param.value.clone().mul_scalar(c.weight_decay))
                .mul_scalar(-lr_z);
            let z = st.z.clone().add(u);
            let prev_x = param
                .value
                .clone()
                .sub(st.z.mul_scalar(1.0 - b1))
                .div_scalar(b1);
            let x = prev_x.mul_scalar(1.0 - ck).add(z.clone().mul_scalar(ck));
            param.value = x.mul_scalar(b1).add(z.clone().mul_scalar(1.0 - b1));
            self.per_param
                .insert(param.key.clone(), Slots { z, exp_avg_sq: v });
        }
        self.weight_sum = total;
    }

    fn step_torch(&mut self, lr: f64, params: &mut [ParamTensor]) {
        let c = &self.config;
        let k = self.count as f64;
        let warm = if self.count < c.warmup_steps {
            (k + 1.0) / c.warmup_steps as f64
        } else {
            1.0
        };
        let bc2 = 1.0 - c.b2.powf(k + 1.0);
        let lr_k = match c.flavor {
            ScheduleFreeFlavor::TorchPaper => lr * warm * bc2.sqrt(),
            _ => lr * warm,
        };
        self.scheduled_lr = lr_k;
        self.max_lr = py_max(self.max_lr, lr_k);
        let weight = (k + 1.0).powf(c.r) * self.max_lr.powf(c.weight_lr_power);
        self.weight_sum += weight;
        let ck = if self.weight_sum == 0.0 {
            0.0
        } else {
            weight / self.weight_sum
        };
        #[cfg(feature = "flex")]
        if let Some(dtype) = crate::host::param_dtype(params) {
            let k = HostCoefficients {
                b1: c.b1,
                b2: c.b2,
                eps: c.eps,
                weight_decay: c.weight_decay,
                bc2,
                ck,
                lr: lr_k,
                paper: c.flavor == ScheduleFreeFlavor::TorchPaper,
            };
            match dtype {
                burn::tensor::DType::F32 => self.step_host::<f32>(&k, false, params),
                _ => self.step_host::<f64>(&k, false, params),
            }
            return;
        }
        for param in params.iter_mut() {
            let st = self.per_param.remove(&param.key).unwrap_or_else(|| Slots {
                z: param.value.clone(),
                exp_avg_sq: param.value.zeros_like(),
            });
            let g = param.grad.clone();
            let v = st
                .exp_avg_sq
                .mul_scalar(c.b2)
                .add(g.clone().mul(g.clone()).mul_scalar(1.0 - c.b2));
            let denom = match c.flavor {
                ScheduleFreeFlavor::TorchPaper => v.clone().sqrt().add_scalar(c.eps),
                _ => v.clone().div_scalar(bc2).sqrt().add_scalar(c.eps),
            };
            let gn = g
                .div(denom)
                .add(param.value.clone().mul_scalar(c.weight_decay));
            let y = param.value.clone();
            param.value = y
                .clone()
                .add(st.z.clone().sub(y).mul_scalar(ck))
                .add(gn.clone().mul_scalar(lr_k * (c.b1 * (1.0 - ck) - 1.0)));
            let z = st.z.sub(gn.mul_scalar(lr_k));
            self.per_param
                .insert(param.key.clone(), Slots { z, exp_avg_sq: v });
        }
    }
}

/// The scalars of one Schedule-Free step, for the fused kernel.
#[cfg(feature = "flex")]
struct HostCoefficients {
    b1: f64,
    b2: f64,
    eps: f64,
    weight_decay: f64,
    bc2: f64,
    ck: f64,
    lr: f64,
    /// `torch_paper`: no bias correction in the denominator.
    paper: bool,
}

#[cfg(feature = "flex")]
impl ScheduleFreeAdamW {
    /// One fused pass over y, g, z and v per chunk, in the operation order of the optax
    /// (`optax: true`) or PyTorch tensor path above.
    fn step_host<T: crate::host::Real>(
        &mut self,
        k: &HostCoefficients,
        optax: bool,
        params: &mut [ParamTensor],
    ) {
        use crate::host::{par_zip, Host};
        let t = T::of;
        let (b1, omb1, b2, omb2) = (t(k.b1), t(1.0 - k.b1), t(k.b2), t(1.0 - k.b2));
        let (eps, wd, bc2, ck, omck) = (
            t(k.eps),
            t(k.weight_decay),
            t(k.bc2),
            t(k.ck),
            t(1.0 - k.ck),
        );
        let (neg_lr, lr) = (t(-k.lr), t(k.lr));
        let y_coef = t(k.lr * (k.b1 * (1.0 - k.ck) - 1.0));
        let paper = k.paper;
        for param in params.iter_mut() {
            let mut y = Host::take_from(&mut param.value);
            let g = Host::take(param.grad.clone());
            let (mut z, mut v) = match self.per_param.remove(&param.key) {
                Some(st) => (Host::take(st.z), Host::take(st.exp_avg_sq)),
                None => (y.duplicate::<T>(), Host::zeros::<T>(y.len())),
            };
            par_zip(
                [y.slice_mut::<T>(), z.slice_mut::<T>(), v.slice_mut::<T>()],
                [g.slice::<T>()],
                |[y, z, v], [g]| {
                    let (b1, omb1, b2, omb2, eps, wd, bc2) = (b1, omb1, b2, omb2, eps, wd, bc2);
                    let (ck, omck, neg_lr, lr, y_coef, paper, optax) =
                        (ck, omck, neg_lr, lr, y_coef, paper, optax);
                    let len = y.len();
                    let (z, v, g) = (&mut z[..len], &mut v[..len], &g[..len]);
                    for i in 0..len {
                        let gi = g[i];
                        if optax {
                            let vi = gi * gi * omb2 + v[i] * b2;
                            let u = (gi / ((vi / bc2).sqrt() + eps) + y[i] * wd) * neg_lr;
                            let zi = z[i] + u;
                            let prev_x = (y[i] - z[i] * omb1) / b1;
                            let xi = prev_x * omck + zi * ck;
                            (v[i], z[i]) = (vi, zi);
                            y[i] = xi * b1 + zi * omb1;
                        } else {
                            let vi = v[i] * b2 + gi * gi * omb2;
                            let denom = if paper {
                                vi.sqrt() + eps
                            } else {
                                (vi / bc2).sqrt() + eps
                            };
                            let gn = gi / denom + y[i] * wd;
                            let yi = y[i];
                            y[i] = (yi + (z[i] - yi) * ck) + gn * y_coef;
                            (v[i], z[i]) = (vi, z[i] - gn * lr);
                        }
                    }
                    []
                },
            );
            param.value = y.into_tensor();
            self.per_param.insert(
                param.key.clone(),
                Slots {
                    z: z.into_tensor(),
                    exp_avg_sq: v.into_tensor(),
                },
            );
        }
    }
}

impl Optimizer for ScheduleFreeAdamW {
    fn algorithm(&self) -> &'static str {
        "schedule_free_adamw"
    }

    fn step(&mut self, ctx: &StepContext, params: &mut [ParamTensor]) -> crate::Result<()> {
        validate::learning_rate(ctx.lr)?;
        match self.config.flavor {
            ScheduleFreeFlavor::Optax => self.step_optax(ctx.lr, params),
            _ => self.step_torch(ctx.lr, params),
        }
        self.count += 1;
        Ok(())
    }

    fn scalars(&self) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::from([
            ("weight_sum".to_string(), self.weight_sum),
            ("max_lr".to_string(), self.max_lr),
        ]);
        match self.config.flavor {
            ScheduleFreeFlavor::Optax => {
                out.insert("step_count".into(), (self.count + 1) as f64);
            }
            _ => {
                out.insert("k".into(), self.count as f64);
                out.insert("scheduled_lr".into(), self.scheduled_lr);
            }
        }
        out
    }

    fn export_state(&self) -> OptimizerState {
        let mut state = OptimizerState::new(self.algorithm());
        state.scalars = self.scalars();
        state.scalars.insert("count".into(), self.count as f64);
        for (key, st) in &self.per_param {
            let slots = BTreeMap::from([
                ("z".to_string(), StateTensor::from_tensor(&st.z)),
                (
                    "exp_avg_sq".to_string(),
                    StateTensor::from_tensor(&st.exp_avg_sq),
                ),
            ]);
            state.tensors.insert(key.clone(), slots);
        }
        state
    }

    fn import_state(&mut self, state: &OptimizerState, device: &Device) -> crate::Result<()> {
        state.expect_algorithm(self.algorithm())?;
        self.weight_sum = state.scalar("weight_sum")?;
        self.max_lr = state.scalar("max_lr")?;
        self.count = state.scalar("count")? as u64;
        self.scheduled_lr = state.scalars.get("scheduled_lr").copied().unwrap_or(0.0);
        self.per_param.clear();
        for key in state.tensors.keys() {
            let load = |slot: &str| state.tensor(key, slot).map(|t| t.to_tensor(device));
            self.per_param.insert(
                key.clone(),
                Slots {
                    z: load("z")?,
                    exp_avg_sq: load("exp_avg_sq")?,
                },
            );
        }
        Ok(())
    }

    /// `x = (y − (1−β₁)·z)/β₁`, the point Schedule-Free evaluates at.
    fn eval_params(&self, params: &[ParamTensor]) -> Option<Vec<Tensor<1>>> {
        let b1 = self.config.b1;
        Some(
            params
                .iter()
                .map(|p| match self.per_param.get(&p.key) {
                    Some(st) => p
                        .value
                        .clone()
                        .sub(st.z.clone().mul_scalar(1.0 - b1))
                        .div_scalar(b1),
                    None => p.value.clone(),
                })
                .collect(),
        )
    }
}
