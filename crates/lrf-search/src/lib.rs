//! # lrf-search
//!
//! Search spaces in YAML (AlgoPerf's dictionary form plus fixed values), seeded
//! scrambled-Sobol points over them, and experiment files with the trials each phase runs.
//! [`halton_points`] draws the points of AlgoPerf's own Halton search (`algoperf/halton.py`),
//! bit for bit, in the sequence's order rather than halton.py's unseeded shuffle.
//! Names of algorithms and workloads are plain strings here; the crates that own them check them.

#![warn(missing_docs)]

mod error;
pub mod experiment;
mod halton;
pub mod plan;
mod sobol;
mod space;
mod value;

pub use error::{Result, SearchError};
pub use experiment::{AlgorithmSpec, Experiment, Phase3, Sampler, TimeAxis, MAX_TRIALS};
pub use halton::{halton_points, halton_primes, HALTON_MAX_DIMENSIONS};
pub use plan::{phase1, phase2, phase3, PlannedTrial};
pub use sobol::{sobol_points, MAX_DIMENSIONS, MAX_POINTS};
pub use space::{Dimension, SearchSpace};
pub use value::{Point, Value};
