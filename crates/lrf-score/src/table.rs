//! The tables `cargo xtask sweep` and `cargo xtask score` print.

use std::collections::{BTreeMap, BTreeSet};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use crate::experiment::{Axis, Cell, ExperimentScores};

fn steps(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.0}")
    } else {
        "—".into()
    }
}

fn seconds(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "—".into()
    }
}

fn phase_label(phase: u32, selected: bool, searched: usize) -> String {
    match phase {
        1 => "literature defaults".into(),
        2 if selected => format!("best of {searched}:"),
        2 => "searched".into(),
        3 => "calibrated (retrained):".into(),
        p => format!("phase {p}"),
    }
}

fn cell_text(c: Option<&Cell>) -> (String, String, String) {
    match c {
        None => ("not run".into(), "—".into(), "—".into()),
        Some(c) => {
            let reached = if c.diverged > 0 {
                format!("{}/{} ({} diverged)", c.reached, c.seeds, c.diverged)
            } else {
                format!("{}/{}", c.reached, c.seeds)
            };
            (reached, steps(c.steps), seconds(c.seconds))
        }
    }
}

/// Main table: per algorithm, its literature defaults and its selected searched configuration,
/// with per-workload target hits (seeds), median steps and seconds to target, the geometric
/// mean used for selection and the AlgoPerf benchmark score.
pub fn results_table(scores: &ExperimentScores) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_content_arrangement(ContentArrangement::Dynamic);
    let mut header = vec!["algorithm".to_string(), "configuration".to_string()];
    // With one workload its name is in the title line; with several, each column says which.
    let prefix = |w: &str| {
        if scores.workloads.len() == 1 {
            String::new()
        } else {
            format!("{w}\n")
        }
    };
    for w in &scores.workloads {
        header.push(format!("{}reached\n(seeds)", prefix(w)));
        header.push(format!("{}steps to\ntarget", prefix(w)));
        header.push(format!("{}seconds\nto target", prefix(w)));
    }
    let unit = match scores.axis {
        Axis::Steps => "steps",
        Axis::Seconds => "s",
    };
    header.push(format!("geomean time\nto target ({unit})"));
    header.push("benchmark\nscore".into());
    table.set_header(header);
    let bench = scores.profile.scores();
    for (row, &i) in scores.compared.iter().enumerate() {
        let c = &scores.configs[i];
        let searched = scores
            .configs
            .iter()
            .filter(|x| x.phase == 2 && x.algorithm == c.algorithm)
            .count();
        let is_selected = scores.selected.get(&c.algorithm) == Some(&i);
        let mut cells = vec![
            c.algorithm.clone(),
            match c.phase {
                1 => scores.phase1_label(&c.algorithm),
                _ => format!(
                    "{} {}",
                    phase_label(c.phase, is_selected, searched),
                    c.config
                ),
            },
        ];
        for w in &scores.workloads {
            let (r, st, se) = cell_text(c.cells.get(w));
            cells.extend([r, st, se]);
        }
        cells.push(format!("{:.1}", c.geomean));
        cells.push(format!("{:.3}", bench[row]));
        table.add_row(cells);
    }
    for col in 2..table.column_count() {
        if let Some(column) = table.column_mut(col) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// `{"learning_rate":0.0272112…}` as `learning_rate=0.02721 …` (4 significant digits), keeping
/// only the keys in `keep`.
fn compact_hparams(json: &str, keep: &BTreeSet<String>) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(json) else {
        return json.to_string();
    };
    map.iter()
        .filter(|(k, _)| keep.contains(k.as_str()))
        .map(|(k, v)| match v.as_f64() {
            Some(x) if x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e4) => format!("{k}={x:.3e}"),
            Some(x) => format!("{k}={}", format_sig(x)),
            None => format!("{k}={v}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `x` with 4 significant digits, trailing zeros removed.
fn format_sig(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let decimals = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Hyperparameter names whose value differs between the searched configurations of `algorithm`.
fn varying_keys(scores: &ExperimentScores, algorithm: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in scores
        .configs
        .iter()
        .filter(|c| c.phase == 2 && c.algorithm == algorithm)
    {
        if let Ok(serde_json::Value::Object(map)) =
            serde_json::from_str::<serde_json::Value>(&c.hparams)
        {
            for (k, v) in map {
                seen.entry(k).or_default().insert(v.to_string());
            }
        }
    }
    seen.into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(k, _)| k)
        .collect()
}

/// The lines printed under the tables: what the geometric mean and the score are.
pub fn legend(scores: &ExperimentScores) -> String {
    let unit = match scores.axis {
        Axis::Steps => "steps",
        Axis::Seconds => "s",
    };
    let penalties: Vec<String> = scores
        .miss_penalty
        .iter()
        .map(|(w, p)| format!("{w} {p:.1} {unit}"))
        .collect();
    format!(
        "geomean: geometric mean over workloads of the median (over seeds) time to target; a missed \
         target counts as the budget + 1 ({}), as AlgoPerf's compute_speedups does. The searched \
         configuration with the lowest geomean is selected (★); ties go to the best validation \
         value relative to the target.\nbenchmark score: AlgoPerf's score (area under the \
         performance profile on τ ∈ [1, 4], normalised to [0, 1]) among the rows of the first table.\n",
        penalties.join(", ")
    )
}

/// The searched configurations of every algorithm, ranked by the geometric mean, with the
/// hyperparameters that were searched: the best `limit` per algorithm (all with `None`), and a
/// row saying how many more there are.
pub fn search_table(scores: &ExperimentScores, limit: Option<usize>) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(vec![
        "algorithm",
        "configuration",
        "reached (workloads)",
        "geomean",
        "best validation (median over seeds)",
        "searched hyperparameters",
    ]);
    let mut rows: Vec<usize> = (0..scores.configs.len())
        .filter(|&i| scores.configs[i].phase == 2)
        .collect();
    rows.sort_by(|&a, &b| {
        let (x, y) = (&scores.configs[a], &scores.configs[b]);
        (&x.algorithm, x.geomean, -x.closeness, &x.config)
            .partial_cmp(&(&y.algorithm, y.geomean, -y.closeness, &y.config))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
    let mut hidden: Vec<(String, usize)> = Vec::new();
    for i in rows {
        let c = &scores.configs[i];
        let n = shown.entry(&c.algorithm).or_default();
        *n += 1;
        if limit.is_some_and(|l| *n > l) {
            match hidden.last_mut() {
                Some((a, k)) if a == &c.algorithm => *k += 1,
                _ => hidden.push((c.algorithm.clone(), 1)),
            }
            continue;
        }
        if let Some((a, k)) = hidden.pop() {
            table.add_row(vec![a, format!("… {k} more")]);
        }
        let reached = c.cells.values().filter(|x| x.steps.is_finite()).count();
        let mark = if scores.selected.get(&c.algorithm) == Some(&i) {
            " ★"
        } else {
            ""
        };
        table.add_row(vec![
            c.algorithm.clone(),
            format!("{}{mark}", c.config),
            format!("{reached}/{}", scores.workloads.len()),
            format!("{:.1}", c.geomean),
            c.cells
                .iter()
                .map(|(w, cell)| {
                    if c.cells.len() == 1 {
                        format!("{:.4}", cell.best_metric)
                    } else {
                        format!("{w} {:.4}", cell.best_metric)
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
            compact_hparams(&c.hparams, &varying_keys(scores, &c.algorithm)),
        ]);
    }
    if let Some((a, k)) = hidden.pop() {
        table.add_row(vec![a, format!("… {k} more")]);
    }
    table
}
