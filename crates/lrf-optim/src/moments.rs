//! First and second moment buffers shared by the Adam family (AdamW, NAdamW).

use std::collections::{BTreeMap, HashMap};

use burn::tensor::{Device, Tensor};

use crate::error::Result;
use crate::param::ParamTensor;
use crate::state::{OptimizerState, StateTensor};

/// `exp_avg` (m) and `exp_avg_sq` (v) of one parameter.
#[derive(Debug, Clone)]
pub(crate) struct Moments {
    pub(crate) exp_avg: Tensor<1>,
    pub(crate) exp_avg_sq: Tensor<1>,
}

/// The moments of every parameter plus the shared step count.
#[derive(Debug, Clone, Default)]
pub(crate) struct MomentStore {
    /// Completed steps.
    pub(crate) count: u64,
    per_param: HashMap<String, Moments>,
}

impl MomentStore {
    /// Updates m ← (1−β₁)g + β₁m and v ← (1−β₂)g² + β₂v (optax's `update_moment` order) and
    /// returns the new moments of `param`.
    pub(crate) fn update(&mut self, param: &ParamTensor, b1: f64, b2: f64) -> Moments {
        let g = &param.grad;
        let entry = self
            .per_param
            .entry(param.key.clone())
            .or_insert_with(|| Moments {
                exp_avg: g.zeros_like(),
                exp_avg_sq: g.zeros_like(),
            });
        let m = g
            .clone()
            .mul_scalar(1.0 - b1)
            .add(entry.exp_avg.clone().mul_scalar(b1));
        let v = g
            .clone()
            .mul(g.clone())
            .mul_scalar(1.0 - b2)
            .add(entry.exp_avg_sq.clone().mul_scalar(b2));
        entry.exp_avg = m.clone();
        entry.exp_avg_sq = v.clone();
        Moments {
            exp_avg: m,
            exp_avg_sq: v,
        }
    }

    /// Writes `count` and the moments into `state`.
    pub(crate) fn export(&self, state: &mut OptimizerState) {
        state.scalars.insert("count".into(), self.count as f64);
        for (key, mom) in &self.per_param {
            let mut slots = BTreeMap::new();
            slots.insert("exp_avg".into(), StateTensor::from_tensor(&mom.exp_avg));
            slots.insert(
                "exp_avg_sq".into(),
                StateTensor::from_tensor(&mom.exp_avg_sq),
            );
            state.tensors.insert(key.clone(), slots);
        }
    }

    /// Reads what [`MomentStore::export`] wrote.
    pub(crate) fn import(state: &OptimizerState, device: &Device) -> Result<Self> {
        let count = state.scalar("count")? as u64;
        let mut per_param = HashMap::new();
        for key in state.tensors.keys() {
            per_param.insert(
                key.clone(),
                Moments {
                    exp_avg: state.tensor(key, "exp_avg")?.to_tensor(device),
                    exp_avg_sq: state.tensor(key, "exp_avg_sq")?.to_tensor(device),
                },
            );
        }
        Ok(Self { count, per_param })
    }
}

/// 1 − βⁿ, the Adam bias-correction denominator after `n` steps.
pub(crate) fn bias_correction(beta: f64, n: u64) -> f64 {
    1.0 - beta.powf(n as f64)
}
