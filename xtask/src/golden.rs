//! `cargo xtask golden PATH...`: one line per file, then `N passed, M failed, K skipped`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use burn::tensor::Device;
use lrf_optim::golden::{collect, replay, Outcome};

/// Replays every golden file under `paths`; fails if any file fails or cannot be read.
pub fn run(paths: &[PathBuf]) -> Result<ExitCode> {
    let device = Device::flex();
    let mut files = Vec::new();
    for p in paths {
        files.extend(
            collect(p).with_context(|| format!("{}: cannot list golden files", p.display()))?,
        );
    }
    if files.is_empty() {
        anyhow::bail!("no golden *.json files under {:?}", paths);
    }
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for file in &files {
        match replay(file, &device) {
            Ok(report) => {
                outln!("{}", report.line());
                match report.outcome {
                    Outcome::Pass => passed += 1,
                    Outcome::Fail(_) => failed += 1,
                    Outcome::Skip(_) => skipped += 1,
                }
            }
            Err(e) => {
                outln!("FAIL {}  ({e})", file.display());
                failed += 1;
            }
        }
    }
    outln!("{passed} passed, {failed} failed, {skipped} skipped");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
