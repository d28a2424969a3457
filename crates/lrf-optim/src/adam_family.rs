//! What AdamW and NAdamW share: the moment buffers and the update, which differ only in the
//! bias-corrected first moment (NAdamW's Nesterov look-ahead).

use std::collections::{BTreeMap, HashMap};

use burn::tensor::{Device, Tensor};

use crate::error::Result;
use crate::nadamw::NesterovForm;
use crate::optimizer::StepContext;
use crate::param::ParamTensor;
use crate::state::{OptimizerState, StateTensor};
use crate::validate;

/// Coefficients of one Adam-family update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AdamUpdate {
    pub(crate) b1: f64,
    pub(crate) b2: f64,
    pub(crate) eps: f64,
    pub(crate) weight_decay: f64,
    /// `None` for AdamW, the look-ahead form for NAdamW.
    pub(crate) nesterov: Option<NesterovForm>,
}

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

    /// One step, in optax's order of operations:
    /// `x ← x − lr·( m̂/(√v̂ + ε) + λ·x )` with `v̂ = v/(1−β₂ⁿ)` and `m̂` the (Nesterov)
    /// bias-corrected first moment.
    pub(crate) fn step(
        &mut self,
        u: &AdamUpdate,
        ctx: &StepContext,
        params: &mut [ParamTensor],
    ) -> Result<()> {
        validate::learning_rate(ctx.lr)?;
        #[cfg(feature = "flex")]
        match crate::host::param_dtype(params) {
            Some(burn::tensor::DType::F32) => {
                self.step_host::<f32>(u, ctx.lr, params);
                return Ok(());
            }
            Some(burn::tensor::DType::F64) => {
                self.step_host::<f64>(u, ctx.lr, params);
                return Ok(());
            }
            _ => {}
        }
        let n = self.count + 1;
        let (bc1, bc2) = (bias_correction(u.b1, n), bias_correction(u.b2, n));
        for p in params.iter_mut() {
            let mom = self.update(p, u.b1, u.b2);
            let m_hat = match u.nesterov {
                None => mom.exp_avg.div_scalar(bc1),
                // AlgoPerf: (β₁m + (1−β₁)g)/(1−β₁ⁿ)
                Some(NesterovForm::Algoperf) => p
                    .grad
                    .clone()
                    .mul_scalar(1.0 - u.b1)
                    .add(mom.exp_avg.mul_scalar(u.b1))
                    .div_scalar(bc1),
                // optax.nadamw: β₁m/(1−β₁ⁿ⁺¹) + (1−β₁)g/(1−β₁ⁿ)
                Some(NesterovForm::Optax) => mom
                    .exp_avg
                    .div_scalar(bias_correction(u.b1, n + 1))
                    .mul_scalar(u.b1)
                    .add(p.grad.clone().div_scalar(bc1).mul_scalar(1.0 - u.b1)),
            };
            let v_hat = mom.exp_avg_sq.div_scalar(bc2);
            let direction = m_hat
                .div(v_hat.sqrt().add_scalar(u.eps))
                .add(p.value.clone().mul_scalar(u.weight_decay));
            p.value = p.value.clone().add(direction.mul_scalar(-ctx.lr));
        }
        self.count = n;
        Ok(())
    }

    /// [`MomentStore::step`] as one fused pass over x, g, m and v per chunk of each tensor.
    #[cfg(feature = "flex")]
    fn step_host<T: crate::host::Real>(
        &mut self,
        u: &AdamUpdate,
        lr: f64,
        params: &mut [ParamTensor],
    ) {
        use crate::host::{par_zip, Host};
        let n = self.count + 1;
        let t = T::of;
        let (b1, b2, omb1, omb2) = (t(u.b1), t(u.b2), t(1.0 - u.b1), t(1.0 - u.b2));
        let (bc1, bc2, bc1_next) = (
            t(bias_correction(u.b1, n)),
            t(bias_correction(u.b2, n)),
            t(bias_correction(u.b1, n + 1)),
        );
        let (eps, wd, neg_lr) = (t(u.eps), t(u.weight_decay), t(-lr));
        let form = u.nesterov;
        for p in params.iter_mut() {
            let mut x = Host::take_from(&mut p.value);
            let g = Host::take(p.grad.clone());
            let (mut m, mut v) = match self.per_param.remove(&p.key) {
                Some(mom) => (Host::take(mom.exp_avg), Host::take(mom.exp_avg_sq)),
                None => (Host::zeros::<T>(x.len()), Host::zeros::<T>(x.len())),
            };
            par_zip(
                [x.slice_mut::<T>(), m.slice_mut::<T>(), v.slice_mut::<T>()],
                [g.slice::<T>()],
                |[x, m, v], [g]| {
                    // Locals, not captured references: the compiler then knows the stores
                    // below cannot change them and vectorises the loop.
                    let (b1, b2, omb1, omb2, bc1, bc2, bc1_next) =
                        (b1, b2, omb1, omb2, bc1, bc2, bc1_next);
                    let (eps, wd, neg_lr, form) = (eps, wd, neg_lr, form);
                    let len = x.len();
                    let (m, v, g) = (&mut m[..len], &mut v[..len], &g[..len]);
                    for i in 0..len {
                        let gi = g[i];
                        let mi = omb1 * gi + b1 * m[i];
                        let vi = omb2 * (gi * gi) + b2 * v[i];
                        m[i] = mi;
                        v[i] = vi;
                        let m_hat = match form {
                            None => mi / bc1,
                            Some(NesterovForm::Algoperf) => (omb1 * gi + b1 * mi) / bc1,
                            Some(NesterovForm::Optax) => mi / bc1_next * b1 + gi / bc1 * omb1,
                        };
                        let direction = m_hat / ((vi / bc2).sqrt() + eps) + x[i] * wd;
                        x[i] = x[i] + direction * neg_lr;
                    }
                    []
                },
            );
            p.value = x.into_tensor();
            self.per_param.insert(
                p.key.clone(),
                Moments {
                    exp_avg: m.into_tensor(),
                    exp_avg_sq: v.into_tensor(),
                },
            );
        }
        self.count = n;
    }

    /// The state (`count` and the moments) under `algorithm`'s name.
    pub(crate) fn state(&self, algorithm: &str) -> OptimizerState {
        let mut state = OptimizerState::new(algorithm);
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
        state
    }

    /// Reads what [`MomentStore::state`] wrote for `algorithm`.
    pub(crate) fn import(state: &OptimizerState, algorithm: &str, device: &Device) -> Result<Self> {
        state.expect_algorithm(algorithm)?;
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
