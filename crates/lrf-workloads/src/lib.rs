//! # lrf-workloads
//!
//! AlgoPerf-style workloads — a model, a loss, a validation metric, a target and a step budget —
//! and the training loop that runs one trial of any of them with any `lrf-optim` optimizer,
//! writing AlgoPerf's `eval_measurements.csv` as it goes.
//!
//! | workload | family | model | data | metric | AlgoPerf-size config |
//! |---|---|---|---|---|---|
//! | `resnet_tiny` | resnet | ResNet, basic blocks 8/16/32, BatchNorm (19 810 parameters) | Fashion-MNIST (8k/2k) | validation accuracy | [`resnet::ResNetConfig::algoperf`] (ResNet-50) |
//! | `vit_tiny` | vit | ViT, 7×7 patches, width 64, 2 pre-LN blocks × 4 heads, sin-cos posemb (75 082 parameters) | Fashion-MNIST (8k/2k) | validation accuracy | [`vit::ViTConfig::algoperf`] (ViT-S/16) |
//! | `transformer_tiny` | transformer | pre-LN encoder–decoder Transformer, 2+2 blocks, width 64, shared BPE embeddings (296 192 parameters) | Ding de→en sentences of 3–8 words (Debian `trans-de-en`) | validation BLEU | [`transformer::TransformerConfig::algoperf`] (WMT, 6+6 × 1024) |
//! | `unet_tiny` | unet | fastMRI U-Net, 8 channels, 3 pooling levels | 64×64 single-coil k-space simulated from real T1 MRI volumes (Debian `mricron-data`), 4× column undersampling | validation SSIM | [`unet::UNetConfig::algoperf`] (32 channels, 4 levels) |
//!
//! Each tiny workload's target, step budget and evaluation period live in one reviewed file,
//! `experiments/workload-targets.yaml`, compiled in by [`targets`]; `cargo xtask targets
//! --workload NAME` sets a target the AlgoPerf way (a tuned NAdamW search at the full budget).

#![warn(missing_docs)]

mod device;
mod error;
mod eval_log;
mod fingerprint;
mod metrics;
mod params;
pub mod resnet;
mod spec;
pub mod targets;
mod task;
mod train;
pub mod transformer;
pub mod unet;
pub mod vit;
mod workload;

pub use device::training_device;
pub use error::{Result, WorkloadError};
pub use eval_log::{EvalLog, EvalRow};
pub use fingerprint::Fingerprint;
pub use metrics::{correct, cross_entropy};
pub use params::trainable_parameters;
pub use spec::{Regularization, TrialSpec};
pub use task::Task;
pub use train::{run_trial, EvalSink, TrialOutcome, TrialStatus};
pub use workload::{workload, workload_names, workloads, DataSource, Workload, WorkloadInfo};
