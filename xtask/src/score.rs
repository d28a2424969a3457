//! `cargo xtask score`: an experiment's results from disk, or an AlgoPerf log tree.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use lrf_score::algoperf::{score_log_tree, write_outputs};
use lrf_score::Targets;

use crate::paths::default_experiment;
use crate::report;
use crate::sweep::{load_experiment, Replacements};

/// Arguments of `cargo xtask score`.
#[derive(clap::Args)]
pub struct ScoreArgs {
    /// Experiment file whose results to show (default: experiments/default.yaml).
    #[arg(long, conflicts_with_all = ["algoperf_logs", "targets", "out"])]
    experiment: Option<PathBuf>,
    /// Score an AlgoPerf log tree (`<submission>/study_<k>/<workload>_<fw>/trial_<i>/eval_measurements.csv`).
    #[arg(long, requires_all = ["targets", "out"])]
    algoperf_logs: Option<PathBuf>,
    /// AlgoPerf targets file (`workload_targets*.json`).
    #[arg(long, requires = "algoperf_logs")]
    targets: Option<PathBuf>,
    /// Output folder for scores.csv, time_to_targets.csv and performance_profile_score.csv.
    #[arg(long, requires = "algoperf_logs")]
    out: Option<PathBuf>,
    // As in `sweep`: give the flags the sweep ran with to score its plan.
    #[command(flatten)]
    replace: Replacements,
}

/// Runs the command.
pub fn run(args: ScoreArgs) -> Result<ExitCode> {
    if let Some(logs) = &args.algoperf_logs {
        let (Some(targets), Some(out)) = (&args.targets, &args.out) else {
            bail!("--algoperf-logs needs --targets and --out");
        };
        if !targets.is_file() {
            bail!(
                "--targets {}: no such file (expected an AlgoPerf targets JSON file, e.g. \
                 crates/lrf-score/tests/fixtures/algoperf-scoring/targets_v06_8wl.json)",
                targets.display()
            );
        }
        if out.exists() && !out.is_dir() {
            bail!(
                "--out {}: exists and is not a folder (expected a folder for the score files)",
                out.display()
            );
        }
        let targets = Targets::load(targets)?;
        let (times, profile) = score_log_tree(logs, &targets)?;
        write_outputs(&times, &profile, out)?;
        out!("{}", profile.scores_csv());
        outln!(
            "written: {}/{{scores.csv, time_to_targets.csv, performance_profile_score.csv}}",
            out.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut replace = args.replace;
    if replace.is_empty() {
        // No flags: score what the last sweep of this experiment planned.
        let path = args.experiment.clone().unwrap_or_else(default_experiment);
        let name = lrf_search::Experiment::load(&path)?.name;
        if let Some(last) = Replacements::last_sweep(&name)? {
            if !last.is_empty() {
                outln!(
                    "note: scoring with the flags of the last sweep of `{name}`: {}",
                    last.describe()
                );
                replace = last;
            }
        }
    }
    let exp = load_experiment(&args.experiment, replace)?;
    // Where a workload's data are not installed, its trials are scored without checking that
    // they were trained on the data found here.
    let mut sources = std::collections::BTreeMap::new();
    for name in &exp.workloads {
        match crate::sweep::data_sources(std::slice::from_ref(name)) {
            Ok(found) => sources.extend(found),
            Err(e) => outln!("note: {e}; scoring {name} without checking its data"),
        }
    }
    let mut jobs = crate::sweep::with_data(crate::sweep::jobs(&exp)?, &sources);
    // Results of an edited file under the same name are refused, as `sweep` refuses them,
    // before anything is rewritten.
    crate::sweep::check_existing(&jobs)?;
    match crate::sweep::phase3_jobs(&exp, &jobs, &sources)? {
        Ok(p3) => {
            crate::sweep::check_existing(&p3)?;
            jobs.extend(p3)
        }
        Err(why) => outln!("note: no phase 3 yet: {why}"),
    }
    report::show(&exp, &jobs)?;
    Ok(ExitCode::SUCCESS)
}
