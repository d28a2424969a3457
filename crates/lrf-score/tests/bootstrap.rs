//! Bootstrap intervals of the benchmark score over seeds; every expected value is worked out
//! by hand beside it.

use lrf_score::bootstrap::{bootstrap_scores, percentile, SeedTimes};

const INF: f64 = f64::INFINITY;

#[test]
fn percentiles_interpolate_linearly_like_numpy() {
    // np.percentile([1, 2, 3, 4], 2.5): position 0.025 · 3 = 0.075 → 1 + 0.075 = 1.075;
    // 97.5: position 2.925 → 3 + 0.925 = 3.925; 50: position 1.5 → 2.5.
    let v = [4.0, 1.0, 3.0, 2.0];
    assert!((percentile(&v, 2.5) - 1.075).abs() < 1e-12);
    assert!((percentile(&v, 97.5) - 3.925).abs() < 1e-12);
    assert_eq!(percentile(&v, 50.0), 2.5);
    assert!(percentile(&[], 50.0).is_nan());
}

fn times(values: Vec<Vec<Vec<f64>>>) -> SeedTimes {
    SeedTimes {
        submissions: (0..values.len()).map(|i| format!("s{i}")).collect(),
        workloads: vec!["w0".into(), "w1".into()],
        values,
    }
}

#[test]
fn one_seed_each_gives_a_point_interval() {
    // A is fastest on both workloads: ratio 1 everywhere, ρ = 1 on all of τ ∈ [1, 4] → score 1.
    // B takes 5× as long: beyond the 4× cut-off it counts as failed, ρ = 0 → score 0.
    let t = times(vec![vec![vec![10.0, 10.0]], vec![vec![50.0, 50.0]]]);
    let s = bootstrap_scores(&t, 200, 0);
    assert_eq!(
        (s[0].score, s[0].low, s[0].high, s[0].seeds),
        (1.0, 1.0, 1.0, 1)
    );
    assert_eq!((s[1].score, s[1].low, s[1].high), (0.0, 0.0, 0.0));
}

#[test]
fn resampling_seeds_widens_the_interval_and_is_reproducible() {
    // A: seed 0 reaches both targets at 10, seed 1 misses both. On all seeds the median of
    // [10, inf] is inf: A misses, score 0; B (one seed, 20) is then the only finisher: score 1.
    // A replicate draws A's seeds {0, 0} with probability 1/4 (A then scores 1, B's ratio is 2
    // and its score drops below 1) and otherwise a draw whose median is inf (A scores 0, B 1).
    // Among 1000 replicates about 250 have A = 1, far more than the 2.5% that set the upper
    // end, and about 750 have A = 0: the interval is [0, 1] for A; for B it is [x, 1] with
    // 0 < x < 1.
    let t = times(vec![
        vec![vec![10.0, 10.0], vec![INF, INF]],
        vec![vec![20.0, 20.0]],
    ]);
    let s = bootstrap_scores(&t, 1000, 7);
    assert_eq!(
        (s[0].score, s[0].low, s[0].high, s[0].seeds),
        (0.0, 0.0, 1.0, 2)
    );
    assert_eq!((s[1].score, s[1].high), (1.0, 1.0));
    assert!(s[1].low > 0.0 && s[1].low < 1.0, "{:?}", s[1]);
    assert_eq!(
        s,
        bootstrap_scores(&t, 1000, 7),
        "same seed, same intervals"
    );
}
