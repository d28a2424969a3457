//! ResNet configurations: the CPU-size `tiny` one trained here.

use burn::config::Config;

/// Shape of a ResNet of basic blocks.
#[derive(Config, Debug, PartialEq)]
pub struct ResNetConfig {
    /// Input image channels.
    pub in_channels: usize,
    /// Channels of the 3×3 stem convolution.
    pub stem_channels: usize,
    /// Stride of the stem convolution (2 halves the resolution, like ResNet-50's stem).
    pub stem_stride: usize,
    /// Output channels of each stage.
    pub stage_channels: Vec<usize>,
    /// Basic blocks in each stage.
    pub stage_blocks: Vec<usize>,
    /// Stride of the first block of each stage.
    pub stage_strides: Vec<usize>,
    /// Output classes.
    pub num_classes: usize,
}

impl ResNetConfig {
    /// The tiny CPU configuration for 28×28 grey images: a 3×3 stride-2 stem with 8 channels
    /// (28 → 14), stages of 8/16/32 channels with one basic block each (strides 1, 2, 2:
    /// 14 → 7 → 4), global average pooling, 10 classes (19 810 trainable parameters).
    pub fn tiny() -> Self {
        Self::new(1, 8, 2, vec![8, 16, 32], vec![1, 1, 1], vec![1, 2, 2], 10)
    }
}
