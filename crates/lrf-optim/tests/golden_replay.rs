//! Replays the committed golden trajectories (optax / PyTorch / AlgoPerf in float64) through
//! lrf-optim and requires every step to match within the tolerance of SCHEMA.md, through the
//! fused CPU kernels and through burn tensor operations.

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
    // Both code paths: the fused CPU kernels and burn tensor operations (any other device).
    for fused in [true, false] {
        lrf_optim::set_fused_kernels(fused);
        for file in &files {
            let report = replay(file, &device).unwrap_or_else(|e| panic!("{e}"));
            if report.outcome != Outcome::Pass {
                failures.push(format!("{} (fused kernels: {fused})", report.line()));
            }
        }
    }
    lrf_optim::set_fused_kernels(true);
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

#[test]
fn sgd_nesterov_matches_optax_and_torch() {
    replay_family("sgd_nesterov__");
}

#[test]
fn dog_and_ldog_match_optax_and_dog_optimizer_with_averaging() {
    replay_family("dog__");
    replay_family("ldog__");
}

#[test]
fn dowg_matches_optax() {
    replay_family("dowg__");
}

#[test]
fn dadapt_adamw_matches_optax_and_dadaptation() {
    replay_family("dadapt_adamw__");
}

#[test]
fn mechanic_matches_optax_and_mechanic_pytorch() {
    replay_family("mechanic__");
}

#[test]
fn cocob_matches_optax_and_parameterfree() {
    replay_family("cocob__");
}

#[test]
fn momo_and_momo_adam_match_optax_and_momo_opt() {
    replay_family("momo__");
    replay_family("momo_adam__");
}

/// Including `y`/`x` of every step, the PyTorch reference and paper classes, and optax's
/// float32 warmup schedule.
#[test]
fn schedule_free_adamw_matches_optax_and_schedulefree() {
    replay_family("schedule_free_adamw__");
}

/// Every committed file passes: nothing is skipped any more.
#[test]
fn no_golden_file_is_skipped() {
    let device = Device::flex();
    let files = collect(&golden_dir()).unwrap();
    assert_eq!(
        files.len(),
        140,
        "the 140 golden files committed in tests/golden (everything there but SCHEMA.md)"
    );
    for file in files {
        let report = replay(&file, &device).unwrap();
        assert!(
            !matches!(report.outcome, Outcome::Skip(_)),
            "{}",
            report.line()
        );
    }
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

/// Files of an option lrf-optim does not offer are skipped with the reason; optimizer names the
/// schema does not know (a typo) are errors.
#[test]
fn unsupported_options_are_skipped_and_unknown_optimizers_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let prodigy =
        std::fs::read_to_string(golden_dir().join("prodigy__torch__quadratic-default.json"))
            .unwrap();
    let sliced = dir.path().join("prodigy__torch__sliced.json");
    std::fs::write(&sliced, prodigy.replace("\"slice_p\":1", "\"slice_p\":2")).unwrap();
    let report = replay(&sliced, &Device::flex()).unwrap();
    match report.outcome {
        Outcome::Skip(why) => assert!(
            why.contains("slice_p = 2 is an option lrf-optim does not offer"),
            "{why}"
        ),
        other => panic!("expected a skip, got {other:?}"),
    }
    let adamw =
        std::fs::read_to_string(golden_dir().join("adamw__optax__quadratic-default.json")).unwrap();
    let typo = dir.path().join("sgdx__optax__x.json");
    std::fs::write(
        &typo,
        adamw.replace("\"optimizer\":\"adamw\"", "\"optimizer\":\"sgdx\""),
    )
    .unwrap();
    let err = replay(&typo, &Device::flex()).unwrap_err();
    assert!(err.contains("unknown optimizer `sgdx`"), "{err}");
}

type Breaker = Box<dyn Fn(&mut serde_json::Value)>;

/// Structurally broken files are errors naming the file and the key, never a pass or a panic.
#[test]
fn malformed_golden_files_are_errors() {
    let source = golden_dir().join("adamw__optax__quadratic-default.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(source).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Breaker)> = vec![
        (
            "`steps` holds 0",
            Box::new(|d| d["steps"] = serde_json::json!([])),
        ),
        (
            "`num_steps` is 100 but `steps` holds 5",
            Box::new(|d| {
                let five: Vec<_> = d["steps"].as_array().unwrap()[..5].to_vec();
                d["steps"] = serde_json::json!(five);
            }),
        ),
        (
            "`initial_params` has no `w2`",
            Box::new(|d| {
                d["initial_params"].as_object_mut().unwrap().remove("w2");
            }),
        ),
        (
            "`param_shapes.w1`",
            Box::new(|d| d["param_shapes"]["w1"] = serde_json::json!([4])),
        ),
        (
            "`dtype` must be",
            Box::new(|d| d["dtype"] = serde_json::json!("float16")),
        ),
    ];
    for (want, break_it) in cases {
        let mut broken = doc.clone();
        break_it(&mut broken);
        let path = dir.path().join("adamw__optax__broken.json");
        std::fs::write(&path, broken.to_string()).unwrap();
        let err = replay(&path, &Device::flex()).unwrap_err();
        assert!(
            err.contains("adamw__optax__broken.json") && err.contains(want),
            "{err}"
        );
    }
}
