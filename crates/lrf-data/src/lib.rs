//! # lrf-data
//!
//! Loaders for the real datasets of lrf, with fixed splits and seeded shuffling; no tensors,
//! so any training code can use them.
//!
//! * [`idx`]: the IDX format (gzipped or not) of MNIST-style files.
//! * [`fashion_mnist`]: Fashion-MNIST from the Debian package or the committed subset.
//! * [`ding`]: German→English pairs from the Ding dictionary (Debian `trans-de-en`).
//! * [`vocab`]: a shared BPE subword vocabulary.
//! * [`nifti`]: NIfTI-1 volumes (gzipped or not).
//! * [`mri_sim`]: a fastMRI-style reconstruction task simulated from real MRI volumes.
//! * [`ShuffledBatches`]: reproducible mini-batch order.
//!
//! Every error names the file and what was wrong with it ([`DataError`]).

#![warn(missing_docs)]

mod atomic;
mod batches;
pub mod ding;
mod error;
pub mod fashion_mnist;
mod gzip_file;
pub mod idx;
pub mod mri_sim;
pub mod nifti;
pub mod vocab;

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
