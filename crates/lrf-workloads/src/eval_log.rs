//! The evaluation log of a trial, written as AlgoPerf's `eval_measurements.csv`: one row per
//! evaluation, columns sorted alphabetically, `score` = accumulated training time.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Result, WorkloadError};

/// One evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalRow {
    /// Values by column name (`global_step`, `score`, `validation/accuracy`, …).
    pub values: BTreeMap<String, f64>,
}

impl EvalRow {
    /// The value of `column`, NaN if absent.
    pub fn get(&self, column: &str) -> f64 {
        self.values.get(column).copied().unwrap_or(f64::NAN)
    }
}

/// All evaluations of a trial so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalLog {
    /// Rows in time order.
    pub rows: Vec<EvalRow>,
}

fn number(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{x}")
    }
}

impl EvalLog {
    /// The CSV text: header of every column any row has (sorted), then one line per row.
    pub fn to_csv(&self) -> String {
        let mut columns: Vec<&String> = self.rows.iter().flat_map(|r| r.values.keys()).collect();
        columns.sort();
        columns.dedup();
        let mut out = columns
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",");
        out.push('\n');
        for row in &self.rows {
            let line: Vec<String> = columns.iter().map(|c| number(row.get(c))).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
        out
    }

    /// Writes the CSV to `path` atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        lrf_data::write_atomic(path, self.to_csv().as_bytes()).map_err(|error| WorkloadError::Io {
            path: path.display().to_string(),
            error,
        })
    }
}
