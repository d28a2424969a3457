//! The fastMRI U-Net as AlgoPerf has it (`fastmri_jax/models.py`, `fastmri_pytorch/models.py`):
//! convolution blocks of two 3×3 convolutions without bias, each followed by instance
//! normalisation without affine parameters (ε = 1e-5), LeakyReLU(0.2) and channel-wise
//! dropout; 2×2 average pooling down (AlgoPerf and fastMRI both use `avg_pool`); 2×2 stride-2
//! transposed convolutions without bias + instance norm + LeakyReLU up, concatenated with the
//! skip connection; a 1×1 output convolution with bias.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::pool::{AvgPool2d, AvgPool2dConfig};
use burn::nn::PaddingConfig2d;
use burn::tensor::activation::leaky_relu;
use burn::tensor::{Device, Distribution, Tensor};

use super::config::UNetConfig;

/// LeakyReLU negative slope.
const SLOPE: f64 = 0.2;
/// Instance-norm epsilon (AlgoPerf `_instance_norm2d`, PyTorch `InstanceNorm2d`).
const EPSILON: f64 = 1e-5;

/// Instance normalisation without affine parameters: each (example, channel) map to zero
/// mean and unit (biased) variance.
pub fn instance_norm(x: Tensor<4>) -> Tensor<4> {
    let [n, c, h, w] = x.dims();
    let flat = x.reshape([n, c, h * w]);
    let (var, mean) = flat.clone().var_mean_bias(2);
    flat.sub(mean)
        .div(var.add_scalar(EPSILON).sqrt())
        .reshape([n, c, h, w])
}

/// `Dropout2d`: zeroes whole channels with probability `prob` while training (on an autodiff
/// device), scaling the kept ones by `1 / (1 − prob)`.
#[derive(Module, Debug)]
pub struct ChannelDropout {
    prob: f64,
}

impl ChannelDropout {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        if self.prob == 0.0 || !x.device().is_autodiff() {
            return x;
        }
        let [n, c, _, _] = x.dims();
        let keep = 1.0 - self.prob;
        let mask = Tensor::<4>::random([n, c, 1, 1], Distribution::Bernoulli(keep), &x.device());
        x.mul(mask).div_scalar(keep)
    }
}

fn conv3x3(c_in: usize, c_out: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([c_in, c_out], [3, 3])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .with_bias(false)
        .init(device)
}

/// Two (3×3 conv, instance norm, LeakyReLU, channel dropout) layers.
#[derive(Module, Debug)]
pub struct ConvBlock {
    conv1: Conv2d,
    conv2: Conv2d,
    dropout: ChannelDropout,
}

impl ConvBlock {
    fn new(c_in: usize, c_out: usize, dropout: f64, device: &Device) -> Self {
        Self {
            conv1: conv3x3(c_in, c_out, device),
            conv2: conv3x3(c_out, c_out, device),
            dropout: ChannelDropout { prob: dropout },
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = leaky_relu(instance_norm(self.conv1.forward(x)), SLOPE);
        let x = self.dropout.forward(x);
        let x = leaky_relu(instance_norm(self.conv2.forward(x)), SLOPE);
        self.dropout.forward(x)
    }
}

/// 2×2 stride-2 transposed convolution, instance norm, LeakyReLU.
#[derive(Module, Debug)]
pub struct TransposeConvBlock {
    conv: ConvTranspose2d,
}

impl TransposeConvBlock {
    fn new(c_in: usize, c_out: usize, device: &Device) -> Self {
        Self {
            conv: ConvTranspose2dConfig::new([c_in, c_out], [2, 2])
                .with_stride([2, 2])
                .with_bias(false)
                .init(device),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        leaky_relu(instance_norm(self.conv.forward(x)), SLOPE)
    }
}

/// The U-Net.
#[derive(Module, Debug)]
pub struct UNet {
    down: Vec<ConvBlock>,
    pool: AvgPool2d,
    bottom: ConvBlock,
    up_transpose: Vec<TransposeConvBlock>,
    up: Vec<ConvBlock>,
    head: Conv2d,
}

impl UNetConfig {
    /// Builds the model on `device` (burn's default initialisers, which are PyTorch's).
    pub fn init(&self, device: &Device) -> UNet {
        let c = self.channels;
        let mut down = vec![ConvBlock::new(self.in_channels, c, self.dropout, device)];
        let mut ch = c;
        for _ in 1..self.pool_layers {
            down.push(ConvBlock::new(ch, ch * 2, self.dropout, device));
            ch *= 2;
        }
        let bottom = ConvBlock::new(ch, ch * 2, self.dropout, device);
        let (mut up_transpose, mut up) = (Vec::new(), Vec::new());
        for _ in 0..self.pool_layers {
            up_transpose.push(TransposeConvBlock::new(ch * 2, ch, device));
            up.push(ConvBlock::new(ch * 2, ch, self.dropout, device));
            ch /= 2;
        }
        UNet {
            down,
            pool: AvgPool2dConfig::new([2, 2]).init(),
            bottom,
            up_transpose,
            up,
            head: Conv2dConfig::new([c, self.out_channels], [1, 1]).init(device),
        }
    }
}

/// Reflect-pads one column on the right / one row at the bottom where `x` is smaller than
/// `like` (odd sizes before pooling), as AlgoPerf does.
fn pad_to(x: Tensor<4>, like: [usize; 4]) -> Tensor<4> {
    let [_, _, h, w] = x.dims();
    let x = if w < like[3] {
        let col = x
            .clone()
            .slice([0..like[0], 0..x.dims()[1], 0..h, w - 2..w - 1]);
        Tensor::cat(vec![x, col], 3)
    } else {
        x
    };
    let [_, c, h, w] = x.dims();
    if h < like[2] {
        let row = x.clone().slice([0..like[0], 0..c, h - 2..h - 1, 0..w]);
        Tensor::cat(vec![x, row], 2)
    } else {
        x
    }
}

impl UNet {
    /// Reconstruction `[batch, out, height, width]` of images `[batch, in, height, width]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<4> {
        let mut stack = Vec::with_capacity(self.down.len());
        let mut x = images;
        for block in &self.down {
            x = block.forward(x);
            stack.push(x.clone());
            x = self.pool.forward(x);
        }
        x = self.bottom.forward(x);
        for (transpose, block) in self.up_transpose.iter().zip(&self.up) {
            let skip = stack.pop().expect("one skip per level");
            x = pad_to(transpose.forward(x), skip.dims());
            x = block.forward(Tensor::cat(vec![x, skip], 1));
        }
        self.head.forward(x)
    }
}
