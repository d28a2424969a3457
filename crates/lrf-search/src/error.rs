//! Errors of lrf-search; each names the file and the key or line.

use thiserror::Error;

/// A search space or experiment file that cannot be used.
#[derive(Debug, Error)]
#[error("{origin}: {message}")]
pub struct SearchError {
    /// The file (or other origin) of the text.
    pub origin: String,
    /// What is wrong, naming the key path and, where the parser knows it, line and column.
    pub message: String,
}

impl SearchError {
    /// An error about `origin`.
    pub fn new(origin: &str, message: impl Into<String>) -> Self {
        Self {
            origin: origin.to_string(),
            message: message.into(),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, SearchError>;
