//! One Parquet row per finished trial (`summary.parquet` beside its `eval_measurements.csv`),
//! and the frame of all of them.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Result, ScoreError};

/// What a finished trial reports.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialSummary {
    /// Experiment name.
    pub experiment: String,
    /// 1 = literature defaults, 2 = search, 3 = retrain.
    pub phase: u32,
    /// Optimizer.
    pub algorithm: String,
    /// Configuration name within the phase (`defaults`, `p003-h0.50`).
    pub config: String,
    /// Workload.
    pub workload: String,
    /// Seed (study).
    pub seed: u64,
    /// Fraction of the step budget the schedule spans.
    pub horizon: f64,
    /// Every hyperparameter used, as JSON.
    pub hparams: String,
    /// `completed` or `diverged` (non-finite loss).
    pub status: String,
    /// Validation metric column, e.g. `validation/accuracy`.
    pub metric: String,
    /// Target value of the metric.
    pub target: f64,
    /// Whether smaller is better.
    pub minimize: bool,
    /// Whether some evaluation reached the target (inclusive, as AlgoPerf scores).
    pub reached: bool,
    /// The workload's full step budget.
    pub step_budget: u64,
    /// Steps actually run.
    pub steps_run: u64,
    /// Step of the first evaluation that reached the target.
    pub steps_to_target: Option<u64>,
    /// Training seconds (AlgoPerf `score`) at that evaluation.
    pub seconds_to_target: Option<f64>,
    /// Best validation value seen.
    pub best_metric: f64,
    /// Last validation value.
    pub final_metric: f64,
    /// Accumulated training seconds (evaluation excluded).
    pub train_seconds: f64,
    /// Wall-clock seconds of the whole trial process (data loading, training, evaluation).
    pub wall_seconds: f64,
    /// CPU seconds (user + system, all threads) of the trial process; NaN where not recorded.
    pub cpu_seconds: f64,
    /// Number of evaluations.
    pub evals: u32,
}

impl TrialSummary {
    /// `<algorithm>/<config>`: the submission this trial belongs to.
    pub fn submission(&self) -> String {
        format!("{}/{}", self.algorithm, self.config)
    }

    /// Time to target on the chosen axis; `inf` if not reached.
    pub fn time_to_target(&self, axis_steps: bool) -> f64 {
        if axis_steps {
            self.steps_to_target.map_or(f64::INFINITY, |s| s as f64)
        } else {
            self.seconds_to_target.unwrap_or(f64::INFINITY)
        }
    }

    /// The row as a one-row frame.
    pub fn to_frame(&self) -> Result<DataFrame> {
        Ok(df!(
            "experiment" => [self.experiment.as_str()],
            "phase" => [self.phase],
            "algorithm" => [self.algorithm.as_str()],
            "config" => [self.config.as_str()],
            "submission" => [self.submission()],
            "workload" => [self.workload.as_str()],
            "seed" => [self.seed],
            "horizon" => [self.horizon],
            "hparams" => [self.hparams.as_str()],
            "status" => [self.status.as_str()],
            "metric" => [self.metric.as_str()],
            "target" => [self.target],
            "minimize" => [self.minimize],
            "reached" => [self.reached],
            "step_budget" => [self.step_budget],
            "steps_run" => [self.steps_run],
            "steps_to_target" => [self.steps_to_target],
            "seconds_to_target" => [self.seconds_to_target],
            "best_metric" => [self.best_metric],
            "final_metric" => [self.final_metric],
            "train_seconds" => [self.train_seconds],
            "wall_seconds" => [self.wall_seconds],
            "cpu_seconds" => [self.cpu_seconds],
            "evals" => [self.evals],
        )?)
    }

    /// Writes the row to `path` as Parquet, atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut df = self.to_frame()?;
        let mut buf = Vec::new();
        ParquetWriter::new(&mut buf)
            .finish(&mut df)
            .map_err(|e| ScoreError::file(path, e))?;
        lrf_data::write_atomic(path, &buf).map_err(|e| ScoreError::file(path, e))
    }

    /// Reads every row of a summary frame back into structs.
    pub fn from_frame(df: &DataFrame) -> Result<Vec<Self>> {
        let s = |name: &str| -> Result<Vec<String>> {
            Ok(df
                .column(name)?
                .str()?
                .iter()
                .map(|v| v.unwrap_or_default().to_string())
                .collect())
        };
        let f = |name: &str| -> Result<Vec<Option<f64>>> {
            Ok(df
                .column(name)?
                .cast(&DataType::Float64)?
                .f64()?
                .iter()
                .collect())
        };
        let u = |name: &str| -> Result<Vec<Option<u64>>> {
            Ok(df
                .column(name)?
                .cast(&DataType::UInt64)?
                .u64()?
                .iter()
                .collect())
        };
        let b = |name: &str| -> Result<Vec<bool>> {
            Ok(df
                .column(name)?
                .bool()?
                .iter()
                .map(|v| v.unwrap_or(false))
                .collect())
        };
        let (experiment, algorithm, config, workload) = (
            s("experiment")?,
            s("algorithm")?,
            s("config")?,
            s("workload")?,
        );
        let (hparams, status, metric) = (s("hparams")?, s("status")?, s("metric")?);
        let (phase, seed, step_budget, steps_run, steps_to_target, evals) = (
            u("phase")?,
            u("seed")?,
            u("step_budget")?,
            u("steps_run")?,
            u("steps_to_target")?,
            u("evals")?,
        );
        let (horizon, target, seconds_to_target) =
            (f("horizon")?, f("target")?, f("seconds_to_target")?);
        let (best_metric, final_metric, train_seconds) =
            (f("best_metric")?, f("final_metric")?, f("train_seconds")?);
        // Added after the first results were written; older summaries lack it.
        let wall_seconds = if df.column("wall_seconds").is_ok() {
            f("wall_seconds")?
        } else {
            vec![None; df.height()]
        };
        let cpu_seconds = if df.column("cpu_seconds").is_ok() {
            f("cpu_seconds")?
        } else {
            vec![None; df.height()]
        };
        let (minimize, reached) = (b("minimize")?, b("reached")?);
        let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
        Ok((0..df.height())
            .map(|i| TrialSummary {
                experiment: experiment[i].clone(),
                phase: phase[i].unwrap_or(0) as u32,
                algorithm: algorithm[i].clone(),
                config: config[i].clone(),
                workload: workload[i].clone(),
                seed: seed[i].unwrap_or(0),
                horizon: nan(horizon[i]),
                hparams: hparams[i].clone(),
                status: status[i].clone(),
                metric: metric[i].clone(),
                target: nan(target[i]),
                minimize: minimize[i],
                reached: reached[i],
                step_budget: step_budget[i].unwrap_or(0),
                steps_run: steps_run[i].unwrap_or(0),
                steps_to_target: steps_to_target[i],
                seconds_to_target: seconds_to_target[i],
                best_metric: nan(best_metric[i]),
                final_metric: nan(final_metric[i]),
                train_seconds: nan(train_seconds[i]),
                wall_seconds: nan(wall_seconds[i]),
                cpu_seconds: nan(cpu_seconds[i]),
                evals: evals[i].unwrap_or(0) as u32,
            })
            .collect())
    }
}

/// Rows as one frame.
pub fn summaries_frame(rows: &[TrialSummary]) -> Result<DataFrame> {
    let mut frames = rows.iter().map(TrialSummary::to_frame);
    let mut all = match frames.next() {
        Some(first) => first?,
        None => return Ok(DataFrame::empty()),
    };
    for df in frames {
        all.vstack_mut(&df?)?;
    }
    Ok(all)
}

/// Every `summary.parquet` under `root`, sorted by path.
pub fn find_summaries(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(ScoreError::file(&dir, e)),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "summary.parquet") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Columns added after the first results were written, as nulls where a summary lacks them.
fn with_optional_columns(mut df: DataFrame) -> Result<DataFrame> {
    for name in ["wall_seconds", "cpu_seconds"] {
        if df.column(name).is_err() {
            let height = df.height();
            df.with_column(
                Series::full_null(name.into(), height, &DataType::Float64).into_column(),
            )?;
        }
    }
    Ok(df)
}

/// All trial summaries under `root` as one frame (empty frame if there are none).
pub fn read_summaries(root: &Path) -> Result<DataFrame> {
    let mut frames = Vec::new();
    for path in find_summaries(root)? {
        let file = File::open(&path).map_err(|e| ScoreError::file(&path, e))?;
        let df = ParquetReader::new(file).finish().map_err(|e| {
            let trial = path.parent().unwrap_or(root).display();
            ScoreError::file(
                &path,
                format!(
                    "not a trial summary ({e}); the file is damaged: delete {trial} and \
                         run the sweep again to retrain that trial"
                ),
            )
        })?;
        frames.push(with_optional_columns(df)?);
    }
    let Some(first) = frames.first().cloned() else {
        return Ok(DataFrame::empty());
    };
    let mut all = first;
    for df in &frames[1..] {
        all.vstack_mut(df)?;
    }
    Ok(all)
}
