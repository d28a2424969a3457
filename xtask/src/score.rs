//! `cargo xtask score`: an experiment's results from disk, or an AlgoPerf log tree.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use lrf_score::algoperf::{score_log_tree, write_outputs};
use lrf_score::Targets;

use crate::report;
use crate::sweep::load_experiment;

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
}

/// Runs the command.
pub fn run(args: ScoreArgs) -> Result<ExitCode> {
    if let Some(logs) = &args.algoperf_logs {
        let (Some(targets), Some(out)) = (&args.targets, &args.out) else {
            bail!("--algoperf-logs needs --targets and --out");
        };
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
    let exp = load_experiment(&args.experiment, None, None)?;
    let jobs = crate::sweep::jobs(&exp, None)?;
    report::show(&exp, &jobs)?;
    Ok(ExitCode::SUCCESS)
}
