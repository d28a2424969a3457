//! The scoring rules on hand-made inputs, each expectation worked out beside it.

use std::collections::BTreeMap;

use lrf_score::curves::Curve;
use lrf_score::profile::{linspace, trapezoid};
use lrf_score::time_to_target::{median, study_time};
use lrf_score::{first_hit, performance_profile, Targets, TimeMatrix};

fn curve(trial: &str, time: &[f64], metric: &[f64]) -> Curve {
    Curve {
        submission: "s".into(),
        study: "study_0".into(),
        workload: "w".into(),
        trial: trial.into(),
        time: time.to_vec(),
        metric: metric.to_vec(),
    }
}

#[test]
fn target_hits_are_inclusive_and_nan_never_hits() {
    assert_eq!(first_hit(&[0.5, 0.7, 0.8], 0.7, false), Some(1));
    assert_eq!(first_hit(&[f64::NAN, 0.2, 0.1], 0.2, true), Some(1));
    assert_eq!(first_hit(&[f64::NAN, 0.69], 0.7, false), None);
}

/// Trial a hits at eval 2 (t = 30 s), trial b at eval 1 (t = 50 s): AlgoPerf takes the smallest
/// eval index, so 50 s — not the fastest time.
#[test]
fn study_time_takes_the_earliest_eval_index_not_the_fastest_time() {
    let a = curve("trial_1", &[10.0, 20.0, 30.0], &[0.1, 0.2, 0.9]);
    let b = curve("trial_2", &[25.0, 50.0, 75.0], &[0.1, 0.9, 0.9]);
    assert_eq!(study_time(&[&a, &b], 0.8, false), 50.0);
    let c = curve("trial_3", &[1.0], &[0.0]);
    assert_eq!(study_time(&[&c], 0.8, false), f64::INFINITY);
}

#[test]
fn median_is_numpys() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    assert_eq!(median(&[1.0, f64::INFINITY, f64::INFINITY]), f64::INFINITY);
    assert_eq!(median(&[1.0, 3.0, f64::INFINITY]), 3.0);
}

/// ρ = 0.5 for τ ≤ 2 and 1 beyond: the exact integral over [1, 4] is 0.5·1 + 1·2 = 2.5, so the
/// normalised score is 2.5/3; the trapezoid rule on the 100-point grid differs from it by less
/// than the jump (0.5) times one grid cell (3/99), divided by 3.
#[test]
fn trapezoid_and_linspace_follow_numpy() {
    let taus = linspace(1.0, 4.0, 100);
    assert_eq!(taus[0], 1.0);
    assert_eq!(taus[99], 4.0);
    assert_eq!(taus[33], 33.0 * (3.0 / 99.0) + 1.0);
    let rho: Vec<f64> = taus
        .iter()
        .map(|&t| if t <= 2.0 { 0.5 } else { 1.0 })
        .collect();
    let score = trapezoid(&rho, &taus) / 3.0;
    assert!(
        (score - 2.5 / 3.0).abs() < 0.5 * (3.0 / 99.0) / 3.0,
        "{score}"
    );
}

/// Two submissions on two workloads. w1: 10 vs 45 → 45 > 4·10 becomes inf; w2: 20 vs 30 →
/// ratios 1 and 1.5. So A has ratios (1, 1) and B (inf, 1.5): A's score is 1, B's is
/// ½·(fraction of the τ grid ≥ 1.5) = ½·(4 − 1.5)/3 up to the grid.
#[test]
fn four_times_cut_off_and_ratios() {
    let times = TimeMatrix {
        submissions: vec!["A".into(), "B".into()],
        workloads: vec!["w1".into(), "w2".into()],
        values: vec![vec![10.0, 20.0], vec![45.0, 30.0]],
    };
    let targets = Targets {
        base_workloads: vec!["w1".into(), "w2".into()],
        held_out_workloads: vec![],
        workloads: BTreeMap::new(),
    };
    let profile = performance_profile(&times, &targets, &linspace(1.0, 4.0, 100));
    assert_eq!(profile.ratios.values[0], vec![1.0, 1.0]);
    assert_eq!(profile.ratios.values[1][0], f64::INFINITY);
    assert_eq!(profile.ratios.values[1][1], 1.5);
    let scores = profile.scores();
    assert_eq!(scores[0], 1.0);
    assert!((scores[1] - 0.5 * 2.5 / 3.0).abs() < 0.02, "{}", scores[1]);
}

/// Equal first-hit indices (both at eval 1): the earlier time wins, whatever the trial order.
#[test]
fn ties_in_the_eval_index_go_to_the_earlier_time() {
    let slow = curve("trial_2", &[10.0, 841.0], &[0.1, 0.9]);
    let fast = curve("trial_5", &[10.0, 640.0], &[0.1, 0.9]);
    assert_eq!(study_time(&[&slow, &fast], 0.8, false), 640.0);
    assert_eq!(study_time(&[&fast, &slow], 0.8, false), 640.0);
}
