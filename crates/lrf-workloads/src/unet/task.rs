//! MRI reconstruction with a U-Net: L1 loss, SSIM (AlgoPerf's) and L1 on validation.

use std::collections::BTreeMap;
use std::sync::Arc;

use burn::tensor::{Device, Tensor};
use lrf_data::mri_sim::MriSet;
use lrf_data::ShuffledBatches;

use super::config::UNetConfig;
use super::data::{input_batch, target_batch};
use super::model::UNet;
use super::ssim::fastmri_ssim;
use crate::spec::Regularization;
use crate::task::Task;

/// Evaluation batch size (memory only; results do not depend on it).
const EVAL_BATCH: usize = 64;

/// The data of one reconstruction trial.
pub struct MriData {
    /// Training examples.
    pub train: MriSet,
    /// Validation examples.
    pub validation: MriSet,
    /// How many training examples (from the start) the `train/*` metrics are measured on.
    pub train_eval: usize,
}

impl MriData {
    /// Fingerprint of every example (input, target, normalisation, mask).
    pub fn fingerprint(&self) -> String {
        let mut f = crate::Fingerprint::new();
        for (name, set) in [("train", &self.train), ("validation", &self.validation)] {
            f.count(name, set.examples.len());
            f.count("size", set.size);
            for e in &set.examples {
                f.f32s(&e.input);
                f.f32s(&e.target);
                f.f32s(&[e.mean, e.std, e.volume_max]);
                let mask: Vec<u8> = e.mask.iter().map(|&m| u8::from(m)).collect();
                f.bytes(&mask);
            }
        }
        f.finish()
    }
}

/// Mean absolute error (AlgoPerf `MEAN_ABSOLUTE_ERROR`: per-example mean, then mean over the
/// batch, which for equal sizes is the mean over all pixels).
pub fn l1_loss(output: Tensor<4>, target: Tensor<4>) -> Tensor<1> {
    output.sub(target).abs().mean()
}

/// A U-Net trial: model shape, data and the seeded batch order.
pub struct UNetTask {
    config: UNetConfig,
    data: Arc<MriData>,
    batches: ShuffledBatches,
}

impl UNetTask {
    /// A task whose batch order is fixed by `seed`.
    pub fn new(config: UNetConfig, data: Arc<MriData>, batch_size: usize, seed: u64) -> Self {
        let batches = ShuffledBatches::new(data.train.len(), batch_size, seed);
        Self {
            config,
            data,
            batches,
        }
    }

    /// Mean SSIM and mean L1 of `model` on the first `n` examples of `set`.
    pub fn measure(model: &UNet, set: &MriSet, n: usize, device: &Device) -> (f64, f64) {
        let s = set.size;
        let (mut ssim_sum, mut loss_sum) = (0.0, 0.0);
        let indices: Vec<usize> = (0..n).collect();
        for chunk in indices.chunks(EVAL_BATCH) {
            let out = model.forward(input_batch(set, chunk, device));
            let out: Vec<f32> = out.into_data().try_into_vec().expect("f32 output");
            for (k, &i) in chunk.iter().enumerate() {
                let e = &set.examples[i];
                let o = &out[k * s * s..(k + 1) * s * s];
                let l1: f64 = o
                    .iter()
                    .zip(&e.target)
                    .map(|(a, b)| (*a as f64 - *b as f64).abs())
                    .sum::<f64>()
                    / (s * s) as f64;
                loss_sum += l1;
                ssim_sum += fastmri_ssim(o, &e.target, s, s, e.mean, e.std, e.volume_max);
            }
        }
        (ssim_sum / n as f64, loss_sum / n as f64)
    }
}

impl Task for UNetTask {
    type Model = UNet;

    fn init_model(&self, device: &Device, regularization: &Regularization) -> UNet {
        let mut config = self.config.clone();
        if let Some(p) = regularization.dropout {
            config.dropout = p;
        }
        config.init(device)
    }

    /// L1 on the next batch; label smoothing does not apply (AlgoPerf ignores it here).
    fn train_loss(&mut self, model: &UNet, device: &Device, _label_smoothing: f64) -> Tensor<1> {
        let indices = self.batches.next_batch();
        let inputs = input_batch(&self.data.train, &indices, device);
        let targets = target_batch(&self.data.train, &indices, device);
        l1_loss(model.forward(inputs), targets)
    }

    fn evaluate(&self, model: &UNet, device: &Device) -> BTreeMap<String, f64> {
        let data = &self.data;
        let (val_ssim, val_loss) =
            Self::measure(model, &data.validation, data.validation.len(), device);
        let n_train = data.train_eval.min(data.train.len());
        let (train_ssim, train_loss) = Self::measure(model, &data.train, n_train, device);
        BTreeMap::from([
            ("validation/ssim".to_string(), val_ssim),
            ("validation/loss".to_string(), val_loss),
            (
                "validation/num_examples".to_string(),
                data.validation.len() as f64,
            ),
            ("train/ssim".to_string(), train_ssim),
            ("train/loss".to_string(), train_loss),
        ])
    }
}
