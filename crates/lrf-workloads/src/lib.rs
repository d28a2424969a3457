//! # lrf-workloads
//!
//! AlgoPerf-style workloads — a model, a loss, a validation metric, a target and a step budget —
//! and the training loop that runs one trial of any of them with any `lrf-optim` optimizer,
//! writing AlgoPerf's `eval_measurements.csv` as it goes.
//!
//! | workload | family | model | data | metric | target | budget |
//! |---|---|---|---|---|---|---|
//! | `resnet_tiny` | resnet | ResNet, basic blocks 8/16/32, BatchNorm (19 810 parameters) | Fashion-MNIST (8k/2k) | validation accuracy | 0.84875 ([`resnet::TINY_TARGET`]) | 300 steps |

#![warn(missing_docs)]

mod device;
mod error;
mod eval_log;
mod metrics;
mod params;
pub mod resnet;
mod spec;
mod task;
mod train;
mod workload;

pub use device::training_device;
pub use error::{Result, WorkloadError};
pub use eval_log::{EvalLog, EvalRow};
pub use metrics::{correct, cross_entropy};
pub use params::trainable_parameters;
pub use spec::{Regularization, TrialSpec};
pub use task::Task;
pub use train::{run_trial, EvalSink, TrialOutcome, TrialStatus};
pub use workload::{workload, workload_names, workloads, Workload, WorkloadInfo};
