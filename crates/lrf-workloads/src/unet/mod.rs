//! The U-Net family: the fastMRI U-Net with instance norm on single-coil MRI reconstruction
//! (AlgoPerf `fastmri`; here on k-space simulated from real T1 volumes, see
//! [`lrf_data::mri_sim`]). L1 loss, validation SSIM (maximised).

mod config;
mod data;
mod model;
pub mod ssim;
mod task;

pub use config::UNetConfig;
pub use data::{input_batch, target_batch};
pub use model::{instance_norm, ConvBlock, TransposeConvBlock, UNet};
pub use task::{l1_loss, MriData, UNetTask};

use std::path::Path;
use std::sync::Arc;

use burn::tensor::Device;
use lrf_data::mri_sim::{load_splits, locate_volumes, SimConfig};

use crate::device::training_device;
use crate::error::Result;
use crate::params::trainable_parameters;
use crate::spec::TrialSpec;
use crate::targets::{provenance, tiny_target};
use crate::train::{run_trial, EvalSink, TrialOutcome};
use crate::workload::{DataSource, Workload, WorkloadInfo};

/// Seed of the validation examples' phase and masks (fixed, like AlgoPerf's `_EVAL_SEED`).
pub const VALIDATION_SEED: u64 = 0;

/// A U-Net workload: configuration, simulation and the AlgoPerf face.
pub struct UNetWorkload {
    info: WorkloadInfo,
    config: UNetConfig,
    sim: SimConfig,
    train_eval_examples: usize,
}

impl UNetWorkload {
    /// `unet_tiny`: [`UNetConfig::tiny`] on 64×64 slices simulated from the Colin27 volumes of
    /// `mricron-data` at 4× acceleration.
    pub fn tiny() -> Self {
        let face = tiny_target("unet_tiny");
        Self {
            info: WorkloadInfo {
                name: "unet_tiny",
                family: "unet",
                description: "fastMRI U-Net (8 channels, 3 pool layers, instance norm), 64x64 \
                              single-coil k-space simulated from real T1 MRI (Colin27), 4x",
                target_metric_name: "ssim",
                minimize: false,
                target: face.target,
                target_provenance: provenance("unet_tiny"),
                step_budget: face.step_budget,
                eval_every: face.eval_every,
                batch_size: 8,
            },
            config: UNetConfig::tiny(),
            sim: SimConfig::new(64),
            train_eval_examples: 64,
        }
    }

    /// The model configuration.
    pub fn config(&self) -> &UNetConfig {
        &self.config
    }

    fn load(&self, seed: u64) -> Result<(String, Arc<MriData>)> {
        let (paths, source) = locate_volumes()?;
        let (train, validation) = load_splits(&paths, &self.sim, seed, VALIDATION_SEED)?;
        let source = format!(
            "{source}: {} training / {} validation slices",
            train.len(),
            validation.len()
        );
        let data = MriData {
            train,
            validation,
            train_eval: self.train_eval_examples,
        };
        Ok((source, Arc::new(data)))
    }
}

impl Workload for UNetWorkload {
    fn info(&self) -> &WorkloadInfo {
        &self.info
    }

    fn parameter_count(&self) -> usize {
        trainable_parameters(&self.config.init(&training_device()))
    }

    /// The data come from the Debian package `mricron-data` (or `$LRF_MRICRON_DIR`), not from
    /// `datasets_dir`. The fingerprint is of seed 0's simulation (the real volumes, the split
    /// and the simulation code; other seeds draw other phases and masks from the same slices).
    fn check_data(&self, _datasets_dir: &Path) -> Result<DataSource> {
        let (description, data) = self.load(0)?;
        Ok(DataSource {
            description,
            fingerprint: data.fingerprint(),
        })
    }

    fn run(
        &self,
        spec: &TrialSpec,
        device: &Device,
        _datasets_dir: &Path,
        sink: &mut EvalSink<'_>,
    ) -> Result<TrialOutcome> {
        let (_, data) = self.load(spec.seed)?;
        let mut task = UNetTask::new(self.config.clone(), data, self.info.batch_size, spec.seed);
        run_trial(&mut task, &self.info, spec, device, sink)
    }
}
