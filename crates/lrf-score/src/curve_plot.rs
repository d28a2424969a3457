//! Validation metric against step, one figure per workload (the paper's Figures 2–9): each
//! algorithm in its own colour, its literature defaults dashed and its calibrated
//! configuration solid, one line per seed, the target as a horizontal line.

use plotters::prelude::*;

use crate::error::{Result, ScoreError};
use crate::plot::{draw_legend, COLORS};

/// The runs of one configuration of one algorithm.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveSeries {
    /// Legend text.
    pub label: String,
    /// Index of the algorithm (picks the colour).
    pub color: usize,
    /// Dashed (defaults) or solid (calibrated).
    pub dashed: bool,
    /// One `(step, metric)` line per seed.
    pub runs: Vec<Vec<(f64, f64)>>,
}

/// Renders one workload's curves as SVG; `target` is drawn as a grey horizontal line and
/// non-finite metric values (a diverged run) end a line.
pub fn curves_svg(
    title: &str,
    metric: &str,
    target: f64,
    max_step: f64,
    series: &[CurveSeries],
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 520)).into_drawing_area();
        let err = |e: &dyn std::fmt::Display| ScoreError::Input(format!("plot: {e}"));
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let values = series
            .iter()
            .flat_map(|s| s.runs.iter().flatten().map(|p| p.1))
            .chain([target])
            .filter(|v| v.is_finite());
        let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let pad = ((hi - lo) * 0.05).max(1e-9);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(65)
            .build_cartesian_2d(0.0..max_step.max(1.0), (lo - pad)..(hi + pad))
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc(metric)
            .draw()
            .map_err(|e| err(&e))?;
        let grey = RGBColor(90, 90, 90);
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, target), (max_step.max(1.0), target)],
                4,
                4,
                grey.stroke_width(1),
            ))
            .map_err(|e| err(&e))?
            .label(format!("target {target:.4}"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], grey));
        for s in series {
            let color = COLORS[s.color % COLORS.len()];
            let stroke = color.stroke_width(2);
            let mut labelled = false;
            for run in &s.runs {
                let points: Vec<(f64, f64)> = run
                    .iter()
                    .copied()
                    .take_while(|p| p.0.is_finite() && p.1.is_finite())
                    .collect();
                if points.is_empty() {
                    continue;
                }
                let drawn = if s.dashed {
                    chart.draw_series(DashedLineSeries::new(points, 8, 5, stroke))
                } else {
                    chart.draw_series(LineSeries::new(points, stroke))
                }
                .map_err(|e| err(&e))?;
                if !labelled {
                    labelled = true;
                    let dashed = s.dashed;
                    drawn.label(s.label.clone()).legend(move |(x, y)| {
                        if dashed {
                            PathElement::new(vec![(x, y), (x + 8, y)], color.stroke_width(3))
                        } else {
                            PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                        }
                    });
                }
            }
        }
        draw_legend(&mut chart)?;
        root.present().map_err(|e| err(&e))?;
    }
    Ok(svg)
}
