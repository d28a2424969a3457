//! The crates together: a trial trained by lrf-workloads with an lrf-optim optimizer writes an
//! AlgoPerf log that lrf-score's AlgoPerf scorer reads back with the time-to-target the trial saw.

use std::collections::BTreeMap;

use lrf_optim::Preset;
use lrf_score::algoperf::score_log_tree;
use lrf_score::pandas_float::pandas_float;
use lrf_score::{first_hit, Targets, WorkloadTarget};
use lrf_tests::workspace_root;
use lrf_workloads::{training_device, workload, EvalLog, Regularization, TrialSpec};

#[test]
fn a_trial_log_is_scored_by_the_algoperf_scorer() {
    let dir = tempfile::tempdir().unwrap();
    let w = workload("resnet_tiny").unwrap();
    let trial_dir = dir.path().join("nadamw/study_0/resnet_tiny_lrf/trial_1");
    let csv = trial_dir.join("eval_measurements.csv");
    let spec = TrialSpec {
        preset: Preset::literature("nadamw").unwrap(),
        regularization: Regularization::default(),
        seed: 0,
        horizon: 0.2,
        stop_at_target: false,
    };
    let mut sink = |log: &EvalLog| log.write(&csv);
    let outcome = w
        .run(
            &spec,
            &training_device(),
            &workspace_root().join("datasets"),
            &mut sink,
        )
        .unwrap();
    // A target between the first and the best evaluation, so it is reached mid-run.
    let acc: Vec<f64> = outcome
        .log
        .rows
        .iter()
        .map(|r| r.get("validation/accuracy"))
        .collect();
    let best = acc.iter().copied().fold(f64::MIN, f64::max);
    let target = (acc[0] + best) / 2.0;
    let hit = first_hit(&acc, target, false).unwrap();
    let targets = Targets {
        base_workloads: vec!["resnet_tiny".into()],
        held_out_workloads: vec![],
        workloads: BTreeMap::from([(
            "resnet_tiny".to_string(),
            WorkloadTarget {
                target_metric_name: "accuracy".into(),
                validation_target_value: target,
                step_hint: Some(w.info().step_budget),
            },
        )]),
    };
    let (times, profile) = score_log_tree(dir.path(), &targets).unwrap();
    assert_eq!(times.submissions, ["nadamw"]);
    // The scorer reads numbers as pandas does (as AlgoPerf sees them): the time written in the
    // log, parsed the pandas way.
    let written = outcome.log.rows[hit].get("score").to_string();
    assert_eq!(
        times.get("nadamw", "resnet_tiny"),
        pandas_float(&written).unwrap()
    );
    assert_eq!(
        profile.scores(),
        vec![1.0],
        "alone, a submission that reaches the target scores 1"
    );
}
