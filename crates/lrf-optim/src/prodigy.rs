//! Prodigy (Mishchenko & Defazio 2024): Adam whose step size `d` is learned from the distance
//! travelled, one global `d` over all parameters.
//!
//! Default flavor `optax` is `optax.contrib.prodigy` (the likely semantics of the study):
//! ```text
//! dlr = d·lr·√(1−β₂ⁿ)/(1−β₁ⁿ)                      (bias correction always on)
//! m ← β₁m + (1−β₁)·d·g ;  v ← β₂v + (1−β₂)·(d·g)²
//! s ← β₃s + dlr·d·g/d₀          (safeguard_warmup: d·d·g/d₀)
//! r ← β₃r + (d/d₀)·dlr·⟨g, x₀ − x⟩
//! d ← max(d, d_coef·r/Σ|s|)
//! x ← x − λ·dlr·x − dlr·m/(√v + d·ε)                 (decoupled weight decay)
//! ```
//! Flavor `torch` is `prodigyopt.Prodigy` 1.1.2, with its switches: `bias_correction`
//! (PyTorch default off), `decoupled` (off = L2 weight decay added to the gradient),
//! `growth_rate`, an early return when Σ|s| = 0 and no update while the learning rate is 0.
//! Pitfall: with the optax flavor a first learning rate of exactly 0 (linear warmup from 0)
//! gives `d = 0/0 = NaN`; use `safeguard_warmup: true` with such warmups.

use std::collections::{BTreeMap, HashMap};

use burn::config::Config;
use burn::tensor::{Device, Tensor};

use crate::error::invalid;
use crate::hparams::{Hyperparams, Reader};
use crate::optimizer::{Optimizer, StepContext};
use crate::param::{dot, nan_max, py_max, py_min, sum_abs, ParamTensor};
use crate::state::{OptimizerState, StateTensor};
use crate::validate;

/// Which reference implementation Prodigy follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProdigyFlavor {
    /// `optax.contrib.prodigy`.
    Optax,
    /// `prodigyopt.Prodigy` (PyTorch).
    Torch,
}

/// Hyperparameters of [`Prodigy`]. Defaults are the literature defaults of both packages.
#[derive(Config, Debug, PartialEq)]
pub struct ProdigyConfig {
    /// β₁.
    #[config(default = 0.9)]
    pub b1: f64,
    /// β₂.
    #[config(default = 0.999)]
    pub b2: f64,
    /// β₃ for `s` and the numerator; `None` means √β₂.
    #[config(default = "None")]
    pub b3: Option<f64>,
    /// ε (relative: multiplied by `d`).
    #[config(default = 1e-8)]
    pub eps: f64,
    /// Initial estimate d₀ (optax `estim_lr0`).
    #[config(default = 1e-6)]
    pub d0: f64,
    /// Multiplier of the estimate (optax `estim_lr_coef`).
    #[config(default = 1.0)]
    pub d_coef: f64,
    /// Weight decay, scaled by `d·lr·bc`.
    #[config(default = 0.0)]
    pub weight_decay: f64,
    /// Leave the learning rate out of `s`, so warmup does not inflate `d`.
    #[config(default = false)]
    pub safeguard_warmup: bool,
    /// Reference implementation followed.
    #[config(default = "ProdigyFlavor::Optax")]
    pub flavor: ProdigyFlavor,
    /// Adam bias correction inside `dlr` (torch flavor only; optax always applies it).
    #[config(default = true)]
    pub bias_correction: bool,
    /// Decoupled (AdamW-style) weight decay; `false` adds λx to the gradient (torch flavor only).
    #[config(default = true)]
    pub decoupled: bool,
    /// Largest factor `d` may grow by per step (torch flavor only).
    #[config(default = "f64::INFINITY")]
    pub growth_rate: f64,
}

impl ProdigyConfig {
    /// Reads the keys of the struct (`b1`…`growth_rate`, `flavor: optax|torch`).
    ///
    /// With `flavor: torch` the PyTorch defaults apply (`bias_correction: false`).
    pub fn from_hparams(h: &Hyperparams) -> crate::Result<Self> {
        let d = Self::new();
        let mut r = Reader::new("prodigy", h);
        let flavor = match r.choice("flavor", "optax", &["optax", "torch"])? {
            "torch" => ProdigyFlavor::Torch,
            _ => ProdigyFlavor::Optax,
        };
        let b3 = match r.number("b3", f64::NAN)? {
            x if x.is_nan() => None,
            x => Some(x),
        };
        let config = Self {
            b1: r.beta("b1", d.b1)?,
            b2: r.beta("b2", d.b2)?,
            b3,
            eps: r.number("eps", d.eps)?,
            d0: r.number("d0", d.d0)?,
            d_coef: r.number("d_coef", d.d_coef)?,
            weight_decay: r.number("weight_decay", d.weight_decay)?,
            safeguard_warmup: r.flag("safeguard_warmup", d.safeguard_warmup)?,
            flavor,
            bias_correction: r.flag("bias_correction", flavor == ProdigyFlavor::Optax)?,
            decoupled: r.flag("decoupled", d.decoupled)?,
            growth_rate: r.number("growth_rate", d.growth_rate)?,
        };
        r.finish()?;
        Ok(config)
    }

    /// Checks the ranges and builds the optimizer.
    pub fn init(&self) -> crate::Result<Prodigy> {
        validate::beta("b1", self.b1)?;
        validate::beta("b2", self.b2)?;
        if let Some(b3) = self.b3 {
            validate::beta("b3", b3)?;
        }
        validate::non_negative("eps", self.eps)?;
        validate::positive("d0", self.d0)?;
        validate::positive("d_coef", self.d_coef)?;
        validate::non_negative("weight_decay", self.weight_decay)?;
        if self.growth_rate.is_nan() || self.growth_rate < 1.0 {
            return Err(invalid(
                "growth_rate",
                self.growth_rate,
                "a number >= 1 (or inf)",
            ));
        }
        if self.flavor == ProdigyFlavor::Optax {
            let torch_only = [
                ("bias_correction", !self.bias_correction),
                ("decoupled", !self.decoupled),
                ("growth_rate", self.growth_rate.is_finite()),
            ];
            for (name, changed) in torch_only {
                if changed {
                    return Err(invalid(
                        name,
                        "a non-default value",
                        "flavor: torch for this option",
                    ));
                }
            }
        }
        Ok(Prodigy {
            config: self.clone(),
            d: self.d0,
            d_max: self.d0,
            numerator: 0.0,
            d_hat: None,
            denominator: None,
            count: 0,
            per_param: HashMap::new(),
        })
    }

    fn b3(&self) -> f64 {
        self.b3.unwrap_or_else(|| self.b2.sqrt())
    }
}

/// Per-parameter state: moments, the weighted gradient sum `s` and the initial point x₀.
#[derive(Debug, Clone)]
struct ProdigyParamState {
    exp_avg: Tensor<1>,
    exp_avg_sq: Tensor<1>,
    s: Tensor<1>,
    params0: Tensor<1>,
}

impl ProdigyParamState {
    fn zeros_at(x: &Tensor<1>) -> Self {
        Self {
            exp_avg: x.zeros_like(),
            exp_avg_sq: x.zeros_like(),
            s: x.zeros_like(),
            params0: x.clone(),
        }
    }
}

/// The Prodigy optimizer; build it with [`ProdigyConfig`].
#[derive(Debug)]
pub struct Prodigy {
    config: ProdigyConfig,
    d: f64,
    d_max: f64,
    numerator: f64,
    d_hat: Option<f64>,
    denominator: Option<f64>,
    count: u64,
    per_param: HashMap<String, ProdigyParamState>,
}

impl Prodigy {
    /// The current step-size estimate `d`.
    pub fn d(&self) -> f64 {
        self.d
    }

    fn state_of(&mut self, p: &ParamTensor) -> ProdigyParamState {
        self.per_param
            .entry(p.key.clone())
            .or_insert_with(|| ProdigyParamState::zeros_at(&p.value))
            .clone()
    }

    fn step_optax(&mut self, lr: f64, params: &mut [ParamTensor]) {
        let c = self.config.clone();
        let (b3, d, d0) = (c.b3(), self.d, c.d0);
        let n = (self.count + 1) as f64;
        let bc = (1.0 - c.b2.powf(n)).sqrt() / (1.0 - c.b1.powf(n));
        let dlr = d * lr * bc;
        let s_scale = if c.safeguard_warmup { d } else { dlr };
        let mut acc = 0.0;
        let mut den = 0.0;
        let mut moments = Vec::with_capacity(params.len());
        for p in params.iter() {
            let mut st = self.state_of(p);
            acc += dot(&p.grad, &st.params0.clone().sub(p.value.clone()));
            let dg = p.grad.clone().mul_scalar(d);
            st.exp_avg = st
                .exp_avg
                .mul_scalar(c.b1)
                .add(dg.clone().mul_scalar(1.0 - c.b1));
            st.exp_avg_sq = st
                .exp_avg_sq
                .mul_scalar(c.b2)
                .add(dg.clone().mul_scalar(1.0 - c.b2).mul(dg.clone()));
            st.s =
                st.s.mul_scalar(b3)
                    .add(dg.mul_scalar(s_scale).div_scalar(d0));
            den += sum_abs(&st.s);
            moments.push((st.exp_avg.clone(), st.exp_avg_sq.clone()));
            self.per_param.insert(p.key.clone(), st);
        }
        self.numerator = b3 * self.numerator + (d / d0) * dlr * acc;
        let d_hat = c.d_coef * self.numerator / den;
        self.d = nan_max(d, d_hat);
        self.d_hat = Some(d_hat);
        self.denominator = Some(den);
        let (d_new, wd) = (self.d, c.weight_decay);
        for (p, (m, v)) in params.iter_mut().zip(moments) {
            let decay = p.value.clone().mul_scalar(-wd * dlr);
            let adam = m.mul_scalar(dlr).div(v.sqrt().add_scalar(d_new * c.eps));
            p.value = p.value.clone().add(decay.sub(adam));
        }
        self.count += 1;
    }

    fn step_torch(&mut self, lr: f64, params: &mut [ParamTensor]) {
        let c = self.config.clone();
        let (b3, d, d0) = (c.b3(), self.d, c.d0);
        let k = self.count as f64;
        let bc = if c.bias_correction {
            (1.0 - c.b2.powf(k + 1.0)).sqrt() / (1.0 - c.b1.powf(k + 1.0))
        } else {
            1.0
        };
        let dlr = d * lr * bc;
        let s_scale = if c.safeguard_warmup {
            (d / d0) * d
        } else {
            (d / d0) * dlr
        };
        let mut numerator = self.numerator * b3;
        let mut den = 0.0;
        for p in params.iter_mut() {
            if c.weight_decay != 0.0 && !c.decoupled {
                p.grad = p
                    .grad
                    .clone()
                    .add(p.value.clone().mul_scalar(c.weight_decay));
            }
            let mut st = self.state_of(p);
            if lr > 0.0 {
                numerator +=
                    (d / d0) * dlr * dot(&p.grad, &st.params0.clone().sub(p.value.clone()));
                st.exp_avg = st
                    .exp_avg
                    .mul_scalar(c.b1)
                    .add(p.grad.clone().mul_scalar(d * (1.0 - c.b1)));
                st.exp_avg_sq = st.exp_avg_sq.mul_scalar(c.b2).add(
                    p.grad
                        .clone()
                        .mul(p.grad.clone())
                        .mul_scalar(d * d * (1.0 - c.b2)),
                );
                st.s = st.s.mul_scalar(b3).add(p.grad.clone().mul_scalar(s_scale));
                den += sum_abs(&st.s);
            }
            self.per_param.insert(p.key.clone(), st);
        }
        if den == 0.0 {
            return;
        }
        let mut d_new = d;
        let mut d_hat = d;
        if lr > 0.0 {
            d_hat = c.d_coef * numerator / den;
            if d_new == d0 {
                d_new = py_max(d_new, d_hat);
            }
            self.d_max = py_max(self.d_max, d_hat);
            d_new = py_min(self.d_max, d_new * c.growth_rate);
        }
        self.numerator = numerator;
        self.denominator = Some(den);
        self.d = d_new;
        self.d_hat = Some(d_hat);
        for p in params.iter_mut() {
            let st = &self.per_param[&p.key];
            let denom = st.exp_avg_sq.clone().sqrt().add_scalar(d_new * c.eps);
            if c.weight_decay != 0.0 && c.decoupled {
                p.value = p
                    .value
                    .clone()
                    .add(p.value.clone().mul_scalar(-c.weight_decay * dlr));
            }
            p.value = p
                .value
                .clone()
                .add(st.exp_avg.clone().div(denom).mul_scalar(-dlr));
        }
        self.count += 1;
    }
}

/// Host buffers of one parameter's state.
#[cfg(feature = "flex")]
struct HostSlots {
    m: crate::host::Host,
    v: crate::host::Host,
    s: crate::host::Host,
    x0: crate::host::Host,
}

#[cfg(feature = "flex")]
impl Prodigy {
    fn take_host<T: crate::host::Real>(&mut self, p: &ParamTensor) -> HostSlots {
        use crate::host::Host;
        match self.per_param.remove(&p.key) {
            Some(st) => HostSlots {
                m: Host::take(st.exp_avg),
                v: Host::take(st.exp_avg_sq),
                s: Host::take(st.s),
                x0: Host::take(st.params0),
            },
            None => {
                let len = p.value.dims()[0];
                HostSlots {
                    m: Host::zeros::<T>(len),
                    v: Host::zeros::<T>(len),
                    s: Host::zeros::<T>(len),
                    x0: Host::take(p.value.clone()).duplicate::<T>(),
                }
            }
        }
    }

    fn put_host(&mut self, key: &str, h: HostSlots) {
        self.per_param.insert(
            key.to_string(),
            ProdigyParamState {
                exp_avg: h.m.into_tensor(),
                exp_avg_sq: h.v.into_tensor(),
                s: h.s.into_tensor(),
                params0: h.x0.into_tensor(),
            },
        );
    }

    /// Both flavors in two fused passes per tensor: moments, `s`, ⟨g, x₀ − x⟩ and Σ|s| over
    /// g, x, x₀, m, v, s; then, with the new `d`, the update of x from m and v.
    fn step_host<T: crate::host::Real>(&mut self, lr: f64, params: &mut [ParamTensor]) {
        use crate::host::{par_zip, sum_map, Host};
        let c = self.config.clone();
        let optax = c.flavor == ProdigyFlavor::Optax;
        let (b3, d, d0) = (c.b3(), self.d, c.d0);
        let n = (self.count + 1) as f64;
        let bc = if optax || c.bias_correction {
            (1.0 - c.b2.powf(n)).sqrt() / (1.0 - c.b1.powf(n))
        } else {
            1.0
        };
        let dlr = d * lr * bc;
        // optax multiplies d·g first and divides by d₀ last; PyTorch folds all into one factor.
        let (m_coef, v_coef, s_coef) = if optax {
            (
                1.0 - c.b1,
                1.0 - c.b2,
                if c.safeguard_warmup { d } else { dlr },
            )
        } else {
            let s = if c.safeguard_warmup {
                (d / d0) * d
            } else {
                (d / d0) * dlr
            };
            (d * (1.0 - c.b1), d * d * (1.0 - c.b2), s)
        };
        let t = T::of;
        let (b1, b2, b3t, dt, d0t) = (t(c.b1), t(c.b2), t(b3), t(d), t(d0));
        let (m_coef, v_coef, s_coef) = (t(m_coef), t(v_coef), t(s_coef));
        let l2 = (!optax && !c.decoupled && c.weight_decay != 0.0).then(|| t(c.weight_decay));
        let active = optax || lr > 0.0;
        let mut acc = 0.0;
        let mut numerator = self.numerator * b3;
        let mut den = 0.0;
        let mut slots = Vec::with_capacity(params.len());
        for p in params.iter() {
            let mut h = self.take_host::<T>(p);
            if active {
                let x = Host::take(p.value.clone());
                let g = Host::take(p.grad.clone());
                let [dot, l1] = par_zip(
                    [
                        h.m.slice_mut::<T>(),
                        h.v.slice_mut::<T>(),
                        h.s.slice_mut::<T>(),
                    ],
                    [g.slice::<T>(), x.slice::<T>(), h.x0.slice::<T>()],
                    |[m, v, s], [g, x, x0]| {
                        let (b1, b2, b3, d, d0, l2) = (b1, b2, b3t, dt, d0t, l2);
                        let (m_coef, v_coef, s_coef, optax) = (m_coef, v_coef, s_coef, optax);
                        let len = m.len();
                        let (v, s, g, x, x0) = (
                            &mut v[..len],
                            &mut s[..len],
                            &g[..len],
                            &x[..len],
                            &x0[..len],
                        );
                        let grad = |i: usize| match l2 {
                            Some(wd) => g[i] + x[i] * wd,
                            None => g[i],
                        };
                        let dot = sum_map([g, x, x0], |[g, x, x0]| {
                            l2.map_or(g, |wd| g + x * wd) * (x0 - x)
                        });
                        // The flavour test sits outside the loops so that each loop vectorises.
                        if optax {
                            for i in 0..len {
                                let dg = grad(i) * d;
                                m[i] = m[i] * b1 + dg * m_coef;
                                v[i] = v[i] * b2 + dg * v_coef * dg;
                                s[i] = s[i] * b3 + dg * s_coef / d0;
                            }
                        } else {
                            for i in 0..len {
                                let gi = grad(i);
                                m[i] = m[i] * b1 + gi * m_coef;
                                v[i] = v[i] * b2 + gi * gi * v_coef;
                                s[i] = s[i] * b3 + gi * s_coef;
                            }
                        }
                        [dot, sum_map([&s[..]], |[s]| s.abs())]
                    },
                );
                if optax {
                    acc += dot;
                } else {
                    numerator += (d / d0) * dlr * dot;
                }
                den += l1;
            }
            slots.push(h);
        }
        if optax {
            self.numerator = b3 * self.numerator + (d / d0) * dlr * acc;
            let d_hat = c.d_coef * self.numerator / den;
            self.d = nan_max(d, d_hat);
            self.d_hat = Some(d_hat);
            self.denominator = Some(den);
        } else {
            if den == 0.0 {
                for (p, h) in params.iter().zip(slots) {
                    self.put_host(&p.key, h);
                }
                return;
            }
            let mut d_new = d;
            let mut d_hat = d;
            if lr > 0.0 {
                d_hat = c.d_coef * numerator / den;
                if d_new == d0 {
                    d_new = py_max(d_new, d_hat);
                }
                self.d_max = py_max(self.d_max, d_hat);
                d_new = py_min(self.d_max, d_new * c.growth_rate);
            }
            self.numerator = numerator;
            self.denominator = Some(den);
            self.d = d_new;
            self.d_hat = Some(d_hat);
        }
        let eps_d = t(self.d * c.eps);
        let decay =
            (c.weight_decay != 0.0 && (optax || c.decoupled)).then(|| t(-c.weight_decay * dlr));
        let (dlr_t, neg_dlr) = (t(dlr), t(-dlr));
        for (p, h) in params.iter_mut().zip(slots) {
            let mut x = Host::take_from(&mut p.value);
            par_zip(
                [x.slice_mut::<T>()],
                [h.m.slice::<T>(), h.v.slice::<T>()],
                |[x], [m, v]| {
                    let (eps_d, dlr, neg_dlr, optax) = (eps_d, dlr_t, neg_dlr, optax);
                    let (has_decay, k) = (decay.is_some(), decay.unwrap_or(t(0.0)));
                    let len = x.len();
                    let (m, v) = (&m[..len], &v[..len]);
                    if optax {
                        for i in 0..len {
                            let wd = if has_decay { x[i] * k } else { t(0.0) };
                            x[i] = x[i] + (wd - m[i] * dlr / (v[i].sqrt() + eps_d));
                        }
                    } else {
                        for i in 0..len {
                            if has_decay {
                                x[i] = x[i] + x[i] * k;
                            }
                            x[i] = x[i] + m[i] / (v[i].sqrt() + eps_d) * neg_dlr;
                        }
                    }
                    []
                },
            );
            p.value = x.into_tensor();
            self.put_host(&p.key, h);
        }
        self.count += 1;
    }
}

impl Optimizer for Prodigy {
    fn algorithm(&self) -> &'static str {
        "prodigy"
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
        match self.config.flavor {
            ProdigyFlavor::Optax => self.step_optax(ctx.lr, params),
            ProdigyFlavor::Torch => self.step_torch(ctx.lr, params),
        }
        Ok(())
    }

    fn scalars(&self) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        out.insert("d".to_string(), self.d);
        out.insert("d_numerator".to_string(), self.numerator);
        let counter = match self.config.flavor {
            ProdigyFlavor::Optax => "count",
            ProdigyFlavor::Torch => "k",
        };
        out.insert(counter.to_string(), self.count as f64);
        if self.config.flavor == ProdigyFlavor::Torch {
            out.insert("d_max".to_string(), self.d_max);
        }
        if let Some(x) = self.d_hat {
            out.insert("d_hat".to_string(), x);
        }
        if let Some(x) = self.denominator {
            out.insert("d_denom".to_string(), x);
        }
        out
    }

    fn export_state(&self) -> OptimizerState {
        let mut state = OptimizerState::new(self.algorithm());
        state.scalars = self.scalars();
        state.scalars.insert("d_max".to_string(), self.d_max);
        for (key, st) in &self.per_param {
            let mut slots = BTreeMap::new();
            slots.insert("exp_avg".to_string(), StateTensor::from_tensor(&st.exp_avg));
            slots.insert(
                "exp_avg_sq".to_string(),
                StateTensor::from_tensor(&st.exp_avg_sq),
            );
            slots.insert("s".to_string(), StateTensor::from_tensor(&st.s));
            slots.insert("params0".to_string(), StateTensor::from_tensor(&st.params0));
            state.tensors.insert(key.clone(), slots);
        }
        state
    }

    fn import_state(&mut self, state: &OptimizerState, device: &Device) -> crate::Result<()> {
        state.expect_algorithm(self.algorithm())?;
        let counter = match self.config.flavor {
            ProdigyFlavor::Optax => "count",
            ProdigyFlavor::Torch => "k",
        };
        self.d = state.scalar("d")?;
        self.d_max = state.scalar("d_max")?;
        self.numerator = state.scalar("d_numerator")?;
        self.count = state.scalar(counter)? as u64;
        self.d_hat = state.scalars.get("d_hat").copied();
        self.denominator = state.scalars.get("d_denom").copied();
        self.per_param.clear();
        for key in state.tensors.keys() {
            let load = |slot: &str| state.tensor(key, slot).map(|t| t.to_tensor(device));
            self.per_param.insert(
                key.clone(),
                ProdigyParamState {
                    exp_avg: load("exp_avg")?,
                    exp_avg_sq: load("exp_avg_sq")?,
                    s: load("s")?,
                    params0: load("params0")?,
                },
            );
        }
        Ok(())
    }
}
