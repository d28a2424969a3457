//! Errors of lrf-workloads.

use thiserror::Error;

/// Everything that stops a trial from running (a diverging trial is not an error: it is a
/// result, see [`crate::TrialStatus::Diverged`]).
#[derive(Debug, Error)]
pub enum WorkloadError {
    /// Unknown workload name.
    #[error("unknown workload `{0}` (known: {1})")]
    Unknown(String, String),
    /// Data that cannot be loaded.
    #[error(transparent)]
    Data(#[from] lrf_data::DataError),
    /// Optimizer that cannot be built or stepped.
    #[error(transparent)]
    Optim(#[from] lrf_optim::OptimError),
    /// A trial setting outside its range.
    #[error("{0}")]
    Spec(String),
    /// Writing the logs failed.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, WorkloadError>;
