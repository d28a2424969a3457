//! DoG, "Distance over Gradients" (Ivgi, Hinder & Carmon 2023), and its layer-wise variant
//! L-DoG, with the polynomial iterate averaging the authors prescribe (γ = 8).
//!
//! ```text
//! g ← g + λx                                   (L2 weight decay, optional)
//! r̄ ← max(r̄, ‖x − x₀‖)    r̄₀ = init_value·(1 + ‖x₀‖)  ("heuristic", the default)
//! G ← G + ‖g‖²
//! η ← lr · r̄ / √(G + ε)
//! x ← x − η·g
//! ```
//! Norms are over all parameters (DoG) or per tensor (L-DoG, `ldog`). `flavor: optax` is
//! `optax.contrib.dog`, `flavor: torch` the `dog-optimizer` package; they differ only when
//! the first step is fixed (`init: learning_rate`): optax multiplies it by the learning rate,
//! PyTorch's `init_eta` does not. Evaluation uses the averaged iterate.

use std::collections::{BTreeMap, HashMap};

use burn::config::Config;
use burn::tensor::{Device, Tensor};

use crate::averager::PolyAverager;
use crate::error::invalid;
use crate::hparams::{Hyperparams, Reader};
use crate::optimizer::{Optimizer, StepContext};
use crate::param::{dot, py_max, ParamTensor};
use crate::state::{OptimizerState, StateTensor};
use crate::validate;

/// How the first distance estimate r̄₀ (or the first step) is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DogInit {
    /// r̄₀ = init_value · (1 + ‖x₀‖) (optax "heuristic", PyTorch `reps_rel`).
    Heuristic,
    /// r̄₀ = init_value.
    Distance,
    /// r̄₀ = 0 and the first step is η = init_value (PyTorch `init_eta`).
    LearningRate,
}

/// Which package DoG follows where they differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DogFlavor {
    /// `optax.contrib.dog`.
    Optax,
    /// `dog-optimizer` (PyTorch).
    Torch,
}

/// Hyperparameters of [`Dog`].
#[derive(Config, Debug, PartialEq)]
pub struct DogConfig {
    /// How r̄₀ is set.
    #[config(default = "DogInit::Heuristic")]
    pub init: DogInit,
    /// The value `init` uses (reps_rel; the README advises 1e-4 for models with BatchNorm).
    #[config(default = 1e-6)]
    pub init_value: f64,
    /// ε inside √(G + ε).
    #[config(default = 1e-8)]
    pub eps: f64,
    /// L2 weight decay λ, added to the gradient.
    #[config(default = 0.0)]
    pub weight_decay: f64,
    /// Per-tensor r̄, G, η (L-DoG).
    #[config(default = false)]
    pub layer_wise: bool,
    /// γ of the polynomial iterate averaging evaluated with; 0 turns averaging off.
    #[config(default = 8.0)]
    pub average_gamma: f64,
    /// Package semantics.
    #[config(default = "DogFlavor::Optax")]
    pub flavor: DogFlavor,
}

impl DogConfig {
    /// Reads `init` (`heuristic`, `distance`, `learning_rate`), `init_value`, `eps`,
    /// `weight_decay`, `average_gamma`, `flavor`; `layer_wise` comes from the name.
    pub fn from_hparams(h: &Hyperparams, layer_wise: bool) -> crate::Result<Self> {
        let name = if layer_wise { "ldog" } else { "dog" };
        let d = Self::new();
        let mut r = Reader::new(name, h);
        let init = match r.choice(
            "init",
            "heuristic",
            &["heuristic", "distance", "learning_rate"],
        )? {
            "distance" => DogInit::Distance,
            "learning_rate" => DogInit::LearningRate,
            _ => DogInit::Heuristic,
        };
        let flavor = match r.choice("flavor", "optax", &["optax", "torch"])? {
            "torch" => DogFlavor::Torch,
            _ => DogFlavor::Optax,
        };
        let config = Self {
            init,
            init_value: r.number("init_value", d.init_value)?,
            eps: r.number("eps", d.eps)?,
            weight_decay: r.number("weight_decay", d.weight_decay)?,
            layer_wise,
            average_gamma: r.number("average_gamma", d.average_gamma)?,
            flavor,
        };
        r.finish()?;
        Ok(config)
    }

    /// Checks the ranges and builds the optimizer.
    pub fn init(&self) -> crate::Result<Dog> {
        validate::non_negative("init_value", self.init_value)?;
        validate::non_negative("eps", self.eps)?;
        validate::non_negative("weight_decay", self.weight_decay)?;
        validate::non_negative("average_gamma", self.average_gamma)?;
        if self.layer_wise && self.flavor == DogFlavor::Optax {
            return Err(invalid(
                "flavor",
                "optax",
                "torch for L-DoG (optax has no layer-wise DoG)",
            ));
        }
        Ok(Dog {
            config: self.clone(),
            groups: Vec::new(),
            params0: HashMap::new(),
            count: 0,
            averager: (self.average_gamma > 0.0).then(|| PolyAverager::new(self.average_gamma)),
        })
    }
}

/// r̄, G and the last η of one group (all parameters, or one tensor for L-DoG).
#[derive(Debug, Clone, Copy, PartialEq)]
struct GroupStats {
    rbar: f64,
    /// Σ‖g‖², without ε.
    sum_sq: f64,
    eta: f64,
}

/// The DoG / L-DoG optimizer; build it with [`DogConfig`].
#[derive(Debug)]
pub struct Dog {
    config: DogConfig,
    groups: Vec<GroupStats>,
    params0: HashMap<String, Tensor<1>>,
    count: u64,
    averager: Option<PolyAverager>,
}

impl Dog {
    /// Index ranges of the groups: one for all parameters, or one per tensor.
    fn group_ranges(&self, n: usize) -> Vec<std::ops::Range<usize>> {
        if self.config.layer_wise {
            (0..n).map(|i| i..i + 1).collect()
        } else {
            std::iter::once(0..n).collect()
        }
    }
}

/// η of a group after its statistics were updated, as each package applies it: optax scales a
/// fixed first step by the learning rate, PyTorch does not.
fn eta_of(c: &DogConfig, group: &GroupStats, lr: f64, first: bool) -> f64 {
    let ratio = group.rbar / (group.sum_sq + c.eps).sqrt();
    match (first && c.init == DogInit::LearningRate, c.flavor) {
        (true, DogFlavor::Optax) => lr * c.init_value,
        (true, DogFlavor::Torch) => c.init_value,
        (false, _) => lr * ratio,
    }
}

impl Dog {
    /// r̄ before the first step of a group whose ‖x₀‖ is `norm0`.
    fn initial_rbar(&self, norm0: f64) -> f64 {
        let c = &self.config;
        match c.init {
            DogInit::Heuristic => c.init_value * (1.0 + norm0),
            DogInit::Distance => c.init_value,
            DogInit::LearningRate => 0.0,
        }
    }

    /// Per group, one fused pass for ‖x₀ − x‖² and ‖g‖², then one for x ← x − η·g that also
    /// folds the new x into the iterate average.
    #[cfg(feature = "flex")]
    fn step_host<T: crate::host::Real>(&mut self, lr: f64, params: &mut [ParamTensor]) {
        use crate::host::{par_zip, sum_map, Host};
        let first = self.count == 0;
        let decay = (self.config.weight_decay > 0.0).then(|| T::of(self.config.weight_decay));
        if first {
            for p in params.iter() {
                self.params0.insert(p.key.clone(), p.value.clone());
            }
        }
        let ranges = self.group_ranges(params.len());
        if first {
            self.groups = ranges
                .iter()
                .map(|range| {
                    let sq: f64 = params[range.clone()]
                        .iter()
                        .map(|p| {
                            let x = Host::take(p.value.clone());
                            let [s] = par_zip([], [x.slice::<T>()], |[], [x]| {
                                [sum_map([x], |[x]| x * x)]
                            });
                            s
                        })
                        .sum();
                    GroupStats {
                        rbar: self.initial_rbar(sq.sqrt()),
                        sum_sq: 0.0,
                        eta: 0.0,
                    }
                })
                .collect();
        }
        let w = self.averager.as_mut().map(|a| a.begin_update());
        for (index, range) in ranges.into_iter().enumerate() {
            let (mut dist_sq, mut grad_sq) = (0.0, 0.0);
            for p in &params[range.clone()] {
                let x = Host::take(p.value.clone());
                let x0 = Host::take(self.params0[&p.key].clone());
                let g = Host::take(p.grad.clone());
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
            let mut group = self.groups[index];
            group.rbar = py_max(group.rbar, dist_sq.sqrt());
            group.sum_sq += grad_sq;
            group.eta = eta_of(&self.config, &group, lr, first);
            self.groups[index] = group;
            let eta = T::of(group.eta);
            for p in &mut params[range] {
                let mut x = Host::take_from(&mut p.value);
                let g = Host::take(p.grad.clone());
                let average = self.averager.as_mut().and_then(|a| a.take(&p.key));
                let step = move |x: &mut [T], g: &[T], i: usize| {
                    let gi = match decay {
                        Some(wd) => g[i] + x[i] * wd,
                        None => g[i],
                    };
                    x[i] = x[i] - gi * eta;
                };
                match (average, w) {
                    (Some(avg), Some(w)) => {
                        let mut avg = Host::take(avg);
                        let (keep, new) = (T::of(1.0 - w), T::of(w));
                        par_zip(
                            [x.slice_mut::<T>(), avg.slice_mut::<T>()],
                            [g.slice::<T>()],
                            |[x, avg], [g]| {
                                let (keep, new, step) = (keep, new, step);
                                let len = x.len();
                                let (avg, g) = (&mut avg[..len], &g[..len]);
                                for i in 0..len {
                                    step(x, g, i);
                                    avg[i] = avg[i] * keep + x[i] * new;
                                }
                                []
                            },
                        );
                        p.value = x.into_tensor();
                        if let Some(a) = self.averager.as_mut() {
                            a.put(&p.key, avg.into_tensor());
                        }
                    }
                    _ => {
                        par_zip([x.slice_mut::<T>()], [g.slice::<T>()], |[x], [g]| {
                            let g = &g[..x.len()];
                            for i in 0..x.len() {
                                step(x, g, i);
                            }
                            []
                        });
                        if let Some(a) = self.averager.as_mut() {
                            a.put(&p.key, x.duplicate::<T>().into_tensor());
                        }
                        p.value = x.into_tensor();
                    }
                }
            }
        }
        self.count += 1;
    }
}

impl Optimizer for Dog {
    fn algorithm(&self) -> &'static str {
        if self.config.layer_wise {
            "ldog"
        } else {
            "dog"
        }
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
        let first = self.count == 0;
        if c.weight_decay > 0.0 {
            for p in params.iter_mut() {
                p.grad = p
                    .grad
                    .clone()
                    .add(p.value.clone().mul_scalar(c.weight_decay));
            }
        }
        if first {
            for p in params.iter() {
                self.params0.insert(p.key.clone(), p.value.clone());
            }
        }
        let ranges = self.group_ranges(params.len());
        if first {
            self.groups = ranges
                .iter()
                .map(|range| {
                    let norm0: f64 = params[range.clone()]
                        .iter()
                        .map(|p| dot(&p.value, &p.value))
                        .sum::<f64>()
                        .sqrt();
                    GroupStats {
                        rbar: self.initial_rbar(norm0),
                        sum_sq: 0.0,
                        eta: 0.0,
                    }
                })
                .collect();
        }
        for (group, range) in self.groups.iter_mut().zip(ranges) {
            let mut dist_sq = 0.0;
            let mut grad_sq = 0.0;
            for p in &params[range.clone()] {
                let diff = self.params0[&p.key].clone().sub(p.value.clone());
                dist_sq += dot(&diff, &diff);
                grad_sq += dot(&p.grad, &p.grad);
            }
            group.rbar = py_max(group.rbar, dist_sq.sqrt());
            group.sum_sq += grad_sq;
            group.eta = eta_of(&c, group, ctx.lr, first);
            for p in &mut params[range] {
                p.value = p.value.clone().sub(p.grad.clone().mul_scalar(group.eta));
            }
        }
        self.count += 1;
        if let Some(avg) = &mut self.averager {
            avg.update(params);
        }
        Ok(())
    }

    fn scalars(&self) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        if let (false, Some(g)) = (self.config.layer_wise, self.groups.first()) {
            out.insert("rbar".into(), g.rbar);
            out.insert("G_sum_sq_grad_norms".into(), g.sum_sq);
            out.insert("G_incl_eps".into(), g.sum_sq + self.config.eps);
            out.insert("eta".into(), g.eta);
        }
        out.insert("count".into(), self.count as f64);
        out
    }

    fn export_state(&self) -> OptimizerState {
        let mut state = OptimizerState::new(self.algorithm());
        state.scalars = self.scalars();
        if self.config.layer_wise {
            let column = |f: fn(&GroupStats) -> f64| self.groups.iter().map(f).collect::<Vec<_>>();
            state.vectors.insert("rbar".into(), column(|g| g.rbar));
            state
                .vectors
                .insert("G_sum_sq_grad_norms".into(), column(|g| g.sum_sq));
            let eps = self.config.eps;
            state.vectors.insert(
                "G_incl_eps".into(),
                self.groups.iter().map(|g| g.sum_sq + eps).collect(),
            );
            state.vectors.insert("eta".into(), column(|g| g.eta));
        }
        for (key, x0) in &self.params0 {
            state
                .tensors
                .entry(key.clone())
                .or_default()
                .insert("params0".into(), StateTensor::from_tensor(x0));
        }
        if let Some(avg) = &self.averager {
            avg.export(&mut state);
        }
        state
    }

    fn import_state(&mut self, state: &OptimizerState, device: &Device) -> crate::Result<()> {
        state.expect_algorithm(self.algorithm())?;
        self.count = state.scalar("count")? as u64;
        self.groups = if self.config.layer_wise {
            let get = |k: &str| {
                state
                    .vectors
                    .get(k)
                    .cloned()
                    .ok_or_else(|| crate::OptimError::State(format!("missing vector `{k}`")))
            };
            let (rbar, sum_sq, eta) = (get("rbar")?, get("G_sum_sq_grad_norms")?, get("eta")?);
            (0..rbar.len())
                .map(|i| GroupStats {
                    rbar: rbar[i],
                    sum_sq: sum_sq[i],
                    eta: eta[i],
                })
                .collect()
        } else if self.count > 0 {
            vec![GroupStats {
                rbar: state.scalar("rbar")?,
                sum_sq: state.scalar("G_sum_sq_grad_norms")?,
                eta: state.scalar("eta")?,
            }]
        } else {
            Vec::new()
        };
        self.params0.clear();
        for key in state.tensors.keys() {
            if let Ok(x0) = state.tensor(key, "params0") {
                self.params0.insert(key.clone(), x0.to_tensor(device));
            }
        }
        if let Some(avg) = &mut self.averager {
            avg.import(state, device)?;
        }
        Ok(())
    }

    fn eval_params(&self, params: &[ParamTensor]) -> Option<Vec<Tensor<1>>> {
        self.averager.as_ref().map(|a| a.averaged(params))
    }
}
