//! Transformer configurations: AlgoPerf's `wmt` model and the CPU-size `tiny` one trained here.

use burn::config::Config;

/// Shape of a pre-LN encoder–decoder Transformer with shared embeddings (AlgoPerf
/// `wmt_jax/models.py`, `TransformerConfig`).
#[derive(Config, Debug, PartialEq)]
pub struct TransformerConfig {
    /// Tokens in the shared source/target vocabulary.
    pub vocab_size: usize,
    /// Embedding and residual width.
    pub d_model: usize,
    /// Attention heads.
    pub num_heads: usize,
    /// Total width of queries, keys and values (split over the heads).
    pub qkv_dim: usize,
    /// Hidden width of the ReLU MLP.
    pub mlp_dim: usize,
    /// Encoder blocks.
    pub encoder_layers: usize,
    /// Decoder blocks.
    pub decoder_layers: usize,
    /// Longest sequence the sinusoidal position table covers.
    pub max_len: usize,
    /// Epsilon of every LayerNorm (flax's default, 1e-6).
    #[config(default = 1e-6)]
    pub layer_norm_eps: f64,
}

impl TransformerConfig {
    /// AlgoPerf's `wmt` model: 6 + 6 blocks, width 1024, 16 heads, qkv 1024, MLP 1024,
    /// vocabulary 32 000, positions up to 256 (133 521 408 trainable parameters).
    pub fn algoperf() -> Self {
        Self::new(32_000, 1024, 16, 1024, 1024, 6, 6, 256)
    }

    /// The tiny CPU configuration: 2 + 2 blocks, width 64, 4 heads of 16, MLP 256, a BPE
    /// vocabulary of [`TINY_VOCAB`] tokens, positions up to 32 (296 192 trainable parameters).
    pub fn tiny() -> Self {
        Self::new(TINY_VOCAB, 64, 4, 64, 256, 2, 2, 32)
    }
}

/// Vocabulary size of [`TransformerConfig::tiny`].
pub const TINY_VOCAB: usize = 1000;
