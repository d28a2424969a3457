//! Errors of lrf-data: every one names the file and what was wrong with it.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// A dataset file that is missing, unreadable or malformed.
#[derive(Debug, Error)]
pub enum DataError {
    /// The file does not exist; `hint` says how to get it.
    #[error("{}: file not found ({hint})", path.display())]
    Missing {
        /// The path looked at.
        path: PathBuf,
        /// How to obtain the file (e.g. which Debian package installs it).
        hint: String,
    },
    /// The file exists but its contents are not what the format requires.
    #[error("{}: {problem}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What was wrong, e.g. "bad magic number 0x00000802, expected 0x00000803 (IDX u8, 3 dims)".
        problem: String,
    },
    /// A request the data cannot satisfy (e.g. more examples than the source holds).
    #[error("{0}")]
    Request(String),
}

impl DataError {
    /// A [`DataError::Corrupt`] for `path`.
    pub fn corrupt(path: &Path, problem: impl Into<String>) -> Self {
        DataError::Corrupt {
            path: path.to_path_buf(),
            problem: problem.into(),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, DataError>;
