//! ResNet configurations: the CPU-size `tiny` one trained here and AlgoPerf's ResNet-50.

use burn::config::Config;

/// Shape of a ResNet of basic or bottleneck blocks.
#[derive(Config, Debug, PartialEq)]
pub struct ResNetConfig {
    /// Input image channels.
    pub in_channels: usize,
    /// Channels of the stem convolution.
    pub stem_channels: usize,
    /// Stride of the stem convolution (2 halves the resolution, like ResNet-50's stem).
    pub stem_stride: usize,
    /// Output channels of each stage (basic blocks), or the inner width of each stage's
    /// bottleneck blocks, whose output is [`BOTTLENECK_EXPANSION`] times as wide.
    pub stage_channels: Vec<usize>,
    /// Blocks in each stage.
    pub stage_blocks: Vec<usize>,
    /// Stride of the first block of each stage.
    pub stage_strides: Vec<usize>,
    /// Output classes.
    pub num_classes: usize,
    /// Kernel side of the stem convolution (padding `kernel / 2`).
    #[config(default = 3)]
    pub stem_kernel: usize,
    /// A 3×3 stride-2 max-pool (padding 1) after the stem, as ResNet-50 has.
    #[config(default = false)]
    pub stem_max_pool: bool,
    /// Bottleneck blocks (1×1, 3×3 with the stride, 1×1 to 4× width; ResNet v1.5) instead of
    /// basic blocks.
    #[config(default = false)]
    pub bottleneck: bool,
    /// Initial scale γ of the last BatchNorm of every block (AlgoPerf's `bn_init_scale`, 0);
    /// `None` keeps burn's default of 1.
    #[config(default = "None")]
    pub residual_bn_scale: Option<f64>,
    /// Standard deviation of a normal initialisation of the classifier weights, with zero bias
    /// (AlgoPerf's `nn.initializers.normal()`, 0.01); `None` keeps burn's default
    /// (Kaiming-uniform, PyTorch's default for `Linear`).
    #[config(default = "None")]
    pub head_init_std: Option<f64>,
}

/// Width expansion of a bottleneck block's last 1×1 convolution.
pub const BOTTLENECK_EXPANSION: usize = 4;

impl ResNetConfig {
    /// The tiny CPU configuration for 28×28 grey images: a 3×3 stride-2 stem with 8 channels
    /// (28 → 14), stages of 8/16/32 channels with one basic block each (strides 1, 2, 2:
    /// 14 → 7 → 4), global average pooling, 10 classes (19 810 trainable parameters).
    pub fn tiny() -> Self {
        Self::new(1, 8, 2, vec![8, 16, 32], vec![1, 1, 1], vec![1, 2, 2], 10)
    }

    /// AlgoPerf's `imagenet_resnet` model, ResNet-50 for 224×224×3 images: a 7×7 stride-2 stem
    /// with 64 channels, BatchNorm, ReLU and a 3×3 stride-2 max-pool, then stages of 3/4/6/3
    /// bottleneck blocks of widths 64/128/256/512 (outputs 256/512/1024/2048; strides 1, 2, 2,
    /// 2 on the 3×3 convolution), global average pooling, 1000 classes; the last BatchNorm of
    /// every block starts at γ = 0 and the classifier at N(0, 0.01²) (AlgoPerf's Flax model).
    /// 25 557 032 trainable parameters, as torchvision's `resnet50`.
    pub fn algoperf() -> Self {
        Self::new(
            3,
            64,
            2,
            vec![64, 128, 256, 512],
            vec![3, 4, 6, 3],
            vec![1, 2, 2, 2],
            1000,
        )
        .with_stem_kernel(7)
        .with_stem_max_pool(true)
        .with_bottleneck(true)
        .with_residual_bn_scale(Some(0.0))
        .with_head_init_std(Some(0.01))
    }
}
