//! Trains a small two-layer network with every optimizer of lrf-optim at its literature preset
//! and prints the loss: `cargo run -p lrf-optim --example every_optimizer`.
//!
//! The task is regression onto a fixed random "teacher" network, so every run sees the same
//! data; learning-rate-free methods run with their multiplier 1, the baselines with their
//! literature learning rate.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Distribution, Tensor};
use lrf_optim::{ModuleOptimizer, Preset, StepContext, ALGORITHMS};

#[derive(Module, Debug)]
struct Mlp {
    hidden: Linear,
    out: Linear,
}

impl Mlp {
    fn new(device: &Device) -> Self {
        Self {
            hidden: LinearConfig::new(8, 32).init(device),
            out: LinearConfig::new(32, 1).init(device),
        }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.out.forward(relu(self.hidden.forward(x)))
    }
}

const STEPS: u64 = 300;

fn main() -> Result<(), lrf_optim::OptimError> {
    let device = Device::flex().autodiff();
    device.seed(0);
    let teacher = Mlp::new(&device);
    let x = Tensor::<2>::random([256, 8], Distribution::Normal(0.0, 1.0), &device);
    let y = teacher.forward(x.clone()).detach();
    println!(
        "{:<22} {:>12} {:>12} {:>12}",
        "optimizer", "loss step 0", "step 100", "step 300"
    );
    for info in ALGORITHMS {
        device.seed(1);
        let mut model = Mlp::new(&device);
        let preset = Preset::literature(info.name)?;
        let schedule = preset.schedule(STEPS)?;
        let mut optim = ModuleOptimizer::new(preset.build()?);
        let mut losses = Vec::new();
        for step in 0..STEPS {
            let loss = model
                .forward(x.clone())
                .sub(y.clone())
                .powf_scalar(2.0)
                .mean();
            let value = loss.clone().into_scalar::<f64>();
            if step == 0 || step == 100 {
                losses.push(value);
            }
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            let ctx = StepContext::new(schedule.lr(preset.learning_rate(), step)).with_loss(value);
            model = optim.step(ctx, model, grads)?;
        }
        // Evaluate where the optimizer says to (Schedule-Free's x, DoG's average).
        let at = optim.eval_module(&model);
        let last = at
            .forward(x.clone())
            .sub(y.clone())
            .powf_scalar(2.0)
            .mean()
            .into_scalar::<f64>();
        println!(
            "{:<22} {:>12.5} {:>12.5} {:>12.5}",
            info.name, losses[0], losses[1], last
        );
    }
    Ok(())
}
