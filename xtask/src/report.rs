//! Scoring an experiment from its results folder, printing the tables, writing the files.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use lrf_score::bootstrap::bootstrap_scores;
use lrf_score::experiment::Axis;
use lrf_score::plot::{profile_svg, Series};
use lrf_score::summary::summaries_frame;
use lrf_score::table::{legend, results_table, search_table};
use lrf_score::{read_summaries, score_experiment, TrialSummary};
use lrf_search::{Experiment, TimeAxis};

use crate::job::Job;
use crate::paths::experiment_dir;

/// Wall seconds per step (training and evaluation) assumed by `--dry-run` for a workload no
/// trial on this machine has measured yet (`resnet_tiny` measured 0.08–0.1 s on 2 cores).
pub const DEFAULT_SECONDS_PER_STEP: f64 = 0.1;

/// The experiment's time axis.
pub fn axis(exp: &Experiment) -> Axis {
    match exp.score.time_axis {
        TimeAxis::Seconds => Axis::Seconds,
        TimeAxis::Steps => Axis::Steps,
    }
}

/// Median wall seconds per step (training, evaluation, start-up) of each workload over every
/// trial under `root`.
pub fn seconds_per_step(root: &Path) -> Result<BTreeMap<String, f64>> {
    let df = read_summaries(root)?;
    if df.height() == 0 {
        return Ok(BTreeMap::new());
    }
    let mut per: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for s in TrialSummary::from_frame(&df)? {
        if s.steps_run > 0 && s.wall_seconds.is_finite() {
            per.entry(s.workload.clone())
                .or_default()
                .push(s.wall_seconds / s.steps_run as f64);
        }
    }
    Ok(per
        .into_iter()
        .map(|(w, v)| (w, lrf_score::time_to_target::median(&v)))
        .collect())
}

/// One line on how a finished trial went, read from its summary.
pub fn outcome_line(job: &Job) -> String {
    let Ok(file) = std::fs::File::open(job.summary_path()) else {
        return "no summary".into();
    };
    use polars::prelude::SerReader;
    let row = polars::prelude::ParquetReader::new(file)
        .finish()
        .ok()
        .and_then(|df| TrialSummary::from_frame(&df).ok())
        .and_then(|mut v| v.pop());
    match row {
        None => "unreadable summary".into(),
        Some(s) if s.status == "diverged" => format!("diverged at step {}", s.steps_run),
        Some(s) => match s.steps_to_target {
            Some(step) => format!(
                "reached the target {} {} {:.4} at step {step} ({:.1} s of training)",
                s.metric,
                if s.minimize { "<=" } else { ">=" },
                s.target,
                s.seconds_to_target.unwrap_or(f64::NAN)
            ),
            None => format!("missed the target; best {} {:.4}", s.metric, s.best_metric),
        },
    }
}

/// The completed trials of `jobs` that the experiment plans as it is now, and notes on the
/// ones left out (no longer planned) and on planned trials not complete yet. Callers have
/// refused results run with other settings first ([`crate::sweep::check_existing`]).
pub fn planned_summaries(
    exp: &Experiment,
    jobs: &[Job],
) -> Result<(Vec<TrialSummary>, Vec<String>)> {
    let dir = experiment_dir(&exp.name);
    let df = read_summaries(&dir)?;
    let all = if df.height() == 0 {
        Vec::new()
    } else {
        TrialSummary::from_frame(&df)?
    };
    let key = |phase: u32, a: &str, c: &str, w: &str, s: u64| {
        (phase, a.to_string(), c.to_string(), w.to_string(), s)
    };
    let planned: HashSet<_> = jobs
        .iter()
        .map(|j| key(j.phase as u32, &j.algorithm, &j.config, &j.workload, j.seed))
        .collect();
    let phases: HashSet<u32> = jobs.iter().map(|j| j.phase as u32).collect();
    let (summaries, left_out): (Vec<TrialSummary>, Vec<TrialSummary>) = all
        .into_iter()
        .filter(|s| phases.contains(&s.phase))
        .partition(|s| {
            planned.contains(&key(s.phase, &s.algorithm, &s.config, &s.workload, s.seed))
        });
    let mut notes = Vec::new();
    if !left_out.is_empty() {
        notes.push(format!(
            "note: {} completed trial(s) in {} are not planned by {} as it is now; they are left out",
            left_out.len(),
            dir.display(),
            exp.origin
        ));
    }
    let incomplete = jobs.iter().filter(|j| !j.is_complete()).count();
    if incomplete > 0 {
        notes.push(format!(
            "note: {incomplete} of {} planned trials are not complete yet; the scores cover the \
             completed ones (`cargo xtask sweep` with the same flags runs the rest)",
            jobs.len()
        ));
    }
    Ok((summaries, notes))
}

/// Reads the experiment's summaries, prints the tables, writes `results/<name>/scores/` and
/// the report `results/<name>/report/`.
pub fn show(exp: &Experiment, jobs: &[Job]) -> Result<()> {
    let axis = axis(exp);
    let algorithm_order: Vec<String> = exp.algorithms.keys().cloned().collect();
    let dir = experiment_dir(&exp.name);
    // Score what the file plans now: results of trials it no longer plans are left out (and
    // said so).
    let (summaries, notes) = planned_summaries(exp, jobs)?;
    for note in notes {
        outln!("{note}");
    }
    if summaries.is_empty() {
        bail!(
            "no completed trials of {} in {}; run `cargo xtask sweep --experiment {}` first",
            exp.origin,
            dir.display(),
            exp.origin
        );
    }
    let mut scores = score_experiment(&summaries, axis, &algorithm_order);
    for (algorithm, spec) in &exp.algorithms {
        let preset = match spec.preset.as_str() {
            "literature" => "literature defaults".to_string(),
            crate::plan::TARGET_SETTING => "target-setting configuration".to_string(),
            file => format!("preset {file}"),
        };
        let label = if spec.overrides.is_empty() {
            preset
        } else {
            let keys: Vec<&str> = spec.overrides.keys().map(String::as_str).collect();
            format!("{preset} + {}", keys.join(", "))
        };
        if label != "literature defaults" {
            scores.phase1_labels.insert(algorithm.clone(), label);
        }
    }
    let out = dir.join("scores");
    let first = &summaries[0];
    let axis_name = match axis {
        Axis::Seconds => "seconds of training",
        Axis::Steps => "steps",
    };
    let targets: Vec<String> = scores
        .workloads
        .iter()
        .filter_map(|w| summaries.iter().find(|s| &s.workload == w))
        .map(|s| {
            format!(
                "{}: {} {} {} within {} steps",
                s.workload,
                s.metric,
                if s.minimize { "<=" } else { ">=" },
                s.target,
                s.step_budget
            )
        })
        .collect();
    let table = results_table(&scores);
    let search = search_table(&scores, Some(SEARCH_ROWS));
    let mut text = format!(
        "experiment `{}`: {} trials; targets: {}\ntime-to-target and benchmark score on {axis_name}; \
         score = AlgoPerf benchmark score among the rows below\n{table}\n",
        first.experiment,
        summaries.len(),
        targets.join("; ")
    );
    if scores.configs.iter().any(|c| c.phase == 2) {
        text.push_str(&format!(
            "searched configurations (★ = selected; the best {SEARCH_ROWS} per algorithm, all in \
             scores/searched.txt):\n{search}\n"
        ));
    }
    text.push_str(&legend(&scores));
    let intervals = bootstrap_scores(&scores.seed_times(), BOOTSTRAP_REPLICATES, 0);
    text.push_str(&interval_table(&scores, &intervals).to_string());
    text.push('\n');
    let series: Vec<Series> = scores
        .compared
        .iter()
        .map(|&i| {
            let c = &scores.configs[i];
            match c.phase {
                1 => Series {
                    label: format!("{} ({})", c.algorithm, scores.phase1_label(&c.algorithm)),
                    dashed: true,
                },
                _ => Series {
                    label: format!("{} (searched, {})", c.algorithm, c.config),
                    dashed: false,
                },
            }
        })
        .collect();
    let profile = profile_svg(
        &scores.profile,
        &series,
        &format!(
            "Performance profiles, experiment `{}` ({axis_name})",
            first.experiment
        ),
    )?;
    let mut scored = summaries_frame(&summaries)?;
    let mut parquet = Vec::new();
    polars::prelude::ParquetWriter::new(&mut parquet).finish(&mut scored)?;
    // Everything is rendered before the first file is written.
    let report_files = crate::report_page::render(crate::report_page::Page {
        exp,
        jobs,
        scores: &scores,
        intervals: &intervals,
        summaries: &summaries,
        profile_svg: profile.as_bytes(),
        text: &text,
    })?;
    let score_files: Vec<(&str, Vec<u8>)> = vec![
        ("table.txt", text.clone().into_bytes()),
        (
            "searched.txt",
            format!("{}\n", search_table(&scores, None)).into_bytes(),
        ),
        ("time_to_targets.csv", scores.times.to_csv().into_bytes()),
        ("scores.csv", scores.profile.scores_csv().into_bytes()),
        (
            "performance_profile_score.csv",
            scores.profile.profile_csv().into_bytes(),
        ),
        ("performance_profile.svg", profile.clone().into_bytes()),
        ("trials.parquet", parquet),
    ];
    out!("{text}");
    for (file, body) in &score_files {
        lrf_data::write_atomic(&out.join(file), body)?;
    }
    outln!("written: {}/{{table.txt, searched.txt, scores.csv, time_to_targets.csv, performance_profile_score.csv, performance_profile.svg, trials.parquet}}", out.display());
    let report_dir = dir.join("report");
    for (file, body) in &report_files {
        let path = report_dir.join(file);
        lrf_data::write_atomic(&path, body)
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    outln!(
        "report: {} (open it in a browser), with the figures and calibrated.yaml beside it",
        report_dir.join("index.html").display()
    );
    Ok(())
}

/// Searched configurations per algorithm printed in the terminal table.
pub const SEARCH_ROWS: usize = 10;

/// Bootstrap replicates behind the score intervals.
pub const BOOTSTRAP_REPLICATES: usize = 1000;

/// Benchmark score of each compared configuration with its bootstrap interval.
fn interval_table(
    scores: &lrf_score::ExperimentScores,
    intervals: &[lrf_score::bootstrap::ScoreInterval],
) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(vec![
        "algorithm",
        "configuration",
        "seeds",
        "benchmark score",
        "95% bootstrap interval",
    ]);
    for (row, &i) in scores.compared.iter().enumerate() {
        let c = &scores.configs[i];
        let iv = intervals[row];
        table.add_row(vec![
            c.algorithm.clone(),
            match c.phase {
                1 => scores.phase1_label(&c.algorithm),
                p => format!("calibrated: phase {p} {}", c.config),
            },
            iv.seeds.to_string(),
            format!("{:.3}", iv.score),
            format!("[{:.3}, {:.3}]", iv.low, iv.high),
        ]);
    }
    table
}
