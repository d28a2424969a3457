//! Errors of lrf-optim.

use thiserror::Error;

/// Everything that can go wrong when building or stepping an optimizer.
#[derive(Debug, Error)]
pub enum OptimError {
    /// A hyperparameter is outside its valid range; names the parameter, its value and the rule.
    #[error("invalid hyperparameter `{name}` = {value}: expected {expected}")]
    InvalidHyperparameter {
        /// Name of the hyperparameter, as written in presets.
        name: String,
        /// The offending value, printed.
        value: String,
        /// What would have been accepted.
        expected: String,
    },
    /// A hyperparameter name the optimizer does not know.
    #[error("unknown hyperparameter `{name}` for optimizer `{algorithm}` (known: {known})")]
    UnknownHyperparameter {
        /// The optimizer.
        algorithm: String,
        /// The unknown key.
        name: String,
        /// The keys that are accepted.
        known: String,
    },
    /// An optimizer name that is not in the registry.
    #[error("unknown optimizer `{0}` (known: {1})")]
    UnknownOptimizer(String, String),
    /// A preset file or text that cannot be read or parsed.
    #[error("preset {origin}: {message}")]
    Preset {
        /// File name or other origin of the text.
        origin: String,
        /// What was wrong, with line and column where known.
        message: String,
    },
    /// Optimizer state that does not fit the parameters it is loaded for.
    #[error("optimizer state: {0}")]
    State(String),
    /// A step was called with inputs the optimizer cannot use (e.g. no loss for MoMo).
    #[error("step: {0}")]
    Step(String),
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, OptimError>;

/// Error for a hyperparameter that failed validation.
pub(crate) fn invalid(name: &str, value: impl std::fmt::Display, expected: &str) -> OptimError {
    OptimError::InvalidHyperparameter {
        name: name.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    }
}
