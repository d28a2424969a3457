//! Vision Transformer (Dosovitskiy et al. 2021) in the simplified form of Beyer et al. 2022
//! that AlgoPerf's `imagenet_vit` uses: no class token, a fixed 2-D sin-cos position
//! embedding, pre-LayerNorm blocks, mean-pooling over tokens.
//!
//! Initialisation follows AlgoPerf's Flax model: patch convolution and pre-logits LeCun-normal
//! with zero bias; attention projections Xavier-uniform with zero bias; MLP Xavier-uniform with
//! N(0, 10⁻¹²) bias; classifier all zeros; LayerNorm γ = 1, β = 0, ε = 10⁻⁶.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{
    Dropout, DropoutConfig, Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig,
    PaddingConfig2d,
};
use burn::tensor::activation::{gelu_approximate, softmax};
use burn::tensor::{Device, Tensor, TensorData};

use super::config::ViTConfig;

/// LayerNorm ε of AlgoPerf's ViT (Flax's default).
const LAYER_NORM_EPS: f64 = 1e-6;
/// Temperature of the sin-cos position embedding.
const POSEMB_TEMPERATURE: f64 = 10_000.0;

/// AlgoPerf's (MoCo v3) fixed 2-D sin-cos position embedding of an `h × w` token grid, row-major
/// `[h·w, width]`: with `q = width / 4` and `ω_k = T^(−k/(q−1))` (T = 10 000, k = 0‥q), token
/// `m = i·w + j` (row i, column j) is `[sin(jω), cos(jω), sin(iω), cos(iω)]`.
///
/// Panics unless `width` is a multiple of 4 and at least 8 ([`ViTConfig::check`] says so first).
pub fn posemb_sincos_2d(h: usize, w: usize, width: usize) -> Vec<f32> {
    assert!(
        width.is_multiple_of(4) && width >= 8,
        "sin-cos position embedding: width = {width} must be a multiple of 4 and at least 8"
    );
    let q = width / 4;
    let omega: Vec<f64> = (0..q)
        .map(|k| 1.0 / POSEMB_TEMPERATURE.powf(k as f64 / (q - 1) as f64))
        .collect();
    let mut pe = Vec::with_capacity(h * w * width);
    for i in 0..h {
        for j in 0..w {
            let (y, x) = (i as f64, j as f64);
            pe.extend(omega.iter().map(|o| (x * o).sin() as f32));
            pe.extend(omega.iter().map(|o| (x * o).cos() as f32));
            pe.extend(omega.iter().map(|o| (y * o).sin() as f32));
            pe.extend(omega.iter().map(|o| (y * o).cos() as f32));
        }
    }
    pe
}

/// A Dense layer `d_in → d_out` with Xavier-uniform weights and bias drawn by `bias`.
fn xavier_linear(d_in: usize, d_out: usize, bias: Initializer, device: &Device) -> Linear {
    let mut linear = LinearConfig::new(d_in, d_out)
        .with_initializer(Initializer::XavierUniform { gain: 1.0 })
        .init(device);
    linear.bias = Some(bias.init([d_out], device));
    linear
}

/// A Dense layer `d_in → d_out` with LeCun-normal weights (N(0, 1/d_in)) and zero bias: Flax's
/// default `Dense` initialisation (untruncated).
fn lecun_linear(d_in: usize, d_out: usize, device: &Device) -> Linear {
    let mut linear = LinearConfig::new(d_in, d_out)
        .with_initializer(lecun_normal())
        .init(device);
    linear.bias = Some(Initializer::Zeros.init([d_out], device));
    linear
}

/// N(0, 1/fan_in): burn's Kaiming-normal with gain 1.
fn lecun_normal() -> Initializer {
    Initializer::KaimingNormal {
        gain: 1.0,
        fan_out_only: false,
    }
}

fn layer_norm(width: usize, device: &Device) -> LayerNorm {
    LayerNormConfig::new(width)
        .with_epsilon(LAYER_NORM_EPS)
        .init(device)
}

/// Multi-head dot-product self-attention: query, key, value and output projections
/// `width → width` (with bias), softmax(QKᵀ/√d_head)V per head.
#[derive(Module, Debug)]
pub struct SelfAttention {
    query: Linear,
    key: Linear,
    value: Linear,
    out: Linear,
    num_heads: usize,
}

impl SelfAttention {
    fn new(width: usize, num_heads: usize, device: &Device) -> Self {
        let proj = || xavier_linear(width, width, Initializer::Zeros, device);
        Self {
            query: proj(),
            key: proj(),
            value: proj(),
            out: proj(),
            num_heads,
        }
    }

    /// `[batch, tokens, width]` → `[batch, tokens, width]`.
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [batch, tokens, width] = x.dims();
        let head = width / self.num_heads;
        let split = |t: Tensor<3>| {
            t.reshape([batch, tokens, self.num_heads, head])
                .swap_dims(1, 2)
        };
        let q = split(self.query.forward(x.clone()));
        let k = split(self.key.forward(x.clone()));
        let v = split(self.value.forward(x));
        let scores = q.matmul(k.swap_dims(2, 3)).div_scalar((head as f64).sqrt());
        let context = softmax(scores, 3).matmul(v);
        let context = context.swap_dims(1, 2).reshape([batch, tokens, width]);
        self.out.forward(context)
    }
}

/// Dense `width → mlp_dim`, GELU (tanh form, Flax's default), dropout, Dense `mlp_dim → width`.
#[derive(Module, Debug)]
pub struct MlpBlock {
    fc1: Linear,
    fc2: Linear,
    dropout: Dropout,
}

impl MlpBlock {
    fn new(width: usize, mlp_dim: usize, dropout: f64, device: &Device) -> Self {
        let bias = Initializer::Normal {
            mean: 0.0,
            std: 1e-6,
        };
        Self {
            fc1: xavier_linear(width, mlp_dim, bias.clone(), device),
            fc2: xavier_linear(mlp_dim, width, bias, device),
            dropout: DropoutConfig::new(dropout).init(),
        }
    }

    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let y = gelu_approximate(self.fc1.forward(x));
        self.fc2.forward(self.dropout.forward(y))
    }
}

/// Pre-LN encoder block: `x + drop(attn(LN(x)))`, then `x + drop(mlp(LN(x)))`.
#[derive(Module, Debug)]
pub struct EncoderBlock {
    norm1: LayerNorm,
    attention: SelfAttention,
    norm2: LayerNorm,
    mlp: MlpBlock,
    dropout: Dropout,
}

impl EncoderBlock {
    fn new(config: &ViTConfig, device: &Device) -> Self {
        Self {
            norm1: layer_norm(config.width, device),
            attention: SelfAttention::new(config.width, config.num_heads, device),
            norm2: layer_norm(config.width, device),
            mlp: MlpBlock::new(config.width, config.mlp_dim, config.dropout, device),
            dropout: DropoutConfig::new(config.dropout).init(),
        }
    }

    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let y = self.attention.forward(self.norm1.forward(x.clone()));
        let x = x.add(self.dropout.forward(y));
        let y = self.mlp.forward(self.norm2.forward(x.clone()));
        x.add(self.dropout.forward(y))
    }
}

/// Patch embedding, position embedding, encoder blocks, final LayerNorm, mean over tokens,
/// pre-logits Dense + tanh, classifier.
#[derive(Module, Debug)]
pub struct ViT {
    patch_embed: Conv2d,
    dropout: Dropout,
    blocks: Vec<EncoderBlock>,
    norm: LayerNorm,
    pre_logits: Linear,
    head: Linear,
}

impl ViTConfig {
    /// Builds the model on `device`. Panics with the message of [`ViTConfig::check`] on an
    /// unbuildable shape.
    pub fn init(&self, device: &Device) -> ViT {
        if let Err(e) = self.check() {
            panic!("{e}");
        }
        let p = self.patch_size;
        let mut patch_embed = Conv2dConfig::new([self.in_channels, self.width], [p, p])
            .with_stride([p, p])
            .with_padding(PaddingConfig2d::Valid)
            .with_initializer(lecun_normal())
            .init(device);
        patch_embed.bias = Some(Initializer::Zeros.init([self.width], device));
        let mut head = LinearConfig::new(self.width, self.num_classes)
            .with_initializer(Initializer::Zeros)
            .init(device);
        head.bias = Some(Initializer::Zeros.init([self.num_classes], device));
        ViT {
            patch_embed,
            dropout: DropoutConfig::new(self.dropout).init(),
            blocks: (0..self.depth)
                .map(|_| EncoderBlock::new(self, device))
                .collect(),
            norm: layer_norm(self.width, device),
            pre_logits: lecun_linear(self.width, self.width, device),
            head,
        }
    }
}

impl ViT {
    /// Token sequence `[batch, h·w, width]` (position embedding added, before the encoder) of
    /// images `[batch, channels, height, width]`.
    pub fn embed(&self, images: Tensor<4>) -> Tensor<3> {
        let x = self.patch_embed.forward(images);
        let [batch, width, h, w] = x.dims();
        let x = x.reshape([batch, width, h * w]).swap_dims(1, 2);
        let pe = Tensor::<3>::from_data(
            TensorData::new(posemb_sincos_2d(h, w, width), [1, h * w, width]),
            &x.device(),
        );
        self.dropout.forward(x.add(pe))
    }

    /// Logits `[batch, classes]` of images `[batch, channels, height, width]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = self.embed(images);
        for block in &self.blocks {
            x = block.forward(x);
        }
        let x = self.norm.forward(x);
        let [batch, _, width] = x.dims();
        let pooled = x.mean_dim(1).reshape([batch, width]);
        self.head.forward(self.pre_logits.forward(pooled).tanh())
    }
}
