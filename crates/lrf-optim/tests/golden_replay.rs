//! Replays the committed golden trajectories (optax / PyTorch / AlgoPerf in float64) through
//! lrf-optim and requires every step to match within the tolerance of SCHEMA.md.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use lrf_optim::golden::{collect, replay, Outcome};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn replay_family(prefix: &str) {
    let device = Device::flex();
    let files: Vec<PathBuf> = collect(&golden_dir())
        .expect("golden folder")
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    assert!(!files.is_empty(), "no {prefix} golden files");
    let mut failures = Vec::new();
    for file in &files {
        let report = replay(file, &device).unwrap_or_else(|e| panic!("{e}"));
        if report.outcome != Outcome::Pass {
            failures.push(report.line());
        }
    }
    assert!(
        failures.is_empty(),
        "golden replay failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn adamw_matches_optax_and_torch() {
    replay_family("adamw__");
}

#[test]
fn nadamw_matches_algoperf_and_optax() {
    replay_family("nadamw__");
}

#[test]
fn prodigy_matches_optax_and_prodigyopt() {
    replay_family("prodigy__");
}

/// The replay must be able to fail: perturb one recorded parameter of step 5 by one part in a
/// million and expect a failure at exactly that step.
#[test]
fn a_perturbed_trajectory_fails_at_the_perturbed_step() {
    let source = golden_dir().join("adamw__optax__quadratic-default.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(source).unwrap()).unwrap();
    let x = doc["steps"][5]["params"]["w1"][0].as_f64().unwrap();
    doc["steps"][5]["params"]["w1"][0] = serde_json::json!(x * (1.0 + 1e-6));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("adamw__optax__quadratic-default.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let report = replay(&path, &Device::flex()).unwrap();
    match &report.outcome {
        Outcome::Fail(m) => assert_eq!(m.step, 5, "{}", report.line()),
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// Files of optimizers lrf-optim does not offer are skipped with a reason, not failed.
#[test]
fn unknown_optimizers_are_skipped_with_a_reason() {
    let source = golden_dir().join("adamw__optax__quadratic-default.json");
    let text = std::fs::read_to_string(source).unwrap().replace(
        "\"optimizer\":\"adamw\"",
        "\"optimizer\":\"not_an_optimizer\"",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("not_an_optimizer__optax__quadratic-default.json");
    std::fs::write(&path, text).unwrap();
    let report = replay(&path, &Device::flex()).unwrap();
    match report.outcome {
        Outcome::Skip(why) => assert!(why.contains("not_an_optimizer"), "{why}"),
        other => panic!("expected a skip, got {other:?}"),
    }
}
