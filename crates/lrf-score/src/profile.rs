//! Performance profiles and the AlgoPerf benchmark score (`compute_performance_profiles` and
//! `compute_leaderboard_score(normalize=True)` of AlgoPerf's scoring code).

use polars::prelude::*;

use crate::error::Result;
use crate::pyfmt::py_repr;
use crate::targets::Targets;
use crate::time_to_target::TimeMatrix;

/// ρ_s(τ) for every submission over a grid of τ.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Row names.
    pub submissions: Vec<String>,
    /// The τ grid (`np.linspace(1, 4, 100)` by default).
    pub taus: Vec<f64>,
    /// `rho[s][i]` = fraction of base workloads with ratio ≤ τᵢ.
    pub rho: Vec<Vec<f64>>,
    /// The ratio matrix the profile was computed from (base workloads; inf = failed).
    pub ratios: TimeMatrix,
}

/// `np.linspace(start, stop, num)` with numpy's arithmetic.
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 1 {
        return vec![start];
    }
    let step = (stop - start) / (num - 1) as f64;
    let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    v[num - 1] = stop;
    v
}

/// `np.trapezoid(y, x)`.
pub fn trapezoid(y: &[f64], x: &[f64]) -> f64 {
    (1..y.len())
        .map(|i| (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2.0)
        .sum()
}

fn column_min(values: &[Vec<f64>], w: usize) -> f64 {
    values
        .iter()
        .map(|row| row[w])
        .filter(|v| !v.is_nan())
        .fold(f64::NAN, |m, v| if m.is_nan() || v < m { v } else { m })
}

/// The performance profile of the submissions in `times` over `targets.base_workloads`:
/// held-out filtering, the 4× cut-off (`T > 4·best` becomes inf), ratios to the column
/// minimum, then ρ(τ) = #(ratio ≤ τ) / #base workloads on `taus`.
pub fn performance_profile(times: &TimeMatrix, targets: &Targets, taus: &[f64]) -> Profile {
    let mut t = times.clone();
    let col = |t: &TimeMatrix, name: &str| t.workloads.iter().position(|w| w == name);
    let held_out: Vec<(usize, Option<usize>)> = t
        .workloads
        .iter()
        .enumerate()
        .filter(|(_, w)| !targets.base_workloads.contains(w))
        .map(|(i, w)| (i, targets.base_of(w).and_then(|b| col(&t, b))))
        .collect();
    // Held-out variants fail where their base failed.
    for &(h, base) in &held_out {
        for row in t.values.iter_mut() {
            let b = base.map_or(f64::NAN, |b| row[b]);
            if b.is_infinite() || b.is_nan() {
                row[h] = f64::INFINITY;
            }
        }
    }
    // More than 4x the fastest submission counts as failed.
    for w in 0..t.workloads.len() {
        let best = column_min(&t.values, w);
        for row in t.values.iter_mut() {
            if row[w] > 4.0 * best {
                row[w] = f64::INFINITY;
            }
        }
    }
    // Base workloads fail where their held-out variant failed.
    for &(h, base) in &held_out {
        if let Some(b) = base {
            for row in t.values.iter_mut() {
                if row[h].is_infinite() || row[h].is_nan() {
                    row[b] = f64::INFINITY;
                }
            }
        }
    }
    // Keep base workloads (missing ones are NaN: failed for everyone).
    let base: Vec<String> = targets.base_workloads.clone();
    let mut ratios = TimeMatrix {
        submissions: t.submissions.clone(),
        workloads: base.clone(),
        values: t
            .values
            .iter()
            .map(|row| {
                base.iter()
                    .map(|b| col(&t, b).map_or(f64::NAN, |i| row[i]))
                    .collect()
            })
            .collect(),
    };
    // Divide by the fastest; values that come out NaN keep their previous value (df.update).
    for w in 0..base.len() {
        let best = column_min(&ratios.values, w);
        for row in ratios.values.iter_mut() {
            let r = row[w] / best;
            if !r.is_nan() {
                row[w] = r;
            }
        }
    }
    let n_base = base.len() as f64;
    let rho = ratios
        .values
        .iter()
        .map(|row| {
            taus.iter()
                .map(|&tau| row.iter().filter(|&&r| r <= tau).count() as f64 / n_base)
                .collect()
        })
        .collect();
    Profile {
        submissions: t.submissions.clone(),
        taus: taus.to_vec(),
        rho,
        ratios,
    }
}

/// AlgoPerf's τ grid: 100 points from 1 to 4.
pub fn algoperf_taus() -> Vec<f64> {
    linspace(1.0, 4.0, 100)
}

impl Profile {
    /// Benchmark scores: `trapezoid(ρ, τ) / (τ_max − τ_min)`, one per submission, in [0, 1].
    pub fn scores(&self) -> Vec<f64> {
        let span = self.taus[self.taus.len() - 1] - self.taus[0];
        self.rho
            .iter()
            .map(|r| trapezoid(r, &self.taus) / span)
            .collect()
    }

    /// `scores.csv` in AlgoPerf's layout.
    pub fn scores_csv(&self) -> String {
        let mut out = String::from("submission,score\n");
        for (s, score) in self.submissions.iter().zip(self.scores()) {
            out.push_str(&format!("{s},{}\n", py_repr(score)));
        }
        out
    }

    /// `performance_profile_score.csv` in AlgoPerf's layout (one column per τ).
    pub fn profile_csv(&self) -> String {
        let mut out = String::from("submission");
        for tau in &self.taus {
            out.push(',');
            out.push_str(&py_repr(*tau));
        }
        out.push('\n');
        for (s, row) in self.submissions.iter().zip(&self.rho) {
            out.push_str(s);
            for v in row {
                out.push(',');
                out.push_str(&py_repr(*v));
            }
            out.push('\n');
        }
        out
    }

    /// Scores as a Polars frame (`submission`, `score`).
    pub fn scores_frame(&self) -> Result<DataFrame> {
        Ok(DataFrame::new_infer_height(vec![
            Column::new("submission".into(), self.submissions.clone()),
            Column::new("score".into(), self.scores()),
        ])?)
    }
}
