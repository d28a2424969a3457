//! Simulated MRI examples as image tensors for the U-Net family.

use burn::tensor::{Device, Tensor, TensorData};
use lrf_data::mri_sim::MriSet;

/// Zero-filled inputs of examples `indices` of `set` as `[n, 1, size, size]`.
pub fn input_batch(set: &MriSet, indices: &[usize], device: &Device) -> Tensor<4> {
    batch(set, indices, device, |i| &set.examples[i].input)
}

/// Targets of examples `indices` of `set` as `[n, 1, size, size]`.
pub fn target_batch(set: &MriSet, indices: &[usize], device: &Device) -> Tensor<4> {
    batch(set, indices, device, |i| &set.examples[i].target)
}

fn batch<'a>(
    set: &'a MriSet,
    indices: &[usize],
    device: &Device,
    field: impl Fn(usize) -> &'a Vec<f32>,
) -> Tensor<4> {
    let s = set.size;
    let mut pixels = Vec::with_capacity(indices.len() * s * s);
    for &i in indices {
        pixels.extend_from_slice(field(i));
    }
    Tensor::from_data(TensorData::new(pixels, [indices.len(), 1, s, s]), device)
}
