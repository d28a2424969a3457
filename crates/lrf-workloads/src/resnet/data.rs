//! Fashion-MNIST as image tensors for the image-classification families (ResNet, ViT): the
//! data of a trial, batches as tensors, and the accuracy and loss of a model on a split.

use std::path::Path;
use std::sync::Arc;

use burn::tensor::{Device, Tensor, TensorData};
use lrf_data::fashion_mnist::{FashionMnist, ImageSet, Split, SIDE};

use crate::error::Result;
use crate::metrics::{correct, cross_entropy};

/// Evaluation batch size (memory only; results do not depend on it).
const EVAL_BATCH: usize = 500;

/// The data of one image-classification trial.
pub struct ImageData {
    /// Training examples.
    pub train: ImageSet,
    /// Validation examples.
    pub validation: ImageSet,
    /// How many training examples (from the start) the `train/*` metrics are measured on.
    pub train_eval: usize,
}

impl ImageData {
    /// The first `train` training and `validation` validation images of Fashion-MNIST from
    /// wherever [`FashionMnist::locate`] finds it; returns the source's description too.
    pub fn fashion_mnist(
        datasets_dir: &Path,
        train: usize,
        validation: usize,
        train_eval: usize,
    ) -> Result<(String, Arc<Self>)> {
        let source = FashionMnist::locate(datasets_dir)?;
        let data = Self {
            train: source.load(Split::Train, train)?,
            validation: source.load(Split::Validation, validation)?,
            train_eval,
        };
        Ok((source.describe(), Arc::new(data)))
    }
}

impl ImageData {
    /// Fingerprint of the training and validation examples (pixels and labels).
    pub fn fingerprint(&self) -> String {
        let mut f = crate::Fingerprint::new();
        for (name, set) in [("train", &self.train), ("validation", &self.validation)] {
            f.count(name, set.len());
            f.bytes(&set.images);
            f.bytes(&set.labels);
        }
        f.finish()
    }
}

/// Accuracy and mean cross-entropy (no label smoothing) of `logits_of` on the first `n`
/// examples of `set`.
pub fn accuracy_and_loss(
    logits_of: impl Fn(Tensor<4>) -> Tensor<2>,
    set: &ImageSet,
    n: usize,
    device: &Device,
) -> (f64, f64) {
    let (mut loss_sum, mut hits) = (0.0, 0usize);
    let indices: Vec<usize> = (0..n).collect();
    for chunk in indices.chunks(EVAL_BATCH) {
        let logits = logits_of(image_batch(set, chunk, device));
        let labels = label_batch(set, chunk);
        hits += correct(logits.clone(), &labels);
        let loss = cross_entropy(logits, &labels, 0.0).into_scalar::<f64>();
        loss_sum += loss * chunk.len() as f64;
    }
    (hits as f64 / n as f64, loss_sum / n as f64)
}

/// Mean and standard deviation of Fashion-MNIST training pixels scaled to [0, 1]
/// (computed over all 60 000 training images: 0.2860, 0.3530).
pub const PIXEL_MEAN: f32 = 0.2860;
/// See [`PIXEL_MEAN`].
pub const PIXEL_STD: f32 = 0.3530;

/// Images `indices` of `set` as a normalised `[n, 1, 28, 28]` tensor.
pub fn image_batch(set: &ImageSet, indices: &[usize], device: &Device) -> Tensor<4> {
    let mut pixels = Vec::with_capacity(indices.len() * SIDE * SIDE);
    for &i in indices {
        pixels.extend(
            set.image(i)
                .iter()
                .map(|&p| (p as f32 / 255.0 - PIXEL_MEAN) / PIXEL_STD),
        );
    }
    Tensor::from_data(
        TensorData::new(pixels, [indices.len(), 1, SIDE, SIDE]),
        device,
    )
}

/// Labels of `indices`.
pub fn label_batch(set: &ImageSet, indices: &[usize]) -> Vec<u8> {
    indices.iter().map(|&i| set.labels[i]).collect()
}
