//! Scoring an AlgoPerf log tree the way `scoring/score_submissions.py` does, writing
//! `scores.csv`, `time_to_targets.csv` and `performance_profile_score.csv`.

use std::path::Path;

use crate::curves::read_log_tree;
use crate::error::{Result, ScoreError};
use crate::profile::{algoperf_taus, performance_profile, Profile};
use crate::targets::Targets;
use crate::time_to_target::{time_to_target, TimeMatrix};

/// Time-to-target matrix and profile of every submission under `logs`.
pub fn score_log_tree(logs: &Path, targets: &Targets) -> Result<(TimeMatrix, Profile)> {
    let missing = std::cell::RefCell::new(std::collections::BTreeSet::new());
    let metric_of = |w: &str| {
        let metric = targets
            .workloads
            .get(w)
            .map(|t| format!("validation/{}", t.target_metric_name));
        if metric.is_none() {
            missing.borrow_mut().insert(w.to_string());
        }
        metric
    };
    let curves = read_log_tree(logs, "score", &metric_of)?;
    if let Some(w) = missing.borrow().iter().next() {
        return Err(ScoreError::file(
            logs,
            format!("workload `{w}` has logs here but no target in the targets file"),
        ));
    }
    if curves.is_empty() {
        return Err(ScoreError::file(
            logs,
            "no <submission>/study_<k>/<workload>_<framework>/trial_<i>/eval_measurements.csv found",
        ));
    }
    let times = time_to_target(&curves, targets)?;
    let profile = performance_profile(&times, targets, &algoperf_taus());
    Ok((times, profile))
}

/// Writes the three AlgoPerf output files into `out` (atomically).
pub fn write_outputs(times: &TimeMatrix, profile: &Profile, out: &Path) -> Result<()> {
    let write = |name: &str, text: String| {
        let path = out.join(name);
        lrf_data::write_atomic(&path, text.as_bytes()).map_err(|e| ScoreError::file(&path, e))
    };
    write("time_to_targets.csv", times.to_csv())?;
    write("scores.csv", profile.scores_csv())?;
    write("performance_profile_score.csv", profile.profile_csv())?;
    Ok(())
}
