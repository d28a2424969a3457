//! `results/<name>/report/`: `index.html` (opens from disk, no server), the figures as SVG
//! (performance profiles; validation metric against step per workload) and `calibrated.yaml`.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use lrf_score::bootstrap::ScoreInterval;
use lrf_score::curve_plot::{curves_svg, CurveSeries};
use lrf_score::report::{report_html, ReportInput};
use lrf_score::{ExperimentScores, TrialSummary};
use lrf_search::{Experiment, Sampler};

use crate::job::Job;
use crate::report::BOOTSTRAP_REPLICATES;

/// What the report is made of.
pub struct Page<'a> {
    /// The experiment.
    pub exp: &'a Experiment,
    /// Its planned jobs (trial folders).
    pub jobs: &'a [Job],
    /// Its scores.
    pub scores: &'a ExperimentScores,
    /// Bootstrap intervals of `scores.compared`.
    pub intervals: &'a [ScoreInterval],
    /// The scored trials.
    pub summaries: &'a [TrialSummary],
    /// The performance-profile SVG.
    pub profile_svg: &'a [u8],
    /// The text tables.
    pub text: &'a str,
}

/// The report's files (name, contents), rendered in memory: every trial log it reads is
/// read before anything is written, so a damaged one leaves the old report whole.
pub fn render(page: Page) -> Result<Vec<(String, Vec<u8>)>> {
    let (exp, scores) = (page.exp, page.scores);
    let mut files = vec![(
        "performance_profile.svg".to_string(),
        page.profile_svg.to_vec(),
    )];
    let mut figures = Vec::new();
    figures.push((
        "performance_profile.svg".to_string(),
        "Figure 1 — performance profiles: the fraction of workloads each configuration trains to \
         the target within τ times the fastest one (dashed: literature defaults; solid: \
         calibrated)"
            .to_string(),
    ));
    for (n, workload) in scores.workloads.iter().enumerate() {
        let (svg, metric) = workload_curves(&page, workload)?;
        let file = format!("curves_{workload}.svg");
        files.push((file.clone(), svg.into_bytes()));
        figures.push((
            file,
            format!(
                "Figure {} — {workload}: {metric} against step for each algorithm at its \
                 literature defaults (dashed) and calibrated (solid), every seed",
                n + 2
            ),
        ));
    }
    files.push((
        "calibrated.yaml".to_string(),
        calibrated_yaml(&page).into_bytes(),
    ));
    let protocol = protocol_lines(exp);
    let html = report_html(&ReportInput {
        experiment: &exp.name,
        origin: &exp.origin,
        description: &exp.description,
        protocol,
        scores,
        intervals: page.intervals,
        replicates: BOOTSTRAP_REPLICATES,
        summaries: page.summaries,
        figures,
        text_tables: page.text,
    });
    files.push(("index.html".to_string(), html.into_bytes()));
    Ok(files)
}

fn protocol_lines(exp: &Experiment) -> Vec<(String, String)> {
    let seeds = |s: &[u64]| s.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
    let mut out = vec![
        (
            "algorithms".to_string(),
            exp.algorithms
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("workloads".to_string(), exp.workloads.join(", ")),
    ];
    if exp.phase1.enabled {
        out.push((
            "phase 1".into(),
            format!(
                "each algorithm at its phase-1 preset, full step budget, seeds {}",
                seeds(exp.phase1_seeds())
            ),
        ));
    }
    if exp.phase2.enabled {
        let sampler = match exp.phase2.sampler {
            Sampler::Sobol => format!("of the scrambled Sobol sequence (seed {})", exp.phase2.seed),
            Sampler::Halton => "of AlgoPerf's Halton sequence".to_string(),
        };
        out.push((
            "phase 2".into(),
            format!(
                "{} points {sampler} per algorithm × horizons {:?} of the step budget, seeds {}",
                exp.phase2.points,
                exp.phase2.horizons,
                seeds(&exp.seeds)
            ),
        ));
    }
    if exp.phase3.enabled {
        out.push((
            "phase 3".into(),
            format!(
                "top {} configurations per algorithm retrained with seeds {}",
                exp.phase3.top_k,
                seeds(&exp.phase3.seeds)
            ),
        ));
    }
    out
}

/// The SVG of one workload's validation curves, and the metric's name.
fn workload_curves(page: &Page, workload: &str) -> Result<(String, String)> {
    let scores = page.scores;
    let first = page
        .summaries
        .iter()
        .find(|s| s.workload == workload)
        .context("a scored workload has trials")?;
    let mut series = Vec::new();
    for (color, algorithm) in scores.algorithms().into_iter().enumerate() {
        let defaults = scores
            .configs
            .iter()
            .position(|c| c.phase == 1 && c.algorithm == algorithm);
        let calibrated = scores.calibrated.get(algorithm).copied();
        for (index, dashed) in [(defaults, true), (calibrated, false)] {
            let Some(i) = index else { continue };
            let c = &scores.configs[i];
            let mut runs = Vec::new();
            for job in page.jobs.iter().filter(|j| {
                j.phase as u32 == c.phase
                    && j.algorithm == algorithm
                    && j.config == c.config
                    && j.workload == workload
                    && j.is_complete()
            }) {
                let path = job.eval_path();
                let damaged = |why: String| {
                    anyhow::anyhow!(
                        "{why}; the trial's log is damaged: delete {} and run `cargo xtask \
                         sweep` again to retrain it (nothing was written)",
                        job.dir.display()
                    )
                };
                if !path.is_file() {
                    return Err(damaged(format!("{}: missing", path.display())));
                }
                let (steps, values) =
                    lrf_score::curves::read_curve(&path, "global_step", &first.metric)
                        .map_err(|e| damaged(e.to_string()))?;
                runs.push(steps.into_iter().zip(values).collect());
            }
            let label = if dashed {
                format!("{algorithm} ({})", scores.phase1_label(algorithm))
            } else {
                format!("{algorithm} (calibrated {})", c.config)
            };
            series.push(CurveSeries {
                label,
                color,
                dashed,
                runs,
            });
        }
    }
    let svg = curves_svg(
        &format!("{workload}: {} (target {})", first.metric, first.target),
        &first.metric,
        first.target,
        first.step_budget as f64,
        &series,
    )?;
    Ok((svg, first.metric.clone()))
}

/// `calibrated.yaml`: per algorithm its calibrated configuration as an lrf-optim preset
/// (`Preset::load_named(path, algorithm)`, or `algorithms.<name>.preset: calibrated.yaml` in
/// an experiment file), with the horizon and regularisation it was calibrated with.
fn calibrated_yaml(page: &Page) -> String {
    let scores = page.scores;
    let mut out = format!(
        "# Calibrated configuration per algorithm of experiment `{}` ({}): the best retrained\n\
         # (phase 3) configuration by the selection rule, else the best searched (phase 2) one.\n\
         # Each entry is an lrf-optim preset (algorithm + hparams): load one with\n\
         # lrf_optim::Preset::load_named(path, \"<algorithm>\"), or name this file as\n\
         # `algorithms.<algorithm>.preset` in an experiment file, whose phase 1 then trains it\n\
         # with its `horizon` (fraction of the step budget trained and spanned by the schedule),\n\
         # `dropout` and `label_smoothing` (lrf_optim::Preset::load_named_with_setting).\n",
        page.exp.name, page.exp.origin
    );
    let mut entries: BTreeMap<usize, String> = BTreeMap::new();
    for (algorithm, &i) in &scores.calibrated {
        let c = &scores.configs[i];
        let Some(job) = page.jobs.iter().find(|j| {
            j.phase as u32 == c.phase && &j.algorithm == algorithm && j.config == c.config
        }) else {
            continue;
        };
        let mut entry = serde_yaml::Mapping::new();
        let preset: serde_yaml::Value =
            serde_yaml::to_value(&job.preset).unwrap_or(serde_yaml::Value::Null);
        if let serde_yaml::Value::Mapping(m) = preset {
            entry.extend(m);
        }
        let mut put = |k: &str, v: serde_yaml::Value| {
            entry.insert(k.into(), v);
        };
        put("horizon", job.horizon.into());
        if let Some(d) = job.dropout {
            put("dropout", d.into());
        }
        put("label_smoothing", job.label_smoothing.into());
        put(
            "source",
            format!("phase{}/{}/{}", c.phase, algorithm, c.config).into(),
        );
        put("geomean_time_to_target", c.geomean.into());
        let mut doc = serde_yaml::Mapping::new();
        doc.insert(algorithm.clone().into(), serde_yaml::Value::Mapping(entry));
        let (reached, seeds, diverged) = c.cells.values().fold((0, 0, 0), |(r, n, d), cell| {
            (r + cell.reached, n + cell.seeds, d + cell.diverged)
        });
        let mut warning = String::new();
        if reached == 0 {
            warning = format!(
                "# WARNING: {algorithm}'s configuration below reached no target on any workload \
                 ({seeds} trials{}): it is the best of what was tried, not a setting that works.\n",
                if diverged > 0 {
                    format!(", {diverged} diverged")
                } else {
                    String::new()
                }
            );
        }
        let rank = page
            .exp
            .algorithms
            .get_index_of(algorithm)
            .unwrap_or(usize::MAX - entries.len());
        entries.insert(
            rank,
            warning + &serde_yaml::to_string(&serde_yaml::Value::Mapping(doc)).unwrap_or_default(),
        );
    }
    for e in entries.values() {
        out.push_str(e);
    }
    out
}
