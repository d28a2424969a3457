//! German→English sentence pairs as token tensors for the Transformer family.

use burn::tensor::{Device, Int, Tensor, TensorData};
use lrf_data::ding::{self, PhrasePair, SentenceFilter};
use lrf_data::vocab::{Vocab, BOS, EOS, PAD};

use crate::error::{Result, WorkloadError};

/// One tokenised pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPair {
    /// Source (German) ids followed by [`EOS`].
    pub source: Vec<u32>,
    /// Target (English) ids, without [`BOS`] or [`EOS`].
    pub target: Vec<u32>,
    /// The English text (the BLEU reference).
    pub reference: String,
}

/// How the pairs of a translation workload are chosen and tokenised.
#[derive(Debug, Clone, PartialEq)]
pub struct TranslationSpec {
    /// Which dictionary pairs are sentences.
    pub filter: SentenceFilter,
    /// Validation share (per mille, by hash of the German side).
    pub validation_per_mille: u64,
    /// BPE vocabulary size (specials included).
    pub vocab_size: usize,
    /// Longest source (with [`EOS`]) and target (with [`BOS`] or [`EOS`]) in tokens; longer
    /// pairs are left out.
    pub max_tokens: usize,
    /// How many training pairs (from the start) the `train/*` metrics are measured on.
    pub train_eval: usize,
}

/// The data of one translation trial.
#[derive(Debug, Clone)]
pub struct TranslationData {
    /// The shared vocabulary (trained on the training side).
    pub vocab: Vocab,
    /// Training pairs.
    pub train: Vec<EncodedPair>,
    /// Validation pairs.
    pub validation: Vec<EncodedPair>,
    /// How many training pairs the `train/*` metrics use.
    pub train_eval: usize,
    /// Longest sequence in tokens (also the decoding limit).
    pub max_tokens: usize,
}

impl TranslationData {
    /// Fingerprint of the vocabulary size and every tokenised pair and reference.
    pub fn fingerprint(&self) -> String {
        let mut f = crate::Fingerprint::new();
        f.count("vocabulary", self.vocab.len());
        f.count("max_tokens", self.max_tokens);
        for (name, pairs) in [("train", &self.train), ("validation", &self.validation)] {
            f.count(name, pairs.len());
            for pair in pairs {
                f.u32s(&pair.source);
                f.u32s(&pair.target);
                f.bytes(pair.reference.as_bytes());
            }
        }
        f.finish()
    }

    /// Filters `pairs` to sentences, splits them, trains the vocabulary on both sides of the
    /// training pairs and tokenises everything, leaving out pairs longer than the spec allows.
    pub fn build(pairs: Vec<PhrasePair>, spec: &TranslationSpec) -> Result<Self> {
        let sentences: Vec<PhrasePair> = pairs
            .into_iter()
            .filter(|p| spec.filter.accepts(p))
            .collect();
        let (train, validation) = ding::split(sentences, spec.validation_per_mille);
        if train.is_empty() || validation.is_empty() {
            return Err(WorkloadError::Spec(format!(
                "{} training and {} validation sentence pairs: both must be non-empty",
                train.len(),
                validation.len()
            )));
        }
        let vocab = Vocab::train_bpe(
            train
                .iter()
                .flat_map(|p| [p.german.as_str(), p.english.as_str()]),
            spec.vocab_size,
        );
        let encode = |pairs: Vec<PhrasePair>| -> Vec<EncodedPair> {
            pairs
                .into_iter()
                .filter_map(|p| {
                    let mut source = vocab.encode(&p.german);
                    source.push(EOS);
                    let target = vocab.encode(&p.english);
                    (source.len() <= spec.max_tokens && target.len() < spec.max_tokens).then_some(
                        EncodedPair {
                            source,
                            target,
                            reference: p.english,
                        },
                    )
                })
                .collect()
        };
        let train = encode(train);
        let validation = encode(validation);
        Ok(Self {
            train_eval: spec.train_eval.min(train.len()),
            vocab,
            train,
            validation,
            max_tokens: spec.max_tokens,
        })
    }
}

/// A padded batch: source ids, decoder inputs (`BOS y₁ … yₙ`) and targets (`y₁ … yₙ EOS`),
/// all padded with [`PAD`] to the longest row.
pub struct Batch {
    /// `[b, ts]`.
    pub source: Tensor<2, Int>,
    /// `[b, tt]`.
    pub decoder_input: Tensor<2, Int>,
    /// `[b, tt]`.
    pub target: Tensor<2, Int>,
    /// The targets on the host, row-major `[b, tt]`.
    pub target_ids: Vec<u32>,
    /// Non-pad target tokens.
    pub tokens: usize,
}

fn padded(rows: &[Vec<u32>], device: &Device) -> (Tensor<2, Int>, Vec<u32>) {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let mut ids = vec![PAD; rows.len() * width];
    for (r, row) in rows.iter().enumerate() {
        ids[r * width..r * width + row.len()].copy_from_slice(row);
    }
    let data: Vec<i64> = ids.iter().map(|&x| x as i64).collect();
    (
        Tensor::from_data(TensorData::new(data, [rows.len(), width]), device),
        ids,
    )
}

/// Source tensor `[b, ts]` of `pairs`.
pub fn source_batch(pairs: &[&EncodedPair], device: &Device) -> Tensor<2, Int> {
    let rows: Vec<Vec<u32>> = pairs.iter().map(|p| p.source.clone()).collect();
    padded(&rows, device).0
}

/// The teacher-forcing batch of `pairs`.
pub fn batch(pairs: &[&EncodedPair], device: &Device) -> Batch {
    let inputs: Vec<Vec<u32>> = pairs
        .iter()
        .map(|p| {
            std::iter::once(BOS)
                .chain(p.target.iter().copied())
                .collect()
        })
        .collect();
    let targets: Vec<Vec<u32>> = pairs
        .iter()
        .map(|p| {
            p.target
                .iter()
                .copied()
                .chain(std::iter::once(EOS))
                .collect()
        })
        .collect();
    let (target, target_ids) = padded(&targets, device);
    Batch {
        source: source_batch(pairs, device),
        decoder_input: padded(&inputs, device).0,
        target,
        tokens: targets.iter().map(Vec::len).sum(),
        target_ids,
    }
}
