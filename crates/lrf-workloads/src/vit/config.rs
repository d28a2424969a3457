//! ViT configurations: AlgoPerf's ViT-S/16 and the CPU-size `tiny` one trained here.

use burn::config::Config;

/// Shape of a Vision Transformer as AlgoPerf's `imagenet_vit` builds it: patch embedding, fixed
/// 2-D sin-cos position embedding, pre-LayerNorm encoder, token mean-pooling, pre-logits
/// Dense + tanh, zero-initialised classifier.
#[derive(Config, Debug, PartialEq)]
pub struct ViTConfig {
    /// Input image channels.
    pub in_channels: usize,
    /// Input image side (square images).
    pub image_size: usize,
    /// Patch side: the embedding convolution's kernel and stride (must divide `image_size`).
    pub patch_size: usize,
    /// Token width (a multiple of 4 and at least 8, for the sin-cos position embedding).
    pub width: usize,
    /// Encoder blocks.
    pub depth: usize,
    /// Hidden width of each block's MLP.
    pub mlp_dim: usize,
    /// Attention heads (must divide `width`).
    pub num_heads: usize,
    /// Output classes.
    pub num_classes: usize,
    /// Dropout rate after the position embedding, after attention, inside the MLP and after it
    /// (AlgoPerf's `dropout_rate`, default 0).
    #[config(default = 0.0)]
    pub dropout: f64,
}

impl ViTConfig {
    /// AlgoPerf's `imagenet_vit` model, ViT-S/16: 224×224×3 images, 16×16 patches (196
    /// tokens), width 384, 12 blocks with 6 heads and MLP 1536, 1000 classes
    /// (22 122 472 trainable parameters).
    pub fn algoperf() -> Self {
        Self::new(3, 224, 16, 384, 12, 1536, 6, 1000)
    }

    /// The tiny CPU configuration for 28×28 grey images: 7×7 patches (16 tokens), width 64,
    /// 2 blocks with 4 heads (head width 16) and MLP 128, 10 classes (75 082 trainable
    /// parameters).
    pub fn tiny() -> Self {
        Self::new(1, 28, 7, 64, 2, 128, 4, 10)
    }

    /// Tokens per side (`image_size / patch_size`).
    pub fn grid(&self) -> usize {
        self.image_size / self.patch_size
    }

    /// Checks that the shape is buildable; the error names the field and what is wrong.
    pub fn check(&self) -> Result<(), String> {
        let fail = |what: String| Err(format!("ViT configuration: {what}"));
        if self.patch_size == 0 || !self.image_size.is_multiple_of(self.patch_size) {
            return fail(format!(
                "patch_size = {} must be positive and divide image_size = {}",
                self.patch_size, self.image_size
            ));
        }
        if !self.width.is_multiple_of(4) || self.width < 8 {
            return fail(format!(
                "width = {} must be a multiple of 4 and at least 8 (sin-cos position embedding)",
                self.width
            ));
        }
        if self.num_heads == 0 || !self.width.is_multiple_of(self.num_heads) {
            return fail(format!(
                "num_heads = {} must be positive and divide width = {}",
                self.num_heads, self.width
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return fail(format!("dropout = {} must be in [0, 1)", self.dropout));
        }
        Ok(())
    }
}
