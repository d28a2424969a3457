//! Validation curves of trials, read from AlgoPerf log trees
//! (`<submission>/study_<k>/<workload>_<framework>/trial_<i>/eval_measurements.csv`).

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Result, ScoreError};
use crate::pandas_float::pandas_float;

/// The evaluations of one trial: a time column and the target metric, eval by eval.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Submission (top-level folder, or `<algorithm>/<config>` for lrf results).
    pub submission: String,
    /// Study (`study_0`, …): one per seed.
    pub study: String,
    /// Workload without the framework suffix.
    pub workload: String,
    /// Trial folder name (`trial_1`, …).
    pub trial: String,
    /// Time of each evaluation (seconds of training, or steps).
    pub time: Vec<f64>,
    /// Validation metric of each evaluation.
    pub metric: Vec<f64>,
}

/// Strips AlgoPerf's `_jax` / `_pytorch` (and lrf's `_lrf`) framework suffix.
pub fn strip_framework(dir_name: &str) -> &str {
    for suffix in ["_jax", "_pytorch", "_lrf"] {
        if let Some(stem) = dir_name.strip_suffix(suffix) {
            return stem;
        }
    }
    dir_name
}

/// Sub-folders of `dir` whose names start with `prefix`, ordered by the number after it
/// (`trial_2` before `trial_10`), then by name.
fn numbered_dirs(dir: &Path, prefix: &str) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| ScoreError::file(dir, e))? {
        let entry = entry.map_err(|e| ScoreError::file(dir, e))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if entry.path().is_dir() && name.starts_with(prefix) {
            out.push((name, entry.path()));
        }
    }
    let key = |name: &str| name[prefix.len()..].parse::<u64>().unwrap_or(u64::MAX);
    out.sort_by(|a, b| key(&a.0).cmp(&key(&b.0)).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// Reads `column` of `df` as f64. String cells are parsed as pandas parses them
/// ([`pandas_float`]), so values match AlgoPerf's bit for bit; empty cells and `nan` are NaN,
/// `inf`/`-inf` infinite.
pub fn float_column(df: &DataFrame, column: &str, path: &Path) -> Result<Vec<f64>> {
    let col = df
        .column(column)
        .map_err(|_| ScoreError::file(path, format!("no column `{column}`")))?;
    if col.dtype() == &DataType::String {
        return col
            .str()?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                parse_cell(v.unwrap_or("")).ok_or_else(|| {
                    let s = v.unwrap_or("");
                    ScoreError::file(
                        path,
                        format!("row {}: `{column}` = `{s}` is not a number", i + 2),
                    )
                })
            })
            .collect();
    }
    let cast = col
        .cast(&DataType::Float64)
        .map_err(|e| ScoreError::file(path, format!("column `{column}`: {e}")))?;
    Ok(cast.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

/// One CSV cell as a number: pandas' parsing for decimals, NaN for empty / `nan`, `±inf`.
fn parse_cell(cell: &str) -> Option<f64> {
    let s = cell.trim();
    pandas_float(s).or_else(|| match s.to_ascii_lowercase().as_str() {
        "" | "nan" | "null" | "none" => Some(f64::NAN),
        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    })
}

/// Reads an `eval_measurements.csv` into a frame of text columns (numbers are parsed by
/// [`float_column`], the pandas way).
pub fn read_eval_csv(path: &Path) -> Result<DataFrame> {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| ScoreError::file(path, e))
}

/// One curve from `eval_measurements.csv`: `time_column` (AlgoPerf scores on `score`) and
/// `metric_column` (e.g. `validation/accuracy`).
pub fn read_curve(
    path: &Path,
    time_column: &str,
    metric_column: &str,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let df = read_eval_csv(path)?;
    Ok((
        float_column(&df, time_column, path)?,
        float_column(&df, metric_column, path)?,
    ))
}

/// Every curve under an AlgoPerf log tree. `metric_of(workload)` gives the metric column of a
/// workload, or `None` to skip workloads without a target. Missing CSVs are skipped, as
/// AlgoPerf does.
pub fn read_log_tree(
    root: &Path,
    time_column: &str,
    metric_of: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Curve>> {
    let mut submissions: Vec<(String, PathBuf)> = std::fs::read_dir(root)
        .map_err(|e| ScoreError::file(root, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().to_string(), e.path()))
        .collect();
    submissions.sort();
    let mut curves = Vec::new();
    for (submission, sub_dir) in submissions {
        read_submission(&sub_dir, &submission, time_column, metric_of, &mut curves)?;
    }
    Ok(curves)
}

/// The curves of one submission folder (`study_*/…`), appended to `out`.
pub fn read_submission(
    sub_dir: &Path,
    submission: &str,
    time_column: &str,
    metric_of: &dyn Fn(&str) -> Option<String>,
    out: &mut Vec<Curve>,
) -> Result<()> {
    for (study, study_dir) in numbered_dirs(sub_dir, "study_")? {
        let mut workloads: Vec<(String, PathBuf)> = std::fs::read_dir(&study_dir)
            .map_err(|e| ScoreError::file(&study_dir, e))?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| (e.file_name().to_string_lossy().to_string(), e.path()))
            .collect();
        workloads.sort();
        for (workload_dir_name, workload_dir) in workloads {
            let workload = strip_framework(&workload_dir_name).to_string();
            let Some(metric_column) = metric_of(&workload) else {
                continue;
            };
            for (trial, trial_dir) in numbered_dirs(&workload_dir, "trial_")? {
                let csv = trial_dir.join("eval_measurements.csv");
                if !csv.is_file() {
                    continue;
                }
                let (time, metric) = read_curve(&csv, time_column, &metric_column)?;
                out.push(Curve {
                    submission: submission.to_string(),
                    study: study.clone(),
                    workload: workload.clone(),
                    trial,
                    time,
                    metric,
                });
            }
        }
    }
    Ok(())
}
