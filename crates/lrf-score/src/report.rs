//! The HTML report of an experiment (`results/<name>/report/index.html`): one self-contained
//! page that a browser opens from disk, with the figures beside it as SVG files and the
//! paper's tables — which workloads each algorithm trains at its literature defaults
//! (Table 4) and calibrated (Table 5), benchmark scores with bootstrap intervals (Table 6) —
//! plus time-to-target per workload and what the calibration cost.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::bootstrap::ScoreInterval;
use crate::experiment::{Axis, ExperimentScores};
use crate::summary::TrialSummary;

/// Everything the page shows besides the scores themselves.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    /// Experiment name.
    pub experiment: &'a str,
    /// The experiment file.
    pub origin: &'a str,
    /// Its description.
    pub description: &'a str,
    /// Protocol settings as `(name, value)` lines.
    pub protocol: Vec<(String, String)>,
    /// The scores.
    pub scores: &'a ExperimentScores,
    /// Bootstrap intervals, one per `scores.compared` row.
    pub intervals: &'a [ScoreInterval],
    /// Bootstrap replicates drawn.
    pub replicates: usize,
    /// Every scored trial.
    pub summaries: &'a [TrialSummary],
    /// Figures: `(file name in the report folder, caption)`.
    pub figures: Vec<(String, String)>,
    /// The text tables, shown at the end.
    pub text_tables: &'a str,
}

/// `&`, `<`, `>`, `"` escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn unit(axis: Axis) -> &'static str {
    match axis {
        Axis::Steps => "steps",
        Axis::Seconds => "s",
    }
}

fn time(x: f64, axis: Axis) -> String {
    if !x.is_finite() {
        "—".into()
    } else if axis == Axis::Steps {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn table(out: &mut String, id: &str, caption: &str, header: &[String], rows: &[Vec<String>]) {
    let _ = write!(
        out,
        "<table id=\"{id}\"><caption>{caption}</caption><thead><tr>"
    );
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let class = if c.starts_with('✓') {
                " class=\"yes\""
            } else if c.starts_with('✗') {
                " class=\"no\""
            } else {
                ""
            };
            if i == 0 {
                let _ = write!(out, "<th{class}>{}</th>", escape(c));
            } else {
                let _ = write!(out, "<td{class}>{}</td>", escape(c));
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>\n");
}

/// Rows of Tables 4 and 5: per algorithm, per workload whether the median seed reached the
/// target (✓/✗) and how many seeds did.
fn reach_rows(scores: &ExperimentScores, pick: &dyn Fn(&str) -> Option<usize>) -> Vec<Vec<String>> {
    scores
        .algorithms()
        .into_iter()
        .filter_map(|a| {
            let c = &scores.configs[pick(a)?];
            let mut row = vec![a.to_string()];
            let mut trained = 0;
            for w in &scores.workloads {
                row.push(match c.cells.get(w) {
                    None => "not run".into(),
                    Some(cell) if cell.steps.is_finite() => {
                        trained += 1;
                        format!("✓ {}/{}", cell.reached, cell.seeds)
                    }
                    Some(cell) => format!("✗ {}/{}", cell.reached, cell.seeds),
                });
            }
            row.push(format!("{trained}/{}", scores.workloads.len()));
            Some(row)
        })
        .collect()
}

/// The page.
pub fn report_html(input: &ReportInput) -> String {
    let s = input.scores;
    let axis = s.axis;
    let mut out = String::new();
    let title = format!("lrf report: experiment `{}`", input.experiment);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n\
         <style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}\
         table{{border-collapse:collapse;margin:1em 0}}caption{{text-align:left;font-weight:bold;padding:.3em 0}}\
         th,td{{border:1px solid #bbb;padding:.25em .6em;text-align:right}}thead th{{background:#eee}}\
         tbody th{{text-align:left;font-weight:normal}}.yes{{background:#e3f4e1}}.no{{background:#fbe4e4}}\
         figure{{margin:1.5em 0}}figure img{{max-width:100%;border:1px solid #ddd}}pre{{font-size:12px;overflow-x:auto}}\
         </style></head><body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let _ = write!(
        out,
        "<p>{}</p>\n<p>From <code>{}</code>: {} trials scored. Time-to-target on {}.</p>\n",
        escape(input.description.trim()),
        escape(input.origin),
        input.summaries.len(),
        match axis {
            Axis::Steps => "optimizer steps",
            Axis::Seconds => "seconds of training (AlgoPerf's clock)",
        }
    );
    out.push_str("<h2>Protocol</h2><ul>");
    for (k, v) in &input.protocol {
        let _ = write!(out, "<li><b>{}</b>: {}</li>", escape(k), escape(v));
    }
    out.push_str("</ul>\n<p>Targets: ");
    let targets: Vec<String> = s
        .workloads
        .iter()
        .filter_map(|w| input.summaries.iter().find(|t| &t.workload == w))
        .map(|t| {
            format!(
                "{}: {} {} {} within {} steps",
                t.workload,
                t.metric,
                if t.minimize { "≤" } else { "≥" },
                t.target,
                t.step_budget
            )
        })
        .collect();
    out.push_str(&escape(&targets.join("; ")));
    out.push_str("</p>\n");
    let _ = writeln!(
        out,
        "<p><b>Selection rule.</b> Each searched configuration (one point of the search space at \
         one horizon) is ranked by the geometric mean over workloads of its median (over seeds) \
         time-to-target; a missed target counts as the budget + 1 (as AlgoPerf's \
         <code>compute_speedups</code> does; {}). Ties go to the best validation value relative \
         to the target. Phase 3 retrains the top configurations with more seeds; the best of \
         them by the same rule is the algorithm's <i>calibrated</i> configuration.</p>",
        escape(
            &s.miss_penalty
                .iter()
                .map(|(w, p)| format!("{w}: {p:.1} {}", unit(axis)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    );

    let mut header = vec!["algorithm".to_string()];
    header.extend(s.workloads.iter().cloned());
    header.push("workloads trained".into());
    let phase1 = |a: &str| {
        s.configs
            .iter()
            .position(|c| c.phase == 1 && c.algorithm == a)
    };
    let calibrated = |a: &str| s.calibrated.get(a).copied();
    out.push_str("<h2>Tables</h2>\n");
    let presets = if s.phase1_labels.is_empty() {
        "the literature defaults".to_string()
    } else {
        let named: Vec<String> = s
            .phase1_labels
            .iter()
            .map(|(a, l)| format!("{a}: {l}"))
            .collect();
        format!(
            "each algorithm's phase-1 preset (literature defaults unless named: {})",
            escape(&named.join("; "))
        )
    };
    table(
        &mut out,
        "table4",
        &format!(
            "Table 4 — workloads trained to the target at {presets} (✓ = the median seed \
             reached it; seeds that reached it / seeds)"
        ),
        &header,
        &reach_rows(s, &phase1),
    );
    table(
        &mut out,
        "table5",
        "Table 5 — workloads trained to the target after calibration (the calibrated \
         configuration)",
        &header,
        &reach_rows(s, &calibrated),
    );
    let algorithms = s.algorithms();
    let mut order = Vec::new();
    for a in algorithms {
        let mut row = vec![a.to_string()];
        for idx in [phase1(a), calibrated(a)] {
            match idx.and_then(|i| s.compared.iter().position(|&j| j == i)) {
                Some(r) => {
                    let iv = input.intervals[r];
                    row.push(format!("{:.3}", iv.score));
                    row.push(format!(
                        "[{:.3}, {:.3}] ({} seeds)",
                        iv.low, iv.high, iv.seeds
                    ));
                }
                None => row.extend(["—".to_string(), "—".to_string()]),
            }
        }
        row.push(calibrated(a).map_or("—".into(), |i| {
            let c = &s.configs[i];
            format!("phase {} {}", c.phase, c.config)
        }));
        order.push(row);
    }
    table(
        &mut out,
        "table6",
        &format!(
            "Table 6 — AlgoPerf benchmark score (area under the performance profile on τ ∈ [1, 4], \
             normalised to [0, 1], among all rows of the time-to-target table) with a 95% \
             percentile-bootstrap interval over seeds ({} replicates; seeds resampled per \
             configuration)",
            input.replicates
        ),
        &[
            "algorithm".into(),
            "defaults score".into(),
            "defaults 95% interval".into(),
            "calibrated score".into(),
            "calibrated 95% interval".into(),
            "calibrated configuration".into(),
        ],
        &order,
    );
    let mut header = vec!["configuration".to_string()];
    for w in &s.workloads {
        header.push(format!("{w} ({})", unit(axis)));
    }
    header.push(format!("geomean ({})", unit(axis)));
    let rows: Vec<Vec<String>> = s
        .compared
        .iter()
        .map(|&i| {
            let c = &s.configs[i];
            let name = match c.phase {
                1 => format!("{} ({})", c.algorithm, s.phase1_label(&c.algorithm)),
                p => format!("{} (calibrated, phase {p} {})", c.algorithm, c.config),
            };
            let mut row = vec![name];
            for w in &s.workloads {
                row.push(c.cells.get(w).map_or("not run".into(), |cell| {
                    format!(
                        "{} ({}/{})",
                        time(cell.time(axis), axis),
                        cell.reached,
                        cell.seeds
                    )
                }));
            }
            row.push(time(c.geomean, axis));
            row
        })
        .collect();
    table(
        &mut out,
        "time-to-target",
        "Time-to-target per workload: median over seeds (seeds that reached the target / seeds; \
         — = the median seed missed)",
        &header,
        &rows,
    );
    table(
        &mut out,
        "search-cost",
        "Search cost of the calibration (phases 2 and 3): trials and CPU-hours (user + system \
         CPU time of the trial processes; wall time where a trial did not record it)",
        &[
            "algorithm".into(),
            "phase-2 trials".into(),
            "phase-3 trials".into(),
            "CPU-hours".into(),
            "trial wall-hours".into(),
        ],
        &cost_rows(input.summaries),
    );
    out.push_str("<h2>Figures</h2>\n");
    for (file, caption) in &input.figures {
        let _ = writeln!(
            out,
            "<figure><img src=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
            escape(file),
            escape(caption),
            escape(caption)
        );
    }
    let _ = write!(
        out,
        "<h2>All tables as text</h2>\n<pre>{}</pre>\n<p>Also here: \
         <a href=\"calibrated.yaml\"><code>calibrated.yaml</code></a> (the calibrated \
         configuration per algorithm, loadable as lrf-optim presets); beside this folder, \
         <a href=\"../scores/scores.csv\"><code>scores/scores.csv</code></a>, \
         <a href=\"../scores/time_to_targets.csv\"><code>scores/time_to_targets.csv</code></a>, \
         <a href=\"../scores/searched.txt\"><code>scores/searched.txt</code></a> (every searched \
         configuration) and <a href=\"../scores/trials.parquet\"><code>scores/trials.parquet</code></a> \
         (one row per trial).</p>\n</body></html>\n",
        escape(input.text_tables)
    );
    out
}

/// Per algorithm: phase-2 and phase-3 trials, CPU-hours and wall-hours of those trials.
pub fn cost_rows(summaries: &[TrialSummary]) -> Vec<Vec<String>> {
    let mut per: BTreeMap<&str, (usize, usize, f64, f64)> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for t in summaries.iter().filter(|t| t.phase >= 2) {
        if !order.contains(&t.algorithm.as_str()) {
            order.push(&t.algorithm);
        }
        let e = per.entry(&t.algorithm).or_default();
        if t.phase == 2 {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
        let wall = if t.wall_seconds.is_finite() {
            t.wall_seconds
        } else {
            t.train_seconds
        };
        e.2 += if t.cpu_seconds.is_finite() {
            t.cpu_seconds
        } else {
            wall
        };
        e.3 += wall;
    }
    order
        .into_iter()
        .map(|a| {
            let (p2, p3, cpu, wall) = per[a];
            vec![
                a.to_string(),
                p2.to_string(),
                p3.to_string(),
                format!("{:.3}", cpu / 3600.0),
                format!("{:.3}", wall / 3600.0),
            ]
        })
        .collect()
}
