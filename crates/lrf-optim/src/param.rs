//! The parameter view every optimizer works on: flat tensors with a stable key.

use burn::tensor::Tensor;

/// One parameter tensor, flattened to rank 1, with its gradient.
///
/// The order of a `&mut [ParamTensor]` slice is the order of every global reduction
/// (‖g‖, ⟨g, x₀ − x⟩, Σ|s|), so keep it fixed from step to step.
#[derive(Debug, Clone)]
pub struct ParamTensor {
    /// Stable name of the parameter (a module path such as `block1.conv.weight`); keys the state.
    pub key: String,
    /// Current value; the optimizer replaces it with the updated value.
    pub value: Tensor<1>,
    /// Gradient at `value` (inner tensor, no autodiff graph).
    pub grad: Tensor<1>,
}

impl ParamTensor {
    /// A parameter named `key` with value and gradient.
    pub fn new(key: impl Into<String>, value: Tensor<1>, grad: Tensor<1>) -> Self {
        Self {
            key: key.into(),
            value,
            grad,
        }
    }
}

/// ⟨a, b⟩ read back to the host as f64.
pub(crate) fn dot(a: &Tensor<1>, b: &Tensor<1>) -> f64 {
    a.clone().mul(b.clone()).sum().into_scalar::<f64>()
}

/// Σ|a| read back to the host as f64.
pub(crate) fn sum_abs(a: &Tensor<1>) -> f64 {
    a.clone().abs().sum().into_scalar::<f64>()
}

/// `max` as Python's builtin computes it: returns `a` unless `b > a` (so NaN in `b` is ignored).
pub(crate) fn py_max(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

/// `min` as Python's builtin computes it: returns `a` unless `b < a`.
pub(crate) fn py_min(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}

/// `max` as `jnp.maximum` computes it: NaN in either argument propagates.
pub(crate) fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}
