//! Losses and metrics shared by the classification families.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData};

/// Mean softmax cross-entropy with label smoothing ε: the target puts 1 − ε on the label and
/// ε/K on every class (optax `smooth_labels`, as AlgoPerf's image workloads use).
pub fn cross_entropy(logits: Tensor<2>, labels: &[u8], smoothing: f64) -> Tensor<1> {
    let [batch, classes] = logits.dims();
    let off = smoothing / classes as f64;
    let on = 1.0 - smoothing + off;
    let mut target = vec![off as f32; batch * classes];
    for (i, &y) in labels.iter().enumerate() {
        target[i * classes + y as usize] = on as f32;
    }
    let device = logits.device();
    let target = Tensor::<2>::from_data(TensorData::new(target, [batch, classes]), &device);
    let logp = log_softmax(logits, 1);
    logp.mul(target).sum_dim(1).mean().neg()
}

/// Number of rows whose arg-max equals the label.
pub fn correct(logits: Tensor<2>, labels: &[u8]) -> usize {
    let predicted: Tensor<2, Int> = logits.argmax(1);
    let predicted: Vec<i64> = predicted
        .into_data()
        .try_into_vec_as::<i64>()
        .expect("integer predictions");
    predicted
        .iter()
        .zip(labels)
        .filter(|(p, &y)| **p == y as i64)
        .count()
}
