//! Table-driven checks every optimizer goes through: construction errors that name the
//! parameter, bit-exact state save/load, the schedule, and training a burn module.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::tensor::{DType, Device, Distribution, Tensor, TensorData};
use lrf_optim::{
    AdamWConfig, Hyperparams, ModuleOptimizer, NAdamWConfig, OptimizerState, ParamTensor, Preset,
    ProdigyConfig, Schedule, StepContext, ALGORITHMS,
};

fn quadratic_params(device: &Device, x: &[f64]) -> Vec<ParamTensor> {
    let t = Tensor::<1>::from_data(TensorData::new(x.to_vec(), [x.len()]), (device, DType::F64));
    vec![ParamTensor::new("w", t.clone(), t.zeros_like())]
}

/// Sets the gradient of ½Σ aᵢ(xᵢ − bᵢ)² with a = (1, 2, 0.5, 3), b = (1, −2, 0.5, 0), and
/// returns the step context with that loss (MoMo needs it).
fn set_quadratic_grad(params: &mut [ParamTensor], device: &Device, lr: f64) -> StepContext {
    let x: Vec<f64> = params[0].value.to_data().try_into_vec_as::<f64>().unwrap();
    let (a, b) = ([1.0, 2.0, 0.5, 3.0], [1.0, -2.0, 0.5, 0.0]);
    let g: Vec<f64> = (0..4).map(|i| a[i] * (x[i] - b[i])).collect();
    let loss: f64 = (0..4).map(|i| 0.5 * a[i] * (x[i] - b[i]).powi(2)).sum();
    params[0].grad = Tensor::from_data(TensorData::new(g, [4]), (device, DType::F64));
    StepContext::new(lr).with_loss(loss)
}

fn values(p: &ParamTensor) -> Vec<f64> {
    p.value.to_data().try_into_vec_as::<f64>().unwrap()
}

#[test]
fn invalid_hyperparameters_are_rejected_with_their_name() {
    let cases: Vec<(&str, lrf_optim::Result<()>)> = vec![
        ("eps", AdamWConfig::new().with_eps(-1e-8).init().map(|_| ())),
        ("b1", AdamWConfig::new().with_b1(1.0).init().map(|_| ())),
        ("b2", NAdamWConfig::new().with_b2(-0.1).init().map(|_| ())),
        (
            "weight_decay",
            NAdamWConfig::new()
                .with_weight_decay(f64::NAN)
                .init()
                .map(|_| ()),
        ),
        ("d0", ProdigyConfig::new().with_d0(0.0).init().map(|_| ())),
        (
            "b1",
            ProdigyConfig::new().with_b1(f64::NAN).init().map(|_| ()),
        ),
        (
            "growth_rate",
            ProdigyConfig::new()
                .with_growth_rate(0.5)
                .init()
                .map(|_| ()),
        ),
    ];
    for (name, result) in cases {
        let err = result.expect_err(name).to_string();
        assert!(
            err.contains(&format!("`{name}`")),
            "error `{err}` does not name `{name}`"
        );
    }
}

#[test]
fn a_nan_learning_rate_is_rejected_at_the_step() {
    let device = Device::flex();
    for info in ALGORITHMS {
        let mut optim = Preset::literature(info.name).unwrap().build().unwrap();
        let mut params = quadratic_params(&device, &[0.5, 0.5, -0.5, 0.1]);
        let ctx = set_quadratic_grad(&mut params, &device, f64::NAN);
        let err = optim.step(&ctx, &mut params).unwrap_err();
        assert!(
            err.to_string().contains("learning_rate"),
            "{}: {err}",
            info.name
        );
    }
}

#[test]
fn unknown_and_mistyped_hyperparameters_name_the_key() {
    let h = Hyperparams::new().with("weight_decy", 0.1);
    let err = Preset::new("adamw", h).unwrap_err().to_string();
    assert!(err.contains("weight_decy"), "{err}");
    let h = Hyperparams::new().with("safeguard_warmup", 1.0);
    let err = Preset::new("prodigy", h).unwrap_err().to_string();
    assert!(err.contains("safeguard_warmup"), "{err}");
    let h = Hyperparams::new().with("b1", 0.9).with("one_minus_b1", 0.1);
    let err = Preset::new("nadamw", h).unwrap_err().to_string();
    assert!(err.contains("one_minus_b1"), "{err}");
    // Overrides that give both forms are an error too, not a silent pick.
    let both = Hyperparams::new()
        .with("b1", 0.5)
        .with("one_minus_b1", 0.01);
    let err = Preset::literature("adamw")
        .unwrap()
        .with_overrides(&both)
        .unwrap_err()
        .to_string();
    assert!(err.contains("one_minus_b1"), "{err}");
    let err = Preset::new("adamw", Hyperparams::new().with("one_minus_b1", 1.47))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`one_minus_b1` = 1.47"), "{err}");
    // The learning rate and warmup must be numbers, not text that would be ignored.
    for key in ["learning_rate", "warmup_fraction"] {
        let err = Preset::new("adamw", Hyperparams::new().with(key, "0.001"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("`{key}`")) && err.contains("a number"),
            "{err}"
        );
    }
}

/// NAdamW's literature preset gives `one_minus_b1`; an override with `b1` replaces it.
#[test]
fn overriding_a_coefficient_by_its_complement_replaces_it() {
    let preset = Preset::literature("nadamw").unwrap();
    assert!(preset.hparams.get("one_minus_b1").is_some());
    let changed = preset
        .with_overrides(&Hyperparams::new().with("b1", 0.8))
        .unwrap();
    assert_eq!(changed.hparams.number("b1"), Some(0.8));
    assert!(changed.hparams.get("one_minus_b1").is_none());
    let back = changed
        .with_overrides(&Hyperparams::new().with("one_minus_b1", 0.05))
        .unwrap();
    assert!(back.hparams.get("b1").is_none());
}

/// Mechanic's base optimizer takes its betas behind the `base_` prefix; the complement form
/// `base_one_minus_b1` replaces the literature `base_b1` (0.9) instead of clashing with it,
/// so the calibration can search 1 - beta on a log scale for Mechanic as for the others.
#[test]
fn mechanic_base_betas_can_be_overridden_by_their_complement() {
    let preset = Preset::literature("mechanic").unwrap();
    assert_eq!(preset.hparams.number("base_b1"), Some(0.9));
    let changed = preset
        .with_overrides(
            &Hyperparams::new()
                .with("base_one_minus_b1", 0.05)
                .with("base_one_minus_b2", 1.0e-3),
        )
        .unwrap();
    assert!(changed.hparams.get("base_b1").is_none());
    assert!(changed.hparams.get("base_b2").is_none());
    assert_eq!(changed.hparams.number("base_one_minus_b1"), Some(0.05));
    // The base Adam still refuses a complement outside (0, 1], naming the key.
    let err = preset
        .with_overrides(&Hyperparams::new().with("base_one_minus_b1", 1.5))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`base_one_minus_b1` = 1.5"), "{err}");
    // So does the merged preset that gives both forms, and an unknown base key.
    let both = Hyperparams::new()
        .with("base_b1", 0.9)
        .with("base_one_minus_b1", 0.1);
    let err = Preset::new("mechanic", both).unwrap_err().to_string();
    assert!(
        err.contains("both `base_b1` and `base_one_minus_b1` given"),
        "{err}"
    );
    let err = Preset::new("mechanic", Hyperparams::new().with("base_d0", 1.0))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`base_d0`"), "{err}");
    // A complement too small to change 1 in float64 (1 - 1e-17 == 1) names the key given.
    let err = Preset::new("nadamw", Hyperparams::new().with("one_minus_b1", 1.0e-17))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`one_minus_b1` = 0.00000000000000001"),
        "{err}"
    );
}

#[test]
fn torch_only_prodigy_options_need_the_torch_flavor() {
    let h = Hyperparams::new().with("growth_rate", 1.02);
    let err = Preset::new("prodigy", h).unwrap_err().to_string();
    assert!(
        err.contains("growth_rate") && err.contains("torch"),
        "{err}"
    );
    let h = Hyperparams::new()
        .with("growth_rate", 1.02)
        .with("flavor", "torch");
    Preset::new("prodigy", h).unwrap();
}

/// Saving the state after 7 steps, loading it into a fresh optimizer and taking 5 more steps
/// gives bit-identical parameters to 12 uninterrupted steps, for every optimizer.
#[test]
fn state_round_trip_resumes_bit_exactly() {
    let device = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    for info in ALGORITHMS {
        let preset = Preset::literature(info.name).unwrap();
        let lr = |t: usize| preset.learning_rate() * (1.0 - t as f64 / 20.0);
        let mut straight = preset.build().unwrap();
        let mut p1 = quadratic_params(&device, &[0.5, 0.5, -0.5, 0.1]);
        for t in 0..12 {
            let ctx = set_quadratic_grad(&mut p1, &device, lr(t));
            straight.step(&ctx, &mut p1).unwrap();
        }
        let mut first = preset.build().unwrap();
        let mut p2 = quadratic_params(&device, &[0.5, 0.5, -0.5, 0.1]);
        for t in 0..7 {
            let ctx = set_quadratic_grad(&mut p2, &device, lr(t));
            first.step(&ctx, &mut p2).unwrap();
        }
        let path = dir.path().join(format!("{}.json", info.name));
        first.export_state().save(&path).unwrap();
        let mut resumed = preset.build().unwrap();
        resumed
            .import_state(&OptimizerState::load(&path).unwrap(), &device)
            .unwrap();
        for t in 7..12 {
            let ctx = set_quadratic_grad(&mut p2, &device, lr(t));
            resumed.step(&ctx, &mut p2).unwrap();
        }
        assert_eq!(values(&p1[0]), values(&p2[0]), "{}", info.name);
        assert_eq!(
            straight.export_state(),
            resumed.export_state(),
            "{}",
            info.name
        );
    }
}

#[test]
fn loading_state_of_another_optimizer_is_an_error() {
    let state = Preset::literature("adamw")
        .unwrap()
        .build()
        .unwrap()
        .export_state();
    let mut prodigy = Preset::literature("prodigy").unwrap().build().unwrap();
    let err = prodigy
        .import_state(&state, &Device::flex())
        .unwrap_err()
        .to_string();
    assert!(err.contains("adamw") && err.contains("prodigy"), "{err}");
}

/// AlgoPerf's `jax_cosine_warmup` for step_hint 100 and warmup_factor 0.1 at peak 0.05, as
/// recorded in the golden file `adamw__optax__quadratic-nondefault.json` (optax in float64).
#[test]
fn warmup_cosine_matches_the_algoperf_schedule() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/adamw__optax__quadratic-nondefault.json"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let expected: Vec<f64> = doc["lr_schedule"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let schedule = Schedule::warmup_cosine(0.1, 100).unwrap();
    assert_eq!(schedule.lr(0.05, 0), 0.0);
    for (t, want) in expected.iter().enumerate() {
        let got = schedule.lr(0.05, t as u64);
        assert!(
            (got - want).abs() <= 1e-16 + 1e-15 * want.abs(),
            "step {t}: {got} vs {want}"
        );
    }
    assert_eq!(schedule.lr(0.05, 100), 0.0);
}

/// Every optimizer trains a linear least-squares model through `ModuleOptimizer`: the loss
/// after 300 steps is below a tenth of the initial loss. Learning-rate-free methods run at
/// their literature preset; the baselines at peak learning rate 0.05 (their literature 1e-3
/// is tuned for deep networks, not for moving weights by 0.5 in 300 steps).
#[test]
fn every_optimizer_trains_a_burn_module() {
    let device = Device::flex().autodiff();
    for info in ALGORITHMS {
        device.seed(7);
        let mut model: Linear = LinearConfig::new(4, 1).init(&device);
        let x = Tensor::<2>::random([64, 4], Distribution::Normal(0.0, 1.0), &device);
        let w = Tensor::<2>::from_data(
            TensorData::new(vec![0.1f32, -0.2, 0.05, 0.3], [4, 1]),
            &device,
        );
        let y = x.clone().matmul(w);
        let preset = Preset::literature(info.name).unwrap();
        let schedule = preset.schedule(300).unwrap();
        let peak = if info.learning_rate_free {
            preset.learning_rate()
        } else {
            0.05
        };
        let mut optim = ModuleOptimizer::new(preset.build().unwrap());
        let loss_of = |m: &Linear| m.forward(x.clone()).sub(y.clone()).powf_scalar(2.0).mean();
        let initial = loss_of(&model).into_scalar::<f64>();
        for t in 0..300 {
            let loss = loss_of(&model);
            let value = loss.clone().into_scalar::<f64>();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            let ctx = StepContext::new(schedule.lr(peak, t)).with_loss(value);
            model = optim.step(ctx, model, grads).unwrap();
        }
        let last = loss_of(&model).into_scalar::<f64>();
        assert!(
            last < 0.1 * initial,
            "{}: loss {initial} -> {last}",
            info.name
        );
        // Linear 4→1: 4 weights + 1 bias.
        assert_eq!(model.num_params(), 5);
    }
}

/// Precise BatchNorm: two batches with (mean, biased variance) = (1, 1) for [0, 2, 0, 2] and
/// (4, 0) for [4, 4, 4, 4] give running statistics (2.5, 0.5), their plain means.
#[test]
fn batch_norm_statistics_are_recomputed_as_plain_means() {
    use burn::nn::{BatchNorm, BatchNormConfig};
    let device = Device::flex().autodiff();
    let bn: BatchNorm = BatchNormConfig::new(1).init(&device);
    let batches = [[0.0f32, 2.0, 0.0, 2.0], [4.0, 4.0, 4.0, 4.0]];
    let bn = lrf_optim::recompute_batch_norm(bn, 0.1, 2, |m, k| {
        let x = Tensor::<2>::from_data(TensorData::new(batches[k].to_vec(), [4, 1]), &device);
        let _ = m.forward(x);
    });
    let mean: Vec<f32> = bn.running_mean.value().into_data().try_to_vec().unwrap();
    let var: Vec<f32> = bn.running_var.value().into_data().try_to_vec().unwrap();
    assert!((mean[0] - 2.5).abs() < 1e-6, "{mean:?}");
    assert!((var[0] - 0.5).abs() < 1e-6, "{var:?}");
}

/// A set of presets keyed by algorithm (the `calibrated.yaml` of a report) loads by name; a
/// single-preset file loads too; a missing name is an error that lists what the file holds.
#[test]
fn calibrated_preset_sets_load_by_algorithm() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("calibrated.yaml");
    std::fs::write(
        &set,
        "# comment\nnadamw:\n  algorithm: nadamw\n  hparams:\n    learning_rate: 0.002\n    \
         one_minus_b1: 0.05\n  horizon: 0.5\n  label_smoothing: 0.1\n  source: phase3/nadamw/p001-h0.50\n\
         prodigy:\n  algorithm: prodigy\n  hparams: {d_coef: 0.5, safeguard_warmup: true}\n  horizon: 0.33\n",
    )
    .unwrap();
    let p = Preset::load_named(&set, "prodigy").unwrap();
    assert_eq!(p.algorithm, "prodigy");
    assert_eq!(p.hparams.number("d_coef"), Some(0.5));
    let n = Preset::load_named(&set, "nadamw").unwrap();
    assert_eq!(n.learning_rate(), 0.002);
    // The training setting the configuration was calibrated with comes along.
    let (_, setting) = Preset::load_named_with_setting(&set, "nadamw").unwrap();
    assert_eq!(
        setting,
        lrf_optim::TrainingSetting {
            horizon: Some(0.5),
            dropout: None,
            label_smoothing: Some(0.1),
        }
    );
    let err = Preset::load_named(&set, "adamw").unwrap_err().to_string();
    assert!(
        err.contains("no preset `adamw`") && err.contains("nadamw, prodigy"),
        "{err}"
    );
    let single = dir.path().join("one.yaml");
    std::fs::write(
        &single,
        "algorithm: adamw\nhparams: {learning_rate: 0.003}\n",
    )
    .unwrap();
    assert_eq!(
        Preset::load_named(&single, "adamw")
            .unwrap()
            .learning_rate(),
        0.003
    );
    std::fs::write(&set, "prodigy:\n  algorithm: adamw\n").unwrap();
    let err = Preset::load_named(&set, "prodigy").unwrap_err().to_string();
    assert!(err.contains("is a preset of `adamw`"), "{err}");
    // Settings out of range and unknown keys are errors naming the key.
    for (entry, expected) in [
        (
            "horizon: 7",
            "prodigy.horizon = 7: expected a number in (0, 1]",
        ),
        (
            "dropout: 1.5",
            "prodigy.dropout = 1.5: expected a number in [0, 1)",
        ),
        ("label_smoothing: -0.1", "prodigy.label_smoothing = -0.1"),
        ("sauce: 1", "unknown field `sauce`"),
    ] {
        std::fs::write(&set, format!("prodigy:\n  algorithm: prodigy\n  {entry}\n")).unwrap();
        let err = Preset::load_named(&set, "prodigy").unwrap_err().to_string();
        assert!(err.contains(expected), "{entry}: {err}");
    }
}
