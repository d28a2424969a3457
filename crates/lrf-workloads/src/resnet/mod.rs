//! The ResNet family: residual networks with BatchNorm on image classification
//! (AlgoPerf `imagenet_resnet`; here on Fashion-MNIST). ResNet has no dropout.

mod config;
pub(crate) mod data;
mod model;
mod task;

pub use config::{ResNetConfig, BOTTLENECK_EXPANSION};
pub use data::ImageData;
pub use model::{BasicBlock, Bottleneck, ResNet};
pub use task::ResNetTask;

use std::path::Path;
use std::sync::Arc;

use burn::tensor::Device;

use crate::device::training_device;
use crate::error::Result;
use crate::params::trainable_parameters;
use crate::spec::TrialSpec;
use crate::targets::{provenance, tiny_target};
use crate::train::{run_trial, EvalSink, TrialOutcome};
use crate::workload::{DataSource, Workload, WorkloadInfo};

/// A ResNet workload: configuration, data sizes and the AlgoPerf face.
pub struct ResNetWorkload {
    info: WorkloadInfo,
    config: ResNetConfig,
    train_examples: usize,
    validation_examples: usize,
    train_eval_examples: usize,
}

impl ResNetWorkload {
    /// `resnet_tiny`: [`ResNetConfig::tiny`] on the first 8 000 Fashion-MNIST training images,
    /// validated on 2 000 held-out images.
    pub fn tiny() -> Self {
        let face = tiny_target("resnet_tiny");
        Self {
            info: WorkloadInfo {
                name: "resnet_tiny",
                family: "resnet",
                description: "ResNet, 3 stages of basic blocks (8/16/32 channels, BatchNorm), \
                              Fashion-MNIST 28x28, 8000 train / 2000 validation images",
                target_metric_name: "accuracy",
                minimize: false,
                target: face.target,
                target_provenance: provenance("resnet_tiny"),
                step_budget: face.step_budget,
                eval_every: face.eval_every,
                batch_size: 64,
            },
            config: ResNetConfig::tiny(),
            train_examples: 8000,
            validation_examples: 2000,
            train_eval_examples: 500,
        }
    }
}

impl ResNetWorkload {
    fn load(&self, datasets_dir: &Path) -> Result<(String, Arc<ImageData>)> {
        ImageData::fashion_mnist(
            datasets_dir,
            self.train_examples,
            self.validation_examples,
            self.train_eval_examples,
        )
    }
}

impl Workload for ResNetWorkload {
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
        let mut task = ResNetTask::new(self.config.clone(), data, self.info.batch_size, spec.seed);
        run_trial(&mut task, &self.info, spec, device, sink)
    }
}
