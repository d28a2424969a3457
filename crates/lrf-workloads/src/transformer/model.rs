//! Pre-LN encoder–decoder Transformer (Vaswani et al. 2017; Xiong et al. 2020) as AlgoPerf's
//! `wmt` workload defines it (`wmt_jax/models.py`, after flax's WMT example): one embedding
//! table shared by encoder input, decoder input and output (logits = decoder output · Eᵀ / √d),
//! fixed sinusoidal positions, attention projections without biases, a ReLU MLP with biases,
//! LayerNorm before every sub-layer and after each stack, dropout on embeddings, attention
//! weights, the MLP hidden layer and every residual branch.

use burn::module::Module;
use burn::nn::{
    Dropout, DropoutConfig, Embedding, EmbeddingConfig, Initializer, LayerNorm, LayerNormConfig,
    Linear, LinearConfig,
};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Int, Tensor, TensorData};
use lrf_data::vocab::{BOS, EOS, PAD};

use super::config::TransformerConfig;

/// Additive attention bias for masked positions (flax fills masked logits with the most
/// negative float; any value that underflows `exp` after the softmax shift does the same).
const MASKED: f32 = -1.0e9;

fn dense(d_in: usize, d_out: usize, bias: bool, device: &Device) -> Linear {
    let mut linear = LinearConfig::new(d_in, d_out)
        .with_bias(bias)
        .with_initializer(Initializer::XavierUniform { gain: 1.0 })
        .init(device);
    if bias {
        // flax: bias_init = normal(stddev=1e-6).
        linear.bias = Some(
            Initializer::Normal {
                mean: 0.0,
                std: 1e-6,
            }
            .init([d_out], device),
        );
    }
    linear
}

/// Multi-head dot-product attention without biases (flax `MultiHeadDotProductAttention`,
/// `use_bias=False`), with dropout on the attention weights.
#[derive(Module, Debug)]
pub struct Attention {
    /// Query projection `[d_model, qkv_dim]`.
    pub query: Linear,
    /// Key projection.
    pub key: Linear,
    /// Value projection.
    pub value: Linear,
    /// Output projection `[qkv_dim, d_model]`.
    pub output: Linear,
    /// Dropout on the attention weights.
    pub dropout: Dropout,
    /// Number of heads.
    pub num_heads: usize,
}

impl Attention {
    fn new(config: &TransformerConfig, attention_dropout: f64, device: &Device) -> Self {
        Self {
            query: dense(config.d_model, config.qkv_dim, false, device),
            key: dense(config.d_model, config.qkv_dim, false, device),
            value: dense(config.d_model, config.qkv_dim, false, device),
            output: dense(config.qkv_dim, config.d_model, false, device),
            dropout: DropoutConfig::new(attention_dropout).init(),
            num_heads: config.num_heads,
        }
    }

    /// Attends from `queries` `[b, tq, d]` to `keys` `[b, tk, d]`; `bias` (broadcastable to
    /// `[b, heads, tq, tk]`) is added to the logits (0 where allowed, a large negative number where not).
    pub fn forward(&self, queries: Tensor<3>, keys: Tensor<3>, bias: Tensor<4>) -> Tensor<3> {
        let [b, tq, _] = queries.dims();
        let [_, tk, _] = keys.dims();
        let qkv = self.query.weight.dims()[1];
        let (h, dh) = (self.num_heads, qkv / self.num_heads);
        let split = |x: Tensor<3>, t: usize| x.reshape([b, t, h, dh]).swap_dims(1, 2);
        let q = split(self.query.forward(queries), tq).div_scalar((dh as f64).sqrt());
        let k = split(self.key.forward(keys.clone()), tk);
        let v = split(self.value.forward(keys), tk);
        let weights = softmax(q.matmul(k.transpose()).add(bias), 3);
        let context = self.dropout.forward(weights).matmul(v);
        self.output
            .forward(context.swap_dims(1, 2).reshape([b, tq, qkv]))
    }
}

/// Dense–ReLU–dropout–dense–dropout (flax `MlpBlock`, with biases).
#[derive(Module, Debug)]
pub struct Mlp {
    /// `[d_model, mlp_dim]`.
    pub hidden: Linear,
    /// `[mlp_dim, d_model]`.
    pub output: Linear,
    /// Dropout after the activation and after the output.
    pub dropout: Dropout,
}

impl Mlp {
    fn new(config: &TransformerConfig, dropout: f64, device: &Device) -> Self {
        Self {
            hidden: dense(config.d_model, config.mlp_dim, true, device),
            output: dense(config.mlp_dim, config.d_model, true, device),
            dropout: DropoutConfig::new(dropout).init(),
        }
    }

    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let x = self.dropout.forward(relu(self.hidden.forward(x)));
        self.dropout.forward(self.output.forward(x))
    }
}

fn layer_norm(config: &TransformerConfig, device: &Device) -> LayerNorm {
    LayerNormConfig::new(config.d_model)
        .with_epsilon(config.layer_norm_eps)
        .init(device)
}

/// Pre-LN encoder block: `x + drop(attn(ln(x)))`, then `x + mlp(ln(x))`.
#[derive(Module, Debug)]
pub struct EncoderBlock {
    /// LayerNorm before self-attention.
    pub attention_norm: LayerNorm,
    /// Self-attention.
    pub attention: Attention,
    /// LayerNorm before the MLP.
    pub mlp_norm: LayerNorm,
    /// The MLP.
    pub mlp: Mlp,
    /// Dropout on the attention branch.
    pub dropout: Dropout,
}

impl EncoderBlock {
    fn forward(&self, x: Tensor<3>, bias: Tensor<4>) -> Tensor<3> {
        let y = self.attention_norm.forward(x.clone());
        let x = x + self
            .dropout
            .forward(self.attention.forward(y.clone(), y, bias));
        let y = self.mlp.forward(self.mlp_norm.forward(x.clone()));
        x + y
    }
}

/// Pre-LN decoder block: causal self-attention, cross-attention to the encoder output, MLP.
#[derive(Module, Debug)]
pub struct DecoderBlock {
    /// LayerNorm before self-attention.
    pub self_attention_norm: LayerNorm,
    /// Causal self-attention.
    pub self_attention: Attention,
    /// LayerNorm before cross-attention.
    pub cross_attention_norm: LayerNorm,
    /// Attention to the encoder output.
    pub cross_attention: Attention,
    /// LayerNorm before the MLP.
    pub mlp_norm: LayerNorm,
    /// The MLP.
    pub mlp: Mlp,
    /// Dropout on the attention branches.
    pub dropout: Dropout,
}

impl DecoderBlock {
    fn forward(
        &self,
        x: Tensor<3>,
        encoded: Tensor<3>,
        self_bias: Tensor<4>,
        cross_bias: Tensor<4>,
    ) -> Tensor<3> {
        let y = self.self_attention_norm.forward(x.clone());
        let x = x + self
            .dropout
            .forward(self.self_attention.forward(y.clone(), y, self_bias));
        let y = self.cross_attention_norm.forward(x.clone());
        let x = x + self
            .dropout
            .forward(self.cross_attention.forward(y, encoded, cross_bias));
        let y = self.mlp.forward(self.mlp_norm.forward(x.clone()));
        x + y
    }
}

/// The encoder–decoder Transformer.
#[derive(Module, Debug)]
pub struct Transformer {
    /// The shared embedding `[vocab, d_model]` (also the output layer, transposed).
    pub embedding: Embedding,
    /// Encoder blocks.
    pub encoder: Vec<EncoderBlock>,
    /// LayerNorm after the encoder stack.
    pub encoder_norm: LayerNorm,
    /// Decoder blocks.
    pub decoder: Vec<DecoderBlock>,
    /// LayerNorm after the decoder stack.
    pub decoder_norm: LayerNorm,
    /// Dropout on the embedded inputs.
    pub dropout: Dropout,
    /// Longest sequence the position table covers.
    pub max_len: usize,
}

/// The encoder output and the attention bias that masks padded source positions.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// `[b, ts, d_model]`.
    pub states: Tensor<3>,
    /// `[b, 1, 1, ts]`: 0 at tokens, a large negative number at padding.
    pub source_bias: Tensor<4>,
}

impl TransformerConfig {
    /// Builds the model on `device` with dropout rate `dropout` (embeddings, residual branches,
    /// MLP) and `attention_dropout` (attention weights).
    pub fn init(&self, device: &Device, dropout: f64, attention_dropout: f64) -> Transformer {
        Transformer {
            embedding: EmbeddingConfig::new(self.vocab_size, self.d_model)
                .with_initializer(Initializer::Normal {
                    mean: 0.0,
                    std: 1.0,
                })
                .init(device),
            encoder: (0..self.encoder_layers)
                .map(|_| EncoderBlock {
                    attention_norm: layer_norm(self, device),
                    attention: Attention::new(self, attention_dropout, device),
                    mlp_norm: layer_norm(self, device),
                    mlp: Mlp::new(self, dropout, device),
                    dropout: DropoutConfig::new(dropout).init(),
                })
                .collect(),
            encoder_norm: layer_norm(self, device),
            decoder: (0..self.decoder_layers)
                .map(|_| DecoderBlock {
                    self_attention_norm: layer_norm(self, device),
                    self_attention: Attention::new(self, attention_dropout, device),
                    cross_attention_norm: layer_norm(self, device),
                    cross_attention: Attention::new(self, attention_dropout, device),
                    mlp_norm: layer_norm(self, device),
                    mlp: Mlp::new(self, dropout, device),
                    dropout: DropoutConfig::new(dropout).init(),
                })
                .collect(),
            decoder_norm: layer_norm(self, device),
            dropout: DropoutConfig::new(dropout).init(),
            max_len: self.max_len,
        }
    }
}

/// flax's `sinusoidal_init` table for positions `0..len` and width `d` (`d` even): sines of
/// `pos · exp(−i · ln(10⁴)/(d/2 − 1))` in the first half of the features, cosines in the second.
pub fn sinusoidal_positions(len: usize, d: usize) -> Vec<f32> {
    let half = d / 2;
    let scale = -(10_000f64).ln() / (half as f64 - 1.0).max(1.0);
    let mut table = vec![0f32; len * d];
    for pos in 0..len {
        for i in 0..half {
            let angle = pos as f64 * (i as f64 * scale).exp();
            table[pos * d + i] = angle.sin() as f32;
            table[pos * d + half + i] = angle.cos() as f32;
        }
    }
    table
}

/// `[b, 1, 1, t]` bias: `MASKED` where `ids` is [`PAD`], else 0.
fn padding_bias(ids: &Tensor<2, Int>) -> Tensor<4> {
    let [b, t] = ids.dims();
    ids.clone()
        .equal_elem(PAD as i64)
        .float()
        .mul_scalar(MASKED)
        .reshape([b, 1, 1, t])
}

/// `[1, 1, t, t]` bias: `MASKED` above the diagonal (a position sees itself and the past).
fn causal_bias(t: usize, device: &Device) -> Tensor<4> {
    let mut bias = vec![0f32; t * t];
    for i in 0..t {
        for j in i + 1..t {
            bias[i * t + j] = MASKED;
        }
    }
    Tensor::from_data(TensorData::new(bias, [1, 1, t, t]), device)
}

impl Transformer {
    fn embed(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        let [_, t] = ids.dims();
        assert!(
            t <= self.max_len,
            "sequence of {t} tokens exceeds max_len {}",
            self.max_len
        );
        let x = self.embedding.forward(ids);
        let d = x.dims()[2];
        let positions = Tensor::<3>::from_data(
            TensorData::new(sinusoidal_positions(t, d), [1, t, d]),
            &x.device(),
        );
        self.dropout.forward(x + positions)
    }

    /// Encodes source ids `[b, ts]` ([`PAD`] = 0 pads).
    pub fn encode(&self, source: Tensor<2, Int>) -> Encoded {
        let source_bias = padding_bias(&source);
        let mut x = self.embed(source);
        for block in &self.encoder {
            x = block.forward(x, source_bias.clone());
        }
        Encoded {
            states: self.encoder_norm.forward(x),
            source_bias,
        }
    }

    /// Decoder output states `[b, tt, d_model]` for decoder inputs `[b, tt]` (teacher forcing:
    /// `BOS y₁ … yₙ`, padded), after the final LayerNorm.
    pub fn decode_states(&self, encoded: &Encoded, decoder_input: Tensor<2, Int>) -> Tensor<3> {
        let [_, t] = decoder_input.dims();
        let self_bias = padding_bias(&decoder_input) + causal_bias(t, &decoder_input.device());
        let mut y = self.embed(decoder_input);
        for block in &self.decoder {
            y = block.forward(
                y,
                encoded.states.clone(),
                self_bias.clone(),
                encoded.source_bias.clone(),
            );
        }
        self.decoder_norm.forward(y)
    }

    /// Logits `[b, t, vocab]` of decoder states: `states · Eᵀ / √d_model`.
    pub fn logits(&self, states: Tensor<3>) -> Tensor<3> {
        let [b, t, d] = states.dims();
        let table = self.embedding.weight.val();
        let vocab = table.dims()[0];
        states
            .reshape([b * t, d])
            .matmul(table.transpose())
            .div_scalar((d as f64).sqrt())
            .reshape([b, t, vocab])
    }

    /// Logits `[b, tt, vocab]` of the next token at every decoder position.
    pub fn forward(&self, source: Tensor<2, Int>, decoder_input: Tensor<2, Int>) -> Tensor<3> {
        let encoded = self.encode(source);
        self.logits(self.decode_states(&encoded, decoder_input))
    }
}

/// Greedy decoding bookkeeping for `batch` sequences: every prefix starts with [`BOS`];
/// `next(prefixes)` gives the next token of every row (all prefixes have the same length);
/// a row ends at its first [`EOS`] (or [`PAD`]), after which its prefix is padded with
/// [`PAD`]; decoding stops when every row has ended or after `max_len` tokens. Returns the
/// tokens of each row, without [`BOS`] and the final [`EOS`].
pub fn greedy_search(
    batch: usize,
    max_len: usize,
    mut next: impl FnMut(&[Vec<u32>]) -> Vec<u32>,
) -> Vec<Vec<u32>> {
    let mut prefixes = vec![vec![BOS]; batch];
    let mut done = vec![false; batch];
    let mut out = vec![Vec::new(); batch];
    for _ in 0..max_len {
        if done.iter().all(|&d| d) {
            break;
        }
        let tokens = next(&prefixes);
        assert_eq!(tokens.len(), batch, "one next token per row");
        for (i, &token) in tokens.iter().enumerate() {
            if done[i] {
                prefixes[i].push(PAD);
                continue;
            }
            prefixes[i].push(token);
            if token == EOS || token == PAD {
                done[i] = true;
            } else {
                out[i].push(token);
            }
        }
    }
    out
}

impl Transformer {
    /// Greedy translation of source ids `[b, ts]`: at most `max_len` tokens per row (at most
    /// `max_len` of the model), stopping at [`EOS`] ([`greedy_search`]).
    pub fn greedy_decode(&self, source: Tensor<2, Int>, max_len: usize) -> Vec<Vec<u32>> {
        let [b, _] = source.dims();
        let device = source.device();
        let encoded = self.encode(source);
        let max_len = max_len.min(self.max_len);
        greedy_search(b, max_len, |prefixes| {
            let t = prefixes[0].len();
            let ids: Vec<i64> = prefixes.iter().flatten().map(|&x| x as i64).collect();
            let input = Tensor::<2, Int>::from_data(TensorData::new(ids, [b, t]), &device);
            let states = self.decode_states(&encoded, input);
            let d = states.dims()[2];
            let last = states.slice([0..b, t - 1..t, 0..d]);
            let next: Tensor<3, Int> = self.logits(last).argmax(2);
            next.into_data()
                .try_into_vec_as::<i64>()
                .expect("integer tokens")
                .into_iter()
                .map(|x| x as u32)
                .collect()
        })
    }
}
