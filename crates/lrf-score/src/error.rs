//! Errors of lrf-score.

use thiserror::Error;

/// A log, target file or result that cannot be read or written.
#[derive(Debug, Error)]
pub enum ScoreError {
    /// A file that is missing or malformed; names it and the problem.
    #[error("{path}: {problem}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        problem: String,
    },
    /// Inputs that do not fit together (e.g. a workload without a target).
    #[error("{0}")]
    Input(String),
}

impl ScoreError {
    /// A [`ScoreError::File`].
    /// Multi-line messages (polars gives some) are folded into one line.
    pub fn file(path: &std::path::Path, problem: impl std::fmt::Display) -> Self {
        ScoreError::File {
            path: path.display().to_string(),
            problem: one_line(&problem.to_string()),
        }
    }
}

impl From<polars::error::PolarsError> for ScoreError {
    fn from(e: polars::error::PolarsError) -> Self {
        ScoreError::Input(one_line(&format!("polars: {e}")))
    }
}

/// `text` with its lines joined by "; ".
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, ScoreError>;
