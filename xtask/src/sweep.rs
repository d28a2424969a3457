//! `cargo xtask sweep`: plan an experiment's trials, skip the completed ones, run the rest in
//! parallel worker processes, then score and show the results.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use lrf_search::Experiment;
use lrf_workloads::DataSource;

use crate::job::Job;
use crate::paths::{default_experiment, experiment_dir, results_root};
use crate::{plan, report};

/// Arguments of `cargo xtask sweep`.
#[derive(clap::Args)]
pub struct SweepArgs {
    /// Experiment file (default: experiments/default.yaml).
    #[arg(long)]
    experiment: Option<PathBuf>,
    /// Parallel trial processes (default: the file's `workers`, else the number of cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    workers: Option<u64>,
    /// Run only this phase (1 = literature defaults, 2 = search, 3 = retrain the top-k
    /// searched configurations with more seeds; needs phase 2 complete).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    phase: Option<u8>,
    #[command(flatten)]
    replace: Replacements,
    /// Print the plan and an estimate of its wall time, run nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Command-line replacements of experiment-file values (`sweep` and `score` share them, so
/// `score` finds the plan a `sweep` with the same flags ran).
#[derive(
    clap::Args, Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize,
)]
pub struct Replacements {
    /// Replace the number of phase-2 points of the file.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=lrf_search::MAX_POINTS as u64))]
    pub points: Option<u64>,
    /// Evaluation seeds 0..N: phase 1 and the phase-3 retrain use them (the search keeps the
    /// file's `seeds`).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub seeds: Option<u64>,
    /// Replace the number of configurations per algorithm phase 3 retrains.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub top_k: Option<u64>,
}

/// File in the experiment folder recording the replacements of the last sweep, so that
/// `score` without flags scores what that sweep planned.
const SWEEP_FLAGS: &str = "sweep-flags.json";

impl Replacements {
    /// True when no flag was given.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The flags as typed: `--points 4 --seeds 2`.
    pub fn describe(&self) -> String {
        let mut out = Vec::new();
        for (flag, value) in [
            ("--points", self.points),
            ("--seeds", self.seeds),
            ("--top-k", self.top_k),
        ] {
            if let Some(v) = value {
                out.push(format!("{flag} {v}"));
            }
        }
        out.join(" ")
    }

    /// Records these as the flags of the last sweep of experiment `name`.
    pub fn record(&self, name: &str) -> Result<()> {
        let path = experiment_dir(name).join(SWEEP_FLAGS);
        let body = serde_json::to_vec_pretty(self)?;
        lrf_data::write_atomic(&path, &body)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        Ok(())
    }

    /// The flags the last sweep of experiment `name` ran with, if it recorded them.
    pub fn last_sweep(name: &str) -> Result<Option<Self>> {
        let path = experiment_dir(name).join(SWEEP_FLAGS);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let flags = serde_json::from_str(&text).with_context(|| {
            format!(
                "{}: not a record of sweep flags (delete it, or give score the flags)",
                path.display()
            )
        })?;
        Ok(Some(flags))
    }
}

/// Loads the experiment with command-line replacements applied.
pub fn load_experiment(path: &Option<PathBuf>, replace: Replacements) -> Result<Experiment> {
    let path = path.clone().unwrap_or_else(default_experiment);
    let mut exp = Experiment::load(&path)?;
    if let Some(p) = replace.points {
        exp.phase2.points = p as usize; // clap checked 1..=MAX_POINTS
    }
    if let Some(n) = replace.seeds {
        // clap checked n >= 1
        exp.phase1.seeds = Some((0..n).collect());
        exp.phase3.seeds = (0..n).collect();
    }
    if let Some(k) = replace.top_k {
        exp.phase3.top_k = k as usize;
    }
    plan::check_names(&exp)?;
    plan::check_targets_set(&exp)?;
    plan::check_hyperparameters(&exp)?;
    Ok(exp)
}

/// The data of each workload in `workloads`, loaded once: a missing or corrupt file stops here
/// with one line naming the workload, the file and the problem.
pub fn data_sources(workloads: &[String]) -> Result<BTreeMap<String, DataSource>> {
    let mut out = BTreeMap::new();
    for name in workloads {
        let w = lrf_workloads::workload(name)?;
        let source = w
            .check_data(&crate::paths::datasets_dir())
            .map_err(|e| anyhow::anyhow!("workload `{name}`: {e}"))?;
        out.insert(name.clone(), source);
    }
    Ok(out)
}

/// Sets each job's data fingerprint from `sources` (left empty for a workload not in it).
pub fn with_data(mut jobs: Vec<Job>, sources: &BTreeMap<String, DataSource>) -> Vec<Job> {
    for job in &mut jobs {
        job.data = sources
            .get(&job.workload)
            .map(|s| s.fingerprint.clone())
            .unwrap_or_default();
    }
    jobs
}

/// Prints where the data of each workload with trials to run come from.
pub fn print_sources(pending: &[Job], sources: &BTreeMap<String, DataSource>) {
    let names: BTreeSet<&str> = pending.iter().map(|j| j.workload.as_str()).collect();
    for name in names {
        if let Some(s) = sources.get(name) {
            outln!("{name}: data from {}", s.description);
        }
    }
}

/// The jobs of phases 1 and 2 (phase 3 depends on phase 2's results: [`phase3_jobs`]),
/// without data fingerprints (see [`with_data`]).
pub fn jobs(exp: &Experiment) -> Result<Vec<Job>> {
    let mut planned = lrf_search::phase1(exp);
    planned.extend(lrf_search::phase2(exp)?);
    plan::jobs(exp, &planned, exp.stop_at_target)
}

/// `--phase p` is refused for a phase the file disables.
fn check_phase_enabled(exp: &Experiment, only_phase: Option<u8>) -> Result<()> {
    let Some(p) = only_phase else { return Ok(()) };
    let enabled = match p {
        1 => exp.phase1.enabled,
        2 => exp.phase2.enabled,
        _ => exp.phase3.enabled,
    };
    if !enabled {
        bail!(
            "{}: --phase {p}: phase{p} is disabled in this file",
            exp.origin
        );
    }
    Ok(())
}

/// Phase 3's jobs: the `top_k` best phase-2 configurations of each algorithm by the selection
/// rule, retrained with `phase3.seeds`. `Ok(Err(why))` when they cannot be known yet (phase 2
/// incomplete); `search` are the phase-2 jobs with data fingerprints.
pub fn phase3_jobs(
    exp: &Experiment,
    search: &[Job],
    sources: &BTreeMap<String, DataSource>,
) -> Result<std::result::Result<Vec<Job>, String>> {
    if !exp.phase3.enabled {
        return Ok(Ok(Vec::new()));
    }
    let search: Vec<Job> = search.iter().filter(|j| j.phase == 2).cloned().collect();
    let missing = search.iter().filter(|j| !j.is_complete()).count();
    if missing > 0 {
        return Ok(Err(format!(
            "phase 3 retrains the best phase-2 configurations, and {missing} of {} phase-2 \
             trials are not complete",
            search.len()
        )));
    }
    let summaries = report::planned_summaries(exp, &search)?.0;
    if summaries.is_empty() {
        return Ok(Err("phase 2 has no results".into()));
    }
    let order: Vec<String> = exp.algorithms.keys().cloned().collect();
    let scores = lrf_score::score_experiment(&summaries, report::axis(exp), &order);
    let mut chosen = Vec::new();
    for algorithm in &order {
        for &i in scores
            .ranked
            .get(algorithm)
            .into_iter()
            .flatten()
            .take(exp.phase3.top_k)
        {
            chosen.push((algorithm.clone(), scores.configs[i].config.clone()));
        }
    }
    let planned = lrf_search::phase3(exp, &chosen)?;
    let jobs = plan::jobs(exp, &planned, exp.stop_at_target)?;
    Ok(Ok(with_data(jobs, sources)))
}

/// The first completed trial whose recorded job differs from what the experiment now plans
/// (an unfinished one is simply run again), with that recorded job.
fn first_stale(jobs: &[Job]) -> Result<Option<(&Job, Job)>> {
    for job in jobs
        .iter()
        .filter(|j| j.is_complete() && j.job_path().is_file())
    {
        let mut old = Job::read(&job.job_path())?;
        old.dir = job.dir.clone(); // results may have moved; the settings must not change
        if job.data.is_empty() {
            old.data.clear(); // the data are not known here: not compared
        }
        if &old != job {
            return Ok(Some((job, old)));
        }
    }
    Ok(None)
}

/// Refuses to mix results: a completed trial must have been run with the same job, on the
/// same data.
pub(crate) fn check_existing(jobs: &[Job]) -> Result<()> {
    let Some((job, old)) = first_stale(jobs)? else {
        return Ok(());
    };
    let same_settings = Job {
        data: job.data.clone(),
        ..old.clone()
    } == *job;
    let what = if old.data != job.data && same_settings {
        format!(
            "was trained on other data than {} finds now (then: {}; now: {})",
            job.workload,
            if old.data.is_empty() {
                "not recorded"
            } else {
                &old.data
            },
            job.data
        )
    } else {
        format!(
            "was run with other settings than {} now asks for (the experiment file changed?)",
            job.label()
        )
    };
    bail!(
        "{} {what}. Nothing was overwritten: give the experiment a new `name`, or delete {}",
        job.dir.display(),
        experiment_dir(&job.experiment).display()
    );
}

/// Warnings about a plan that is valid but probably not what was meant: searched points that
/// repeat one another (a space with few distinct configurations), more workers than cores.
fn plan_notes(exp: &Experiment, workers: usize) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    let mut distinct: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let planned = lrf_search::phase2(exp)?;
    for t in &planned {
        distinct
            .entry(t.algorithm.as_str())
            .or_default()
            .insert(format!("{:?}", t.overrides));
    }
    for (algorithm, configs) in distinct {
        if configs.len() < exp.phase2.points {
            notes.push(format!(
                "note: {algorithm}'s search space has {} distinct configuration(s), so {} of its \
                 {} phase-2 points repeat others (give it a range to search)",
                configs.len(),
                exp.phase2.points - configs.len(),
                exp.phase2.points
            ));
        }
    }
    let cores = cores();
    if workers > cores {
        notes.push(format!(
            "note: {workers} workers on {cores} cores: trials share cores, so their seconds to \
             target grow"
        ));
    }
    Ok(notes)
}

/// Cores of this machine (1 where unknown).
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Compute threads each trial process gets when `workers` share the cores.
fn threads_per_trial(workers: usize) -> usize {
    (cores() / workers).max(1)
}

fn workers_for(args: &SweepArgs, exp: &Experiment) -> usize {
    args.workers
        .map(|w| w as usize)
        .or(exp.workers)
        .unwrap_or_else(cores)
        .max(1)
}

/// Runs the experiment.
pub fn run(args: SweepArgs) -> Result<ExitCode> {
    let exp = load_experiment(&args.experiment, args.replace)?;
    let sources = data_sources(&exp.workloads)?;
    check_phase_enabled(&exp, args.phase)?;
    let all12 = with_data(jobs(&exp)?, &sources);
    check_existing(&all12)?;
    let workers = workers_for(&args, &exp);
    // Phase 3's jobs are known once phase 2 is complete; found again below only if phase-2
    // trials run in between.
    let mut phase3 = phase3_jobs(&exp, &all12, &sources)?;
    if let Ok(p3) = &phase3 {
        check_existing(p3)?;
    }
    for note in plan_notes(&exp, workers)? {
        outln!("{note}");
    }
    let selected: Vec<Job> = all12
        .iter()
        .filter(|j| args.phase.is_none_or(|p| p == j.phase))
        .cloned()
        .collect();
    if args.dry_run {
        print_plan(&exp, &selected, phase3.as_ref().ok(), args.phase, workers)?;
        return Ok(ExitCode::SUCCESS);
    }
    let _lock = lock_experiment(&exp.name)?;
    args.replace.record(&exp.name)?;
    let mut failures = Vec::new();
    if args.phase != Some(3) {
        let search_ran = selected.iter().any(|j| j.phase == 2 && !j.is_complete());
        failures = run_phase_jobs(&exp, &selected, &sources, workers, "")?;
        if search_ran {
            phase3 = phase3_jobs(&exp, &all12, &sources)?;
        }
    }
    // `--phase` limits what runs, not what is scored: completed retrains stay in.
    let wants3 = exp.phase3.enabled && args.phase.is_none_or(|p| p == 3);
    let phase3 = match phase3 {
        Ok(p3) if wants3 => {
            check_existing(&p3)?;
            failures.extend(run_phase_jobs(&exp, &p3, &sources, workers, "phase 3: ")?);
            p3
        }
        Ok(p3) => p3,
        Err(why) if args.phase == Some(3) => {
            bail!("{}: --phase 3: {why}; run phase 2 first", exp.origin)
        }
        Err(why) => {
            if wants3 {
                outln!("phase 3 not run: {why}");
            }
            Vec::new()
        }
    };
    let mut all = all12;
    all.extend(phase3);
    report::show(&exp, &all)?;
    if failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} trial(s) failed to run:", failures.len());
        for f in &failures {
            eprintln!("  {f}");
        }
        Ok(ExitCode::FAILURE)
    }
}

/// Runs the incomplete ones of `jobs`, after one line saying how many there are.
fn run_phase_jobs(
    exp: &Experiment,
    jobs: &[Job],
    sources: &BTreeMap<String, DataSource>,
    workers: usize,
    what: &str,
) -> Result<Vec<String>> {
    let pending: Vec<Job> = jobs.iter().filter(|j| !j.is_complete()).cloned().collect();
    outln!(
        "{what}experiment `{}` ({}): {} trials, {} already complete, {} to run on {} worker{}",
        exp.name,
        exp.origin,
        jobs.len(),
        jobs.len() - pending.len(),
        pending.len(),
        workers,
        if workers == 1 { "" } else { "s" }
    );
    print_sources(&pending, sources);
    run_pool(pending, workers)
}

/// Takes the experiment's lock (`results/<name>/.sweep.lock`) for the life of the returned file,
/// so two sweeps never run one experiment's trials at once. The operating system releases it
/// when the process ends, however it ends.
pub(crate) fn lock_experiment(name: &str) -> Result<std::fs::File> {
    let dir = experiment_dir(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let path = dir.join(".sweep.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("{}: cannot open", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another `cargo xtask sweep` is running experiment `{name}` (it holds {}); \
             wait for it or stop it",
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("{}: cannot lock", path.display()))
        }
    }
}

/// Runs `pending` jobs on `workers` processes; returns a line per job that crashed.
pub(crate) fn run_pool(pending: Vec<Job>, workers: usize) -> Result<Vec<String>> {
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    // On Linux, /proc/self/exe runs this very build even when `cargo build` has replaced the
    // file since the sweep started (workers then never mix two builds).
    let exe = if cfg!(target_os = "linux") && std::path::Path::new("/proc/self/exe").exists() {
        PathBuf::from("/proc/self/exe")
    } else {
        std::env::current_exe().context("cannot find the xtask executable")?
    };
    let threads = threads_per_trial(workers).to_string();
    let total = pending.len() as u64;
    let queue = Arc::new(Mutex::new(VecDeque::from(pending)));
    let (tx, rx) = mpsc::channel::<(Job, Result<(), String>, f64)>();
    let mut handles = Vec::new();
    for _ in 0..workers.min(total as usize) {
        let (queue, tx, exe, threads) = (queue.clone(), tx.clone(), exe.clone(), threads.clone());
        handles.push(std::thread::spawn(move || loop {
            let Some(job) = queue.lock().expect("queue").pop_front() else {
                break;
            };
            let started = Instant::now();
            let result = run_child(&exe, &job, &threads);
            let _ = tx.send((job, result, started.elapsed().as_secs_f64()));
        }));
    }
    drop(tx);
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} trials, ETA {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let mut failures = Vec::new();
    for (done, (job, result, seconds)) in rx.into_iter().enumerate() {
        bar.inc(1);
        let line = match result {
            Ok(()) => format!(
                "{}: {} ({seconds:.0} s)",
                job.label(),
                report::outcome_line(&job)
            ),
            Err(e) => {
                failures.push(format!("{}: {e}", job.label()));
                format!("{}: FAILED: {e}", job.label())
            }
        };
        let line = format!("[{}/{total}] {line}", done + 1);
        if bar.is_hidden() {
            outln!("{line}"); // not a terminal: plain lines, one per trial
        } else {
            bar.println(line);
        }
    }
    bar.finish_and_clear();
    for h in handles {
        let _ = h.join();
    }
    Ok(failures)
}

/// Runs one job in a child process, its standard error going to `trial.log`.
fn run_child(exe: &PathBuf, job: &Job, threads: &str) -> Result<(), String> {
    job.write().map_err(|e| format!("{e:#}"))?;
    let log = std::fs::File::create(job.log_path())
        .map_err(|e| format!("{}: {e}", job.log_path().display()))?;
    let status = Command::new(exe)
        .arg("trial")
        .arg("--job")
        .arg(job.job_path())
        .env("RAYON_NUM_THREADS", threads)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .status()
        .map_err(|e| format!("cannot start worker: {e}"))?;
    if status.success() && job.is_complete() {
        Ok(())
    } else {
        let tail = std::fs::read_to_string(job.log_path()).unwrap_or_default();
        let last = tail
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no output");
        Err(format!(
            "{status}: {last} (log: {})",
            job.log_path().display()
        ))
    }
}

/// `--dry-run`: trial counts per phase and an estimated wall time. `phase3` are phase 3's
/// jobs when phase 2 is complete; otherwise its count comes from the file and its time from
/// the mean horizon.
fn print_plan(
    exp: &Experiment,
    jobs: &[Job],
    phase3: Option<&Vec<Job>>,
    only_phase: Option<u8>,
    workers: usize,
) -> Result<()> {
    outln!("experiment `{}` ({})", exp.name, exp.origin);
    if !exp.description.is_empty() {
        outln!("  {}", exp.description.trim());
    }
    let per_step = report::seconds_per_step(&results_root())?;
    let seconds_of = |workload: &str, horizon: f64| -> Result<f64> {
        let w = lrf_workloads::workload(workload)?;
        let steps = (horizon * w.info().step_budget as f64).round();
        Ok(steps
            * per_step
                .get(workload)
                .copied()
                .unwrap_or(report::DEFAULT_SECONDS_PER_STEP))
    };
    let (a, w) = (exp.algorithms.len(), exp.workloads.len());
    let mut total_trials = 0;
    let mut total_seconds = 0.0;
    for phase in [1u8, 2, 3] {
        if only_phase.is_some_and(|p| p != phase) {
            continue;
        }
        let (count, done, seconds, what) = match phase {
            1 | 2 => {
                let in_phase: Vec<&Job> = jobs.iter().filter(|j| j.phase == phase).collect();
                if in_phase.is_empty() {
                    continue;
                }
                let done = in_phase.iter().filter(|j| j.is_complete()).count();
                let mut seconds = 0.0;
                for j in in_phase.iter().filter(|j| !j.is_complete()) {
                    seconds += seconds_of(&j.workload, j.horizon)?;
                }
                let what = if phase == 1 {
                    format!(
                        "{a} algorithms x {w} workloads x {} seeds at their presets",
                        exp.phase1_seeds().len()
                    )
                } else {
                    format!(
                        "{a} algorithms x {} points x {} horizons x {w} workloads x {} seeds",
                        exp.phase2.points,
                        exp.phase2.horizons.len(),
                        exp.seeds.len()
                    )
                };
                (in_phase.len(), done, seconds, what)
            }
            _ => {
                if !exp.phase3.enabled {
                    continue;
                }
                let configs = exp.phase2.points * exp.phase2.horizons.len();
                let what = format!(
                    "{a} algorithms x top {} configurations x {w} workloads x {} seeds",
                    exp.phase3.top_k.min(configs),
                    exp.phase3.seeds.len()
                );
                match phase3 {
                    Some(p3) => {
                        let done = p3.iter().filter(|j| j.is_complete()).count();
                        let mut seconds = 0.0;
                        for j in p3.iter().filter(|j| !j.is_complete()) {
                            seconds += seconds_of(&j.workload, j.horizon)?;
                        }
                        (p3.len(), done, seconds, what)
                    }
                    None => {
                        let horizons = &exp.phase2.horizons;
                        let mean = horizons.iter().sum::<f64>() / horizons.len() as f64;
                        let mut seconds = 0.0;
                        for workload in &exp.workloads {
                            seconds += seconds_of(workload, mean)?
                                * (a * exp.phase3.top_k.min(configs) * exp.phase3.seeds.len())
                                    as f64;
                        }
                        let what = format!(
                            "{what}; which configurations is known once phase 2 is complete"
                        );
                        (exp.phase3_trials(), 0, seconds, what)
                    }
                }
            }
        };
        total_trials += count;
        total_seconds += seconds;
        outln!(
            "  phase {phase}: {count:>6} trials ({what}), {done} complete, ~{} on {workers} workers",
            duration(seconds / workers as f64)
        );
    }
    outln!(
        "  total: {total_trials} trials, estimated {} wall time, {:.1} CPU-hours (trials that \
         stop at their target take less)",
        duration(total_seconds / workers as f64),
        total_seconds * threads_per_trial(workers) as f64 / 3600.0
    );
    let mut names: Vec<&str> = exp.workloads.iter().map(String::as_str).collect();
    names.sort();
    for w in names.iter().filter(|w| !per_step.contains_key(**w)) {
        outln!(
            "  no trial of {w} has run on this machine yet: assuming {} s per step",
            report::DEFAULT_SECONDS_PER_STEP
        );
    }
    for (w, s) in &per_step {
        outln!(
            "  measured on this machine: {w} {:.3} s per step (training + evaluation)",
            s
        );
    }
    Ok(())
}

/// `95.3 min`, `12.5 h` or `3.2 days`.
fn duration(seconds: f64) -> String {
    let minutes = seconds / 60.0;
    if minutes < 120.0 {
        format!("{minutes:.1} min")
    } else if minutes < 48.0 * 60.0 {
        format!("{:.1} h", minutes / 60.0)
    } else {
        format!("{:.1} days", minutes / 60.0 / 24.0)
    }
}
