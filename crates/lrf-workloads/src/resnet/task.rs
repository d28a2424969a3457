//! Image classification with a ResNet: cross-entropy with label smoothing, accuracy.

use std::collections::BTreeMap;
use std::sync::Arc;

use burn::tensor::{Device, Tensor};
use lrf_data::ShuffledBatches;
use lrf_optim::recompute_batch_norm;

use super::config::ResNetConfig;
use super::data::{accuracy_and_loss, image_batch, label_batch, ImageData};
use super::model::ResNet;
use crate::metrics::cross_entropy;
use crate::spec::Regularization;
use crate::task::Task;

/// Training batches BatchNorm statistics are recomputed over at an evaluation point.
const STATISTICS_BATCHES: usize = 20;
/// burn's (and PyTorch's) BatchNorm momentum, used in training.
const BATCH_NORM_MOMENTUM: f64 = 0.1;

/// A ResNet trial: model shape, data and the seeded batch order.
pub struct ResNetTask {
    config: ResNetConfig,
    data: Arc<ImageData>,
    batches: ShuffledBatches,
    batch_size: usize,
}

impl ResNetTask {
    /// A task whose batch order is fixed by `seed`.
    pub fn new(config: ResNetConfig, data: Arc<ImageData>, batch_size: usize, seed: u64) -> Self {
        let batches = ShuffledBatches::new(data.train.len(), batch_size, seed);
        Self {
            config,
            data,
            batches,
            batch_size,
        }
    }
}

impl Task for ResNetTask {
    type Model = ResNet;

    fn init_model(&self, device: &Device, _regularization: &Regularization) -> ResNet {
        self.config.init(device)
    }

    fn train_loss(&mut self, model: &ResNet, device: &Device, label_smoothing: f64) -> Tensor<1> {
        let indices = self.batches.next_batch();
        debug_assert_eq!(indices.len(), self.batch_size);
        let images = image_batch(&self.data.train, &indices, device);
        let labels = label_batch(&self.data.train, &indices);
        cross_entropy(model.forward(images), &labels, label_smoothing)
    }

    /// "Precise BatchNorm": the running statistics become the mean over the first
    /// `STATISTICS_BATCHES` training batches at this point.
    fn recompute_statistics(&self, model: ResNet, device: &Device) -> ResNet {
        let batches = STATISTICS_BATCHES.min(self.data.train.len() / self.batch_size);
        recompute_batch_norm(model, BATCH_NORM_MOMENTUM, batches, |m, k| {
            let indices: Vec<usize> = (k * self.batch_size..(k + 1) * self.batch_size).collect();
            let _ = m.forward(image_batch(&self.data.train, &indices, device));
        })
    }

    fn evaluate(&self, model: &ResNet, device: &Device) -> BTreeMap<String, f64> {
        let data = &self.data;
        let (val_acc, val_loss) = accuracy_and_loss(
            |x| model.forward(x),
            &data.validation,
            data.validation.len(),
            device,
        );
        let (train_acc, train_loss) =
            accuracy_and_loss(|x| model.forward(x), &data.train, data.train_eval, device);
        BTreeMap::from([
            ("validation/accuracy".to_string(), val_acc),
            ("validation/loss".to_string(), val_loss),
            (
                "validation/num_examples".to_string(),
                data.validation.len() as f64,
            ),
            ("train/accuracy".to_string(), train_acc),
            ("train/loss".to_string(), train_loss),
        ])
    }
}
