//! The device trials train on.

use burn::tensor::Device;

/// The training device, with autodiff: CUDA device 0 when built with the `cuda` feature,
/// otherwise the pure-Rust CPU backend `flex` (the default feature), otherwise burn's default
/// device (which `BURN_DEVICE` can choose).
pub fn training_device() -> Device {
    #[cfg(feature = "cuda")]
    {
        return Device::cuda(0).autodiff();
    }
    #[cfg(all(feature = "flex", not(feature = "cuda")))]
    {
        return Device::flex().autodiff();
    }
    #[allow(unreachable_code)]
    Device::default().autodiff()
}
