//! Workload targets in the format of AlgoPerf's `workload_targets*.json`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Result, ScoreError};

/// Metric names AlgoPerf minimises; a metric is minimised if its name contains one of them
/// (`scoring/config.py` `MINIMIZE_REGISTRY`), else maximised.
pub const MINIMIZE_REGISTRY: &[&str] = &[
    "ce_loss",
    "error_rate",
    "ctc_loss",
    "wer",
    "l1_loss",
    "loss",
    "ppl",
];

/// Whether smaller values of `metric` are better.
pub fn is_minimized(metric: &str) -> bool {
    MINIMIZE_REGISTRY.iter().any(|m| metric.contains(m))
}

/// Target of one workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadTarget {
    /// Metric name without the split prefix (`accuracy`, `wer`, …).
    pub target_metric_name: String,
    /// Validation value to reach.
    pub validation_target_value: f64,
    /// Step budget hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_hint: Option<u64>,
}

/// A targets file: which workloads count and their targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Targets {
    /// Workloads the score is computed over.
    pub base_workloads: Vec<String>,
    /// Held-out variants (AlgoPerf v0.5); each names its base by substring.
    #[serde(default)]
    pub held_out_workloads: Vec<String>,
    /// Targets by workload name.
    pub workloads: BTreeMap<String, WorkloadTarget>,
}

impl Targets {
    /// Reads a targets JSON file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| ScoreError::file(path, e))?;
        let targets: Targets = serde_json::from_str(&text)
            .map_err(|e| ScoreError::file(path, format!("not a targets file: {e}")))?;
        for w in targets
            .base_workloads
            .iter()
            .chain(&targets.held_out_workloads)
        {
            if !targets.workloads.contains_key(w) {
                return Err(ScoreError::file(
                    path,
                    format!("workload `{w}` is listed but has no target"),
                ));
            }
        }
        Ok(targets)
    }

    /// The target of `workload` (name without framework suffix).
    pub fn get(&self, workload: &str) -> Result<&WorkloadTarget> {
        self.workloads
            .get(workload)
            .ok_or_else(|| ScoreError::Input(format!("no target for workload `{workload}`")))
    }

    /// The base workload of a held-out variant: the first base name that is a substring.
    pub fn base_of(&self, variant: &str) -> Option<&str> {
        self.base_workloads
            .iter()
            .find(|b| variant.contains(b.as_str()))
            .map(String::as_str)
    }
}
