//! ResNet with basic or bottleneck residual blocks and BatchNorm (He et al. 2016).

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

use super::config::{ResNetConfig, BOTTLENECK_EXPANSION};

fn conv(c_in: usize, c_out: usize, kernel: usize, stride: usize, device: &Device) -> Conv2d {
    let pad = kernel / 2;
    Conv2dConfig::new([c_in, c_out], [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .with_bias(false)
        .init(device)
}

/// BatchNorm closing a residual branch: γ starts at `scale` when given (AlgoPerf's
/// `bn_init_scale`), else at burn's default 1.
fn residual_bn(channels: usize, scale: Option<f64>, device: &Device) -> BatchNorm {
    let mut bn = BatchNormConfig::new(channels).init(device);
    if let Some(value) = scale {
        bn.gamma = Initializer::Constant { value }.init([channels], device);
    }
    bn
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
    fn new(
        c_in: usize,
        c_out: usize,
        stride: usize,
        bn_scale: Option<f64>,
        device: &Device,
    ) -> Self {
        let projection = (stride != 1 || c_in != c_out).then(|| Projection {
            conv: conv(c_in, c_out, 1, stride, device),
            bn: BatchNormConfig::new(c_out).init(device),
        });
        Self {
            conv1: conv(c_in, c_out, 3, stride, device),
            bn1: BatchNormConfig::new(c_out).init(device),
            conv2: conv(c_out, c_out, 3, 1, device),
            bn2: residual_bn(c_out, bn_scale, device),
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

/// conv1×1–BN–ReLU–conv3×3 (stride)–BN–ReLU–conv1×1 (4× width)–BN, plus the (projected)
/// input, then ReLU: torchvision's and AlgoPerf's bottleneck (ResNet v1.5).
#[derive(Module, Debug)]
pub struct Bottleneck {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
    conv3: Conv2d,
    bn3: BatchNorm,
    projection: Option<Projection>,
}

impl Bottleneck {
    fn new(
        c_in: usize,
        width: usize,
        stride: usize,
        bn_scale: Option<f64>,
        device: &Device,
    ) -> Self {
        let c_out = width * BOTTLENECK_EXPANSION;
        let projection = (stride != 1 || c_in != c_out).then(|| Projection {
            conv: conv(c_in, c_out, 1, stride, device),
            bn: BatchNormConfig::new(c_out).init(device),
        });
        Self {
            conv1: conv(c_in, width, 1, 1, device),
            bn1: BatchNormConfig::new(width).init(device),
            conv2: conv(width, width, 3, stride, device),
            bn2: BatchNormConfig::new(width).init(device),
            conv3: conv(width, c_out, 1, 1, device),
            bn3: residual_bn(c_out, bn_scale, device),
            projection,
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let shortcut = match &self.projection {
            Some(p) => p.bn.forward(p.conv.forward(x.clone())),
            None => x.clone(),
        };
        let y = relu(self.bn1.forward(self.conv1.forward(x)));
        let y = relu(self.bn2.forward(self.conv2.forward(y)));
        let y = self.bn3.forward(self.conv3.forward(y));
        relu(y.add(shortcut))
    }
}

/// Stem (with an optional max-pool), residual stages of basic blocks (`blocks`) or of
/// bottleneck blocks (`bottlenecks`; the other list is empty), global average pooling and a
/// linear classifier.
#[derive(Module, Debug)]
pub struct ResNet {
    stem: Conv2d,
    stem_bn: BatchNorm,
    blocks: Vec<BasicBlock>,
    head: Linear,
    stem_pool: Option<MaxPool2d>,
    bottlenecks: Vec<Bottleneck>,
}

impl ResNetConfig {
    /// Builds the model on `device`.
    pub fn init(&self, device: &Device) -> ResNet {
        let mut blocks = Vec::new();
        let mut bottlenecks = Vec::new();
        let mut c_in = self.stem_channels;
        for ((&c_out, &n), &stride) in self
            .stage_channels
            .iter()
            .zip(&self.stage_blocks)
            .zip(&self.stage_strides)
        {
            for b in 0..n {
                let s = if b == 0 { stride } else { 1 };
                let scale = self.residual_bn_scale;
                if self.bottleneck {
                    bottlenecks.push(Bottleneck::new(c_in, c_out, s, scale, device));
                    c_in = c_out * BOTTLENECK_EXPANSION;
                } else {
                    blocks.push(BasicBlock::new(c_in, c_out, s, scale, device));
                    c_in = c_out;
                }
            }
        }
        ResNet {
            stem: conv(
                self.in_channels,
                self.stem_channels,
                self.stem_kernel,
                self.stem_stride,
                device,
            ),
            stem_bn: BatchNormConfig::new(self.stem_channels).init(device),
            blocks,
            head: match self.head_init_std {
                None => LinearConfig::new(c_in, self.num_classes).init(device),
                Some(std) => {
                    let mut head = LinearConfig::new(c_in, self.num_classes)
                        .with_initializer(Initializer::Normal { mean: 0.0, std })
                        .init(device);
                    head.bias = Some(Initializer::Zeros.init([self.num_classes], device));
                    head
                }
            },
            stem_pool: self.stem_max_pool.then(|| {
                MaxPool2dConfig::new([3, 3])
                    .with_strides([2, 2])
                    .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .init()
            }),
            bottlenecks,
        }
    }
}

impl ResNet {
    /// Logits `[batch, classes]` of images `[batch, channels, height, width]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = relu(self.stem_bn.forward(self.stem.forward(images)));
        if let Some(pool) = &self.stem_pool {
            x = pool.forward(x);
        }
        for block in &self.blocks {
            x = block.forward(x);
        }
        for block in &self.bottlenecks {
            x = block.forward(x);
        }
        let [batch, channels, _, _] = x.dims();
        let pooled = x.mean_dim(3).mean_dim(2).reshape([batch, channels]);
        self.head.forward(pooled)
    }
}
