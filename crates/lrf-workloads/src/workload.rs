//! Workloads: AlgoPerf's fixed face (metric, target, budget, eval period) plus a way to run a
//! trial, and the registry of every workload by name.

use std::path::Path;

use burn::tensor::Device;

use crate::error::{Result, WorkloadError};
use crate::spec::TrialSpec;
use crate::train::{EvalSink, TrialOutcome};

/// What AlgoPerf calls the fixed properties of a workload.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadInfo {
    /// Registry name, e.g. `resnet_tiny`.
    pub name: &'static str,
    /// Family (`resnet`, …).
    pub family: &'static str,
    /// One line: model and data.
    pub description: &'static str,
    /// Validation metric (`accuracy`); the log column is `validation/<name>`.
    pub target_metric_name: &'static str,
    /// Whether smaller is better.
    pub minimize: bool,
    /// Validation target.
    pub target: f64,
    /// How the target was obtained (one line, for reports).
    pub target_provenance: String,
    /// Step budget (AlgoPerf `step_hint`).
    pub step_budget: u64,
    /// Evaluate every this many steps (and at the last step).
    pub eval_every: u64,
    /// Training batch size.
    pub batch_size: usize,
}

/// The data a workload's trials read, as found on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSource {
    /// Where the data come from, e.g. `Debian package dataset-fashion-mnist (/usr/share/…)`.
    pub description: String,
    /// Counts and a hash of the examples a trial uses ([`crate::Fingerprint`]): equal
    /// fingerprints mean equal training and validation data, whatever file they came from.
    pub fingerprint: String,
}

/// A workload that can run trials.
pub trait Workload: Send + Sync {
    /// Its fixed properties.
    fn info(&self) -> &WorkloadInfo;

    /// Number of trainable parameters of its model.
    fn parameter_count(&self) -> usize;

    /// Loads the workload's data once to check it is present and well-formed (a sweep calls
    /// this before starting any trial); says where it came from and fingerprints it.
    fn check_data(&self, datasets_dir: &Path) -> Result<DataSource>;

    /// Runs one trial on `device` (an autodiff device), loading data from `datasets_dir`;
    /// `sink` receives the evaluation log after every evaluation.
    fn run(
        &self,
        spec: &TrialSpec,
        device: &Device,
        datasets_dir: &Path,
        sink: &mut EvalSink<'_>,
    ) -> Result<TrialOutcome>;
}

/// Every workload, by name.
pub fn workloads() -> Vec<Box<dyn Workload>> {
    vec![
        Box::new(crate::resnet::ResNetWorkload::tiny()),
        Box::new(crate::unet::UNetWorkload::tiny()),
        Box::new(crate::vit::ViTWorkload::tiny()),
        Box::new(crate::transformer::TransformerWorkload::tiny()),
    ]
}

/// Names of every workload.
pub fn workload_names() -> Vec<&'static str> {
    workloads().iter().map(|w| w.info().name).collect()
}

/// The workload called `name`.
pub fn workload(name: &str) -> Result<Box<dyn Workload>> {
    workloads()
        .into_iter()
        .find(|w| w.info().name == name)
        .ok_or_else(|| WorkloadError::Unknown(name.to_string(), workload_names().join(", ")))
}
