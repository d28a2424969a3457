//! Optimizer state that can be inspected, saved and loaded bit-exactly.

use std::collections::BTreeMap;
use std::path::Path;

use burn::tensor::{DType, Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::error::{OptimError, Result};

/// One state tensor, stored on the host.
///
/// Values are kept as f64, which holds every f32 exactly, together with the dtype to restore,
/// so a save/load round trip is bit-exact for f32 and f64 parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateTensor {
    /// `"f32"` or `"f64"`.
    pub dtype: String,
    /// The values, flattened.
    pub values: Vec<f64>,
}

impl StateTensor {
    /// Reads a tensor back to the host.
    pub fn from_tensor(tensor: &Tensor<1>) -> Self {
        let dtype = match tensor.dtype() {
            DType::F64 => "f64",
            _ => "f32",
        };
        let values = tensor
            .to_data()
            .try_into_vec_as::<f64>()
            .expect("float tensor converts to f64");
        Self {
            dtype: dtype.to_string(),
            values,
        }
    }

    /// Recreates the tensor on `device` with its original dtype.
    pub fn to_tensor(&self, device: &Device) -> Tensor<1> {
        let n = self.values.len();
        if self.dtype == "f64" {
            Tensor::from_data(
                TensorData::new(self.values.clone(), [n]),
                (device, DType::F64),
            )
        } else {
            let values: Vec<f32> = self.values.iter().map(|&v| v as f32).collect();
            Tensor::from_data(TensorData::new(values, [n]), (device, DType::F32))
        }
    }
}

/// Everything an optimizer needs to resume: global scalars and per-parameter tensors.
///
/// `tensors[param_key][slot]` holds e.g. `exp_avg` of one parameter. Scalar names follow the
/// reference implementations (`d`, `d_numerator`, `count`, …) so golden files compare by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OptimizerState {
    /// Registry name of the optimizer that wrote the state.
    pub algorithm: String,
    /// Global scalars.
    pub scalars: BTreeMap<String, f64>,
    /// Short global vectors (Mechanic's per-β arrays, L-DoG's per-tensor scalars in step order).
    #[serde(default)]
    pub vectors: BTreeMap<String, Vec<f64>>,
    /// Per-parameter tensors, by parameter key then slot name.
    pub tensors: BTreeMap<String, BTreeMap<String, StateTensor>>,
}

impl OptimizerState {
    /// Empty state for `algorithm`.
    pub fn new(algorithm: &str) -> Self {
        Self {
            algorithm: algorithm.to_string(),
            ..Self::default()
        }
    }

    /// A global scalar, or an error naming it.
    pub fn scalar(&self, name: &str) -> Result<f64> {
        self.scalars
            .get(name)
            .copied()
            .ok_or_else(|| OptimError::State(format!("missing scalar `{name}`")))
    }

    /// A per-parameter tensor, or an error naming it.
    pub fn tensor(&self, key: &str, slot: &str) -> Result<&StateTensor> {
        self.tensors
            .get(key)
            .and_then(|slots| slots.get(slot))
            .ok_or_else(|| {
                OptimError::State(format!("missing tensor `{slot}` of parameter `{key}`"))
            })
    }

    /// Checks the state was written by `algorithm`.
    pub fn expect_algorithm(&self, algorithm: &str) -> Result<()> {
        if self.algorithm == algorithm {
            Ok(())
        } else {
            Err(OptimError::State(format!(
                "state was written by `{}`, cannot load it into `{algorithm}`",
                self.algorithm
            )))
        }
    }

    /// Writes the state as JSON (floats in shortest round-trip form, so loading is bit-exact).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string(self)
            .map_err(|e| OptimError::State(format!("{}: {e}", path.display())))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let tmp = dir.join(format!(
            ".{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("state")
        ));
        std::fs::write(&tmp, text)
            .and_then(|_| std::fs::rename(&tmp, path))
            .map_err(|e| OptimError::State(format!("{}: {e}", path.display())))
    }

    /// Reads a state written by [`OptimizerState::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| OptimError::State(format!("{}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| OptimError::State(format!("{}: {e}", path.display())))
    }
}
