//! The fused CPU kernels compute what the burn tensor operations compute: for every optimizer,
//! flavor and weight-decay form, steps taken both ways agree to f32 rounding (the golden
//! replay checks the fused path in f64 against the references), and the fused path never
//! writes into storage that another tensor shares.

use burn::tensor::{DType, Device, Distribution, Tensor};
use lrf_optim::{
    set_fused_kernels, HValue, Hyperparams, Optimizer, ParamTensor, Preset, StepContext, ALGORITHMS,
};

/// Every optimizer at its literature preset, then the options that take other branches.
fn variants() -> Vec<(&'static str, Vec<(&'static str, HValue)>)> {
    let mut out: Vec<(&'static str, Vec<(&'static str, HValue)>)> =
        ALGORITHMS.iter().map(|a| (a.name, vec![])).collect();
    let torch = || ("flavor", HValue::from("torch"));
    let wd = |x: f64| ("weight_decay", HValue::from(x));
    out.extend([
        ("adamw", vec![wd(0.1)]),
        ("nadamw", vec![("nesterov", HValue::from("optax"))]),
        ("sgd_nesterov", vec![wd(0.01)]),
        ("prodigy", vec![wd(0.1), ("safeguard_warmup", true.into())]),
        (
            "prodigy",
            vec![torch(), wd(0.1), ("decoupled", false.into())],
        ),
        (
            "prodigy",
            vec![
                torch(),
                wd(0.1),
                ("growth_rate", 1.02.into()),
                ("bias_correction", true.into()),
            ],
        ),
        ("dadapt_adamw", vec![wd(0.1)]),
        ("dadapt_adamw", vec![torch(), wd(0.1)]),
        (
            "dadapt_adamw",
            vec![
                torch(),
                wd(0.1),
                ("decoupled", true.into()),
                ("growth_rate", 1.1.into()),
            ],
        ),
        ("dog", vec![wd(0.01), ("init", "distance".into())]),
        (
            "dog",
            vec![
                torch(),
                ("init", "learning_rate".into()),
                ("init_value", 1e-3.into()),
            ],
        ),
        ("ldog", vec![wd(0.01)]),
        ("dowg", vec![wd(0.01)]),
        ("mechanic", vec![wd(0.05)]),
        ("mechanic", vec![torch(), wd(0.05)]),
        ("cocob", vec![wd(0.01)]),
        ("cocob", vec![("lr_scales_gradient", false.into())]),
        ("momo", vec![wd(0.1), ("adapt_lower_bound", true.into())]),
        (
            "momo",
            vec![torch(), wd(0.1), ("bias_correction", true.into())],
        ),
        ("momo_adam", vec![wd(0.1)]),
        (
            "momo_adam",
            vec![torch(), wd(0.1), ("divide", false.into())],
        ),
        ("schedule_free_adamw", vec![wd(0.1)]),
        ("schedule_free_adamw", vec![torch(), wd(0.1)]),
        (
            "schedule_free_adamw",
            vec![
                ("flavor", "torch_paper".into()),
                ("warmup_steps", 3.0.into()),
            ],
        ),
    ]);
    out
}

/// Three f32 tensors (one larger than a kernel chunk) and gradients of ½‖x − 1‖² + noise.
fn params(device: &Device) -> Vec<ParamTensor> {
    device.seed(7);
    [40_000, 300, 5]
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let x = Tensor::<1>::random([n], Distribution::Normal(0.0, 1.0), (device, DType::F32));
            ParamTensor::new(format!("p{i}"), x.clone(), x)
        })
        .collect()
}

fn set_grads(params: &mut [ParamTensor], step: usize) -> StepContext {
    let mut loss = 0.0;
    for (i, p) in params.iter_mut().enumerate() {
        let noise = Tensor::<1>::random(
            p.value.dims(),
            Distribution::Normal(0.0, 0.1),
            (&p.value.device(), DType::F32),
        );
        let diff = p.value.clone().sub_scalar(1.0);
        loss += 0.5 * diff.clone().powi_scalar(2).sum().into_scalar::<f64>();
        p.grad = diff.add(noise).mul_scalar(1.0 + 0.1 * (i + step) as f64);
    }
    // A decaying learning-rate factor, so schedules that track the maximum see changes.
    StepContext::new(1.0 - 0.1 * step as f64).with_loss(loss)
}

fn values(params: &[ParamTensor]) -> Vec<Vec<f32>> {
    params
        .iter()
        .map(|p| p.value.to_data().try_to_vec::<f32>().unwrap())
        .collect()
}

/// Runs 6 steps with the given kernels; returns the parameters and the state's scalars.
fn run(name: &str, overrides: &Hyperparams, fused: bool) -> (Vec<Vec<f32>>, Vec<(String, f64)>) {
    set_fused_kernels(fused);
    let device = Device::flex();
    let preset = Preset::literature(name)
        .unwrap()
        .with_overrides(overrides)
        .unwrap();
    let mut optim: Box<dyn Optimizer> = preset.build().unwrap();
    let mut params = params(&device);
    for step in 0..6 {
        let mut ctx = set_grads(&mut params, step);
        ctx.lr *= preset.learning_rate();
        // Shares storage with the parameters; the step must not write through it.
        let before: Vec<Tensor<1>> = params.iter().map(|p| p.value.clone()).collect();
        let copy = values(&params);
        optim.step(&ctx, &mut params).unwrap();
        let after: Vec<Vec<f32>> = before
            .iter()
            .map(|t| t.to_data().try_to_vec::<f32>().unwrap())
            .collect();
        assert_eq!(after, copy, "{name} {overrides:?}: a shared tensor changed");
    }
    set_fused_kernels(true);
    let scalars = optim.export_state().scalars.into_iter().collect();
    (values(&params), scalars)
}

#[test]
fn fused_kernels_match_tensor_operations_for_every_optimizer() {
    for (name, options) in variants() {
        let mut overrides = Hyperparams::default();
        for (k, v) in options {
            overrides = overrides.with(k, v);
        }
        let (fused, fused_scalars) = run(name, &overrides, true);
        let (tensor, tensor_scalars) = run(name, &overrides, false);
        let mut worst = 0.0f64;
        for (a, b) in fused.iter().flatten().zip(tensor.iter().flatten()) {
            assert!(a.is_finite(), "{name} {overrides:?}: non-finite parameter");
            let err = (a - b).abs() as f64 / (1.0 + b.abs() as f64);
            worst = worst.max(err);
        }
        // f32 rounding differs only in the order of the global sums (f64 in the kernels,
        // f32 in burn's reductions); six steps keep that far below 1e-4.
        assert!(
            worst < 1e-4,
            "{name} {overrides:?}: fused and tensor paths differ by {worst:e}"
        );
        for ((k, a), (_, b)) in fused_scalars.iter().zip(&tensor_scalars) {
            let err = (a - b).abs() / (1e-12 + a.abs().max(b.abs()));
            assert!(
                err < 1e-3,
                "{name} {overrides:?}: state scalar {k}: fused {a} vs tensor {b}"
            );
        }
    }
}
