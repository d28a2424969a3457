//! The ViT family and AlgoPerf's ResNet-50: parameter counts against AlgoPerf's table, shapes,
//! the sin-cos position embedding by hand, and a short training run of the tiny ViT.

use std::path::Path;
use std::sync::Arc;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use lrf_data::fashion_mnist::{FashionMnist, Split};
use lrf_optim::{Hyperparams, ModuleOptimizer, Preset, StepContext};
use lrf_workloads::resnet::{ImageData, ResNetConfig};
use lrf_workloads::vit::{posemb_sincos_2d, ViTConfig, ViTTask};
use lrf_workloads::{trainable_parameters, workload, Regularization, Task};

/// burn's CPU backends keep one process-wide random generator, so tests that seed it and draw
/// from it (model initialisation, dropout) must not interleave: each holds this lock.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn autodiff() -> Device {
    Device::flex().autodiff()
}

/// AlgoPerf's table: ViT-S/16 has 22 122 472 trainable parameters. By hand:
/// patch conv 16·16·3·384 + 384 = 295 296;
/// per block: 2 LayerNorms 2·768, attention 4·(384·384 + 384) = 591 360,
/// MLP 384·1536 + 1536 + 1536·384 + 384 = 1 181 568 → 1 774 464, × 12 = 21 293 568;
/// final LayerNorm 768; pre-logits 384·384 + 384 = 147 840; head 384·1000 + 1000 = 385 000;
/// total 22 122 472.
#[test]
fn vit_s16_has_algoperfs_parameter_count() {
    let _serial = serial();
    let model = ViTConfig::algoperf().init(&autodiff());
    assert_eq!(trainable_parameters(&model), 22_122_472);
}

/// AlgoPerf's table (= torchvision `resnet50`): 25 557 032 trainable parameters; the 53 120
/// BatchNorm running statistics (2 × 26 560 channels) are state, not parameters.
#[test]
fn resnet50_has_algoperfs_parameter_count() {
    let _serial = serial();
    let model = ResNetConfig::algoperf().init(&autodiff());
    assert_eq!(trainable_parameters(&model), 25_557_032);
}

/// The tiny ViT by hand: patch conv 7·7·1·64 + 64 = 3 200;
/// per block: LayerNorms 2·128 = 256, attention 4·(64·64 + 64) = 16 640,
/// MLP 64·128 + 128 + 128·64 + 64 = 16 576 → 33 472, × 2 = 66 944;
/// final LayerNorm 128; pre-logits 64·64 + 64 = 4 160; head 64·10 + 10 = 650; total 75 082.
#[test]
fn the_tiny_vit_has_the_hand_counted_parameters() {
    let _serial = serial();
    assert_eq!(workload("vit_tiny").unwrap().parameter_count(), 75_082);
    let w = workload("vit_tiny").unwrap();
    assert_eq!(w.info().family, "vit");
    assert_eq!(w.info().target_metric_name, "accuracy");
}

/// The basic-block ResNet is unchanged by the bottleneck option: still 19 810 parameters.
#[test]
fn the_tiny_resnet_keeps_its_parameters() {
    let _serial = serial();
    assert_eq!(
        trainable_parameters(&ResNetConfig::tiny().init(&autodiff())),
        19_810
    );
}

/// Logits have shape `[batch, classes]`; the zero-initialised head makes them all exactly 0 at
/// initialisation, whatever the input. ViT-S/16's layout is run at 32×32 (2×2 tokens) and
/// ResNet-50 at 64×64 to stay fast.
#[test]
fn forward_shapes() {
    let _serial = serial();
    let device = Device::flex();
    device.seed(3);
    let images = Tensor::<4>::random(
        [3, 1, 28, 28],
        burn::tensor::Distribution::Normal(0.0, 1.0),
        &device,
    );
    let logits = ViTConfig::tiny().init(&device).forward(images);
    assert_eq!(logits.dims(), [3, 10]);
    let values: Vec<f32> = logits.into_data().try_to_vec::<f32>().unwrap();
    assert!(values.iter().all(|&v| v == 0.0), "zero head: {values:?}");

    let mut small = ViTConfig::algoperf();
    small.image_size = 32;
    let images = Tensor::<4>::ones([1, 3, 32, 32], &device);
    let vit = small.init(&device);
    assert_eq!(vit.embed(images.clone()).dims(), [1, 4, 384]);
    assert_eq!(vit.forward(images).dims(), [1, 1000]);

    let images = Tensor::<4>::ones([1, 3, 64, 64], &device);
    let logits = ResNetConfig::algoperf().init(&device).forward(images);
    assert_eq!(logits.dims(), [1, 1000]);
    let tiny = ResNetConfig::tiny().init(&device);
    assert_eq!(
        tiny.forward(Tensor::ones([2, 1, 28, 28], &device)).dims(),
        [2, 10]
    );
}

/// A 2×2 grid at width 8: q = 2, ω = (10000^0, 10000^-1) = (1, 1e-4); token m = 2i + j is
/// [sin j, sin(j·1e-4), cos j, cos(j·1e-4), sin i, sin(i·1e-4), cos i, cos(i·1e-4)].
#[test]
fn sincos_position_embedding_by_hand() {
    let pe = posemb_sincos_2d(2, 2, 8);
    assert_eq!(pe.len(), 4 * 8);
    let s1 = 1f64.sin();
    let c1 = 1f64.cos();
    let s4 = 1e-4f64.sin(); // 9.99999998e-5
    let c4 = 1e-4f64.cos(); // 0.999999995
    #[rustfmt::skip]
    let expected: [[f64; 8]; 4] = [
        [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0], // (i, j) = (0, 0)
        [s1, s4, c1, c4, 0.0, 0.0, 1.0, 1.0],     // (0, 1)
        [0.0, 0.0, 1.0, 1.0, s1, s4, c1, c4],     // (1, 0)
        [s1, s4, c1, c4, s1, s4, c1, c4],         // (1, 1)
    ];
    for (m, row) in expected.iter().enumerate() {
        for (d, &want) in row.iter().enumerate() {
            let got = pe[m * 8 + d] as f64;
            assert!(
                (got - want).abs() < 1e-7,
                "token {m}, dim {d}: {got} vs {want}"
            );
        }
    }
    // sin 1 = 0.8414709848, cos 1 = 0.5403023059 (tables).
    assert!((pe[8] as f64 - 0.841_470_984_8).abs() < 1e-7);
    assert!((pe[10] as f64 - 0.540_302_305_9).abs() < 1e-7);
}

/// The position embedding is what the model adds: with all-zero patch weights and biases the
/// tokens before the encoder are exactly the embedding.
#[test]
fn the_model_adds_the_position_embedding() {
    let _serial = serial();
    let device = Device::flex();
    let model = ViTConfig::tiny().init(&device);
    let images = Tensor::<4>::zeros([1, 1, 28, 28], &device);
    // Zero input: the patch conv gives its bias, which starts at zero.
    let tokens: Vec<f32> = model.embed(images).into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(tokens, posemb_sincos_2d(4, 4, 64));
}

/// Dropout comes from the trial's regularisation: at rate 0.5 about half the tokens' entries
/// are zeroed in training, none in the validation copy; unset, AlgoPerf's default 0 applies.
/// Zero images make the tokens the position embedding itself, whose zero entries are the sines
/// at row 0 or column 0: (4 + 4) tokens × 16 of 16 × 64 entries = 1/8; dropout at 0.5 zeroes
/// half of the rest, 1/8 + 7/16 = 0.5625.
#[test]
fn dropout_is_wired_from_the_regularisation() {
    let _serial = serial();
    let device = autodiff();
    device.seed(7);
    let task = tiny_task(64, 1);
    let reg = Regularization {
        dropout: Some(0.5),
        label_smoothing: 0.0,
    };
    let model = task.init_model(&device, &reg);
    let images = Tensor::<4>::zeros([4, 1, 28, 28], &device);
    let zeros = |t: Tensor<3>| {
        let v: Vec<f32> = t.into_data().try_to_vec::<f32>().unwrap();
        v.iter().filter(|&&x| x == 0.0).count() as f64 / v.len() as f64
    };
    let inner = device.clone().inner();
    let base = zeros(model.valid().embed(Tensor::zeros([4, 1, 28, 28], &inner)));
    assert_eq!(base, 0.125);
    let dropped = zeros(model.embed(images.clone()));
    assert!((dropped - 0.5625).abs() < 0.03, "{dropped}");
    let default = task.init_model(&device, &Regularization::default());
    assert_eq!(zeros(default.embed(images)), 0.125);
}

fn datasets() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/fashion-mnist")
}

/// A task on the first `n` training and validation images of the committed subset.
fn tiny_task(n: usize, seed: u64) -> ViTTask {
    let source = FashionMnist::from_dir(&datasets(), "committed subset");
    let data = ImageData {
        train: source.load(Split::Train, n).unwrap(),
        validation: source.load(Split::Validation, n).unwrap(),
        train_eval: n,
    };
    ViTTask::new(ViTConfig::tiny(), Arc::new(data), n, seed)
}

/// 30 AdamW steps on 64 Fashion-MNIST images (each batch is all 64): the loss starts at
/// ln 10 = 2.302585 exactly (the zero head gives uniform logits) and ends well below it.
#[test]
fn the_tiny_vit_learns_a_few_images() {
    let _serial = serial();
    let device = autodiff();
    device.seed(0);
    let mut task = tiny_task(64, 0);
    let mut model = task.init_model(&device, &Regularization::default());
    let preset = Preset::literature("adamw")
        .unwrap()
        .with_overrides(
            &Hyperparams::new()
                .with("learning_rate", 3e-3)
                .with("warmup_fraction", 0.0),
        )
        .unwrap();
    let mut optim = ModuleOptimizer::new(preset.build().unwrap());
    let mut losses = Vec::new();
    for _ in 0..30 {
        let loss = task.train_loss(&model, &device, 0.0);
        let value = loss.clone().into_scalar::<f64>();
        losses.push(value);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim
            .step(StepContext::new(3e-3).with_loss(value), model, grads)
            .unwrap();
    }
    assert!((losses[0] - 10f64.ln()).abs() < 1e-5, "{}", losses[0]);
    let last = *losses.last().unwrap();
    assert!(last < 0.7 * losses[0], "losses {losses:?}");
    let metrics = task.evaluate(&model.valid(), &device.clone().inner());
    assert!(metrics["train/accuracy"] > 0.5, "{metrics:?}");
    assert_eq!(metrics["validation/num_examples"], 64.0);
}
