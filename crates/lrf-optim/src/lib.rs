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
//! | name | semantics | literature preset | source |
//! |---|---|---|---|
//! | `adamw` | `optax.adamw` (= `torch.optim.AdamW`) | lr 1e-3, β 0.9/0.999, ε 1e-8, wd 1e-2, warmup 5% | PyTorch defaults; AlgoPerf AdamW baseline schedule |
//! | `nadamw` | AlgoPerf NAdamW (`nesterov: optax` for `optax.nadamw`) | lr 1.7486e-3, 1−β₁ 0.0673, β₂ 0.99552, wd 0.0812, warmup 2% | AlgoPerf self-tuning baseline `HPARAMS` |
//! | `prodigy` | `optax.contrib.prodigy` (`flavor: torch` for `prodigyopt`) | lr 1, β 0.9/0.999, ε 1e-8, d₀ 1e-6, d_coef 1, wd 0, no warmup | optax / prodigyopt defaults, Prodigy README |
//!
//! Every schedule decays with a cosine to 0 at the end of the training horizon.
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
//! [burn]: https://burn.dev

#![warn(missing_docs)]

mod adam_family;
mod adamw;
mod averager;
mod cocob;
mod dadapt_adamw;
mod dog;
mod dowg;
mod error;
pub mod golden;
mod hparams;
mod module;
mod momo;
mod nadamw;
mod optimizer;
mod param;
mod preset;
mod prodigy;
mod registry;
mod schedule;
mod sgd_nesterov;
mod state;
mod validate;

pub use adamw::{AdamW, AdamWConfig};
pub use cocob::{Cocob, CocobConfig};
pub use dadapt_adamw::{DAdaptAdamW, DAdaptAdamWConfig};
pub use dog::{Dog, DogConfig, DogFlavor, DogInit};
pub use dowg::{Dowg, DowgConfig};
pub use error::{OptimError, Result};
pub use hparams::{HValue, Hyperparams, SCHEDULE_KEYS};
pub use module::ModuleOptimizer;
pub use momo::{Momo, MomoAdamConfig, MomoConfig};
pub use nadamw::{NAdamW, NAdamWConfig, NesterovForm};
pub use optimizer::{Optimizer, StepContext};
pub use param::ParamTensor;
pub use preset::Preset;
pub use prodigy::{Prodigy, ProdigyConfig, ProdigyFlavor};
pub use registry::{algorithm, algorithm_names, AlgorithmInfo, ALGORITHMS};
pub use schedule::Schedule;
pub use sgd_nesterov::{SgdNesterov, SgdNesterovConfig};
pub use state::{OptimizerState, StateTensor};
