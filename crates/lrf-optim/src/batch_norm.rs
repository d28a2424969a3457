//! Recomputing BatchNorm statistics at an evaluation point ("precise BatchNorm").
//!
//! Schedule-Free methods and iterate averaging evaluate at another point than they train at,
//! but BatchNorm's running statistics were gathered at the training iterates. This helper
//! makes them the plain mean over a few training batches at the evaluation point.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::tensor::Tensor;

/// `model` with the running mean and variance of every BatchNorm layer (tensors named
/// `running_mean` / `running_var`) replaced by their mean over `batches` forward passes in
/// training mode at `model`'s parameters.
///
/// `forward(&model, k)` must run batch `k` through the model on an autodiff device (so
/// BatchNorm takes its training path); `momentum` is the layers' BatchNorm momentum (burn's
/// default is 0.1). Each batch starts from zeroed statistics, so after it a statistic holds
/// `momentum × (batch statistic)`; the sum over batches divided by `momentum × batches` is the
/// mean. Models without BatchNorm come back unchanged.
pub fn recompute_batch_norm<M: Module>(
    model: M,
    momentum: f64,
    batches: usize,
    mut forward: impl FnMut(&M, usize),
) -> M {
    // `train()` folds pending running-state updates into the values and gives the statistics
    // storage of their own, so the model this came from keeps its statistics.
    let mut model = model.train();
    let mut sums: HashMap<ParamId, Tensor<1>> = HashMap::new();
    for k in 0..batches {
        model = model.map(&mut StatisticsWriter::zeros());
        forward(&model, k);
        model = model.train();
        model.visit(&mut StatisticsReader {
            path: Vec::new(),
            sums: &mut sums,
        });
    }
    if sums.is_empty() {
        return model;
    }
    let scale = 1.0 / (momentum * batches as f64);
    let means = sums
        .into_iter()
        .map(|(id, s)| (id, s.mul_scalar(scale)))
        .collect();
    model.map(&mut StatisticsWriter {
        path: Vec::new(),
        values: Some(means),
    })
}

/// Whether the module path names a BatchNorm running statistic.
fn is_statistic(path: &[String]) -> bool {
    matches!(
        path.last().map(String::as_str),
        Some("running_mean" | "running_var")
    )
}

/// Sets every running statistic to zeros, or to the given values by id.
struct StatisticsWriter {
    path: Vec<String>,
    values: Option<HashMap<ParamId, Tensor<1>>>,
}

impl StatisticsWriter {
    fn zeros() -> Self {
        Self {
            path: Vec::new(),
            values: None,
        }
    }
}

impl ModuleMapper for StatisticsWriter {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if !is_statistic(&self.path) {
            return param;
        }
        let (id, tensor, mapper) = param.consume();
        let value = match self.values.as_mut().and_then(|v| v.remove(&id)) {
            Some(mean) => mean.reshape(tensor.dims()),
            None => tensor.zeros_like(),
        };
        Param::from_mapped_value(id, value, mapper)
    }
}

/// Adds the current running statistics to `sums`.
struct StatisticsReader<'a> {
    path: Vec<String>,
    sums: &'a mut HashMap<ParamId, Tensor<1>>,
}

impl ModuleVisitor for StatisticsReader<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if !is_statistic(&self.path) {
            return;
        }
        let value: Tensor<1> = param.val().reshape([-1]);
        let sum = match self.sums.remove(&param.id) {
            Some(s) => s.add(value),
            None => value,
        };
        self.sums.insert(param.id, sum);
    }
}
