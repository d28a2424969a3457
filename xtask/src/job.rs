//! A job: one trial, fully resolved, as handed to a worker process (`job.json` in the trial
//! folder, so every result says exactly how it was produced).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use lrf_optim::Preset;
use serde::{Deserialize, Serialize};

/// Everything a worker needs to run one trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Experiment name.
    pub experiment: String,
    /// Phase (1 defaults, 2 search).
    pub phase: u8,
    /// Optimizer.
    pub algorithm: String,
    /// Configuration name.
    pub config: String,
    /// Workload name.
    pub workload: String,
    /// Seed.
    pub seed: u64,
    /// Fraction of the step budget.
    pub horizon: f64,
    /// Optimizer preset with every override applied.
    pub preset: Preset,
    /// Dropout rate (None: the workload's default).
    pub dropout: Option<f64>,
    /// Label smoothing.
    pub label_smoothing: f64,
    /// Stop at the target (AlgoPerf) or run the whole horizon.
    pub stop_at_target: bool,
    /// Trial folder (`eval_measurements.csv`, `summary.parquet`, `job.json`, `trial.log`).
    pub dir: PathBuf,
    /// Fingerprint of the workload's data on this machine (`Workload::check_data`), so results
    /// trained on other data are never mixed in; empty when not known (scoring where the data
    /// are not installed), and then not compared.
    #[serde(default)]
    pub data: String,
}

impl Job {
    /// `summary.parquet`: written last, so its presence means the trial is complete.
    pub fn summary_path(&self) -> PathBuf {
        self.dir.join("summary.parquet")
    }

    /// AlgoPerf's evaluation log.
    pub fn eval_path(&self) -> PathBuf {
        self.dir.join("eval_measurements.csv")
    }

    /// The job description.
    pub fn job_path(&self) -> PathBuf {
        self.dir.join("job.json")
    }

    /// Standard error of the worker.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("trial.log")
    }

    /// Whether the trial finished in an earlier run.
    pub fn is_complete(&self) -> bool {
        self.summary_path().is_file()
    }

    /// One line for progress output.
    pub fn label(&self) -> String {
        format!(
            "phase {} {}/{} {} seed {}",
            self.phase, self.algorithm, self.config, self.workload, self.seed
        )
    }

    /// Every hyperparameter (optimizer and regularisation) as JSON.
    pub fn hparams_json(&self) -> String {
        let mut map = serde_json::Map::new();
        for (k, v) in &self.preset.hparams.0 {
            map.insert(k.clone(), serde_json::to_value(v).unwrap_or_default());
        }
        if let Some(d) = self.dropout {
            map.insert("dropout".into(), d.into());
        }
        map.insert("label_smoothing".into(), self.label_smoothing.into());
        serde_json::Value::Object(map).to_string()
    }

    /// Writes `job.json` atomically.
    pub fn write(&self) -> Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        lrf_data::write_atomic(&self.job_path(), text.as_bytes())
            .with_context(|| format!("{}: cannot write", self.job_path().display()))
    }

    /// Reads a job file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{}: not a job file", path.display()))
    }
}
