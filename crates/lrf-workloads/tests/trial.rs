//! Running short trials of the tiny ResNet: the log layout, determinism, divergence.

use std::path::{Path, PathBuf};

use lrf_optim::{Hyperparams, Preset};
use lrf_workloads::{training_device, workload, EvalLog, Regularization, TrialSpec, TrialStatus};

fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

fn spec(algorithm: &str, overrides: Hyperparams, horizon: f64, seed: u64) -> TrialSpec {
    TrialSpec {
        preset: Preset::literature(algorithm)
            .unwrap()
            .with_overrides(&overrides)
            .unwrap(),
        regularization: Regularization {
            dropout: None,
            label_smoothing: 0.1,
        },
        seed,
        horizon,
        stop_at_target: false,
    }
}

/// burn's CPU backends keep one process-wide random generator, so tests that seed it and draw
/// from it (model initialisation) must not interleave: each holds this lock while it runs.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run(spec: &TrialSpec) -> (lrf_workloads::TrialOutcome, Vec<EvalLog>) {
    let _serial = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let w = workload("resnet_tiny").unwrap();
    let mut seen = Vec::new();
    let mut sink = |log: &EvalLog| {
        seen.push(log.clone());
        Ok(())
    };
    let outcome = w
        .run(spec, &training_device(), &datasets(), &mut sink)
        .unwrap();
    (outcome, seen)
}

const TIME_COLUMNS: [&str; 5] = [
    "accumulated_eval_time",
    "accumulated_logging_time",
    "accumulated_submission_time",
    "score",
    "total_duration",
];

/// 30 steps (horizon 0.1 of resnet_tiny's 300-step budget, evaluated every 25 steps:
/// experiments/workload-targets.yaml) with evaluations at steps 25 and 30; the sink sees the log
/// after each; the CSV has AlgoPerf's columns in sorted order.
#[test]
fn a_trial_logs_algoperf_columns_after_every_evaluation() {
    let (outcome, seen) = run(&spec("nadamw", Hyperparams::new(), 0.1, 1));
    assert_eq!(outcome.status, TrialStatus::Completed);
    assert_eq!((outcome.steps_run, outcome.horizon_steps), (30, 30));
    assert_eq!(seen.len(), 2);
    assert_eq!(outcome.log.rows.len(), 2);
    assert_eq!(outcome.log.rows[0].get("global_step"), 25.0);
    assert_eq!(outcome.log.rows[1].get("global_step"), 30.0);
    let csv = outcome.log.to_csv();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let mut sorted = header.clone();
    sorted.sort();
    assert_eq!(header, sorted);
    for column in [
        "global_step",
        "score",
        "preemption_count",
        "validation/accuracy",
        "validation/loss",
        "validation/num_examples",
        "train/accuracy",
        "train/loss",
    ] {
        assert!(header.contains(&column), "{column} missing from {header:?}");
    }
    let row = &outcome.log.rows[1];
    // resnet_tiny validates on the 2 000 test-file images of the committed subset.
    assert_eq!(row.get("validation/num_examples"), 2000.0);
    assert_eq!(row.get("score"), row.get("accumulated_submission_time"));
    // Chance is 0.1 on 10 balanced classes; 30 NAdamW steps must at least triple it.
    assert!(
        row.get("validation/accuracy") > 0.3,
        "30 NAdamW steps learn something"
    );
}

/// Same seed, same machine: identical evaluations apart from the wall-clock columns.
#[test]
fn the_same_seed_gives_identical_logs() {
    let strip = |log: &EvalLog| -> Vec<Vec<(String, u64)>> {
        log.rows
            .iter()
            .map(|r| {
                r.values
                    .iter()
                    .filter(|(k, _)| !TIME_COLUMNS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.to_bits()))
                    .collect()
            })
            .collect()
    };
    let s = spec("prodigy", Hyperparams::new(), 0.1, 5);
    let (a, _) = run(&s);
    let (b, _) = run(&s);
    assert_eq!(strip(&a.log), strip(&b.log));
    let (c, _) = run(&spec("prodigy", Hyperparams::new(), 0.1, 6));
    assert_ne!(
        strip(&a.log),
        strip(&c.log),
        "another seed gives another run"
    );
}

/// A learning rate of 1e6 makes AdamW's loss non-finite: the trial ends as diverged (a result,
/// not an error) and its log ends with an evaluation at the step it diverged.
#[test]
fn a_diverging_trial_is_a_result() {
    let h = Hyperparams::new()
        .with("learning_rate", 1e6)
        .with("warmup_fraction", 0.0);
    let (outcome, _) = run(&spec("adamw", h, 0.2, 1));
    let TrialStatus::Diverged { step } = outcome.status else {
        panic!("expected divergence, got {:?}", outcome.status);
    };
    // At lr 1e6 the first update already makes the loss non-finite; anything before the first
    // evaluation at step 25 shows the divergence check runs every step, not only at evaluations.
    assert!(step < 25, "diverged only at step {step}");
    let last = outcome.log.rows.last().expect("a final evaluation row");
    assert_eq!(last.get("global_step"), step as f64);
}

/// Trainable parameters of the tiny ResNet, counted by hand:
/// stem conv 1·8·9 = 72, BN 16; block 8→8: 2·(8·8·9) + 2·16 = 1184;
/// block 8→16: 8·16·9 + 16·16·9 + 8·16 (projection) + 3·32 = 3680;
/// block 16→32: 16·32·9 + 32·32·9 + 16·32 + 3·64 = 14528; head 32·10 + 10 = 330 → 19 810.
#[test]
fn the_tiny_resnet_has_the_hand_counted_parameters() {
    let _serial = RNG.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(workload("resnet_tiny").unwrap().parameter_count(), 19_810);
}

#[test]
fn unknown_workloads_list_the_known_ones() {
    let err = workload("resnet_huge").err().unwrap().to_string();
    assert!(
        err.contains("resnet_huge") && err.contains("resnet_tiny"),
        "{err}"
    );
}

/// Every optimizer of lrf-optim runs a trial at its literature preset: 25 steps with one
/// evaluation — at Schedule-Free's `x` and DoG's average with BatchNorm statistics recomputed
/// there — and reports finite validation metrics.
#[test]
fn every_optimizer_runs_a_trial() {
    for info in lrf_optim::ALGORITHMS {
        let (outcome, _) = run(&spec(info.name, Hyperparams::new(), 25.0 / 300.0, 2));
        let row = outcome.log.rows.last().unwrap();
        assert_eq!(outcome.steps_run, 25, "{}", info.name);
        assert!(
            row.get("validation/loss").is_finite(),
            "{}: {:?}",
            info.name,
            outcome.status
        );
        let accuracy = row.get("validation/accuracy");
        assert!((0.0..=1.0).contains(&accuracy), "{}: {accuracy}", info.name);
    }
}
