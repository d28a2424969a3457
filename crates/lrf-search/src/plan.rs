//! The trials an experiment runs, phase by phase.

use crate::experiment::{Experiment, Sampler};
use crate::halton::halton_points;
use crate::sobol::sobol_points;
use crate::value::Point;

/// One trial to run: an algorithm with hyperparameters on a workload, seed and horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedTrial {
    /// 1 = defaults, 2 = search, 3 = retrain of the best searched configurations.
    pub phase: u8,
    /// Optimizer name.
    pub algorithm: String,
    /// Configuration name within the phase: `defaults`, or `p003-h0.50` (point 3, horizon 0.5).
    pub config: String,
    /// Workload name.
    pub workload: String,
    /// Seed (AlgoPerf study).
    pub seed: u64,
    /// Fraction of the workload's step budget.
    pub horizon: f64,
    /// Hyperparameters on top of the algorithm's preset.
    pub overrides: Point,
}

impl PlannedTrial {
    /// Results folder of this trial relative to the experiment folder, in AlgoPerf's layout
    /// (`<submission>/study_<seed>/<workload>_<framework>/trial_1`, the submission being
    /// `phase<k>/<algorithm>/<config>`).
    pub fn relative_dir(&self) -> String {
        format!(
            "phase{}/{}/{}/study_{}/{}_lrf/trial_1",
            self.phase, self.algorithm, self.config, self.seed, self.workload
        )
    }

    /// Name of the configuration as a submission: `<algorithm>/<config>`.
    pub fn submission(&self) -> String {
        format!("{}/{}", self.algorithm, self.config)
    }
}

/// Name of a phase-2 configuration: `p003-h0.50` (the horizon with 2 decimals when that is
/// exact, else in full, so distinct horizons never share a name).
pub fn point_config(index: usize, horizon: f64) -> String {
    let short = format!("{horizon:.2}");
    if short.parse::<f64>() == Ok(horizon) {
        format!("p{index:03}-h{short}")
    } else {
        format!("p{index:03}-h{horizon}")
    }
}

/// Phase 1: each algorithm at its preset (plus overrides), full horizon.
pub fn phase1(exp: &Experiment) -> Vec<PlannedTrial> {
    if !exp.phase1.enabled {
        return Vec::new();
    }
    let mut out = Vec::new();
    for algorithm in exp.algorithms.keys() {
        for workload in &exp.workloads {
            for &seed in exp.phase1_seeds() {
                out.push(PlannedTrial {
                    phase: 1,
                    algorithm: algorithm.clone(),
                    config: "defaults".into(),
                    workload: workload.clone(),
                    seed,
                    horizon: 1.0,
                    overrides: exp.overrides(algorithm),
                });
            }
        }
    }
    out
}

/// Phase 2: for each algorithm, `points` quasi-random points of its search space × horizons ×
/// workloads × seeds. Errors only if the search space is invalid.
pub fn phase2(exp: &Experiment) -> crate::Result<Vec<PlannedTrial>> {
    if !exp.phase2.enabled {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for algorithm in exp.algorithms.keys() {
        let space = exp.search_space(algorithm)?;
        let points = match exp.phase2.sampler {
            Sampler::Sobol => sobol_points(&space, exp.phase2.points, exp.phase2.seed),
            Sampler::Halton => halton_points(&space, exp.phase2.points),
        };
        for (index, point) in points.iter().enumerate() {
            let mut overrides = exp.overrides(algorithm);
            overrides.extend(point.clone());
            for &horizon in &exp.phase2.horizons {
                for workload in &exp.workloads {
                    for &seed in &exp.seeds {
                        out.push(PlannedTrial {
                            phase: 2,
                            algorithm: algorithm.clone(),
                            config: point_config(index, horizon),
                            workload: workload.clone(),
                            seed,
                            horizon,
                            overrides: overrides.clone(),
                        });
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Phase 3: each `(algorithm, config)` of `chosen` (phase-2 configuration names, e.g. the
/// `top_k` best by the selection rule) retrained on every workload with `phase3.seeds`, with
/// the hyperparameters and horizon it had in phase 2. Errors if a name is not a phase-2
/// configuration of the experiment.
pub fn phase3(exp: &Experiment, chosen: &[(String, String)]) -> crate::Result<Vec<PlannedTrial>> {
    if !exp.phase3.enabled {
        return Ok(Vec::new());
    }
    let searched = phase2(exp)?;
    let mut out = Vec::new();
    for (algorithm, config) in chosen {
        let Some(template) = searched
            .iter()
            .find(|t| &t.algorithm == algorithm && &t.config == config)
        else {
            return Err(crate::SearchError::new(
                &exp.origin,
                format!("phase 3: `{algorithm}/{config}` is not a phase-2 configuration"),
            ));
        };
        for workload in &exp.workloads {
            for &seed in &exp.phase3.seeds {
                out.push(PlannedTrial {
                    phase: 3,
                    workload: workload.clone(),
                    seed,
                    ..template.clone()
                });
            }
        }
    }
    Ok(out)
}
