//! U-Net configurations: AlgoPerf's fastMRI model and the CPU-size `tiny` one trained here.

use burn::config::Config;

/// Shape of the fastMRI U-Net.
#[derive(Config, Debug, PartialEq)]
pub struct UNetConfig {
    /// Input image channels.
    pub in_channels: usize,
    /// Output image channels.
    pub out_channels: usize,
    /// Channels of the first convolution block (doubled at every pool layer).
    pub channels: usize,
    /// Down-sampling (and up-sampling) layers.
    pub pool_layers: usize,
    /// Channel-wise dropout probability after each convolution of a block (AlgoPerf default 0).
    pub dropout: f64,
}

impl UNetConfig {
    /// AlgoPerf `fastmri`: 32 channels, 4 pool layers, 1 in / 1 out channel, no dropout
    /// (7 756 097 trainable parameters).
    pub fn algoperf() -> Self {
        Self::new(1, 1, 32, 4, 0.0)
    }

    /// The tiny CPU configuration for 64×64 images: 8 channels, 3 pool layers
    /// (64 → 32 → 16 → 8), no dropout (120 273 trainable parameters).
    pub fn tiny() -> Self {
        Self::new(1, 1, 8, 3, 0.0)
    }
}
