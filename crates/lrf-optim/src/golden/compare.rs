//! Comparing one replayed step with the golden step.

use serde_json::Value;

use super::file::{float, GoldenStep};
use super::Report;
use crate::state::OptimizerState;

/// The first value that was out of tolerance.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// 0-based step.
    pub step: usize,
    /// Which value, ours vs the reference, and the tolerance.
    pub what: String,
}

/// Allowed error of a quantity at 0-based step `t`, relative to its largest magnitude
/// (max-norm relative error).
///
/// 1e-10 for the first 20 steps (SCHEMA.md: "a relative tolerance of about 1e-10 over the first
/// 20 steps"), then growing 1.5× every 10 steps (≈ 1.7e-9 at step 100) to allow for
/// one-ulp differences that Prodigy's growing `d` amplifies; the optax and PyTorch references
/// differ from each other by up to 9e-14 relative on these problems (optimizer-crosscheck).
pub fn tolerance(t: usize) -> f64 {
    if t < 20 {
        1e-10
    } else {
        1e-10 * 1.5f64.powf((t - 20) as f64 / 10.0)
    }
}

/// Max-norm relative error of `ours` vs `reference`, and the largest absolute difference.
/// NaN matches NaN and infinities match themselves.
fn errors(ours: &[f64], reference: &[f64]) -> (f64, f64) {
    let scale = reference
        .iter()
        .filter(|x| x.is_finite())
        .fold(0.0f64, |m, x| m.max(x.abs()));
    let mut max_abs = 0.0f64;
    for (a, b) in ours.iter().zip(reference) {
        let diff = if a.is_nan() && b.is_nan() || a == b {
            0.0
        } else {
            (a - b).abs()
        };
        let diff = if diff.is_nan() { f64::INFINITY } else { diff };
        max_abs = max_abs.max(diff);
    }
    let rel = if scale > 0.0 {
        max_abs / scale
    } else {
        max_abs
    };
    (rel, max_abs)
}

fn check(
    t: usize,
    what: &str,
    ours: &[f64],
    reference: &[f64],
    report: &mut Report,
) -> Result<(), Mismatch> {
    if ours.len() != reference.len() {
        return Err(Mismatch {
            step: t,
            what: format!(
                "{what}: {} values, reference has {}",
                ours.len(),
                reference.len()
            ),
        });
    }
    let (rel, abs) = errors(ours, reference);
    report.max_abs = report.max_abs.max(abs);
    report.max_rel = report.max_rel.max(rel);
    if rel <= tolerance(t) {
        return Ok(());
    }
    let worst = ours
        .iter()
        .zip(reference)
        .enumerate()
        .max_by(|(_, (a, b)), (_, (c, d))| {
            let x = (*a - *b).abs();
            let y = (*c - *d).abs();
            x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Greater)
        })
        .map(|(i, (a, b))| format!("[{i}] ours {a:e} reference {b:e}"))
        .unwrap_or_default();
    Err(Mismatch {
        step: t,
        what: format!(
            "{what}{worst}: relative error {rel:.2e} > {:.2e}",
            tolerance(t)
        ),
    })
}

/// Compares parameters, the evaluation point and every recorded state entry of step `t`.
pub(crate) fn step(
    t: usize,
    golden: &GoldenStep,
    ours: &[(String, Vec<f64>)],
    ours_eval: Option<&[(String, Vec<f64>)]>,
    state: &OptimizerState,
    report: &mut Report,
) -> Result<(), Mismatch> {
    if let Some(reference) = &golden.eval_params {
        let Some(mine) = ours_eval else {
            return Err(Mismatch {
                step: t,
                what: "the reference records an evaluation point; lrf-optim gives none".into(),
            });
        };
        for (name, values) in reference {
            let m = mine
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_slice())
                .unwrap_or(&[]);
            check(t, &format!("eval_params.{name}"), m, values, report)?;
        }
    }
    for (name, reference) in &golden.params {
        let mine = ours
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[]);
        check(t, &format!("params.{name}"), mine, reference, report)?;
    }
    for (key, recorded) in &golden.state {
        match recorded {
            Value::Object(per_param) => {
                for (name, values) in per_param {
                    let reference: Vec<f64> = values
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(float)
                        .collect();
                    let mine = state
                        .tensors
                        .get(name)
                        .and_then(|slots| slots.get(key))
                        .map(|s| s.values.clone())
                        .ok_or_else(|| Mismatch {
                            step: t,
                            what: format!("state.{key}.{name} is not exported by lrf-optim"),
                        })?;
                    check(t, &format!("state.{key}.{name}"), &mine, &reference, report)?;
                }
            }
            Value::Array(items) => {
                let reference: Vec<f64> = items.iter().filter_map(float).collect();
                let mine = state.vectors.get(key).cloned().ok_or_else(|| Mismatch {
                    step: t,
                    what: format!("state.{key} is not exported by lrf-optim"),
                })?;
                check(t, &format!("state.{key}"), &mine, &reference, report)?;
            }
            other => {
                let reference = float(other).ok_or_else(|| Mismatch {
                    step: t,
                    what: format!("state.{key} has an unsupported form: {other}"),
                })?;
                let mine = state.scalars.get(key).copied().ok_or_else(|| Mismatch {
                    step: t,
                    what: format!("state.{key} is not exported by lrf-optim"),
                })?;
                check(t, &format!("state.{key}"), &[mine], &[reference], report)?;
            }
        }
    }
    Ok(())
}
