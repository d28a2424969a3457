//! Range checks shared by every optimizer constructor.

use crate::error::{invalid, Result};

/// `value` must be finite and `>= 0`.
pub(crate) fn non_negative(name: &str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(invalid(name, value, "a finite number >= 0"))
    }
}

/// `value` must be finite and `> 0`.
pub(crate) fn positive(name: &str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(invalid(name, value, "a finite number > 0"))
    }
}

/// A momentum / EMA coefficient: `0 <= value < 1`.
pub(crate) fn beta(name: &str, value: f64) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(name, value, "a number in [0, 1)"))
    }
}

/// A learning rate given to `step`: finite and `>= 0`.
pub(crate) fn learning_rate(value: f64) -> Result<()> {
    non_negative("learning_rate", value)
}
