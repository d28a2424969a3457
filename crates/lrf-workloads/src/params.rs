//! Counting trainable parameters the way AlgoPerf's tables do (BatchNorm running statistics
//! are state, not parameters).

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;

struct TrainableCounter {
    count: usize,
}

impl ModuleVisitor for TrainableCounter {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        if value.is_require_grad() {
            self.count += value.shape().num_elements();
        }
    }
}

/// Number of trainable scalars of `module` (built on an autodiff device, where trainable
/// parameters require gradients and running statistics do not).
pub fn trainable_parameters<M: Module>(module: &M) -> usize {
    let mut counter = TrainableCounter { count: 0 };
    module.visit(&mut counter);
    counter.count
}
