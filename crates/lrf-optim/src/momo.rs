//! MoMo and MoMo-Adam (Schaipp, Ohana, Eickenberg, Defazio & Gower 2023): momentum methods
//! whose step is a Polyak step on a model of the loss, capped by the learning rate. Both need
//! the loss value of the batch ([`StepContext::loss`]).
//!
//! ```text
//! f̄ ← β f̄ + (1−β) f ;  m ← β m + (1−β) g ;  γ ← β γ + (1−β)⟨g, x⟩   (EMAs; see below)
//! D = 1 (MoMo)  or  D = √(v/(1−β₂ⁿ)) + ε (MoMo-Adam, v the usual second moment)
//! τ = min(lr/ρ, max(c·(f̄ − ρ·lb − γ) + ⟨m, x⟩, 0) / ⟨m, m/D⟩)        c = 1 + lr·λ
//! x ← x/c − τ·m/D   (optax)
//! ```
//! MoMo initialises its averages with the first sample (ρ = 1); MoMo-Adam starts them at 0 and
//! bias-corrects with ρ = 1 − β₁ⁿ. `adapt_lower_bound` estimates `lb` on the fly (optax
//! `adapt_lower_bound`, PyTorch `use_fstar`).
//!
//! `flavor: torch` is the `momo-opt` package: its weight decay is proximal,
//! `x ← (x − τ·m/D)/c` (MoMo-Adam `divide: false`: `x ← x(1 − lr·λ) − τ·m/D`); MoMo can also
//! start its averages at 0 with bias correction (`bias_correction: true`); and it has no
//! "no step when ⟨m, m/D⟩ ≤ machine ε" guard.

use std::collections::{BTreeMap, HashMap};

use burn::config::Config;
use burn::tensor::{Device, Tensor};

use crate::error::{invalid, OptimError};
use crate::hparams::{Hyperparams, Reader};
use crate::optimizer::{Optimizer, StepContext};
use crate::param::{dot, py_max, py_min, ParamTensor};
use crate::prodigy::ProdigyFlavor as Flavor;
use crate::state::{OptimizerState, StateTensor};
use crate::validate;

/// Hyperparameters of MoMo ([`Momo`] with plain momentum).
#[derive(Config, Debug, PartialEq)]
pub struct MomoConfig {
    /// β of the averages.
    #[config(default = 0.9)]
    pub beta: f64,
    /// Lower bound of the loss (0 for most losses).
    #[config(default = 0.0)]
    pub lower_bound: f64,
    /// Weight decay λ (proximal).
    #[config(default = 0.0)]
    pub weight_decay: f64,
    /// Estimate the lower bound on the fly.
    #[config(default = false)]
    pub adapt_lower_bound: bool,
    /// Start the averages at 0 with bias correction (torch flavor only).
    #[config(default = false)]
    pub bias_correction: bool,
    /// Reference implementation followed.
    #[config(default = "Flavor::Optax")]
    pub flavor: Flavor,
}

/// Hyperparameters of MoMo-Adam ([`Momo`] with Adam preconditioning).
#[derive(Config, Debug, PartialEq)]
pub struct MomoAdamConfig {
    /// β₁ of the first moment, the loss and ⟨g, x⟩ averages.
    #[config(default = 0.9)]
    pub b1: f64,
    /// β₂ of the second moment.
    #[config(default = 0.999)]
    pub b2: f64,
    /// ε added to √v̂.
    #[config(default = 1e-8)]
    pub eps: f64,
    /// Lower bound of the loss.
    #[config(default = 0.0)]
    pub lower_bound: f64,
    /// Weight decay λ.
    #[config(default = 0.0)]
    pub weight_decay: f64,
    /// Estimate the lower bound on the fly.
    #[config(default = false)]
    pub adapt_lower_bound: bool,
    /// PyTorch `divide`: proximal weight decay (`true`) or `x(1 − lr·λ)` (torch flavor only).
    #[config(default = true)]
    pub divide: bool,
    /// Reference implementation followed.
    #[config(default = "Flavor::Optax")]
    pub flavor: Flavor,
}

fn read_flavor(r: &mut Reader) -> crate::Result<Flavor> {
    Ok(match r.choice("flavor", "optax", &["optax", "torch"])? {
        "torch" => Flavor::Torch,
        _ => Flavor::Optax,
    })
}

impl MomoConfig {
    /// Reads `beta` (or `b1`), `lower_bound`, `weight_decay`, `adapt_lower_bound`,
    /// `bias_correction`, `flavor`.
    pub fn from_hparams(h: &Hyperparams) -> crate::Result<Self> {
        let d = Self::new();
        let mut r = Reader::new("momo", h);
        let flavor = read_flavor(&mut r)?;
        let config = Self {
            beta: r.beta("beta", d.beta)?,
            lower_bound: r.number("lower_bound", d.lower_bound)?,
            weight_decay: r.number("weight_decay", d.weight_decay)?,
            adapt_lower_bound: r.flag("adapt_lower_bound", d.adapt_lower_bound)?,
            bias_correction: r.flag("bias_correction", d.bias_correction)?,
            flavor,
        };
        r.finish()?;
        Ok(config)
    }

    /// Checks the ranges and builds the optimizer.
    pub fn init(&self) -> crate::Result<Momo> {
        validate::beta("beta", self.beta)?;
        if !self.lower_bound.is_finite() {
            return Err(invalid("lower_bound", self.lower_bound, "a finite number"));
        }
        validate::non_negative("weight_decay", self.weight_decay)?;
        if self.bias_correction && self.flavor == Flavor::Optax {
            return Err(invalid(
                "bias_correction",
                true,
                "flavor: torch for this option",
            ));
        }
        Ok(Momo::new(
            Kind::Momo {
                bias_correction: self.bias_correction,
            },
            self.beta,
            self.lower_bound,
            self.weight_decay,
            self.adapt_lower_bound,
            self.flavor,
        ))
    }
}

impl MomoAdamConfig {
    /// Reads `b1`, `b2` (or `one_minus_*`), `eps`, `lower_bound`, `weight_decay`,
    /// `adapt_lower_bound`, `divide`, `flavor`.
    pub fn from_hparams(h: &Hyperparams) -> crate::Result<Self> {
        let d = Self::new();
        let mut r = Reader::new("momo_adam", h);
        let flavor = read_flavor(&mut r)?;
        let config = Self {
            b1: r.beta("b1", d.b1)?,
            b2: r.beta("b2", d.b2)?,
            eps: r.number("eps", d.eps)?,
            lower_bound: r.number("lower_bound", d.lower_bound)?,
            weight_decay: r.number("weight_decay", d.weight_decay)?,
            adapt_lower_bound: r.flag("adapt_lower_bound", d.adapt_lower_bound)?,
            divide: r.flag("divide", d.divide)?,
            flavor,
        };
        r.finish()?;
        Ok(config)
    }

    /// Checks the ranges and builds the optimizer.
    pub fn init(&self) -> crate::Result<Momo> {
        validate::beta("b1", self.b1)?;
        validate::beta("b2", self.b2)?;
        validate::non_negative("eps", self.eps)?;
        if !self.lower_bound.is_finite() {
            return Err(invalid("lower_bound", self.lower_bound, "a finite number"));
        }
        validate::non_negative("weight_decay", self.weight_decay)?;
        if !self.divide && self.flavor == Flavor::Optax {
            return Err(invalid("divide", false, "flavor: torch for this option"));
        }
        Ok(Momo::new(
            Kind::Adam {
                b2: self.b2,
                eps: self.eps,
                divide: self.divide,
            },
            self.b1,
            self.lower_bound,
            self.weight_decay,
            self.adapt_lower_bound,
            self.flavor,
        ))
    }
}

/// Plain momentum or Adam preconditioning.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Momo { bias_correction: bool },
    Adam { b2: f64, eps: f64, divide: bool },
}

/// MoMo / MoMo-Adam; build it with [`MomoConfig`] or [`MomoAdamConfig`].
#[derive(Debug)]
pub struct Momo {
    kind: Kind,
    beta: f64,
    lb0: f64,
    weight_decay: f64,
    adapt: bool,
    flavor: Flavor,
    f_bar: f64,
    gamma: f64,
    lb: f64,
    count: u64,
    exp_avg: HashMap<String, Tensor<1>>,
    exp_avg_sq: HashMap<String, Tensor<1>>,
}

impl Momo {
    fn new(
        kind: Kind,
        beta: f64,
        lb0: f64,
        weight_decay: f64,
        adapt: bool,
        flavor: Flavor,
    ) -> Self {
        Self {
            kind,
            beta,
            lb0,
            weight_decay,
            adapt,
            flavor,
            f_bar: 0.0,
            gamma: 0.0,
            lb: lb0,
            count: 0,
            exp_avg: HashMap::new(),
            exp_avg_sq: HashMap::new(),
        }
    }

    /// Weight of the old value in this step's averages, and whether they restart from the
    /// first sample (MoMo without bias correction).
    fn average_weight(&self) -> (f64, bool) {
        let first = self.count == 0;
        match (self.kind, self.flavor) {
            (
                Kind::Momo {
                    bias_correction: false,
                },
                Flavor::Optax,
            ) if first => (0.0, false),
            (
                Kind::Momo {
                    bias_correction: false,
                },
                Flavor::Torch,
            ) if first => (self.beta, true),
            _ => (self.beta, false),
        }
    }
}

impl Momo {
    /// Updates the loss and ⟨g, x⟩ averages and the lower bound from this step's ⟨g, x⟩,
    /// ⟨m, m/D⟩ and ⟨m, x⟩, and returns the step size τ.
    fn step_size(&mut self, a: f64, loss: f64, gx: f64, norm: f64, ip: f64) -> f64 {
        let n = (self.count + 1) as f64;
        let c = 1.0 + a * self.weight_decay;
        let (bt, seed) = self.average_weight();
        let (f_prev, gamma_prev) = if seed {
            (loss, gx)
        } else {
            (self.f_bar, self.gamma)
        };
        self.f_bar = bt * f_prev + (1.0 - bt) * loss;
        self.gamma = bt * gamma_prev + (1.0 - bt) * gx;
        let rho = match self.kind {
            Kind::Momo {
                bias_correction: true,
            }
            | Kind::Adam { .. } => 1.0 - self.beta.powf(n),
            Kind::Momo {
                bias_correction: false,
            } => 1.0,
        };
        if self.adapt {
            let cap = c * (self.f_bar - self.gamma) + ip;
            if cap < c * rho * self.lb {
                self.lb = py_max(cap / (2.0 * c * rho), self.lb0);
            }
        }
        let mut t1 = py_max(c * (self.f_bar - rho * self.lb - self.gamma) + ip, 0.0) / norm;
        if self.flavor == Flavor::Optax && norm <= f64::EPSILON {
            t1 = 0.0; // optax takes no step when the direction vanishes
        }
        let tau = py_min(a / rho, t1);
        if self.adapt {
            self.lb = py_max(
                ((self.f_bar + ip - self.gamma) - 0.5 * tau * norm) / rho,
                self.lb0,
            );
        }
        tau
    }

    /// Two fused passes per tensor: ⟨g, x⟩, the moments, ⟨m, m/D⟩ and ⟨m, x⟩ over g, x, m
    /// (and v); then, with τ, the update of x, recomputing m/D from m (and v).
    #[cfg(feature = "flex")]
    fn step_host<T: crate::host::Real>(&mut self, a: f64, loss: f64, params: &mut [ParamTensor]) {
        use crate::host::{par_zip, sum_map, Host};
        let n = (self.count + 1) as f64;
        let (bt, seed) = self.average_weight();
        let t = T::of;
        let (bt_t, omb) = (t(bt), t(1.0 - bt));
        // (β₂, 1 − β₂, 1 − β₂ⁿ, ε) for MoMo-Adam.
        let adam = match self.kind {
            Kind::Momo { .. } => None,
            Kind::Adam { b2, eps, .. } => Some((t(b2), t(1.0 - b2), t(1.0 - b2.powf(n)), t(eps))),
        };
        let (mut gx, mut norm, mut ip) = (0.0, 0.0, 0.0);
        let mut taken = Vec::with_capacity(params.len());
        for p in params.iter() {
            let x = Host::take(p.value.clone());
            let g = Host::take(p.grad.clone());
            let mut m = match self.exp_avg.remove(&p.key) {
                Some(m) => Host::take(m),
                None if seed => g.duplicate::<T>(),
                None => Host::zeros::<T>(x.len()),
            };
            let mut v = match adam {
                None => Host::zeros::<T>(0),
                Some(_) => match self.exp_avg_sq.remove(&p.key) {
                    Some(v) => Host::take(v),
                    None => Host::zeros::<T>(x.len()),
                },
            };
            let [s_gx, s_norm, s_ip] = if let Some(k) = adam {
                par_zip(
                    [m.slice_mut::<T>(), v.slice_mut::<T>()],
                    [g.slice::<T>(), x.slice::<T>()],
                    |[m, v], [g, x]| {
                        let (bt, omb, (b2, omb2, bc2, eps)) = (bt_t, omb, k);
                        let len = m.len();
                        let (v, g, x) = (&mut v[..len], &g[..len], &x[..len]);
                        let gx = sum_map([g, x], |[g, x]| g * x);
                        for i in 0..len {
                            m[i] = m[i] * bt + g[i] * omb;
                            v[i] = v[i] * b2 + g[i] * omb2 * g[i];
                        }
                        [
                            gx,
                            sum_map([&m[..], &v[..]], |[m, v]| {
                                m * (m / ((v / bc2).sqrt() + eps))
                            }),
                            sum_map([&m[..], x], |[m, x]| m * x),
                        ]
                    },
                )
            } else {
                par_zip(
                    [m.slice_mut::<T>()],
                    [g.slice::<T>(), x.slice::<T>()],
                    |[m], [g, x]| {
                        let (bt, omb) = (bt_t, omb);
                        let len = m.len();
                        let (g, x) = (&g[..len], &x[..len]);
                        let gx = sum_map([g, x], |[g, x]| g * x);
                        for i in 0..len {
                            m[i] = m[i] * bt + g[i] * omb;
                        }
                        [
                            gx,
                            sum_map([&m[..]], |[m]| m * m),
                            sum_map([&m[..], x], |[m, x]| m * x),
                        ]
                    },
                )
            };
            gx += s_gx;
            norm += s_norm;
            ip += s_ip;
            taken.push((m, v));
        }
        let wd = self.weight_decay;
        let c = 1.0 + a * wd;
        let tau = self.step_size(a, loss, gx, norm, ip);
        let tau_t = t(tau);
        // x ← x·keep − τ·d, then ÷ c for PyTorch's proximal form.
        let (keep, divide) = match (self.flavor, self.kind) {
            (Flavor::Optax, _) => (None, None),
            (Flavor::Torch, Kind::Adam { divide: false, .. }) => (Some(t(1.0 - wd * a)), None),
            (Flavor::Torch, _) => (None, Some(t(c))),
        };
        let optax_decay = t(-(a * wd) / c);
        let optax = self.flavor == Flavor::Optax;
        for (p, (m, v)) in params.iter_mut().zip(taken) {
            let mut x = Host::take_from(&mut p.value);
            let v_slice: &[T] = if adam.is_some() {
                v.slice::<T>()
            } else {
                m.slice::<T>()
            };
            par_zip(
                [x.slice_mut::<T>()],
                [m.slice::<T>(), v_slice],
                |[x], [m, v]| {
                    let (tau, keep, divide, optax_decay, optax, adam) =
                        (tau_t, keep, divide, optax_decay, optax, adam);
                    let len = x.len();
                    let (m, v) = (&m[..len], &v[..len]);
                    for i in 0..len {
                        let d = match adam {
                            Some((_, _, bc2, eps)) => m[i] / ((v[i] / bc2).sqrt() + eps),
                            None => m[i],
                        };
                        let step = d * tau;
                        x[i] = if optax {
                            x[i] + (x[i] * optax_decay - step)
                        } else if let Some(k) = keep {
                            x[i] * k - step
                        } else if let Some(c) = divide {
                            (x[i] - step) / c
                        } else {
                            x[i] - step
                        };
                    }
                    []
                },
            );
            p.value = x.into_tensor();
            self.exp_avg.insert(p.key.clone(), m.into_tensor());
            if adam.is_some() {
                self.exp_avg_sq.insert(p.key.clone(), v.into_tensor());
            }
        }
        self.count += 1;
    }
}

impl Optimizer for Momo {
    fn algorithm(&self) -> &'static str {
        match self.kind {
            Kind::Momo { .. } => "momo",
            Kind::Adam { .. } => "momo_adam",
        }
    }

    fn needs_loss(&self) -> bool {
        true
    }

    fn step(&mut self, ctx: &StepContext, params: &mut [ParamTensor]) -> crate::Result<()> {
        validate::learning_rate(ctx.lr)?;
        let loss = ctx.loss.ok_or_else(|| {
            OptimError::Step(format!(
                "{} needs the loss value of the batch",
                self.algorithm()
            ))
        })?;
        #[cfg(feature = "flex")]
        match crate::host::param_dtype(params) {
            Some(burn::tensor::DType::F32) => {
                self.step_host::<f32>(ctx.lr, loss, params);
                return Ok(());
            }
            Some(burn::tensor::DType::F64) => {
                self.step_host::<f64>(ctx.lr, loss, params);
                return Ok(());
            }
            _ => {}
        }
        let n = (self.count + 1) as f64;
        let (bt, seed) = self.average_weight();
        // ⟨g, x⟩ over all parameters, then the loss and ⟨g, x⟩ averages.
        let gx: f64 = params.iter().map(|p| dot(&p.grad, &p.value)).sum();
        // Moments, the preconditioned direction m/D, ⟨m, m/D⟩ and ⟨m, x⟩.
        let mut directions = Vec::with_capacity(params.len());
        let (mut norm, mut ip) = (0.0, 0.0);
        for p in params.iter() {
            let prev = match self.exp_avg.remove(&p.key) {
                Some(m) => m,
                None if seed => p.grad.clone(),
                None => p.grad.zeros_like(),
            };
            let m = prev.mul_scalar(bt).add(p.grad.clone().mul_scalar(1.0 - bt));
            let direction = match self.kind {
                Kind::Momo { .. } => m.clone(),
                Kind::Adam { b2, eps, .. } => {
                    let v_prev = self
                        .exp_avg_sq
                        .remove(&p.key)
                        .unwrap_or_else(|| p.grad.zeros_like());
                    let v = v_prev
                        .mul_scalar(b2)
                        .add(p.grad.clone().mul_scalar(1.0 - b2).mul(p.grad.clone()));
                    let bc2 = 1.0 - b2.powf(n);
                    let precond = v.clone().div_scalar(bc2).sqrt().add_scalar(eps);
                    self.exp_avg_sq.insert(p.key.clone(), v);
                    m.clone().div(precond)
                }
            };
            norm += dot(&m, &direction);
            ip += dot(&m, &p.value);
            self.exp_avg.insert(p.key.clone(), m);
            directions.push(direction);
        }
        let (a, wd) = (ctx.lr, self.weight_decay);
        let c = 1.0 + a * wd;
        let tau = self.step_size(a, loss, gx, norm, ip);
        for (p, direction) in params.iter_mut().zip(directions) {
            let step = direction.mul_scalar(tau);
            p.value = match (self.flavor, self.kind) {
                (Flavor::Optax, _) => {
                    let decay = p.value.clone().mul_scalar(-(a * wd) / c);
                    p.value.clone().add(decay.sub(step))
                }
                (Flavor::Torch, Kind::Adam { divide: false, .. }) => {
                    p.value.clone().mul_scalar(1.0 - wd * a).sub(step)
                }
                (Flavor::Torch, _) => p.value.clone().sub(step).div_scalar(c),
            };
        }
        self.count += 1;
        Ok(())
    }

    fn scalars(&self) -> BTreeMap<String, f64> {
        BTreeMap::from([
            ("f_bar".to_string(), self.f_bar),
            ("gamma".to_string(), self.gamma),
            ("lb".to_string(), self.lb),
            ("count".to_string(), self.count as f64),
        ])
    }

    fn export_state(&self) -> OptimizerState {
        let mut state = OptimizerState::new(self.algorithm());
        state.scalars = self.scalars();
        for (key, m) in &self.exp_avg {
            let mut slots = BTreeMap::from([("exp_avg".to_string(), StateTensor::from_tensor(m))]);
            if let Some(v) = self.exp_avg_sq.get(key) {
                slots.insert("exp_avg_sq".into(), StateTensor::from_tensor(v));
            }
            state.tensors.insert(key.clone(), slots);
        }
        state
    }

    fn import_state(&mut self, state: &OptimizerState, device: &Device) -> crate::Result<()> {
        state.expect_algorithm(self.algorithm())?;
        self.f_bar = state.scalar("f_bar")?;
        self.gamma = state.scalar("gamma")?;
        self.lb = state.scalar("lb")?;
        self.count = state.scalar("count")? as u64;
        self.exp_avg.clear();
        self.exp_avg_sq.clear();
        for (key, slots) in &state.tensors {
            self.exp_avg
                .insert(key.clone(), state.tensor(key, "exp_avg")?.to_tensor(device));
            if let Some(v) = slots.get("exp_avg_sq") {
                self.exp_avg_sq.insert(key.clone(), v.to_tensor(device));
            }
        }
        Ok(())
    }
}
