//! Fashion-MNIST as image tensors for the ResNet family.

use burn::tensor::{Device, Tensor, TensorData};
use lrf_data::fashion_mnist::{ImageSet, SIDE};

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
