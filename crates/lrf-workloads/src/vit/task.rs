//! Image classification with a ViT: cross-entropy with label smoothing, accuracy.

use std::collections::BTreeMap;
use std::sync::Arc;

use burn::tensor::{Device, Tensor};
use lrf_data::ShuffledBatches;

use super::config::ViTConfig;
use super::model::ViT;
use crate::metrics::cross_entropy;
use crate::resnet::data::{accuracy_and_loss, image_batch, label_batch};
use crate::resnet::ImageData;
use crate::spec::Regularization;
use crate::task::Task;

/// AlgoPerf's default dropout rate of `imagenet_vit`.
pub const DEFAULT_DROPOUT: f64 = 0.0;

/// A ViT trial: model shape, data and the seeded batch order.
pub struct ViTTask {
    config: ViTConfig,
    data: Arc<ImageData>,
    batches: ShuffledBatches,
    batch_size: usize,
}

impl ViTTask {
    /// A task whose batch order is fixed by `seed`.
    pub fn new(config: ViTConfig, data: Arc<ImageData>, batch_size: usize, seed: u64) -> Self {
        let batches = ShuffledBatches::new(data.train.len(), batch_size, seed);
        Self {
            config,
            data,
            batches,
            batch_size,
        }
    }
}

impl Task for ViTTask {
    type Model = ViT;

    /// The model with the trial's dropout rate (AlgoPerf's default 0 when unset).
    fn init_model(&self, device: &Device, regularization: &Regularization) -> ViT {
        self.config
            .clone()
            .with_dropout(regularization.dropout.unwrap_or(DEFAULT_DROPOUT))
            .init(device)
    }

    fn train_loss(&mut self, model: &ViT, device: &Device, label_smoothing: f64) -> Tensor<1> {
        let indices = self.batches.next_batch();
        debug_assert_eq!(indices.len(), self.batch_size);
        let images = image_batch(&self.data.train, &indices, device);
        let labels = label_batch(&self.data.train, &indices);
        cross_entropy(model.forward(images), &labels, label_smoothing)
    }

    fn evaluate(&self, model: &ViT, device: &Device) -> BTreeMap<String, f64> {
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
