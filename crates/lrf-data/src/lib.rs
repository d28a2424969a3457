//! # lrf-data
//!
//! Loaders for the real datasets of lrf, with fixed splits and seeded shuffling; no tensors,
//! so any training code can use them.
//!
//! * [`idx`]: the IDX format (gzipped or not) of MNIST-style files.
//! * [`fashion_mnist`]: Fashion-MNIST from the Debian package or the committed subset.
//! * [`ShuffledBatches`]: reproducible mini-batch order.
//!
//! Every error names the file and what was wrong with it ([`DataError`]).

#![warn(missing_docs)]

mod atomic;
mod batches;
mod error;
pub mod fashion_mnist;
pub mod idx;

pub use atomic::{write_atomic, write_new_atomic};
pub use batches::ShuffledBatches;
pub use error::{DataError, Result};

/// The `datasets/` folder of this repository (where committed subsets and manifests live),
/// unless `LRF_DATASETS_DIR` names another.
pub fn datasets_dir() -> std::path::PathBuf {
    match std::env::var_os("LRF_DATASETS_DIR") {
        Some(dir) => dir.into(),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets"),
    }
}
