//! # lrf-search
//!
//! Search spaces in YAML (AlgoPerf's dictionary form plus fixed values), seeded
//! scrambled-Sobol points over them, and experiment files with the trials each phase runs.
//! Names of algorithms and workloads are plain strings here; the crates that own them check them.

#![warn(missing_docs)]

mod error;
pub mod experiment;
pub mod plan;
mod sobol;
mod space;
mod value;

pub use error::{Result, SearchError};
pub use experiment::{AlgorithmSpec, Experiment, Sampler, TimeAxis, MAX_TRIALS};
pub use plan::{phase1, phase2, PlannedTrial};
pub use sobol::{sobol_points, MAX_DIMENSIONS, MAX_POINTS};
pub use space::{Dimension, SearchSpace};
pub use value::{Point, Value};
