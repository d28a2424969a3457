//! Time-to-target exactly as AlgoPerf's `get_workloads_time_to_target` computes it.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::curves::Curve;
use crate::error::Result;
use crate::pyfmt::py_repr;
use crate::targets::{is_minimized, Targets};

/// Index of the first evaluation that reaches `target` (inclusive: `<=` when minimising,
/// `>=` when maximising; NaN never reaches).
pub fn first_hit(metric: &[f64], target: f64, minimize: bool) -> Option<usize> {
    metric
        .iter()
        .position(|&v| if minimize { v <= target } else { v >= target })
}

/// Time of one study: among its trials that reach the target, the one with the smallest
/// first-hit *eval index*, at that index; `inf` if none reaches. (AlgoPerf picks the earliest
/// eval index, not the smallest time.)
///
/// Ties in the index: AlgoPerf's code takes the trial listed first by the file system
/// (`os.listdir` order, which differs between machines); lrf takes the one with the earlier
/// time, then the first in order — deterministic, and it reproduces the published v0.6 scores.
pub fn study_time(trials: &[&Curve], target: f64, minimize: bool) -> f64 {
    let mut best: Option<(usize, f64)> = None;
    for curve in trials {
        if let Some(i) = first_hit(&curve.metric, target, minimize) {
            let t = curve.time[i];
            if best.is_none_or(|(j, u)| i < j || (i == j && t < u)) {
                best = Some((i, t));
            }
        }
    }
    best.map_or(f64::INFINITY, |(_, t)| t)
}

/// `np.median`: the middle value, or the mean of the two middle values; `inf` takes part.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    if values.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Rows = submissions, columns = workloads (sorted), values = time-to-target; NaN where a
/// submission has no run of a workload.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeMatrix {
    /// Row names, sorted.
    pub submissions: Vec<String>,
    /// Column names, sorted.
    pub workloads: Vec<String>,
    /// `values[s][w]`.
    pub values: Vec<Vec<f64>>,
}

impl TimeMatrix {
    /// The value of (`submission`, `workload`), NaN if absent.
    pub fn get(&self, submission: &str, workload: &str) -> f64 {
        let s = self.submissions.iter().position(|x| x == submission);
        let w = self.workloads.iter().position(|x| x == workload);
        match (s, w) {
            (Some(s), Some(w)) => self.values[s][w],
            _ => f64::NAN,
        }
    }

    /// As a Polars frame: a `submission` column then one column per workload.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let mut columns = vec![Column::new("submission".into(), self.submissions.clone())];
        for (w, name) in self.workloads.iter().enumerate() {
            let col: Vec<f64> = self.values.iter().map(|row| row[w]).collect();
            columns.push(Column::new(name.as_str().into(), col));
        }
        Ok(DataFrame::new_infer_height(columns)?)
    }

    /// CSV in pandas' `to_csv` layout (index column `submission`, floats as Python repr, NaN empty).
    pub fn to_csv(&self) -> String {
        let mut out = String::from("submission");
        for w in &self.workloads {
            out.push(',');
            out.push_str(w);
        }
        out.push('\n');
        for (s, row) in self.submissions.iter().zip(&self.values) {
            out.push_str(s);
            for v in row {
                out.push(',');
                if !v.is_nan() {
                    out.push_str(&py_repr(*v));
                }
            }
            out.push('\n');
        }
        out
    }
}

/// Time-to-target of every (submission, workload): per study [`study_time`], then the median
/// over studies. Curves whose workload has no target are an error.
pub fn time_to_target(curves: &[Curve], targets: &Targets) -> Result<TimeMatrix> {
    // submission -> workload -> study -> curves (in reading order)
    let mut grouped: BTreeMap<&str, BTreeMap<&str, BTreeMap<&str, Vec<&Curve>>>> = BTreeMap::new();
    for c in curves {
        grouped
            .entry(&c.submission)
            .or_default()
            .entry(&c.workload)
            .or_default()
            .entry(&c.study)
            .or_default()
            .push(c);
    }
    let mut workloads: Vec<String> = curves.iter().map(|c| c.workload.clone()).collect();
    workloads.sort();
    workloads.dedup();
    if !targets.held_out_workloads.is_empty() {
        workloads.retain(|w| {
            targets.base_workloads.contains(w) || targets.held_out_workloads.contains(w)
        });
    }
    let submissions: Vec<String> = grouped.keys().map(|s| s.to_string()).collect();
    let mut values = vec![vec![f64::NAN; workloads.len()]; submissions.len()];
    for (s, by_workload) in grouped.values().enumerate() {
        for (workload, studies) in by_workload {
            let Some(w) = workloads.iter().position(|x| x == workload) else {
                continue;
            };
            let target = targets.get(workload)?;
            let minimize = is_minimized(&target.target_metric_name);
            let per_study: Vec<f64> = studies
                .values()
                .map(|trials| study_time(trials, target.validation_target_value, minimize))
                .collect();
            values[s][w] = median(&per_study);
        }
    }
    Ok(TimeMatrix {
        submissions,
        workloads,
        values,
    })
}
