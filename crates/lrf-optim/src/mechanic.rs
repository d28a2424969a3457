//! Mechanic (Cutkosky, Defazio & Mehta 2023): a learning-rate tuner wrapped around any base
//! optimizer of this crate. It learns one scale `s` (a sum over several βs) of the base's total
//! displacement from the starting point.
//!
//! Flavor `optax` is `optax.contrib.mechanize`, the version the Mechanic authors ran their paper
//! experiments with:
//! ```text
//! u = base update of x (the base sees the raw gradient; run it with peak lr 1 and its schedule)
//! S = Σs ;  g̃ = g + λ·S·‖g‖/(‖x‖ + ε)·x ;  Δ₋ = (x₀ − x)/(S + ε) ;  Δ = Δ₋ − u
//! h = ⟨g̃, Δ₋⟩ ;  m ← max(β·m, |h| + ε) ;  v ← β²v + h² ;  r ← β·r + clip(h, ±m_old)·s
//! s ← ((s_init/n)·m + max(r, 0)) / (√v + ε) ;  x ← x₀ − (Σs)·Δ
//! ```
//! with βᵢ = 1 − 10⁻ⁱ, i = 1…n. Flavor `torch` is `mechanic-pytorch` 0.0.1, which differs
//! structurally (s starts at 0 and m at 1e-6, no ε next to |h|, no clipping, r clamped at 0,
//! the weight decay term at the post-base-step point).

use std::collections::{BTreeMap, HashMap};

use burn::tensor::{Device, Tensor};

use crate::error::{invalid, OptimError};
use crate::hparams::{Hyperparams, Reader};
use crate::optimizer::{Optimizer, StepContext};
use crate::param::{dot, py_max, ParamTensor};
use crate::prodigy::ProdigyFlavor as Flavor;
use crate::registry::algorithm;
use crate::state::{OptimizerState, StateTensor};
use crate::validate;

/// Hyperparameters of [`Mechanic`]. Presets write the base optimizer's hyperparameters with a
/// `base_` prefix (`base: adamw`, `base_b1: 0.9`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct MechanicConfig {
    /// Registry name of the base optimizer.
    pub base: String,
    /// Hyperparameters of the base optimizer.
    pub base_hparams: Hyperparams,
    /// λ: Mechanic's own weight decay, inside `h` only (not the base's).
    pub weight_decay: f64,
    /// ε.
    pub eps: f64,
    /// Initial scale.
    pub s_init: f64,
    /// The βs; default `1 − 10⁻ⁱ` for i = 1…6.
    pub betas: Vec<f64>,
    /// Reference implementation followed.
    pub flavor: Flavor,
}

impl Default for MechanicConfig {
    /// optax's defaults around a plain Adam (AdamW without weight decay).
    fn default() -> Self {
        Self {
            base: "adamw".into(),
            base_hparams: Hyperparams::new().with("weight_decay", 0.0),
            weight_decay: 1e-2,
            eps: 1e-8,
            s_init: 1e-6,
            betas: (1..=6).map(|i| 1.0 - 0.1f64.powi(i)).collect(),
            flavor: Flavor::Optax,
        }
    }
}

impl MechanicConfig {
    /// Reads `base`, `base_*`, `weight_decay`, `eps`, `s_init`, `num_betas` or `betas`
    /// (comma-separated), `flavor`.
    pub fn from_hparams(h: &Hyperparams) -> crate::Result<Self> {
        let d = Self::default();
        let mut r = Reader::new("mechanic", h);
        let flavor = match r.choice("flavor", "optax", &["optax", "torch"])? {
            "torch" => Flavor::Torch,
            _ => Flavor::Optax,
        };
        let base = r.text("base", &d.base)?;
        let mut base_hparams = r.prefixed("base_");
        if base == d.base && base_hparams.get("weight_decay").is_none() {
            base_hparams.set("weight_decay", 0.0);
        }
        let num_betas = r.number("num_betas", 6.0)?;
        if !((1.0..=15.0).contains(&num_betas) && num_betas.fract() == 0.0) {
            return Err(invalid("num_betas", num_betas, "a whole number in 1..=15"));
        }
        let listed = r.text("betas", "")?;
        let betas = if listed.is_empty() {
            (1..=num_betas as i32)
                .map(|i| 1.0 - 0.1f64.powi(i))
                .collect()
        } else {
            listed
                .split(',')
                .map(|b| {
                    b.trim()
                        .parse::<f64>()
                        .map_err(|_| invalid("betas", &listed, "numbers separated by commas"))
                })
                .collect::<crate::Result<Vec<f64>>>()?
        };
        let config = Self {
            base,
            base_hparams,
            weight_decay: r.number("weight_decay", d.weight_decay)?,
            eps: r.number("eps", d.eps)?,
            s_init: r.number("s_init", d.s_init)?,
            betas,
            flavor,
        };
        r.finish()?;
        Ok(config)
    }

    /// Checks the ranges, builds the base optimizer and the wrapper.
    pub fn init(&self) -> crate::Result<Mechanic> {
        validate::non_negative("weight_decay", self.weight_decay)?;
        validate::non_negative("eps", self.eps)?;
        validate::positive("s_init", self.s_init)?;
        for &b in &self.betas {
            validate::beta("betas", b)?;
        }
        if self.base == "mechanic" {
            return Err(invalid(
                "base",
                "mechanic",
                "another optimizer (Mechanic cannot wrap itself)",
            ));
        }
        let base = algorithm(&self.base)
            .map_err(|_| invalid("base", &self.base, "the name of an optimizer of lrf-optim"))?
            .build(&self.base_hparams)
            .map_err(with_base_prefix)?;
        let n = self.betas.len();
        let (s, m) = match self.flavor {
            Flavor::Optax => (vec![self.s_init; n], vec![0.0; n]),
            Flavor::Torch => (vec![0.0; n], vec![1e-6; n]),
        };
        Ok(Mechanic {
            config: self.clone(),
            base,
            s,
            m,
            v: vec![0.0; n],
            r: vec![0.0; n],
            count: 0,
            reference: HashMap::new(),
            scratch: HashMap::new(),
        })
    }
}

/// Mechanic around a base optimizer; build it with [`MechanicConfig`].
pub struct Mechanic {
    config: MechanicConfig,
    base: Box<dyn Optimizer>,
    s: Vec<f64>,
    m: Vec<f64>,
    v: Vec<f64>,
    r: Vec<f64>,
    count: u64,
    /// x₀, the point the learned scale multiplies the displacement from.
    reference: HashMap<String, Tensor<1>>,
    /// Buffers the base steps in, kept between steps so that the fused path does not allocate
    /// (and fault in) a fresh copy of every parameter each step. Not part of the state.
    scratch: HashMap<String, Tensor<1>>,
}

impl std::fmt::Debug for Mechanic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mechanic")
            .field("config", &self.config)
            .field("s", &self.s)
            .field("count", &self.count)
            .finish()
    }
}

impl Mechanic {
    /// The learned scale Σs.
    pub fn scale(&self) -> f64 {
        self.s.iter().sum()
    }

    /// Updates m, v, r and s of every β from this step's `h` and returns the new Σs.
    fn update_scales(&mut self, h: f64) -> f64 {
        let c = &self.config;
        let optax = c.flavor == Flavor::Optax;
        let n = c.betas.len() as f64;
        for (j, &beta) in c.betas.iter().enumerate() {
            if optax {
                let clipped = h.clamp(-self.m[j], self.m[j]);
                self.m[j] = (beta * self.m[j]).max(h.abs() + c.eps);
                self.v[j] = beta * beta * self.v[j] + h * h;
                self.r[j] = beta * self.r[j] + clipped * self.s[j];
                let wealth = (c.s_init / n) * self.m[j] + self.r[j].max(0.0);
                self.s[j] = wealth / (self.v[j].sqrt() + c.eps);
            } else {
                self.m[j] = py_max(beta * self.m[j], h.abs());
                self.v[j] = beta * beta * self.v[j] + h * h;
                self.r[j] = py_max(beta * self.r[j] - self.s[j] * h, 0.0);
                let wealth = self.m[j] * c.s_init / n + self.r[j];
                self.s[j] = wealth / (self.v[j].sqrt() + c.eps);
            }
        }
        self.s.iter().sum()
    }

    /// The tensor-operation path (any device) after the base step.
    fn step_tensors(
        &mut self,
        params: &mut [ParamTensor],
        stepped: Vec<ParamTensor>,
    ) -> crate::Result<()> {
        let c = self.config.clone();
        let optax = c.flavor == Flavor::Optax;
        let s_sum: f64 = self.s.iter().sum();
        let grad_norm = params
            .iter()
            .map(|p| dot(&p.grad, &p.grad))
            .sum::<f64>()
            .sqrt();
        // optax measures ‖x‖ before the base step, PyTorch after it.
        let at = if optax { &*params } else { &stepped[..] };
        let param_norm = at
            .iter()
            .map(|p| dot(&p.value, &p.value))
            .sum::<f64>()
            .sqrt();
        let decay = c.weight_decay * s_sum * grad_norm / (param_norm + c.eps);
        let mut h = 0.0;
        let mut deltas = Vec::with_capacity(params.len());
        for (p, b) in params.iter().zip(&stepped) {
            let x0 = &self.reference[&p.key];
            let u = b.value.clone().sub(p.value.clone());
            let gw = p.grad.clone().add(at_value(optax, p, b).mul_scalar(decay));
            let delta = if optax {
                let prev = x0.clone().sub(p.value.clone()).div_scalar(s_sum + c.eps);
                h += dot(&gw, &prev);
                prev.sub(u)
            } else {
                let prev = p.value.clone().sub(x0.clone()).div_scalar(s_sum + c.eps);
                h += dot(&prev, &gw);
                prev.add(u)
            };
            deltas.push(delta);
        }
        let scale = self.update_scales(h);
        for (p, delta) in params.iter_mut().zip(deltas) {
            let x0 = self.reference[&p.key].clone();
            p.value = if optax {
                x0.sub(delta.mul_scalar(scale))
            } else {
                x0.add(delta.mul_scalar(scale.max(0.0)))
            };
        }
        self.count += 1;
        Ok(())
    }

    /// Copies every parameter into its scratch buffer (allocated on the first step) and
    /// returns the parameters with those buffers as values, for the base to step in place.
    #[cfg(feature = "flex")]
    fn copy_to_scratch<T: crate::host::Real>(
        &mut self,
        params: &[ParamTensor],
    ) -> Vec<ParamTensor> {
        use crate::host::{par_zip, Host};
        params
            .iter()
            .map(|p| {
                let x = Host::take(p.value.clone());
                let buffer = match self.scratch.remove(&p.key) {
                    Some(t) if t.dims()[0] == x.len() => {
                        let mut b = Host::take(t);
                        par_zip([b.slice_mut::<T>()], [x.slice::<T>()], |[b], [x]| {
                            b.copy_from_slice(x);
                            []
                        });
                        b
                    }
                    _ => x.duplicate::<T>(),
                };
                ParamTensor {
                    key: p.key.clone(),
                    value: buffer.into_tensor(),
                    grad: p.grad.clone(),
                }
            })
            .collect()
    }

    /// After the base step (its own fused kernels), one pass for ‖g‖², ‖x‖² and the two
    /// halves of `h` = ⟨g, Δ₋⟩ + decay·⟨x, Δ₋⟩, then one pass for x ← x₀ − (Σs)·Δ.
    #[cfg(feature = "flex")]
    fn step_host<T: crate::host::Real>(
        &mut self,
        params: &mut [ParamTensor],
        stepped: Vec<ParamTensor>,
    ) {
        use crate::host::{par_zip, sum_map, Host};
        let c = self.config.clone();
        let optax = c.flavor == Flavor::Optax;
        let s_sum: f64 = self.s.iter().sum();
        let inv = T::of(s_sum + c.eps);
        let (mut g_sq, mut x_sq, mut h_g, mut h_x) = (0.0, 0.0, 0.0, 0.0);
        let mut after = Vec::with_capacity(params.len());
        for (p, b) in params.iter().zip(stepped) {
            let x = Host::take(p.value.clone());
            let g = Host::take(p.grad.clone());
            let x0 = Host::take(self.reference[&p.key].clone());
            let b = Host::take(b.value);
            // optax measures ‖x‖ and weighs the decay at x, PyTorch at the base's new point.
            let at = if optax {
                x.slice::<T>()
            } else {
                b.slice::<T>()
            };
            let [gg, aa, hg, ha] = par_zip(
                [],
                [x.slice::<T>(), g.slice::<T>(), x0.slice::<T>(), at],
                |[], [x, g, x0, at]| {
                    let len = x.len();
                    let (g, x0, at) = (&g[..len], &x0[..len], &at[..len]);
                    let q = |x0: T, x: T| {
                        if optax {
                            (x0 - x) / inv
                        } else {
                            (x - x0) / inv
                        }
                    };
                    [
                        sum_map([g], |[g]| g * g),
                        sum_map([at], |[a]| a * a),
                        sum_map([g, x0, x], |[g, x0, x]| g * q(x0, x)),
                        sum_map([at, x0, x], |[a, x0, x]| a * q(x0, x)),
                    ]
                },
            );
            g_sq += gg;
            x_sq += aa;
            h_g += hg;
            h_x += ha;
            after.push((x0, b));
        }
        let decay = c.weight_decay * s_sum * g_sq.sqrt() / (x_sq.sqrt() + c.eps);
        let h = h_g + decay * h_x;
        let scale = self.update_scales(h);
        let scale_t = T::of(if optax { scale } else { scale.max(0.0) });
        for (p, (x0, b)) in params.iter_mut().zip(after) {
            let mut x = Host::take_from(&mut p.value);
            par_zip(
                [x.slice_mut::<T>()],
                [x0.slice::<T>(), b.slice::<T>()],
                |[x], [x0, b]| {
                    let (inv, scale) = (inv, scale_t);
                    let len = x.len();
                    let (x0, b) = (&x0[..len], &b[..len]);
                    if optax {
                        for i in 0..len {
                            x[i] = x0[i] - ((x0[i] - x[i]) / inv - (b[i] - x[i])) * scale;
                        }
                    } else {
                        for i in 0..len {
                            x[i] = x0[i] + ((x[i] - x0[i]) / inv + (b[i] - x[i])) * scale;
                        }
                    }
                    []
                },
            );
            p.value = x.into_tensor();
            self.scratch.insert(p.key.clone(), b.into_tensor());
        }
        self.count += 1;
    }
}

impl Optimizer for Mechanic {
    fn algorithm(&self) -> &'static str {
        "mechanic"
    }

    fn needs_loss(&self) -> bool {
        self.base.needs_loss()
    }

    fn step(&mut self, ctx: &StepContext, params: &mut [ParamTensor]) -> crate::Result<()> {
        validate::learning_rate(ctx.lr)?;
        if self.count == 0 {
            for p in params.iter() {
                self.reference.insert(p.key.clone(), p.value.clone());
            }
        }
        // The base step from the current point with the raw gradient.
        #[cfg(feature = "flex")]
        {
            let fused = crate::host::param_dtype(params);
            let mut stepped = match fused {
                Some(burn::tensor::DType::F32) => self.copy_to_scratch::<f32>(params),
                Some(burn::tensor::DType::F64) => self.copy_to_scratch::<f64>(params),
                _ => params.to_vec(),
            };
            self.base.step(ctx, &mut stepped)?;
            match fused {
                Some(burn::tensor::DType::F32) => {
                    self.step_host::<f32>(params, stepped);
                    Ok(())
                }
                Some(burn::tensor::DType::F64) => {
                    self.step_host::<f64>(params, stepped);
                    Ok(())
                }
                _ => self.step_tensors(params, stepped),
            }
        }
        #[cfg(not(feature = "flex"))]
        {
            let mut stepped: Vec<ParamTensor> = params.to_vec();
            self.base.step(ctx, &mut stepped)?;
            self.step_tensors(params, stepped)
        }
    }

    fn scalars(&self) -> BTreeMap<String, f64> {
        BTreeMap::from([
            ("s_sum".to_string(), self.scale()),
            ("count".to_string(), self.count as f64),
        ])
    }

    fn export_state(&self) -> OptimizerState {
        let mut state = OptimizerState::new(self.algorithm());
        state.scalars = self.scalars();
        for (name, values) in [
            ("s", &self.s),
            ("m", &self.m),
            ("v", &self.v),
            ("r", &self.r),
        ] {
            state.vectors.insert(name.into(), values.clone());
        }
        for (key, x0) in &self.reference {
            state
                .tensors
                .entry(key.clone())
                .or_default()
                .insert("reference".into(), StateTensor::from_tensor(x0));
        }
        let base = self.base.export_state();
        state.scalars.extend(
            base.scalars
                .into_iter()
                .map(|(k, v)| (format!("base/{k}"), v)),
        );
        state.vectors.extend(
            base.vectors
                .into_iter()
                .map(|(k, v)| (format!("base/{k}"), v)),
        );
        for (key, slots) in base.tensors {
            let entry = state.tensors.entry(key).or_default();
            entry.extend(slots.into_iter().map(|(k, v)| (format!("base/{k}"), v)));
        }
        state
    }

    fn import_state(&mut self, state: &OptimizerState, device: &Device) -> crate::Result<()> {
        state.expect_algorithm(self.algorithm())?;
        let vector = |name: &str| {
            state
                .vectors
                .get(name)
                .cloned()
                .ok_or_else(|| OptimError::State(format!("missing vector `{name}`")))
        };
        (self.s, self.m, self.v, self.r) = (vector("s")?, vector("m")?, vector("v")?, vector("r")?);
        self.count = state.scalar("count")? as u64;
        self.reference.clear();
        let mut base = OptimizerState::new(self.base.algorithm());
        base.scalars = strip(&state.scalars);
        base.vectors = strip(&state.vectors);
        for (key, slots) in &state.tensors {
            if let Some(x0) = slots.get("reference") {
                self.reference.insert(key.clone(), x0.to_tensor(device));
            }
            let inner = strip(slots);
            if !inner.is_empty() {
                base.tensors.insert(key.clone(), inner);
            }
        }
        self.base.import_state(&base, device)
    }
}

/// The point Mechanic's weight decay term uses: before the base step (optax) or after it.
fn at_value(optax: bool, before: &ParamTensor, after: &ParamTensor) -> Tensor<1> {
    if optax {
        before.value.clone()
    } else {
        after.value.clone()
    }
}

/// Entries under `base/`, without the prefix.
fn strip<V: Clone>(map: &BTreeMap<String, V>) -> BTreeMap<String, V> {
    map.iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("base/")
                .map(|rest| (rest.to_string(), v.clone()))
        })
        .collect()
}

/// A base optimizer's error about `b1` names it as the user wrote it: `base_b1`.
fn with_base_prefix(e: crate::OptimError) -> crate::OptimError {
    use crate::OptimError::{InvalidHyperparameter, UnknownHyperparameter};
    match e {
        InvalidHyperparameter {
            name,
            value,
            expected,
        } => InvalidHyperparameter {
            name: format!("base_{name}"),
            // `b1` in text such as "both `b1` and `one_minus_b1` given": every quoted key.
            value: value
                .split('`')
                .enumerate()
                .map(|(i, part)| {
                    if i % 2 == 1 {
                        format!("base_{part}")
                    } else {
                        part.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("`"),
            expected,
        },
        UnknownHyperparameter {
            algorithm,
            name,
            known,
        } => UnknownHyperparameter {
            algorithm: format!("{algorithm} (Mechanic's base)"),
            name: format!("base_{name}"),
            known: known
                .split(", ")
                .map(|k| format!("base_{k}"))
                .collect::<Vec<_>>()
                .join(", "),
        },
        other => other,
    }
}
