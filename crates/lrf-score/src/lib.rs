//! # lrf-score
//!
//! AlgoPerf scoring on Polars frames, reproducing AlgoPerf's own code:
//! time-to-target (first eval index that reaches the target, inclusive; median over studies),
//! performance profiles (4× cut-off, ratios to the fastest, ρ on `linspace(1, 4, 100)`) and the
//! benchmark score (trapezoid rule, normalised to [0, 1]); plus lrf's trial summaries, the
//! geometric-mean ranking of configurations (selection, top-k for retraining, the calibrated
//! configuration), percentile-bootstrap intervals of the score over seeds, tables, SVG plots
//! (performance profiles, validation curves) and the HTML report.
//!
//! It depends only on the log format (`eval_measurements.csv`), so it scores anyone's runs.

#![warn(missing_docs)]

pub mod algoperf;
pub mod bootstrap;
pub mod curve_plot;
pub mod curves;
mod error;
pub mod experiment;
pub mod pandas_float;
pub mod plot;
pub mod profile;
pub mod pyfmt;
pub mod report;
pub mod summary;
pub mod table;
pub mod targets;
pub mod time_to_target;

pub use error::{Result, ScoreError};
pub use experiment::{score_experiment, Axis, ExperimentScores};
pub use profile::{performance_profile, Profile};
pub use summary::{read_summaries, TrialSummary};
pub use targets::{is_minimized, Targets, WorkloadTarget};
pub use time_to_target::{first_hit, time_to_target, TimeMatrix};
