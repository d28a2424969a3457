//! The ResNet family: residual networks with BatchNorm on image classification
//! (AlgoPerf `imagenet_resnet`; here on Fashion-MNIST). ResNet has no dropout.

mod config;
mod data;
mod model;
mod task;

pub use config::ResNetConfig;
pub use model::{BasicBlock, ResNet};
pub use task::{ImageData, ResNetTask};

use std::path::Path;
use std::sync::Arc;

use burn::tensor::Device;
use lrf_data::fashion_mnist::{FashionMnist, Split};

use crate::device::training_device;
use crate::error::Result;
use crate::params::trainable_parameters;
use crate::spec::TrialSpec;
use crate::train::{run_trial, EvalSink, TrialOutcome};
use crate::workload::{Workload, WorkloadInfo};

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
        Self {
            info: WorkloadInfo {
                name: "resnet_tiny",
                family: "resnet",
                description: "ResNet, 3 stages of basic blocks (8/16/32 channels, BatchNorm), \
                              Fashion-MNIST 28x28, 8000 train / 2000 validation images",
                target_metric_name: "accuracy",
                minimize: false,
                target: TINY_TARGET,
                target_provenance: TINY_TARGET_PROVENANCE,
                step_budget: 300,
                eval_every: 25,
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
        let source = FashionMnist::locate(datasets_dir)?;
        let data = ImageData {
            train: source.load(Split::Train, self.train_examples)?,
            validation: source.load(Split::Validation, self.validation_examples)?,
            train_eval: self.train_eval_examples,
        };
        Ok((source.describe(), Arc::new(data)))
    }
}

/// Validation-accuracy target of `resnet_tiny`, set the AlgoPerf way: the best validation
/// accuracy a tuned NAdamW reaches within the 300-step budget.
///
/// `experiments/targets-resnet_tiny.yaml` ran NAdamW at 16 scrambled-Sobol points over learning
/// rate, 1−β₁, 1−β₂, weight decay, warmup and label smoothing, at the full budget without early
/// stopping (2026-12-03, flex CPU backend, Fashion-MNIST from the Debian package). The best point
/// (lr 0.0272, 1−β₁ 0.0578, 1−β₂ 0.00134, wd 0.00159, warmup 3.6 %, no label smoothing) reached
/// 0.8630 with seed 0; rerun with seeds 1, 2, 3 it reached 0.8445, 0.8450 and 0.8525. The target is
/// the median best validation accuracy over the four seeds: (0.8450 + 0.8525) / 2 = 0.84875.
pub const TINY_TARGET: f64 = 0.84875;
/// How [`TINY_TARGET`] was obtained (one line, for reports).
pub const TINY_TARGET_PROVENANCE: &str = "median over 4 seeds of the best validation accuracy of \
     the best of 16 NAdamW configurations searched at the full budget (experiments/targets-resnet_tiny.yaml)";

impl Workload for ResNetWorkload {
    fn info(&self) -> &WorkloadInfo {
        &self.info
    }

    fn parameter_count(&self) -> usize {
        trainable_parameters(&self.config.init(&training_device()))
    }

    fn check_data(&self, datasets_dir: &Path) -> Result<String> {
        self.load(datasets_dir).map(|(source, _)| source)
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
