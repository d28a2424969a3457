//! Golden-trajectory replay: feeds the recorded gradients (and losses) of a reference run
//! (optax / PyTorch, float64) through an lrf-optim optimizer in float64 and compares the
//! parameters and the optimizer state after every step.
//!
//! File format: `<optimizer>__<impl>__<problem>-<config>.json`, schema version 1 (documented
//! in `tests/golden/SCHEMA.md` of this crate).

mod compare;
mod file;
mod translate;

pub use compare::{tolerance, Mismatch};
pub use file::GoldenFile;
pub use translate::translate;

use std::path::{Path, PathBuf};

use burn::tensor::{DType, Device, Tensor, TensorData};

use crate::optimizer::StepContext;
use crate::param::ParamTensor;
use crate::preset::Preset;

/// How one file went.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every compared value was within tolerance.
    Pass,
    /// Some value was not; the first one is described.
    Fail(Mismatch),
    /// The file was not replayed, with the reason.
    Skip(String),
}

/// The result of replaying one golden file.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// File name (no directory).
    pub file: String,
    /// Pass, fail or skip.
    pub outcome: Outcome,
    /// Largest absolute difference seen over all steps and compared values.
    pub max_abs: f64,
    /// Largest difference relative to the size of the compared quantity.
    pub max_rel: f64,
    /// Steps replayed.
    pub steps: usize,
}

impl Report {
    /// The one-line summary printed by `cargo xtask golden`.
    pub fn line(&self) -> String {
        match &self.outcome {
            Outcome::Pass => format!(
                "PASS {}  steps={} max_abs={:.2e} max_rel={:.2e}",
                self.file, self.steps, self.max_abs, self.max_rel
            ),
            Outcome::Fail(m) => format!(
                "FAIL {}  max_abs={:.2e} max_rel={:.2e} first failing step {}: {}",
                self.file, self.max_abs, self.max_rel, m.step, m.what
            ),
            Outcome::Skip(why) => format!("SKIP {}  ({why})", self.file),
        }
    }
}

/// The golden files under `path`: the file itself, or every `*.json` in a folder except
/// `INDEX.json`, sorted by name.
pub fn collect(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && p.file_name().is_some_and(|n| n != "INDEX.json")
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Replays one file on `device` (float64). Errors only for unreadable or malformed files.
pub fn replay(path: &Path, device: &Device) -> Result<Report, String> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let golden = GoldenFile::read(path)?;
    let mut report = Report {
        file: file_name,
        outcome: Outcome::Pass,
        max_abs: 0.0,
        max_rel: 0.0,
        steps: 0,
    };
    let (algorithm, hparams) = match translate(&golden)? {
        Ok(found) => found,
        Err(reason) => {
            report.outcome = Outcome::Skip(reason);
            return Ok(report);
        }
    };
    let preset = Preset { algorithm, hparams };
    let mut optim = preset
        .build()
        .map_err(|e| format!("{}: building the optimizer: {e}", path.display()))?;
    let f64_tensor = |values: &[f64]| {
        Tensor::<1>::from_data(
            TensorData::new(values.to_vec(), [values.len()]),
            (device, DType::F64),
        )
    };
    let mut params: Vec<ParamTensor> = golden
        .param_order
        .iter()
        .map(|name| {
            let x0 = &golden.initial_params[name];
            ParamTensor::new(name.clone(), f64_tensor(x0), f64_tensor(x0).zeros_like())
        })
        .collect();
    for (t, step) in golden.steps.iter().enumerate() {
        for p in params.iter_mut() {
            let g = step.grads.get(&p.key).ok_or_else(|| {
                format!(
                    "{}: step {t} has no gradient for `{}`",
                    path.display(),
                    p.key
                )
            })?;
            p.grad = f64_tensor(g);
        }
        let mut ctx = StepContext::new(golden.lr_at(t)?);
        if golden.needs_loss {
            ctx = ctx.with_loss(step.loss);
        }
        optim
            .step(&ctx, &mut params)
            .map_err(|e| format!("{}: step {t}: {e}", path.display()))?;
        report.steps = t + 1;
        let ours_params: Vec<(String, Vec<f64>)> = params
            .iter()
            .map(|p| {
                let v = p
                    .value
                    .to_data()
                    .try_into_vec_as::<f64>()
                    .expect("f64 data");
                (p.key.clone(), v)
            })
            .collect();
        let ours_eval: Option<Vec<(String, Vec<f64>)>> =
            optim.eval_params(&params).map(|tensors| {
                params
                    .iter()
                    .zip(tensors)
                    .map(|(p, x)| {
                        (
                            p.key.clone(),
                            x.to_data().try_into_vec_as::<f64>().expect("f64 data"),
                        )
                    })
                    .collect()
            });
        let state = optim.export_state();
        let check = compare::step(
            t,
            step,
            &ours_params,
            ours_eval.as_deref(),
            &state,
            &mut report,
        );
        if let Err(mismatch) = check {
            report.outcome = Outcome::Fail(mismatch);
            return Ok(report);
        }
    }
    Ok(report)
}
