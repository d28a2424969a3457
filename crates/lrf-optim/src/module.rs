//! Stepping a burn `Module`: collects every parameter that has a gradient, flattens it, runs
//! one [`Optimizer::step`] over all of them and writes the results back with their autodiff
//! settings restored.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};

use crate::error::Result;
use crate::optimizer::{Optimizer, StepContext};
use crate::param::ParamTensor;

/// Wraps a whole-model [`Optimizer`] so it steps burn modules.
///
/// ```ignore
/// let mut optim = ModuleOptimizer::new(Preset::literature("prodigy")?.build()?);
/// let grads = GradientsParams::from_grads(loss.backward(), &model);
/// model = optim.step(StepContext::new(lr), model, grads)?;
/// ```
pub struct ModuleOptimizer {
    inner: Box<dyn Optimizer>,
}

impl ModuleOptimizer {
    /// Wraps `inner`.
    pub fn new(inner: Box<dyn Optimizer>) -> Self {
        Self { inner }
    }

    /// The wrapped optimizer (for its scalars and state).
    pub fn inner(&self) -> &dyn Optimizer {
        self.inner.as_ref()
    }

    /// Mutable access to the wrapped optimizer (to load state).
    pub fn inner_mut(&mut self) -> &mut dyn Optimizer {
        self.inner.as_mut()
    }

    /// One optimizer step on every parameter of `module` that has a gradient in `grads`.
    ///
    /// Parameters are keyed by their module path (`layer.0.weight`), which keys the state and
    /// fixes the order of global reductions (the module's field order).
    pub fn step<M: Module>(
        &mut self,
        ctx: StepContext,
        module: M,
        grads: GradientsParams,
    ) -> Result<M> {
        let mut collector = Collector {
            grads: &grads,
            path: Vec::new(),
            params: Vec::new(),
            ids: Vec::new(),
            shapes: HashMap::new(),
        };
        module.visit(&mut collector);
        let Collector {
            mut params,
            ids,
            shapes,
            ..
        } = collector;
        self.inner.step(&ctx, &mut params)?;
        let updated: HashMap<ParamId, Tensor<1>> = ids
            .into_iter()
            .zip(params)
            .map(|(id, p)| (id, p.value))
            .collect();
        let mut writer = Writer { updated, shapes };
        Ok(module.map(&mut writer))
    }
}

impl ModuleOptimizer {
    /// Whether the optimizer evaluates somewhere else than at its iterate (Schedule-Free, DoG
    /// with averaging): then BatchNorm statistics should be recomputed at that point.
    pub fn has_eval_point(&self) -> bool {
        self.inner.eval_params(&[]).is_some()
    }

    /// `module` at the optimizer's evaluation point — Schedule-Free's `x`, DoG's averaged
    /// iterate — or an unchanged clone when the optimizer evaluates at its iterate.
    pub fn eval_module<M: Module>(&self, module: &M) -> M {
        let mut values = ValueCollector {
            path: Vec::new(),
            params: Vec::new(),
            ids: Vec::new(),
            shapes: HashMap::new(),
        };
        module.visit(&mut values);
        let Some(eval) = self.inner.eval_params(&values.params) else {
            return module.clone();
        };
        let updated: HashMap<ParamId, Tensor<1>> = values.ids.into_iter().zip(eval).collect();
        let mut writer = Writer {
            updated,
            shapes: values.shapes,
        };
        module.clone().map(&mut writer)
    }
}

/// Every trainable parameter's value (gradient left as the value), keyed by module path.
struct ValueCollector {
    path: Vec<String>,
    params: Vec<ParamTensor>,
    ids: Vec<ParamId>,
    shapes: HashMap<ParamId, (Vec<usize>, Device)>,
}

impl ModuleVisitor for ValueCollector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        if self.shapes.contains_key(&param.id) || !value.is_require_grad() {
            return; // running statistics and frozen tensors are not the optimizer's
        }
        let value = value.inner();
        let dims = value.dims().to_vec();
        let n: usize = dims.iter().product();
        self.shapes.insert(param.id, (dims, value.device()));
        self.ids.push(param.id);
        let flat = value.reshape([n]);
        self.params
            .push(ParamTensor::new(self.path.join("."), flat.clone(), flat));
    }
}

struct Collector<'a> {
    grads: &'a GradientsParams,
    path: Vec<String>,
    params: Vec<ParamTensor>,
    ids: Vec<ParamId>,
    shapes: HashMap<ParamId, (Vec<usize>, Device)>,
}

impl ModuleVisitor for Collector<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let Some(grad) = self.grads.get::<D>(param.id) else {
            return;
        };
        if self.shapes.contains_key(&param.id) {
            return; // a parameter shared by two fields is stepped once
        }
        let value = param.val().inner();
        let dims = value.dims().to_vec();
        let n: usize = dims.iter().product();
        self.shapes.insert(param.id, (dims, value.device()));
        self.ids.push(param.id);
        self.params.push(ParamTensor::new(
            self.path.join("."),
            value.reshape([n]),
            grad.reshape([n]),
        ));
    }
}

struct Writer {
    updated: HashMap<ParamId, Tensor<1>>,
    shapes: HashMap<ParamId, (Vec<usize>, Device)>,
}

impl ModuleMapper for Writer {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some(flat) = self.updated.remove(&param.id) else {
            return param;
        };
        let (id, tensor, mapper) = param.consume();
        let dims: [usize; D] = self.shapes[&id]
            .0
            .clone()
            .try_into()
            .expect("rank recorded by the collector");
        let require_grad = tensor.is_require_grad();
        let checkpointing = tensor.gradient_checkpointing_strategy();
        let mut value = Tensor::from_inner(flat.reshape(dims));
        if let Some(strategy) = checkpointing {
            value = value.with_gradient_checkpointing_strategy(strategy);
        }
        if require_grad {
            value = value.require_grad();
        }
        Param::from_mapped_value(id, value, mapper)
    }
}
