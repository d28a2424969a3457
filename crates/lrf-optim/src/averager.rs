//! Polynomial-decay iterate averaging (Shamir & Zhang 2013), as `dog.PolynomialDecayAverager`:
//! after the k-th step (k = 1, 2, …), `x̄ ← (1 − w)·x̄ + w·x` with `w = (γ+1)/(k+γ)`, so
//! `x̄ = x₁` after the first step. The DoG authors pair DoG with γ = 8.

use std::collections::HashMap;

use burn::tensor::{Device, Tensor};

use crate::error::Result;
use crate::param::ParamTensor;
use crate::state::{OptimizerState, StateTensor};

/// The running average of every parameter.
#[derive(Debug, Clone)]
pub(crate) struct PolyAverager {
    gamma: f64,
    count: u64,
    average: HashMap<String, Tensor<1>>,
}

impl PolyAverager {
    pub(crate) fn new(gamma: f64) -> Self {
        Self {
            gamma,
            count: 0,
            average: HashMap::new(),
        }
    }

    /// Counts one more step and returns the weight `w` of its iterate.
    pub(crate) fn begin_update(&mut self) -> f64 {
        self.count += 1;
        (self.gamma + 1.0) / (self.count as f64 + self.gamma)
    }

    /// Takes the average of `key` out (to update it in place).
    pub(crate) fn take(&mut self, key: &str) -> Option<Tensor<1>> {
        self.average.remove(key)
    }

    /// Puts the average of `key` back.
    pub(crate) fn put(&mut self, key: &str, average: Tensor<1>) {
        self.average.insert(key.to_string(), average);
    }

    /// Folds the parameters after a step into the average.
    pub(crate) fn update(&mut self, params: &[ParamTensor]) {
        let w = self.begin_update();
        for p in params {
            let next = match self.average.remove(&p.key) {
                None => p.value.clone(),
                Some(avg) => avg.mul_scalar(1.0 - w).add(p.value.clone().mul_scalar(w)),
            };
            self.average.insert(p.key.clone(), next);
        }
    }

    /// The averaged parameters, in the order of `params` (the parameters themselves before
    /// the first step).
    pub(crate) fn averaged(&self, params: &[ParamTensor]) -> Vec<Tensor<1>> {
        params
            .iter()
            .map(|p| {
                self.average
                    .get(&p.key)
                    .cloned()
                    .unwrap_or_else(|| p.value.clone())
            })
            .collect()
    }

    pub(crate) fn export(&self, state: &mut OptimizerState) {
        state
            .scalars
            .insert("average_count".into(), self.count as f64);
        for (key, avg) in &self.average {
            state
                .tensors
                .entry(key.clone())
                .or_default()
                .insert("average".into(), StateTensor::from_tensor(avg));
        }
    }

    pub(crate) fn import(&mut self, state: &OptimizerState, device: &Device) -> Result<()> {
        self.count = state.scalar("average_count")? as u64;
        self.average.clear();
        for (key, slots) in &state.tensors {
            if let Some(avg) = slots.get("average") {
                self.average.insert(key.clone(), avg.to_tensor(device));
            }
        }
        Ok(())
    }
}
