//! Bootstrap intervals for the AlgoPerf benchmark score over seeds (the paper reports none).
//!
//! A seed is one AlgoPerf *study*: one run of every workload. One bootstrap replicate draws,
//! independently for every submission, as many of its seeds as it has, with replacement, and
//! keeps each drawn seed's runs on every workload together. The per-workload time-to-target is
//! the median over the drawn seeds (as AlgoPerf takes the median over studies), then the
//! performance profile and the benchmark scores of all submissions are computed again. The
//! interval is the 2.5th and 97.5th percentiles of the replicate scores (percentile
//! bootstrap, percentiles interpolated linearly as `numpy.percentile` does).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::profile::{algoperf_taus, performance_profile};
use crate::targets::Targets;
use crate::time_to_target::{median, TimeMatrix};

/// Per submission, per seed, per workload: time-to-target (inf = missed, NaN = not run).
#[derive(Debug, Clone, PartialEq)]
pub struct SeedTimes {
    /// Submission names.
    pub submissions: Vec<String>,
    /// Workload names (columns).
    pub workloads: Vec<String>,
    /// `values[submission][seed][workload]`.
    pub values: Vec<Vec<Vec<f64>>>,
}

/// A score with its bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreInterval {
    /// The benchmark score on all seeds.
    pub score: f64,
    /// 2.5th percentile of the replicate scores.
    pub low: f64,
    /// 97.5th percentile of the replicate scores.
    pub high: f64,
    /// Seeds the submission has.
    pub seeds: usize,
}

/// `numpy.percentile(values, q)` with linear interpolation (`values` need not be sorted).
pub fn percentile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q / 100.0 * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

fn matrix(times: &SeedTimes, picks: &[Vec<usize>]) -> TimeMatrix {
    TimeMatrix {
        submissions: times.submissions.clone(),
        workloads: times.workloads.clone(),
        values: times
            .values
            .iter()
            .zip(picks)
            .map(|(seeds, pick)| {
                (0..times.workloads.len())
                    .map(|w| {
                        let column: Vec<f64> = pick.iter().map(|&s| seeds[s][w]).collect();
                        median(&column)
                    })
                    .collect()
            })
            .collect(),
    }
}

fn scores(times: &SeedTimes, picks: &[Vec<usize>]) -> Vec<f64> {
    let targets = Targets {
        base_workloads: times.workloads.clone(),
        held_out_workloads: Vec::new(),
        workloads: Default::default(),
    };
    performance_profile(&matrix(times, picks), &targets, &algoperf_taus()).scores()
}

/// Benchmark score of every submission on all its seeds, with a percentile-bootstrap 95%
/// interval from `replicates` resamples of seeds drawn from a ChaCha8 stream seeded by `seed`
/// (same inputs, same intervals).
pub fn bootstrap_scores(times: &SeedTimes, replicates: usize, seed: u64) -> Vec<ScoreInterval> {
    let all: Vec<Vec<usize>> = times
        .values
        .iter()
        .map(|s| (0..s.len()).collect())
        .collect();
    let point = scores(times, &all);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draws: Vec<Vec<f64>> = vec![Vec::with_capacity(replicates); times.submissions.len()];
    for _ in 0..replicates {
        let picks: Vec<Vec<usize>> = all
            .iter()
            .map(|s| s.iter().map(|_| rng.random_range(0..s.len())).collect())
            .collect();
        for (d, x) in draws.iter_mut().zip(scores(times, &picks)) {
            d.push(x);
        }
    }
    point
        .iter()
        .zip(&draws)
        .zip(&times.values)
        .map(|((&score, d), seeds)| ScoreInterval {
            score,
            low: percentile(d, 2.5),
            high: percentile(d, 97.5),
            seeds: seeds.len(),
        })
        .collect()
}
