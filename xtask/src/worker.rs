//! `cargo xtask trial --job FILE`: runs one trial in this process and writes its results:
//! `eval_measurements.csv` after every evaluation, `summary.parquet` at the end (atomically).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use lrf_score::{first_hit, TrialSummary};
use lrf_workloads::{training_device, workload, Regularization, TrialSpec, TrialStatus};

use crate::job::Job;
use crate::paths::datasets_dir;

/// Runs the trial described by `job_path`.
pub fn run(job_path: &Path) -> Result<ExitCode> {
    exit_with_parent();
    let job = Job::read(job_path)?;
    let summary = run_job(&job)?;
    summary.write(&job.summary_path())?;
    Ok(ExitCode::SUCCESS)
}

/// Ends this worker when the sweep that started it goes away (killed, even with SIGKILL): an
/// orphan would go on writing into a trial folder that a new sweep may be running again.
fn exit_with_parent() {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        std::thread::spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_millis(250));
            if std::os::unix::process::parent_id() != parent {
                std::process::exit(130);
            }
        });
    }
}

/// Runs `job` and returns its summary (without writing it).
pub fn run_job(job: &Job) -> Result<TrialSummary> {
    let started = std::time::Instant::now();
    let w = workload(&job.workload)?;
    let info = w.info().clone();
    let spec = TrialSpec {
        preset: job.preset.clone(),
        regularization: Regularization {
            dropout: job.dropout,
            label_smoothing: job.label_smoothing,
        },
        seed: job.seed,
        horizon: job.horizon,
        stop_at_target: job.stop_at_target,
    };
    let eval_path = job.eval_path();
    let mut sink = |log: &lrf_workloads::EvalLog| log.write(&eval_path);
    let outcome = w
        .run(&spec, &training_device(), &datasets_dir(), &mut sink)
        .map_err(|e| anyhow!("{}: {e}", job.label()))?;
    let metric = format!("validation/{}", info.target_metric_name);
    let values: Vec<f64> = outcome.log.rows.iter().map(|r| r.get(&metric)).collect();
    let hit = first_hit(&values, info.target, info.minimize);
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let best = if info.minimize {
        finite.iter().copied().fold(f64::NAN, f64::min)
    } else {
        finite.iter().copied().fold(f64::NAN, f64::max)
    };
    let row = |i: usize, column: &str| outcome.log.rows[i].get(column);
    Ok(TrialSummary {
        experiment: job.experiment.clone(),
        phase: job.phase as u32,
        algorithm: job.algorithm.clone(),
        config: job.config.clone(),
        workload: job.workload.clone(),
        seed: job.seed,
        horizon: job.horizon,
        hparams: job.hparams_json(),
        status: match outcome.status {
            TrialStatus::Completed => "completed".into(),
            TrialStatus::Diverged { .. } => "diverged".into(),
        },
        metric,
        target: info.target,
        minimize: info.minimize,
        reached: hit.is_some(),
        step_budget: info.step_budget,
        steps_run: outcome.steps_run,
        steps_to_target: hit.map(|i| row(i, "global_step") as u64),
        seconds_to_target: hit.map(|i| row(i, "score")),
        best_metric: best,
        final_metric: values.last().copied().unwrap_or(f64::NAN),
        train_seconds: outcome.train_seconds,
        wall_seconds: started.elapsed().as_secs_f64(),
        cpu_seconds: process_cpu_seconds(),
        evals: outcome.log.rows.len() as u32,
    })
}

/// User + system CPU seconds of this process, all threads (NaN where not available).
fn process_cpu_seconds() -> f64 {
    #[cfg(unix)]
    {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is always valid.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } == 0 {
            // SAFETY: initialised by the successful call above.
            let u = unsafe { usage.assume_init() };
            let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
            return secs(u.ru_utime) + secs(u.ru_stime);
        }
    }
    f64::NAN
}
