//! Learning-rate schedules: pure functions of the step count, evaluated in f64.

use serde::{Deserialize, Serialize};

use crate::error::{invalid, Result};

/// A learning-rate schedule. `lr(peak, t)` is the learning rate used at step `t` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// `peak` at every step.
    Constant,
    /// Linear warmup from 0 to `peak` over `warmup_steps`, then `peak` (optax
    /// `warmup_constant_schedule`; for Schedule-Free methods).
    WarmupConstant {
        /// Steps of linear warmup.
        warmup_steps: u64,
    },
    /// AlgoPerf's `jax_cosine_warmup`: linear warmup from exactly 0 to `peak` over
    /// `warmup_steps`, then cosine decay to 0 over `decay_steps`, then 0.
    WarmupCosine {
        /// Steps of linear warmup (the lr at step 0 is 0 when this is > 0).
        warmup_steps: u64,
        /// Steps of cosine decay after the warmup.
        decay_steps: u64,
    },
}

impl Schedule {
    /// The AlgoPerf schedule for a horizon of `horizon_steps` steps:
    /// `warmup = int(warmup_fraction · horizon)`, `decay = max(horizon − warmup, 1)`.
    pub fn warmup_cosine(warmup_fraction: f64, horizon_steps: u64) -> Result<Self> {
        if !(0.0..1.0).contains(&warmup_fraction) {
            return Err(invalid(
                "warmup_fraction",
                warmup_fraction,
                "a number in [0, 1)",
            ));
        }
        let warmup_steps = (warmup_fraction * horizon_steps as f64).floor() as u64;
        let decay_steps = horizon_steps.saturating_sub(warmup_steps).max(1);
        Ok(Schedule::WarmupCosine {
            warmup_steps,
            decay_steps,
        })
    }

    /// Linear warmup over `int(warmup_fraction · horizon)` steps, then constant.
    pub fn warmup_constant(warmup_fraction: f64, horizon_steps: u64) -> Result<Self> {
        if !(0.0..1.0).contains(&warmup_fraction) {
            return Err(invalid(
                "warmup_fraction",
                warmup_fraction,
                "a number in [0, 1)",
            ));
        }
        Ok(Schedule::WarmupConstant {
            warmup_steps: (warmup_fraction * horizon_steps as f64).floor() as u64,
        })
    }

    /// The learning rate at 0-based step `t`, computed with optax's formulas and association.
    pub fn lr(&self, peak: f64, t: u64) -> f64 {
        match *self {
            Schedule::Constant => peak,
            Schedule::WarmupConstant { warmup_steps } => {
                if t < warmup_steps {
                    let frac = 1.0 - t as f64 / warmup_steps as f64;
                    (0.0 - peak) * frac + peak
                } else {
                    peak
                }
            }
            Schedule::WarmupCosine {
                warmup_steps,
                decay_steps,
            } => {
                if t < warmup_steps {
                    // optax.linear_schedule(0, peak, warmup): (init − end)·(1 − t/W) + end
                    let frac = 1.0 - t as f64 / warmup_steps as f64;
                    (0.0 - peak) * frac + peak
                } else {
                    // optax.cosine_decay_schedule(peak, decay): peak·½(1 + cos(π·t/decay))
                    let count = (t - warmup_steps).min(decay_steps) as f64;
                    let cosine =
                        0.5 * (1.0 + (std::f64::consts::PI * count / decay_steps as f64).cos());
                    peak * cosine
                }
            }
        }
    }
}
