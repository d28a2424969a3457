//! What a trial is: an optimizer preset, regularisation, seed and horizon.

use lrf_optim::Preset;

use crate::error::{Result, WorkloadError};

/// Regularisation hyperparameters that belong to the workload rather than the optimizer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Regularization {
    /// Dropout rate, or `None` for the workload's default (families without dropout ignore it).
    pub dropout: Option<f64>,
    /// Label smoothing of the cross-entropy loss.
    pub label_smoothing: f64,
}

impl Default for Regularization {
    fn default() -> Self {
        Self {
            dropout: None,
            label_smoothing: 0.0,
        }
    }
}

/// One training run.
#[derive(Debug, Clone)]
pub struct TrialSpec {
    /// Optimizer, learning rate and warmup.
    pub preset: Preset,
    /// Dropout and label smoothing.
    pub regularization: Regularization,
    /// Seed of parameter initialisation, data order and dropout.
    pub seed: u64,
    /// Fraction of the workload's step budget the schedule spans and training runs for.
    pub horizon: f64,
    /// Stop at the first evaluation that beats the target (AlgoPerf's rule).
    pub stop_at_target: bool,
}

impl TrialSpec {
    /// Checks the ranges of the settings.
    pub fn check(&self) -> Result<()> {
        let r = &self.regularization;
        if let Some(p) = r.dropout {
            if !(0.0..1.0).contains(&p) {
                return Err(WorkloadError::Spec(format!(
                    "dropout = {p}: expected a number in [0, 1)"
                )));
            }
        }
        if !(0.0..1.0).contains(&r.label_smoothing) {
            return Err(WorkloadError::Spec(format!(
                "label_smoothing = {}: expected a number in [0, 1)",
                r.label_smoothing
            )));
        }
        if !(self.horizon > 0.0 && self.horizon <= 1.0) {
            return Err(WorkloadError::Spec(format!(
                "horizon = {}: expected a fraction of the step budget in (0, 1]",
                self.horizon
            )));
        }
        Ok(())
    }

    /// Steps this trial trains for: `round(horizon × budget)`, at least 1.
    pub fn horizon_steps(&self, step_budget: u64) -> u64 {
        ((self.horizon * step_budget as f64).round() as u64).max(1)
    }
}
