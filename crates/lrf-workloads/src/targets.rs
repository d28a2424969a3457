//! Targets and step budgets of the tiny workloads, from the one reviewed file
//! `experiments/workload-targets.yaml` (compiled in), with the configuration that set each and
//! the procedure `cargo xtask targets` follows to set them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// Where the compiled-in file lives in the repository (for messages).
pub const TARGETS_FILE: &str = "experiments/workload-targets.yaml";

const TEXT: &str = include_str!("../../../experiments/workload-targets.yaml");

/// How targets are set: a search of one algorithm at the full budget, then re-runs of its best
/// configuration with more seeds; the target is the median of the best validation metric.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetProcedure {
    /// The tuned baseline (AlgoPerf: NAdamW).
    pub algorithm: String,
    /// Quasi-random points of the search (seed 0).
    pub points: usize,
    /// Seeds of the best configuration; the first is the search's.
    pub seeds: Vec<u64>,
    /// Search space, in the experiment-file format (`experiments/README.md`).
    pub search_space: serde_yaml::Value,
}

/// The target of one tiny workload and how it was obtained.
///
/// A new workload first gets only `step_budget` and `eval_every` (its target unset, NaN), so
/// that `cargo xtask targets` can run it; sweeps refuse it until the target is filled in.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRecord {
    /// Validation metric to beat (NaN while not yet set).
    #[serde(default = "unset")]
    pub target: f64,
    /// Step budget (AlgoPerf `step_hint`).
    pub step_budget: u64,
    /// Steps between evaluations.
    pub eval_every: u64,
    /// When and where it was measured.
    #[serde(default)]
    pub set: String,
    /// The configuration of [`TargetProcedure::algorithm`] that set it (hyperparameter names of
    /// lrf-optim, plus `dropout` and `label_smoothing`).
    #[serde(default)]
    pub tuned: BTreeMap<String, serde_yaml::Value>,
    /// Best validation metric of `tuned` per seed, in [`TargetProcedure::seeds`] order.
    #[serde(default)]
    pub best_per_seed: Vec<f64>,
}

fn unset() -> f64 {
    f64::NAN
}

impl TargetRecord {
    /// Whether the target has been set (a sweep can score against it).
    pub fn is_set(&self) -> bool {
        !self.target.is_nan()
    }
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    /// How targets are set.
    pub procedure: TargetProcedure,
    /// One record per tiny workload.
    pub workloads: BTreeMap<String, TargetRecord>,
}

impl TargetFile {
    /// Parses and checks the file's text (`origin` names it in errors).
    pub fn parse(text: &str, origin: &str) -> Result<Self, String> {
        let file: TargetFile = serde_yaml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        if file.procedure.seeds.is_empty() || file.procedure.points == 0 {
            return Err(format!(
                "{origin}: procedure: expected at least one point and one seed"
            ));
        }
        for (name, r) in &file.workloads {
            if r.step_budget == 0 || r.eval_every == 0 {
                return Err(format!(
                    "{origin}: workloads.{name}: expected positive step_budget and eval_every"
                ));
            }
            if !r.is_set() {
                if !r.set.is_empty() || !r.tuned.is_empty() || !r.best_per_seed.is_empty() {
                    return Err(format!(
                        "{origin}: workloads.{name}: `set`, `tuned` and `best_per_seed` given \
                         without a `target`"
                    ));
                }
                continue;
            }
            if !r.target.is_finite() || r.set.is_empty() || r.tuned.is_empty() {
                return Err(format!(
                    "{origin}: workloads.{name}: expected a finite target with `set` and `tuned`"
                ));
            }
            if r.best_per_seed.len() != file.procedure.seeds.len() {
                return Err(format!(
                    "{origin}: workloads.{name}.best_per_seed: {} values for {} seeds",
                    r.best_per_seed.len(),
                    file.procedure.seeds.len()
                ));
            }
            if (median(&r.best_per_seed) - r.target).abs() > 1e-12 {
                return Err(format!(
                    "{origin}: workloads.{name}: target {} is not the median {} of best_per_seed",
                    r.target,
                    median(&r.best_per_seed)
                ));
            }
        }
        Ok(file)
    }
}

/// Median (mean of the middle two for an even count); NaN for none.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The compiled-in target file (checked by this crate's tests, so it always parses).
pub fn target_file() -> &'static TargetFile {
    static FILE: OnceLock<TargetFile> = OnceLock::new();
    FILE.get_or_init(|| TargetFile::parse(TEXT, TARGETS_FILE).unwrap_or_else(|e| panic!("{e}")))
}

/// The record of the tiny workload `name`.
///
/// # Panics
/// If the file has no entry for it: every registered tiny workload must have one (tested).
pub fn tiny_target(name: &str) -> &'static TargetRecord {
    target_file()
        .workloads
        .get(name)
        .unwrap_or_else(|| panic!("{TARGETS_FILE}: workloads.{name}: missing"))
}

/// One line saying how the target of `name` was set, for reports.
pub fn provenance(name: &str) -> String {
    let p = &target_file().procedure;
    if !tiny_target(name).is_set() {
        return format!("not set yet: run `cargo xtask targets --workload {name}`");
    }
    format!(
        "median over seeds {:?} of the best validation metric of the best of {} {} configurations \
         searched at the full budget ({TARGETS_FILE}, {})",
        p.seeds,
        p.points,
        p.algorithm,
        tiny_target(name).set
    )
}
