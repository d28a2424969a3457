//! Performance-profile plot (SVG): ρ(τ) per submission, the curves of AlgoPerf's Figure.

use std::path::Path;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::error::{Result, ScoreError};
use crate::profile::Profile;

/// Line colours, one per submission or algorithm (matplotlib's tab10 order).
pub(crate) const COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// Draws the legend box of a chart's labelled series in its lower-right corner.
pub(crate) fn draw_legend<'a>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| ScoreError::Input(format!("plot: {e}")))
}

/// How one curve is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Dashed (e.g. literature defaults) or solid.
    pub dashed: bool,
}

/// Renders the profile to an SVG string; `series[i]` describes `profile.submissions[i]`.
/// Earlier curves are drawn wider, so curves that coincide stay visible as nested bands.
pub fn profile_svg(profile: &Profile, series: &[Series], title: &str) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        let err = |e: &dyn std::fmt::Display| ScoreError::Input(format!("plot: {e}"));
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let tau_min = profile.taus.first().copied().unwrap_or(1.0);
        let tau_max = profile.taus.last().copied().unwrap_or(4.0);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(tau_min..tau_max, 0.0..1.05)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc("τ (time-to-target ratio to the fastest)")
            .y_desc("fraction of workloads  ρ(τ)")
            .draw()
            .map_err(|e| err(&e))?;
        let n = profile.rho.len() as u32;
        for (i, (rho, style)) in profile.rho.iter().zip(series).enumerate() {
            let color = COLORS[i % COLORS.len()];
            let width = 2 + 2 * (n - 1 - i as u32);
            // A step function: hold each value until the next τ.
            let mut points = Vec::with_capacity(2 * rho.len());
            for (k, (&tau, &r)) in profile.taus.iter().zip(rho).enumerate() {
                if k > 0 {
                    points.push((tau, rho[k - 1]));
                }
                points.push((tau, r));
            }
            let stroke = color.stroke_width(width);
            let drawn = if style.dashed {
                chart.draw_series(DashedLineSeries::new(points, 12, 6, stroke))
            } else {
                chart.draw_series(LineSeries::new(points, stroke))
            };
            drawn
                .map_err(|e| err(&e))?
                .label(style.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
        }
        draw_legend(&mut chart)?;
        root.present().map_err(|e| err(&e))?;
    }
    Ok(svg)
}

/// Writes the profile plot to `path` atomically.
pub fn write_profile_svg(
    profile: &Profile,
    series: &[Series],
    title: &str,
    path: &Path,
) -> Result<()> {
    let svg = profile_svg(profile, series, title)?;
    lrf_data::write_atomic(path, svg.as_bytes()).map_err(|e| ScoreError::file(path, e))
}
