//! The ViT family: Vision Transformers on image classification (AlgoPerf `imagenet_vit`;
//! here on Fashion-MNIST), with dropout from the trial's regularisation (default 0).

mod config;
mod model;
mod task;

pub use config::ViTConfig;
pub use model::{posemb_sincos_2d, EncoderBlock, MlpBlock, SelfAttention, ViT};
pub use task::{ViTTask, DEFAULT_DROPOUT};

use std::path::Path;
use std::sync::Arc;

use burn::tensor::Device;

use crate::device::training_device;
use crate::error::Result;
use crate::params::trainable_parameters;
use crate::resnet::ImageData;
use crate::spec::TrialSpec;
use crate::targets::{provenance, tiny_target};
use crate::train::{run_trial, EvalSink, TrialOutcome};
use crate::workload::{DataSource, Workload, WorkloadInfo};

/// A ViT workload: configuration, data sizes and the AlgoPerf face.
pub struct ViTWorkload {
    info: WorkloadInfo,
    config: ViTConfig,
    train_examples: usize,
    validation_examples: usize,
    train_eval_examples: usize,
}

impl ViTWorkload {
    /// `vit_tiny`: [`ViTConfig::tiny`] on the first 8 000 Fashion-MNIST training images,
    /// validated on 2 000 held-out images (the same data as `resnet_tiny`).
    pub fn tiny() -> Self {
        let face = tiny_target("vit_tiny");
        Self {
            info: WorkloadInfo {
                name: "vit_tiny",
                family: "vit",
                description: "ViT, 7x7 patches (16 tokens), width 64, 2 pre-LN blocks of 4 heads, \
                              sin-cos position embedding, Fashion-MNIST 28x28, \
                              8000 train / 2000 validation images",
                target_metric_name: "accuracy",
                minimize: false,
                target: face.target,
                target_provenance: provenance("vit_tiny"),
                step_budget: face.step_budget,
                eval_every: face.eval_every,
                batch_size: 64,
            },
            config: ViTConfig::tiny(),
            train_examples: 8000,
            validation_examples: 2000,
            train_eval_examples: 500,
        }
    }

    /// The model configuration.
    pub fn config(&self) -> &ViTConfig {
        &self.config
    }

    fn load(&self, datasets_dir: &Path) -> Result<(String, Arc<ImageData>)> {
        ImageData::fashion_mnist(
            datasets_dir,
            self.train_examples,
            self.validation_examples,
            self.train_eval_examples,
        )
    }
}

impl Workload for ViTWorkload {
    fn info(&self) -> &WorkloadInfo {
        &self.info
    }

    fn parameter_count(&self) -> usize {
        trainable_parameters(&self.config.init(&training_device()))
    }

    fn check_data(&self, datasets_dir: &Path) -> Result<DataSource> {
        let (description, data) = self.load(datasets_dir)?;
        Ok(DataSource {
            description,
            fingerprint: data.fingerprint(),
        })
    }

    fn run(
        &self,
        spec: &TrialSpec,
        device: &Device,
        datasets_dir: &Path,
        sink: &mut EvalSink<'_>,
    ) -> Result<TrialOutcome> {
        let (_, data) = self.load(datasets_dir)?;
        let mut task = ViTTask::new(self.config.clone(), data, self.info.batch_size, spec.seed);
        run_trial(&mut task, &self.info, spec, device, sink)
    }
}
