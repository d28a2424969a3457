//! `cargo xtask targets --workload NAME`: sets a tiny workload's target the way AlgoPerf set
//! its targets, following `procedure` of `experiments/workload-targets.yaml`: a search of the
//! tuned baseline at the full step budget without stopping at a target, then the best
//! configuration again with more seeds; the target is the median over seeds of each run's best
//! validation metric. Prints the entry for the file; a person reviews it and copies it there.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use lrf_score::TrialSummary;
use lrf_search::{Experiment, PlannedTrial, Value};
use lrf_workloads::targets::{median, target_file, TARGETS_FILE};
use lrf_workloads::DataSource;

use crate::job::Job;
use crate::{plan, sweep};

/// Arguments of `cargo xtask targets`.
#[derive(clap::Args)]
pub struct TargetsArgs {
    /// The workload whose target to set.
    #[arg(long)]
    workload: String,
    /// Search points (default: the file's `procedure.points`).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=lrf_search::MAX_POINTS as u64))]
    points: Option<u64>,
    /// Parallel trial processes (default: the number of cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    workers: Option<u64>,
    /// Print the plan, run nothing.
    #[arg(long)]
    dry_run: bool,
}

/// The search as an experiment (`results/targets-<workload>/`), built from the procedure.
fn search_experiment(workload: &str, points: usize) -> Result<Experiment> {
    let p = &target_file().procedure;
    let mut algo = serde_yaml::Mapping::new();
    algo.insert("search_space".into(), p.search_space.clone());
    let mut algorithms = serde_yaml::Mapping::new();
    algorithms.insert(p.algorithm.clone().into(), algo.into());
    let yaml = serde_yaml::to_string(&serde_yaml::Value::Mapping(
        [
            ("name", format!("targets-{workload}").into()),
            (
                "description",
                format!("target setting of {workload} ({TARGETS_FILE}, procedure)").into(),
            ),
            ("workloads", vec![workload.to_string()].into()),
            ("seeds", vec![p.seeds[0]].into()),
            ("stop_at_target", false.into()),
            ("algorithms", algorithms.into()),
            ("phase1", serde_yaml::from_str("{enabled: false}")?),
            (
                "phase2",
                serde_yaml::from_str(&format!("{{points: {points}, horizons: [1.0], seed: 0}}"))?,
            ),
            ("score", serde_yaml::from_str("{time_axis: steps}")?),
        ]
        .into_iter()
        .map(|(k, v): (&str, serde_yaml::Value)| (k.into(), v))
        .collect(),
    ))?;
    let exp = Experiment::from_yaml_str(&yaml, &format!("{TARGETS_FILE} (procedure)"))?;
    plan::check_names(&exp)?;
    plan::check_hyperparameters(&exp)?;
    Ok(exp)
}

fn summary(job: &Job) -> Result<TrialSummary> {
    use polars::prelude::SerReader;
    let path = job.summary_path();
    let file = std::fs::File::open(&path).with_context(|| format!("{}", path.display()))?;
    let df = polars::prelude::ParquetReader::new(file)
        .finish()
        .with_context(|| format!("{}: not a summary", path.display()))?;
    TrialSummary::from_frame(&df)?
        .pop()
        .ok_or_else(|| anyhow!("{}: empty summary", path.display()))
}

/// Runs the jobs not yet complete; fails if any crashed.
fn run_jobs(jobs: &[Job], sources: &BTreeMap<String, DataSource>, workers: usize) -> Result<()> {
    sweep::check_existing(jobs)?;
    let pending: Vec<Job> = jobs.iter().filter(|j| !j.is_complete()).cloned().collect();
    outln!(
        "{} trials, {} already complete, {} to run",
        jobs.len(),
        jobs.len() - pending.len(),
        pending.len()
    );
    sweep::print_sources(&pending, sources);
    let failures = sweep::run_pool(pending, workers)?;
    if let Some(f) = failures.first() {
        bail!("{} trial(s) failed to run; first: {f}", failures.len());
    }
    Ok(())
}

/// A searched value as YAML text.
fn yaml_value(v: &Value) -> String {
    match v {
        Value::Number(x) => format!("{x}"),
        Value::Bool(b) => b.to_string(),
        Value::Text(s) => serde_yaml::to_string(s)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// Runs the procedure and prints the entry.
pub fn run(args: TargetsArgs) -> Result<ExitCode> {
    let workload = lrf_workloads::workload(&args.workload)?;
    let info = workload.info().clone();
    let procedure = &target_file().procedure;
    let points = args.points.map_or(procedure.points, |p| p as usize);
    let exp = search_experiment(info.name, points)?;
    let workers = args
        .workers
        .map(|w| w as usize)
        .unwrap_or_else(sweep::cores);
    let sources = sweep::data_sources(&exp.workloads)?;
    let search = sweep::with_data(sweep::jobs(&exp)?, &sources);
    let repeats = procedure.seeds.len() - 1;
    outln!(
        "target setting of {} ({}): {} {} points at the full budget of {} steps (seed {}), \
         then the best again with seeds {:?}: {} trials",
        info.name,
        info.description,
        points,
        procedure.algorithm,
        info.step_budget,
        procedure.seeds[0],
        &procedure.seeds[1..],
        search.len() + repeats
    );
    if args.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    let _lock = sweep::lock_experiment(&exp.name)?;
    run_jobs(&search, &sources, workers)?;

    // The best configuration of the search: best validation metric; ties to the lower index.
    let better = |a: f64, b: f64| {
        if info.minimize {
            a < b || b.is_nan()
        } else {
            a > b || b.is_nan()
        }
    };
    let mut rows = Vec::new();
    for job in &search {
        rows.push((job, summary(job)?.best_metric));
    }
    outln!(
        "\n{:<12} {:>12}  hyperparameters",
        "config",
        format!("best {}", info.target_metric_name)
    );
    for (job, best) in &rows {
        outln!("{:<12} {:>12.4}  {}", job.config, best, job.hparams_json());
    }
    let (best_job, best) = rows
        .iter()
        .fold(None::<(&Job, f64)>, |acc, &(j, m)| match acc {
            Some((_, b)) if !better(m, b) => acc,
            _ => Some((j, m)),
        })
        .ok_or_else(|| anyhow!("no search trial"))?;
    if !best.is_finite() {
        bail!(
            "every configuration of the search diverged on {}: widen or move procedure.search_space",
            info.name
        );
    }
    let planned = lrf_search::phase2(&exp)?;
    let point = planned
        .iter()
        .find(|t| t.config == best_job.config)
        .map(|t| t.overrides.clone())
        .ok_or_else(|| anyhow!("configuration {} not in the plan", best_job.config))?;

    // The best configuration with the remaining seeds.
    let mut again = Vec::new();
    for &seed in &procedure.seeds[1..] {
        let trial = PlannedTrial {
            phase: 2,
            algorithm: procedure.algorithm.clone(),
            config: best_job.config.clone(),
            workload: info.name.to_string(),
            seed,
            horizon: 1.0,
            overrides: point.clone(),
        };
        again.push(plan::job(&exp, &trial, false)?);
    }
    let again = sweep::with_data(again, &sources);
    run_jobs(&again, &sources, workers)?;
    let mut per_seed = vec![best];
    for job in &again {
        per_seed.push(summary(job)?.best_metric);
    }
    let target = median(&per_seed);
    outln!(
        "\nbest configuration {} (seed {}: {best:.4}); best {} per seed {:?}: {:?}",
        best_job.config,
        procedure.seeds[0],
        info.target_metric_name,
        procedure.seeds,
        per_seed
    );
    outln!(
        "target of {} = median = {target} (now in {TARGETS_FILE}: {})\n",
        info.name,
        info.target
    );
    outln!("# entry for {TARGETS_FILE} (workloads:)");
    outln!("  {}:", info.name);
    outln!("    target: {target}");
    outln!("    step_budget: {}", info.step_budget);
    outln!("    eval_every: {}", info.eval_every);
    outln!(
        "    set: {}, `cargo xtask targets`, {} cores",
        today(),
        sweep::cores()
    );
    outln!("    tuned:");
    for (k, v) in &point {
        outln!("      {k}: {}", yaml_value(v));
    }
    outln!(
        "    best_per_seed: [{}]",
        per_seed
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

/// Today's date (UTC) as YYYY-MM-DD.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
