//! Translation with a Transformer: token cross-entropy with label smoothing over non-pad
//! target tokens (teacher forcing), and BLEU of greedy translations.

use std::collections::BTreeMap;
use std::sync::Arc;

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor};
use lrf_data::vocab::PAD;
use lrf_data::ShuffledBatches;

use super::bleu::corpus_bleu;
use super::config::TransformerConfig;
use super::data::{batch, source_batch, EncodedPair, TranslationData};
use super::model::Transformer;
use crate::spec::Regularization;
use crate::task::Task;

/// AlgoPerf's default dropout of `wmt` (main and attention).
pub const DEFAULT_DROPOUT: f64 = 0.1;
/// Evaluation batch size (memory only; results do not depend on it).
const EVAL_BATCH: usize = 128;

/// Mean over non-[`PAD`] targets of the cross-entropy of `logits` `[b, t, vocab]` against
/// `target` `[b, t]` smoothed by ε (the target puts 1 − ε on the label and ε/V on every token,
/// optax `smooth_labels` as AlgoPerf's `wmt` uses): per token
/// −(1 − ε)·log p(y) − ε·mean_v log p(v). `tokens` is the number of non-pad targets.
pub fn token_cross_entropy(
    logits: Tensor<3>,
    target: Tensor<2, Int>,
    tokens: usize,
    smoothing: f64,
) -> Tensor<1> {
    let [b, t, v] = logits.dims();
    let logp = log_softmax(logits.reshape([b * t, v]), 1);
    let target = target.reshape([b * t, 1]);
    let label = logp.clone().gather(1, target.clone()).reshape([b * t]);
    let uniform = logp.mean_dim(1).reshape([b * t]);
    let per_token = (label.mul_scalar(1.0 - smoothing) + uniform.mul_scalar(smoothing)).neg();
    let weights = target.reshape([b * t]).not_equal_elem(PAD as i64).float();
    (per_token * weights).sum().div_scalar(tokens.max(1) as f64)
}

/// A Transformer trial: model shape, data and the seeded batch order.
pub struct TransformerTask {
    config: TransformerConfig,
    data: Arc<TranslationData>,
    batches: ShuffledBatches,
}

impl TransformerTask {
    /// A task whose batch order is fixed by `seed`.
    pub fn new(
        config: TransformerConfig,
        data: Arc<TranslationData>,
        batch_size: usize,
        seed: u64,
    ) -> Self {
        let batches = ShuffledBatches::new(data.train.len(), batch_size, seed);
        Self {
            config,
            data,
            batches,
        }
    }

    /// Teacher-forced (loss, token accuracy) over `pairs`, without smoothing.
    pub fn measure(model: &Transformer, pairs: &[EncodedPair], device: &Device) -> (f64, f64) {
        let (mut loss_sum, mut hits, mut tokens) = (0.0, 0usize, 0usize);
        for chunk in pairs.chunks(EVAL_BATCH) {
            let refs: Vec<&EncodedPair> = chunk.iter().collect();
            let b = batch(&refs, device);
            let logits = model.forward(b.source, b.decoder_input);
            let predicted: Vec<i64> = logits
                .clone()
                .argmax(2)
                .into_data()
                .try_into_vec_as::<i64>()
                .expect("integer predictions");
            hits += predicted
                .iter()
                .zip(&b.target_ids)
                .filter(|(p, &y)| y != PAD && **p == y as i64)
                .count();
            let loss = token_cross_entropy(logits, b.target, b.tokens, 0.0).into_scalar::<f64>();
            loss_sum += loss * b.tokens as f64;
            tokens += b.tokens;
        }
        (loss_sum / tokens as f64, hits as f64 / tokens as f64)
    }

    /// Greedy translations of `pairs` as text, and their corpus BLEU against the references.
    pub fn translate(
        model: &Transformer,
        data: &TranslationData,
        pairs: &[EncodedPair],
        device: &Device,
    ) -> (Vec<String>, f64) {
        let mut hypotheses = Vec::with_capacity(pairs.len());
        for chunk in pairs.chunks(EVAL_BATCH) {
            let refs: Vec<&EncodedPair> = chunk.iter().collect();
            let ids = model.greedy_decode(source_batch(&refs, device), data.max_tokens);
            hypotheses.extend(ids.iter().map(|row| data.vocab.decode(row)));
        }
        let references: Vec<&str> = pairs.iter().map(|p| p.reference.as_str()).collect();
        let bleu = corpus_bleu(&hypotheses, &references).score;
        (hypotheses, bleu)
    }
}

impl Task for TransformerTask {
    type Model = Transformer;

    fn init_model(&self, device: &Device, regularization: &Regularization) -> Transformer {
        let dropout = regularization.dropout.unwrap_or(DEFAULT_DROPOUT);
        self.config.init(device, dropout, dropout)
    }

    fn train_loss(
        &mut self,
        model: &Transformer,
        device: &Device,
        label_smoothing: f64,
    ) -> Tensor<1> {
        let indices = self.batches.next_batch();
        let pairs: Vec<&EncodedPair> = indices.iter().map(|&i| &self.data.train[i]).collect();
        let b = batch(&pairs, device);
        let logits = model.forward(b.source, b.decoder_input);
        token_cross_entropy(logits, b.target, b.tokens, label_smoothing)
    }

    fn evaluate(&self, model: &Transformer, device: &Device) -> BTreeMap<String, f64> {
        let data = &self.data;
        let (val_loss, val_acc) = Self::measure(model, &data.validation, device);
        let (_, bleu) = Self::translate(model, data, &data.validation, device);
        let (train_loss, train_acc) = Self::measure(model, &data.train[..data.train_eval], device);
        BTreeMap::from([
            ("validation/bleu".to_string(), bleu),
            ("validation/loss".to_string(), val_loss),
            ("validation/accuracy".to_string(), val_acc),
            (
                "validation/num_examples".to_string(),
                data.validation.len() as f64,
            ),
            ("train/loss".to_string(), train_loss),
            ("train/accuracy".to_string(), train_acc),
        ])
    }
}
