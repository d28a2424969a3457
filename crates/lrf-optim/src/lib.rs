//! # lrf-optim
//!
//! Learning-rate-free optimizers and their calibrated baselines for [burn] 0.22, written as
//! whole-model optimizers so that global statistics (Prodigy's `d`, …) are first-class.
//!
//! * [`Optimizer`]: one `step` over every parameter, with the step's learning rate and
//!   (for MoMo-style methods) the loss value.
//! * [`ModuleOptimizer`]: steps any burn `Module` from its `GradientsParams`.
//! * [`Preset`]: an optimizer name plus hyperparameters; [`Preset::literature`] gives the
//!   defaults below, [`Preset::load`] reads calibrated ones from YAML.
//! * [`Schedule`]: AlgoPerf's linear warmup + cosine decay.
//! * [`golden`]: replays float64 trajectories of optax / PyTorch and compares every step.
//!
//! ## Optimizers and their literature presets
//!
//! Semantics follow optax (the study's implementations); where the PyTorch package differs and
//! its users expect it, `flavor: torch` (and the options named) gives the PyTorch behaviour.
//! Every row is checked step by step against float64 trajectories of both references
//! (`cargo xtask golden`).
//!
//! | name | LR-free | semantics (PyTorch option) | literature preset | source |
//! |---|---|---|---|---|
//! | `adamw` | no | `optax.adamw` (= `torch.optim.AdamW`) | lr 1e-3, β 0.9/0.999, ε 1e-8, wd 1e-2, warmup 5 % | PyTorch defaults; AlgoPerf AdamW baseline schedule |
//! | `nadamw` | no | AlgoPerf NAdamW (`nesterov: optax` for `optax.nadamw`) | lr 1.75e-3, 1−β₁ 0.0673, β₂ 0.99552, wd 0.0812, warmup 2 % | AlgoPerf self-tuning baseline `HPARAMS` |
//! | `sgd_nesterov` | no | `optax.sgd(nesterov=True)` + L2 (= `torch.optim.SGD`) | lr 0.1, μ 0.9, warmup 5 % | Sutskever et al. 2013; He et al. 2016 |
//! | `schedule_free_adamw` | no | `optax.contrib.schedule_free_adamw` (`flavor: torch`, `torch_paper`; `r`) | lr 0.0025, β 0.9/0.999, p 2, constant lr | optax / `schedulefree` defaults |
//! | `prodigy` | yes | `optax.contrib.prodigy` (`flavor: torch`: `bias_correction`, `decoupled`, `growth_rate`) | lr 1, β 0.9/0.999, d₀ 1e-6, d_coef 1 | optax / `prodigyopt` defaults, Prodigy README |
//! | `dadapt_adamw` | yes | `optax.contrib.dadapt_adamw` (`flavor: torch`: `bias_correction`, `decoupled`, `growth_rate`) | lr 1, β 0.9/0.999, d₀ 1e-6 | optax / `dadaptation` defaults |
//! | `dog` | yes | `optax.contrib.dog` (`flavor: torch` for `init_eta`), averaging γ 8 | lr 1, r̄₀ = 1e-6·(1+‖x₀‖) | optax / `dog-optimizer`, DoG README |
//! | `ldog` | yes | `dog-optimizer` `LDoG` (per-tensor), averaging γ 8 | as DoG | `dog-optimizer` |
//! | `dowg` | yes | `optax.contrib.dowg` | lr 1, ε 1e-4 | optax defaults |
//! | `mechanic` | yes | `optax.contrib.mechanize` around any base (`flavor: torch` for `mechanic-pytorch`) | base Adam lr 1, λ 0.01, s_init 1e-6, 6 βs | optax defaults, Mechanic README |
//! | `cocob` | yes | `optax.contrib.cocob` (`lr_scales_gradient: false` for `parameterfree` 0.0.1) | α 100, ε 1e-8 | optax / `parameterfree` defaults |
//! | `momo` | yes | `optax.contrib.momo` (`flavor: torch`: proximal wd, `bias_correction`); needs the loss | lr 1, β 0.9, lower bound 0 | optax / `momo-opt` defaults |
//! | `momo_adam` | yes | `optax.contrib.momo_adam` (`flavor: torch`: `divide`); needs the loss | lr 1e-2, β 0.9/0.999, lower bound 0 | optax / `momo-opt` defaults |
//!
//! Every schedule but Schedule-Free's decays with a cosine to 0 at the end of the training
//! horizon (`decay: constant` keeps the learning rate after the warmup). Hyperparameter names
//! are those of the `*Config` structs; `one_minus_b1` / `one_minus_b2` may replace `b1` / `b2`
//! (for Mechanic's base optimizer, `base_one_minus_b1` may replace `base_b1`).
//! Schedule-Free and DoG evaluate at another point than they train at:
//! [`ModuleOptimizer::eval_module`] gives the model there.
//!
//! ## Swapping AdamW for Prodigy in a burn 0.22 training loop
//!
//! ```no_run
//! use burn::module::Module;
//! use burn::nn::{Linear, LinearConfig};
//! use burn::optim::GradientsParams;
//! use burn::tensor::{Device, Distribution, Tensor};
//! use lrf_optim::{ModuleOptimizer, Preset, StepContext};
//!
//! # fn main() -> Result<(), lrf_optim::OptimError> {
//! let device = Device::flex().autodiff();
//! let mut model: Linear = LinearConfig::new(8, 1).init(&device);
//! // Was: Preset::literature("adamw")
//! let preset = Preset::literature("prodigy")?;
//! let schedule = preset.schedule(1000)?;
//! let mut optim = ModuleOptimizer::new(preset.build()?);
//! for step in 0..1000 {
//!     let x = Tensor::<2>::random([32, 8], Distribution::Default, &device);
//!     let loss = model.forward(x).powf_scalar(2.0).mean();
//!     let grads = GradientsParams::from_grads(loss.backward(), &model);
//!     let lr = schedule.lr(preset.learning_rate(), step);
//!     model = optim.step(StepContext::new(lr), model, grads)?;
//! }
//! # Ok(()) }
//! ```
//!
//! ## Speed
//!
//! On burn's `flex` CPU backend (the default feature), every optimizer updates f32/f64
//! parameters with fused kernels: one pass over each tensor's memory per step (two where the
//! update needs a global sum of this step, such as Prodigy's `d`), in parallel chunks whose
//! partial sums are added in a fixed order, so results do not depend on the thread count.
//! Other devices (`cuda`) and dtypes use burn tensor operations. Both paths replay the same
//! golden trajectories; [`set_fused_kernels`]`(false)` forces the tensor-operation path on this
//! thread (for comparisons). The crate README has the `cargo xtask bench-optim` table against
//! the PyTorch reference packages and a memory-bandwidth floor; `cargo bench -p lrf-optim`
//! runs the `optim_step` criterion benchmark.
//!
//! [burn]: https://burn.dev

#![warn(missing_docs)]

mod adam_family;
mod adamw;
mod averager;
mod batch_norm;
pub mod bench_support;
mod cocob;
mod dadapt_adamw;
mod dog;
mod dowg;
mod error;
pub mod golden;
#[cfg(feature = "flex")]
mod host;
mod hparams;
mod kernel_switch;
mod mechanic;
mod module;
mod momo;
mod nadamw;
mod optimizer;
mod param;
mod preset;
mod prodigy;
mod registry;
mod schedule;
mod schedule_free;
mod sgd_nesterov;
mod state;
mod validate;

pub use adamw::{AdamW, AdamWConfig};
pub use batch_norm::recompute_batch_norm;
pub use cocob::{Cocob, CocobConfig};
pub use dadapt_adamw::{DAdaptAdamW, DAdaptAdamWConfig};
pub use dog::{Dog, DogConfig, DogFlavor, DogInit};
pub use dowg::{Dowg, DowgConfig};
pub use error::{OptimError, Result};
pub use hparams::{HValue, Hyperparams, SCHEDULE_KEYS};
pub use kernel_switch::{fused_kernels_enabled, set_fused_kernels};
pub use mechanic::{Mechanic, MechanicConfig};
pub use module::ModuleOptimizer;
pub use momo::{Momo, MomoAdamConfig, MomoConfig};
pub use nadamw::{NAdamW, NAdamWConfig, NesterovForm};
pub use optimizer::{Optimizer, StepContext};
pub use param::ParamTensor;
pub use preset::{Preset, TrainingSetting};
pub use prodigy::{Prodigy, ProdigyConfig, ProdigyFlavor};
pub use registry::{algorithm, algorithm_names, AlgorithmInfo, ALGORITHMS};
pub use schedule::Schedule;
pub use schedule_free::{ScheduleFreeAdamW, ScheduleFreeAdamWConfig, ScheduleFreeFlavor};
pub use sgd_nesterov::{SgdNesterov, SgdNesterovConfig};
pub use state::{OptimizerState, StateTensor};
