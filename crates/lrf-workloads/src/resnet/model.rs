//! ResNet with basic residual blocks and BatchNorm (He et al. 2016).

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

use super::config::ResNetConfig;

fn conv(c_in: usize, c_out: usize, kernel: usize, stride: usize, device: &Device) -> Conv2d {
    let pad = kernel / 2;
    Conv2dConfig::new([c_in, c_out], [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .with_bias(false)
        .init(device)
}

/// 1×1 convolution + BatchNorm on the residual path when the shape changes.
#[derive(Module, Debug)]
pub struct Projection {
    conv: Conv2d,
    bn: BatchNorm,
}

/// conv3×3–BN–ReLU–conv3×3–BN, plus the (projected) input, then ReLU.
#[derive(Module, Debug)]
pub struct BasicBlock {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
    projection: Option<Projection>,
}

impl BasicBlock {
    fn new(c_in: usize, c_out: usize, stride: usize, device: &Device) -> Self {
        let projection = (stride != 1 || c_in != c_out).then(|| Projection {
            conv: conv(c_in, c_out, 1, stride, device),
            bn: BatchNormConfig::new(c_out).init(device),
        });
        Self {
            conv1: conv(c_in, c_out, 3, stride, device),
            bn1: BatchNormConfig::new(c_out).init(device),
            conv2: conv(c_out, c_out, 3, 1, device),
            bn2: BatchNormConfig::new(c_out).init(device),
            projection,
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let shortcut = match &self.projection {
            Some(p) => p.bn.forward(p.conv.forward(x.clone())),
            None => x.clone(),
        };
        let y = relu(self.bn1.forward(self.conv1.forward(x)));
        let y = self.bn2.forward(self.conv2.forward(y));
        relu(y.add(shortcut))
    }
}

/// Stem, residual stages, global average pooling and a linear classifier.
#[derive(Module, Debug)]
pub struct ResNet {
    stem: Conv2d,
    stem_bn: BatchNorm,
    blocks: Vec<BasicBlock>,
    head: Linear,
}

impl ResNetConfig {
    /// Builds the model on `device`.
    pub fn init(&self, device: &Device) -> ResNet {
        let mut blocks = Vec::new();
        let mut c_in = self.stem_channels;
        for ((&c_out, &n), &stride) in self
            .stage_channels
            .iter()
            .zip(&self.stage_blocks)
            .zip(&self.stage_strides)
        {
            for b in 0..n {
                let s = if b == 0 { stride } else { 1 };
                blocks.push(BasicBlock::new(c_in, c_out, s, device));
                c_in = c_out;
            }
        }
        ResNet {
            stem: conv(
                self.in_channels,
                self.stem_channels,
                3,
                self.stem_stride,
                device,
            ),
            stem_bn: BatchNormConfig::new(self.stem_channels).init(device),
            blocks,
            head: LinearConfig::new(c_in, self.num_classes).init(device),
        }
    }
}

impl ResNet {
    /// Logits `[batch, classes]` of images `[batch, channels, height, width]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = relu(self.stem_bn.forward(self.stem.forward(images)));
        for block in &self.blocks {
            x = block.forward(x);
        }
        let [batch, channels, _, _] = x.dims();
        let pooled = x.mean_dim(3).mean_dim(2).reshape([batch, channels]);
        self.head.forward(pooled)
    }
}
