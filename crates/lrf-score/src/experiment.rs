//! Scoring an lrf experiment from its trial summaries: time-to-target per configuration,
//! selection of the best searched configuration per algorithm (geometric mean of
//! time-to-target, a miss counting as the budget + 1, as AlgoPerf's `compute_speedups` does),
//! the calibrated configuration (the best retrained one, by the same rule), and the benchmark
//! score of defaults vs calibrated configurations.

use std::collections::{BTreeMap, BTreeSet};

use crate::bootstrap::SeedTimes;
use crate::profile::{algoperf_taus, performance_profile, Profile};
use crate::summary::TrialSummary;
use crate::targets::Targets;
use crate::time_to_target::{median, TimeMatrix};

/// Which clock time-to-target is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Accumulated training seconds (AlgoPerf's `score` column).
    Seconds,
    /// Optimizer steps.
    Steps,
}

/// Median over seeds of one configuration on one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Seeds run.
    pub seeds: usize,
    /// Seeds that reached the target.
    pub reached: usize,
    /// Median steps to target over seeds (inf if the median seed missed).
    pub steps: f64,
    /// Median seconds to target over seeds.
    pub seconds: f64,
    /// Seeds that diverged.
    pub diverged: usize,
    /// Median over seeds of the best validation value.
    pub best_metric: f64,
    /// Each seed's `(seed, steps to target, seconds to target)`, inf where it missed, sorted
    /// by seed (what the bootstrap resamples).
    pub per_seed: Vec<(u64, f64, f64)>,
}

impl Cell {
    /// Median time-to-target on `axis`.
    pub fn time(&self, axis: Axis) -> f64 {
        match axis {
            Axis::Steps => self.steps,
            Axis::Seconds => self.seconds,
        }
    }
}

/// One configuration (a submission) across workloads.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigResult {
    /// Phase it ran in.
    pub phase: u32,
    /// Optimizer.
    pub algorithm: String,
    /// Configuration name.
    pub config: String,
    /// Hyperparameters (JSON) of the first seed's trial.
    pub hparams: String,
    /// Per workload.
    pub cells: BTreeMap<String, Cell>,
    /// Geometric mean over workloads of time-to-target on the axis, misses at budget + 1.
    pub geomean: f64,
    /// Mean over workloads of the best validation value relative to the target (value/target
    /// when maximising, target/value when minimising; larger is better). Breaks ties in
    /// `geomean`, e.g. between configurations that all miss.
    pub closeness: f64,
}

impl ConfigResult {
    /// `<algorithm>/<config>`.
    pub fn submission(&self) -> String {
        format!("{}/{}", self.algorithm, self.config)
    }
}

/// Everything the tables and plots show.
#[derive(Debug, Clone)]
pub struct ExperimentScores {
    /// Time axis used.
    pub axis: Axis,
    /// Workloads, sorted.
    pub workloads: Vec<String>,
    /// Budget + 1 penalty per workload on the axis.
    pub miss_penalty: BTreeMap<String, f64>,
    /// Every configuration that ran.
    pub configs: Vec<ConfigResult>,
    /// Per algorithm, the index in `configs` of the selected phase-2 configuration.
    pub selected: BTreeMap<String, usize>,
    /// Per algorithm, its phase-2 configurations best first by the selection rule (what
    /// phase 3 retrains the top of).
    pub ranked: BTreeMap<String, Vec<usize>>,
    /// Per algorithm, its calibrated configuration: the best phase-3 (retrained) configuration
    /// by the same rule when phase 3 has results for it, else the selected phase-2 one.
    pub calibrated: BTreeMap<String, usize>,
    /// Indices of the configurations compared in the profile, in table order.
    pub compared: Vec<usize>,
    /// Time-to-target of the compared configurations.
    pub times: TimeMatrix,
    /// Their performance profile.
    pub profile: Profile,
    /// What phase 1 ran for an algorithm when it was not the literature defaults (e.g.
    /// `target-setting configuration`); set by the caller, used by tables and plots.
    pub phase1_labels: BTreeMap<String, String>,
}

impl ExperimentScores {
    /// The algorithms, in the order of their first configuration.
    pub fn algorithms(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in &self.configs {
            if !out.contains(&c.algorithm.as_str()) {
                out.push(&c.algorithm);
            }
        }
        out
    }

    /// Per-seed time-to-target of the compared configurations on the score's axis, for the
    /// bootstrap; a seed missing on a workload counts as a miss there.
    pub fn seed_times(&self) -> SeedTimes {
        let mut values = Vec::new();
        for &i in &self.compared {
            let c = &self.configs[i];
            let seeds: BTreeSet<u64> = c
                .cells
                .values()
                .flat_map(|cell| cell.per_seed.iter().map(|p| p.0))
                .collect();
            values.push(
                seeds
                    .iter()
                    .map(|&seed| {
                        self.workloads
                            .iter()
                            .map(|w| {
                                c.cells
                                    .get(w)
                                    .and_then(|cell| cell.per_seed.iter().find(|p| p.0 == seed))
                                    .map_or(f64::INFINITY, |p| match self.axis {
                                        Axis::Steps => p.1,
                                        Axis::Seconds => p.2,
                                    })
                            })
                            .collect()
                    })
                    .collect(),
            );
        }
        SeedTimes {
            submissions: self.times.submissions.clone(),
            workloads: self.workloads.clone(),
            values,
        }
    }

    /// Label of `algorithm`'s phase-1 configuration: `literature defaults` unless
    /// [`ExperimentScores::phase1_labels`] says otherwise.
    pub fn phase1_label(&self, algorithm: &str) -> String {
        self.phase1_labels
            .get(algorithm)
            .cloned()
            .unwrap_or_else(|| "literature defaults".into())
    }
}

fn cell(trials: &[&TrialSummary]) -> Cell {
    let steps: Vec<f64> = trials.iter().map(|t| t.time_to_target(true)).collect();
    let seconds: Vec<f64> = trials.iter().map(|t| t.time_to_target(false)).collect();
    let best: Vec<f64> = trials
        .iter()
        .map(|t| t.best_metric)
        .filter(|v| !v.is_nan())
        .collect();
    let mut per_seed: Vec<(u64, f64, f64)> = trials
        .iter()
        .map(|t| (t.seed, t.time_to_target(true), t.time_to_target(false)))
        .collect();
    per_seed.sort_by_key(|p| p.0);
    Cell {
        per_seed,
        seeds: trials.len(),
        reached: trials.iter().filter(|t| t.reached).count(),
        steps: median(&steps),
        seconds: median(&seconds),
        diverged: trials.iter().filter(|t| t.status == "diverged").count(),
        best_metric: if best.is_empty() {
            f64::NAN
        } else {
            median(&best)
        },
    }
}

/// Scores an experiment. `algorithm_order` fixes the order of the table (algorithms not in it
/// follow alphabetically).
pub fn score_experiment(
    summaries: &[TrialSummary],
    axis: Axis,
    algorithm_order: &[String],
) -> ExperimentScores {
    let workloads: Vec<String> = summaries
        .iter()
        .map(|s| s.workload.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Budget + 1 on the axis; for seconds the budget is the step budget times the median
    // measured seconds per step on that workload.
    let miss_penalty: BTreeMap<String, f64> = workloads
        .iter()
        .map(|w| {
            let trials: Vec<&TrialSummary> =
                summaries.iter().filter(|s| &s.workload == w).collect();
            let budget = trials.iter().map(|t| t.step_budget).max().unwrap_or(0) as f64;
            let penalty = match axis {
                Axis::Steps => budget + 1.0,
                Axis::Seconds => {
                    let per_step: Vec<f64> = trials
                        .iter()
                        .filter(|t| t.steps_run > 0)
                        .map(|t| t.train_seconds / t.steps_run as f64)
                        .collect();
                    budget * median(&per_step) + 1.0
                }
            };
            (w.clone(), penalty)
        })
        .collect();
    let mut groups: BTreeMap<(u32, String, String), Vec<&TrialSummary>> = BTreeMap::new();
    for s in summaries {
        groups
            .entry((s.phase, s.algorithm.clone(), s.config.clone()))
            .or_default()
            .push(s);
    }
    let mut configs: Vec<ConfigResult> = groups
        .into_iter()
        .map(|((phase, algorithm, config), trials)| {
            let mut by_workload: BTreeMap<String, Vec<&TrialSummary>> = BTreeMap::new();
            for t in &trials {
                by_workload.entry(t.workload.clone()).or_default().push(t);
            }
            let cells: BTreeMap<String, Cell> = by_workload
                .iter()
                .map(|(w, ts)| (w.clone(), cell(ts)))
                .collect();
            let log_sum: f64 = workloads
                .iter()
                .map(|w| {
                    let t = cells.get(w).map_or(f64::INFINITY, |c| c.time(axis));
                    if t.is_finite() { t } else { miss_penalty[w] }.ln()
                })
                .sum();
            let ratios: Vec<f64> = trials
                .iter()
                .map(|t| {
                    let r = if t.minimize {
                        t.target / t.best_metric
                    } else {
                        t.best_metric / t.target
                    };
                    if r.is_finite() {
                        r
                    } else {
                        0.0
                    }
                })
                .collect();
            ConfigResult {
                phase,
                algorithm,
                config,
                hparams: trials[0].hparams.clone(),
                cells,
                geomean: (log_sum / workloads.len() as f64).exp(),
                closeness: ratios.iter().sum::<f64>() / ratios.len() as f64,
            }
        })
        .collect();
    let rank = |a: &str| {
        algorithm_order
            .iter()
            .position(|x| x == a)
            .unwrap_or(algorithm_order.len())
    };
    configs.sort_by(|a, b| {
        (rank(&a.algorithm), &a.algorithm, a.phase, &a.config).cmp(&(
            rank(&b.algorithm),
            &b.algorithm,
            b.phase,
            &b.config,
        ))
    });
    let better = |a: &ConfigResult, b: &ConfigResult| {
        a.geomean
            .total_cmp(&b.geomean)
            .then(b.closeness.total_cmp(&a.closeness))
    };
    let rank_phase = |phase: u32| {
        let mut out: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, c) in configs.iter().enumerate() {
            if c.phase == phase {
                out.entry(c.algorithm.clone()).or_default().push(i);
            }
        }
        for list in out.values_mut() {
            // Stable: equal configurations keep their name order.
            list.sort_by(|&a, &b| better(&configs[a], &configs[b]));
        }
        out
    };
    let ranked = rank_phase(2);
    let retrained = rank_phase(3);
    let selected: BTreeMap<String, usize> = ranked
        .iter()
        .map(|(a, list)| (a.clone(), list[0]))
        .collect();
    let mut calibrated = selected.clone();
    for (a, list) in &retrained {
        calibrated.insert(a.clone(), list[0]);
    }
    let compared: Vec<usize> = (0..configs.len())
        .filter(|&i| configs[i].phase == 1 || calibrated.values().any(|&j| j == i))
        .collect();
    let times = TimeMatrix {
        submissions: compared.iter().map(|&i| configs[i].submission()).collect(),
        workloads: workloads.clone(),
        values: compared
            .iter()
            .map(|&i| {
                workloads
                    .iter()
                    .map(|w| configs[i].cells.get(w).map_or(f64::NAN, |c| c.time(axis)))
                    .collect()
            })
            .collect(),
    };
    let targets = Targets {
        base_workloads: workloads.clone(),
        held_out_workloads: Vec::new(),
        workloads: BTreeMap::new(),
    };
    let profile = performance_profile(&times, &targets, &algoperf_taus());
    ExperimentScores {
        axis,
        workloads,
        miss_penalty,
        configs,
        selected,
        ranked,
        calibrated,
        compared,
        times,
        profile,
        phase1_labels: BTreeMap::new(),
    }
}
