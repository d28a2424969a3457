//! Where things are: the workspace root, experiment files, results.

use std::path::{Path, PathBuf};

/// The workspace root (the folder holding `experiments/` and `datasets/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// The default experiment file.
pub fn default_experiment() -> PathBuf {
    workspace_root().join("experiments/default.yaml")
}

/// Results root: `$LRF_RESULTS_DIR` or `<workspace>/results`.
pub fn results_root() -> PathBuf {
    match std::env::var_os("LRF_RESULTS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("results"),
    }
}

/// The results folder of an experiment.
pub fn experiment_dir(name: &str) -> PathBuf {
    results_root().join(name)
}

/// Datasets folder: `$LRF_DATASETS_DIR` or `<workspace>/datasets`.
pub fn datasets_dir() -> PathBuf {
    match std::env::var_os("LRF_DATASETS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("datasets"),
    }
}
