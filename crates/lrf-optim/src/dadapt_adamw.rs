//! D-Adaptation AdamW (Defazio & Mishchenko 2023): Adam whose step size `d` is estimated
//! from a preconditioned dual average, one global `d` over all parameters.
//!
//! Default flavor `optax` is `optax.contrib.dadapt_adamw`:
//! ```text
//! dlr = d·lr·√(1−β₂ⁿ)/(1−β₁ⁿ)                         (bias correction always on)
//! r ← √β₂·r + (1−√β₂)·dlr·⟨g, s/(√v + ε)⟩             (old s, old v)
//! m ← β₁m + (1−β₁)·dlr·g ;  v ← β₂v + (1−β₂)g² ;  s ← √β₂·s + (1−√β₂)·dlr·g
//! d ← max(d, r/((1−√β₂)·Σ|s|))
//! x ← x − m/(√v + ε) − λ·dlr·x                        (decoupled weight decay, old dlr)
//! ```
//! Flavor `torch` is `dadaptation.DAdaptAdam` 3.2 with its switches: `bias_correction`
//! (PyTorch default off), `decoupled` (PyTorch default off: L2 weight decay), `growth_rate`,
//! an early return when Σ|s| = 0 and no update while the learning rate is 0.
//! Pitfall: with the optax flavor a first learning rate of exactly 0 gives `d = 0/0 = NaN`.

use std::collections::{BTreeMap, HashMap};

use burn::config::Config;
use burn::tensor::{Device, Tensor};

use crate::error::invalid;
use crate::hparams::{Hyperparams, Reader};
use crate::optimizer::{Optimizer, StepContext};
use crate::param::{dot, nan_max, py_max, py_min, sum_abs, ParamTensor};
use crate::prodigy::ProdigyFlavor as Flavor;
use crate::state::{OptimizerState, StateTensor};
use crate::validate;

/// Hyperparameters of [`DAdaptAdamW`]; defaults are the literature defaults of both packages.
#[derive(Config, Debug, PartialEq)]
pub struct DAdaptAdamWConfig {
    /// β₁.
    #[config(default = 0.9)]
    pub b1: f64,
    /// β₂ (√β₂ weights `s` and the numerator).
    #[config(default = 0.999)]
    pub b2: f64,
    /// ε (absolute, unlike Prodigy's).
    #[config(default = 1e-8)]
    pub eps: f64,
    /// Initial estimate d₀ (optax `estim_lr0`).
    #[config(default = 1e-6)]
    pub d0: f64,
    /// Weight decay, scaled by `d·lr·bc` when decoupled.
    #[config(default = 0.0)]
    pub weight_decay: f64,
    /// Reference implementation followed (`optax` or `torch`).
    #[config(default = "Flavor::Optax")]
    pub flavor: Flavor,
    /// Adam bias correction inside `dlr` (torch flavor only; optax always applies it).
    #[config(default = true)]
    pub bias_correction: bool,
    /// Decoupled (AdamW) weight decay; `false` adds λx to the gradient (torch flavor only).
    #[config(default = true)]
    pub decoupled: bool,
    /// Largest factor `d` may grow by per step (torch flavor only).
    #[config(default = "f64::INFINITY")]
    pub growth_rate: f64,
}

impl DAdaptAdamWConfig {
    /// Reads the keys of the struct; with `flavor: torch` the PyTorch defaults apply
    /// (`bias_correction: false`, `decoupled: false`).
    pub fn from_hparams(h: &Hyperparams) -> crate::Result<Self> {
        let d = Self::new();
        let mut r = Reader::new("dadapt_adamw", h);
        let flavor = match r.choice("flavor", "optax", &["optax", "torch"])? {
            "torch" => Flavor::Torch,
            _ => Flavor::Optax,
        };
        let optax = flavor == Flavor::Optax;
        let config = Self {
            b1: r.beta("b1", d.b1)?,
            b2: r.beta("b2", d.b2)?,
            eps: r.number("eps", d.eps)?,
            d0: r.number("d0", d.d0)?,
            weight_decay: r.number("weight_decay", d.weight_decay)?,
            flavor,
            bias_correction: r.flag("bias_correction", optax)?,
            decoupled: r.flag("decoupled", optax)?,
            growth_rate: r.number("growth_rate", d.growth_rate)?,
        };
        r.finish()?;
        Ok(config)
    }

    /// Checks the ranges and builds the optimizer.
    pub fn init(&self) -> crate::Result<DAdaptAdamW> {
        validate::beta("b1", self.b1)?;
        validate::beta("b2", self.b2)?;
        validate::non_negative("eps", self.eps)?;
        validate::positive("d0", self.d0)?;
        validate::non_negative("weight_decay", self.weight_decay)?;
        if self.growth_rate.is_nan() || self.growth_rate < 1.0 {
            return Err(invalid(
                "growth_rate",
                self.growth_rate,
                "a number >= 1 (or inf)",
            ));
        }
        if self.flavor == Flavor::Optax {
            for (name, changed) in [
                ("bias_correction", !self.bias_correction),
                ("decoupled", !self.decoupled),
                ("growth_rate", self.growth_rate.is_finite()),
            ] {
                if changed {
                    return Err(invalid(
                        name,
                        "a non-default value",
                        "flavor: torch for this option",
                    ));
                }
            }
        }
        Ok(DAdaptAdamW {
            config: self.clone(),
            d: self.d0,
            numerator: 0.0,
            count: 0,
            per_param: HashMap::new(),
        })
    }
}

/// Per-parameter state: Adam moments (m carries dlr) and the weighted gradient sum `s`.
#[derive(Debug, Clone)]
struct Slots {
    exp_avg: Tensor<1>,
    exp_avg_sq: Tensor<1>,
    s: Tensor<1>,
}

/// The D-Adaptation AdamW optimizer; build it with [`DAdaptAdamWConfig`].
#[derive(Debug)]
pub struct DAdaptAdamW {
    config: DAdaptAdamWConfig,
    d: f64,
    numerator: f64,
    count: u64,
    per_param: HashMap<String, Slots>,
}

impl DAdaptAdamW {
    /// The current step-size estimate `d`.
    pub fn d(&self) -> f64 {
        self.d
    }

    fn slots(&mut self, p: &ParamTensor) -> Slots {
        self.per_param
            .entry(p.key.clone())
            .or_insert_with(|| Slots {
                exp_avg: p.value.zeros_like(),
                exp_avg_sq: p.value.zeros_like(),
                s: p.value.zeros_like(),
            })
            .clone()
    }
}

#[cfg(feature = "flex")]
impl DAdaptAdamW {
    /// optax: one fused pass per tensor (the update of x does not need the new `d`); PyTorch:
    /// the state pass, then the update of x only if Σ|s| > 0 (its early return).
    fn step_host<T: crate::host::Real>(&mut self, lr: f64, params: &mut [ParamTensor]) {
        use crate::host::{par_zip, sum_map, Host};
        let c = self.config.clone();
        let torch = c.flavor == Flavor::Torch;
        let n = (self.count + 1) as f64;
        let bc = if c.bias_correction {
            (1.0 - c.b2.powf(n)).sqrt() / (1.0 - c.b1.powf(n))
        } else {
            1.0
        };
        let dlr = self.d * lr * bc;
        let sb2 = c.b2.sqrt();
        let active = !torch || lr > 0.0;
        let t = T::of;
        let (b1, b2, sb2t, eps) = (t(c.b1), t(c.b2), t(sb2), t(c.eps));
        let (m_coef, v_coef, s_coef) = (t((1.0 - c.b1) * dlr), t(1.0 - c.b2), t((1.0 - sb2) * dlr));
        let l2 = (c.weight_decay != 0.0 && !c.decoupled).then(|| t(c.weight_decay));
        let decay = (c.weight_decay != 0.0 && c.decoupled).then(|| t(-c.weight_decay * dlr));
        let zero = t(0.0);
        let (mut acc, mut l1) = (0.0, 0.0);
        let mut taken = Vec::with_capacity(params.len());
        for p in params.iter_mut() {
            let (mut m, mut v, mut s) = match self.per_param.remove(&p.key) {
                Some(st) => (
                    Host::take(st.exp_avg),
                    Host::take(st.exp_avg_sq),
                    Host::take(st.s),
                ),
                None => {
                    let len = p.value.dims()[0];
                    (
                        Host::zeros::<T>(len),
                        Host::zeros::<T>(len),
                        Host::zeros::<T>(len),
                    )
                }
            };
            if active {
                let g = Host::take(p.grad.clone());
                // One kernel for both flavors: optax also updates x in the same pass.
                let kernel =
                    move |x: &[T], g: &[T], m: &mut [T], v: &mut [T], s: &mut [T]| -> [f64; 2] {
                        let (b1, b2, sb2, eps, m_coef, v_coef, s_coef, l2) =
                            (b1, b2, sb2t, eps, m_coef, v_coef, s_coef, l2);
                        let len = m.len();
                        let (x, g, v, s) = (&x[..len], &g[..len], &mut v[..len], &mut s[..len]);
                        let grad = |i: usize| match l2 {
                            Some(wd) => g[i] + x[i] * wd,
                            None => g[i],
                        };
                        let dot = sum_map([g, x, &s[..], &v[..]], |[g, x, s, v]| {
                            let g = l2.map_or(g, |wd| g + x * wd);
                            g * (s / (v.sqrt() + eps))
                        });
                        for i in 0..len {
                            let gi = grad(i);
                            m[i] = m[i] * b1 + gi * m_coef;
                            v[i] = v[i] * b2 + gi * gi * v_coef;
                            s[i] = s[i] * sb2 + gi * s_coef;
                        }
                        [dot, sum_map([&s[..]], |[s]| s.abs())]
                    };
                let [dot, sum] = if torch {
                    let x = Host::take(p.value.clone());
                    par_zip(
                        [m.slice_mut::<T>(), v.slice_mut::<T>(), s.slice_mut::<T>()],
                        [x.slice::<T>(), g.slice::<T>()],
                        |[m, v, s], [x, g]| kernel(x, g, m, v, s),
                    )
                } else {
                    let mut x = Host::take_from(&mut p.value);
                    let sums = par_zip(
                        [
                            x.slice_mut::<T>(),
                            m.slice_mut::<T>(),
                            v.slice_mut::<T>(),
                            s.slice_mut::<T>(),
                        ],
                        [g.slice::<T>()],
                        |[x, m, v, s], [g]| {
                            let sums = kernel(x, g, m, v, s);
                            let (eps, decay, zero) = (eps, decay, zero);
                            let len = x.len();
                            let (m, v) = (&m[..len], &v[..len]);
                            for i in 0..len {
                                let wd = decay.map_or(zero, |k| x[i] * k);
                                x[i] = x[i] + (wd - m[i] / (v[i].sqrt() + eps));
                            }
                            sums
                        },
                    );
                    p.value = x.into_tensor();
                    sums
                };
                acc += dot;
                l1 += sum;
            }
            taken.push((m, v, s));
        }
        let put = |this: &mut Self, params: &[ParamTensor], taken: Vec<(Host, Host, Host)>| {
            for (p, (m, v, s)) in params.iter().zip(taken) {
                let slots = Slots {
                    exp_avg: m.into_tensor(),
                    exp_avg_sq: v.into_tensor(),
                    s: s.into_tensor(),
                };
                this.per_param.insert(p.key.clone(), slots);
            }
        };
        if torch && l1 == 0.0 {
            put(self, params, taken);
            return; // PyTorch returns before the update and keeps k
        }
        self.numerator = sb2 * self.numerator + (1.0 - sb2) * dlr * acc;
        let d_hat = self.numerator / ((1.0 - sb2) * l1);
        self.d = if torch {
            py_max(self.d, py_min(d_hat, self.d * c.growth_rate))
        } else {
            nan_max(self.d, d_hat)
        };
        if torch {
            for (p, (m, v, _)) in params.iter_mut().zip(&taken) {
                let mut x = Host::take_from(&mut p.value);
                par_zip(
                    [x.slice_mut::<T>()],
                    [m.slice::<T>(), v.slice::<T>()],
                    |[x], [m, v]| {
                        let (eps, decay, zero) = (eps, decay, zero);
                        let len = x.len();
                        let (m, v) = (&m[..len], &v[..len]);
                        for i in 0..len {
                            let wd = decay.map_or(zero, |k| x[i] * k);
                            x[i] = x[i] + (wd - m[i] / (v[i].sqrt() + eps));
                        }
                        []
                    },
                );
                p.value = x.into_tensor();
            }
        }
        put(self, params, taken);
        self.count += 1;
    }
}

impl Optimizer for DAdaptAdamW {
    fn algorithm(&self) -> &'static str {
        "dadapt_adamw"
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
        let c = self.config.clone();
        let torch = c.flavor == Flavor::Torch;
        let n = (self.count + 1) as f64;
        let bc = if c.bias_correction {
            (1.0 - c.b2.powf(n)).sqrt() / (1.0 - c.b1.powf(n))
        } else {
            1.0
        };
        let dlr = self.d * ctx.lr * bc;
        let sb2 = c.b2.sqrt();
        let active = !torch || ctx.lr > 0.0;
        let (mut acc, mut l1) = (0.0, 0.0);
        let mut updated = Vec::with_capacity(params.len());
        for p in params.iter_mut() {
            if c.weight_decay != 0.0 && !c.decoupled {
                p.grad = p
                    .grad
                    .clone()
                    .add(p.value.clone().mul_scalar(c.weight_decay));
            }
            let mut st = self.slots(p);
            if active {
                let weighted =
                    st.s.clone()
                        .div(st.exp_avg_sq.clone().sqrt().add_scalar(c.eps));
                acc += dot(&p.grad, &weighted);
                st.exp_avg = st
                    .exp_avg
                    .mul_scalar(c.b1)
                    .add(p.grad.clone().mul_scalar((1.0 - c.b1) * dlr));
                st.exp_avg_sq = st
                    .exp_avg_sq
                    .mul_scalar(c.b2)
                    .add(p.grad.clone().mul(p.grad.clone()).mul_scalar(1.0 - c.b2));
                st.s =
                    st.s.mul_scalar(sb2)
                        .add(p.grad.clone().mul_scalar((1.0 - sb2) * dlr));
                l1 += sum_abs(&st.s);
            }
            self.per_param.insert(p.key.clone(), st.clone());
            updated.push(st);
        }
        if torch && l1 == 0.0 {
            return Ok(()); // PyTorch returns before the update and keeps k
        }
        self.numerator = sb2 * self.numerator + (1.0 - sb2) * dlr * acc;
        let d_hat = self.numerator / ((1.0 - sb2) * l1);
        self.d = if torch {
            py_max(self.d, py_min(d_hat, self.d * c.growth_rate))
        } else {
            nan_max(self.d, d_hat)
        };
        for (p, st) in params.iter_mut().zip(updated) {
            let step = st.exp_avg.div(st.exp_avg_sq.sqrt().add_scalar(c.eps));
            let decay = if c.weight_decay != 0.0 && c.decoupled {
                p.value.clone().mul_scalar(-c.weight_decay * dlr)
            } else {
                p.value.zeros_like()
            };
            p.value = p.value.clone().add(decay.sub(step));
        }
        self.count += 1;
        Ok(())
    }

    fn scalars(&self) -> BTreeMap<String, f64> {
        let counter = match self.config.flavor {
            Flavor::Optax => "count",
            Flavor::Torch => "k",
        };
        BTreeMap::from([
            ("d".to_string(), self.d),
            ("numerator_weighted".to_string(), self.numerator),
            (counter.to_string(), self.count as f64),
        ])
    }

    fn export_state(&self) -> OptimizerState {
        let mut state = OptimizerState::new(self.algorithm());
        state.scalars = self.scalars();
        for (key, st) in &self.per_param {
            let slots = BTreeMap::from([
                ("exp_avg".to_string(), StateTensor::from_tensor(&st.exp_avg)),
                (
                    "exp_avg_sq".to_string(),
                    StateTensor::from_tensor(&st.exp_avg_sq),
                ),
                ("s".to_string(), StateTensor::from_tensor(&st.s)),
            ]);
            state.tensors.insert(key.clone(), slots);
        }
        state
    }

    fn import_state(&mut self, state: &OptimizerState, device: &Device) -> crate::Result<()> {
        state.expect_algorithm(self.algorithm())?;
        let counter = match self.config.flavor {
            Flavor::Optax => "count",
            Flavor::Torch => "k",
        };
        self.d = state.scalar("d")?;
        self.numerator = state.scalar("numerator_weighted")?;
        self.count = state.scalar(counter)? as u64;
        self.per_param.clear();
        for key in state.tensors.keys() {
            let load = |slot: &str| state.tensor(key, slot).map(|t| t.to_tensor(device));
            self.per_param.insert(
                key.clone(),
                Slots {
                    exp_avg: load("exp_avg")?,
                    exp_avg_sq: load("exp_avg_sq")?,
                    s: load("s")?,
                },
            );
        }
        Ok(())
    }
}
