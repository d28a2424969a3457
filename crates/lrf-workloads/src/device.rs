//! The device trials train on.

use burn::tensor::Device;

/// The training device: CUDA device 0 when built with the `cuda` feature, otherwise the
/// pure-Rust CPU backend `flex`; with autodiff.
pub fn training_device() -> Device {
    #[cfg(feature = "cuda")]
    {
        return Device::cuda(0).autodiff();
    }
    #[allow(unreachable_code)]
    Device::flex().autodiff()
}
