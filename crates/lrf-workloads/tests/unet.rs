//! The U-Net family: parameter counts, shapes, SSIM against scikit-image, the fastMRI mask and
//! FFT of the simulation, and a few training steps on a simulated fixture volume (written as
//! NIfTI here, so no Debian data package is needed).

use std::sync::Arc;

use burn::tensor::{Device, Tensor};
use lrf_data::mri_sim::{fft2c, ifft2c, random_mask, simulate_splits, Complex, SimConfig};
use lrf_data::nifti::{encode_nifti, read_nifti, Datatype};
use lrf_optim::{Hyperparams, Preset};
use lrf_workloads::unet::ssim::{fastmri_ssim, structural_similarity};
use lrf_workloads::unet::{MriData, UNetConfig, UNetTask};
use lrf_workloads::{
    run_trial, trainable_parameters, training_device, workload, EvalLog, Regularization, Task,
    TrialSpec, WorkloadInfo,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// burn's CPU backends keep one process-wide random generator: tests that draw from it hold
/// this lock.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn algoperf_unet_has_the_algoperf_parameter_count() {
    // AlgoPerf's table: 7,756,097. By hand: down blocks 9·(1·32+32·32) + 9·(32·64+64·64) +
    // 9·(64·128+128·128) + 9·(128·256+256·256) = 1,170,720; bottom 9·(256·512+512·512) =
    // 3,538,944; transposed convs 4·(512·256+256·128+128·64+64·32) = 696,320; up blocks
    // 9·(512·256+256·256+256·128+128·128+128·64+64·64+64·32+32·32) = 2,350,080; 1×1 head 33.
    let device = training_device();
    let n = trainable_parameters(&UNetConfig::algoperf().init(&device));
    assert_eq!(n, 7_756_097);
    // The tiny one: the same sum with 8 channels and 3 pool layers: down 9·(1·8+8·8) +
    // 9·(8·16+16·16) + 9·(16·32+32·32) = 17,928; bottom 9·(32·64+64·64) = 55,296; transposed
    // 4·(64·32+32·16+16·8) = 10,752; up 9·(64·32+32·32+32·16+16·16+16·8+8·8) = 36,288; head 9.
    let n = trainable_parameters(&UNetConfig::tiny().init(&device));
    assert_eq!(n, 120_273);
    let w = workload("unet_tiny").unwrap();
    assert_eq!(w.parameter_count(), 120_273);
    assert_eq!(w.info().target_metric_name, "ssim");
    assert!(!w.info().minimize);
}

#[test]
fn forward_keeps_the_image_shape_including_odd_sizes() {
    let device = Device::flex();
    let model = UNetConfig::new(1, 1, 4, 2, 0.0).init(&device);
    for (h, w) in [(16, 16), (13, 18)] {
        let x = Tensor::<4>::ones([2, 1, h, w], &device);
        assert_eq!(model.forward(x).dims(), [2, 1, h, w]);
    }
}

/// 12×10 images from formulas (row r, column c), the same in the Python below.
fn ssim_fixtures() -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut a, mut b, mut p, mut q) = (vec![], vec![], vec![], vec![]);
    for r in 0..12 {
        for c in 0..10 {
            let (rf, cf) = (r as f64, c as f64);
            let av = (0.7 * rf).sin() * (0.3 * cf).cos() + 0.05 * rf;
            a.push(av);
            b.push(av + 0.1 * (1.3 * rf + 0.4 * cf).cos());
            let pv = ((r * 10 + c) % 7) as f64 / 6.0;
            p.push(pv);
            q.push(pv.sqrt() * 0.9 + 0.02 * cf);
        }
    }
    (a, b, p, q)
}

/// Reference values from scikit-image 0.26.0 (numpy float64), computed with:
/// ```python
/// import numpy as np
/// from skimage.metrics import structural_similarity
/// r, c = np.mgrid[0:12, 0:10].astype(np.float64)
/// a = np.sin(0.7 * r) * np.cos(0.3 * c) + 0.05 * r
/// b = a + 0.1 * np.cos(1.3 * r + 0.4 * c)
/// structural_similarity(a, b, win_size=7, data_range=2.0, K1=0.01, K2=0.03)  # 0.984353084071422
/// p = (r * 10 + c) % 7 / 6.0
/// q = np.sqrt(p) * 0.9 + 0.02 * c
/// structural_similarity(p, q, win_size=7, data_range=1.0, K1=0.01, K2=0.03)  # 0.901856146714359
/// structural_similarity(q, p, win_size=7, data_range=q.max(), K1=0.01, K2=0.03)  # 0.9019028016544895
/// ```
/// (uniform window and sample covariance are skimage's defaults, as in AlgoPerf's port).
#[test]
fn ssim_matches_scikit_image() {
    let (a, b, p, q) = ssim_fixtures();
    let s = structural_similarity(&a, &b, 12, 10, 2.0);
    assert!((s - 0.984353084071422).abs() < 1e-9, "{s}");
    let s = structural_similarity(&p, &q, 12, 10, 1.0);
    assert!((s - 0.901856146714359).abs() < 1e-9, "{s}");
    let qmax = q.iter().copied().fold(f64::MIN, f64::max);
    let s = structural_similarity(&q, &p, 12, 10, qmax);
    assert!((s - 0.9019028016544895).abs() < 1e-9, "{s}");
    assert!((structural_similarity(&a, &a, 12, 10, 2.0) - 1.0).abs() < 1e-12);
    // AlgoPerf's wrapper: normalised images x are compared as x·std + mean with data range
    // volume_max; with mean 0, std 1 and volume max 1 that is the plain SSIM of (p, q) at
    // data range 1, in f32.
    let pf: Vec<f32> = p.iter().map(|&v| v as f32).collect();
    let qf: Vec<f32> = q.iter().map(|&v| v as f32).collect();
    let s = fastmri_ssim(&pf, &qf, 12, 10, 0.0, 1.0, 1.0);
    assert!((s - 0.901856146714359).abs() < 1e-6, "{s}");
    // With mean 0.5, std 2 and volume max 2 it is the plain SSIM of (2p + 0.5, 2q + 0.5) at
    // data range 2.
    let un = |x: &[f64]| x.iter().map(|v| v * 2.0 + 0.5).collect::<Vec<f64>>();
    let direct = structural_similarity(&un(&p), &un(&q), 12, 10, 2.0);
    let s = fastmri_ssim(&pf, &qf, 12, 10, 0.5, 2.0, 2.0);
    assert!((s - direct).abs() < 1e-6, "{s} vs {direct}");
}

#[test]
fn masks_have_fastmri_statistics() {
    // Width 64, 4×, 8 %: round(5.12) = 5 centre columns from (64 − 5 + 1) / 2 = 30, the other
    // 59 columns each with probability (64/4 − 5) / 59 = 11/59, so 16/64 = 1/4 expected.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let trials = 4000;
    let mut sampled = 0usize;
    let mut per_column = [0usize; 64];
    for _ in 0..trials {
        let m = random_mask(64, 4.0, 0.08, &mut rng);
        assert!(
            m[30..35].iter().all(|&k| k),
            "centre columns 30..35 always kept"
        );
        sampled += m.iter().filter(|&&k| k).count();
        for (j, &k) in m.iter().enumerate() {
            per_column[j] += k as usize;
        }
    }
    let fraction = sampled as f64 / (trials * 64) as f64;
    // Standard error: sqrt(59·p(1−p)) / 64 / sqrt(4000) ≈ 0.0005.
    assert!(
        (fraction - 0.25).abs() < 0.003,
        "sampled fraction {fraction}"
    );
    for j in (0..30).chain(35..64) {
        let p = per_column[j] as f64 / trials as f64;
        // p = 11/59 ≈ 0.1864, standard error ≈ 0.006.
        assert!((p - 11.0 / 59.0).abs() < 0.035, "column {j}: {p}");
    }
}

#[test]
fn centred_fft_is_orthonormal_and_inverts() {
    // A unit impulse at the centre (32, 32) of a 64×64 image has a flat spectrum 1/64 (the
    // centred transform puts the origin at index n/2); odd sizes take the direct DFT.
    for (rows, cols) in [(64, 64), (6, 10), (5, 7)] {
        let mut x = vec![Complex::default(); rows * cols];
        x[(rows / 2) * cols + cols / 2] = Complex::new(1.0, 0.0);
        let k = fft2c(&x, rows, cols);
        let flat = 1.0 / ((rows * cols) as f64).sqrt();
        for z in &k {
            assert!((z.re - flat).abs() < 1e-12 && z.im.abs() < 1e-12, "{z:?}");
        }
        let y: Vec<Complex> = (0..rows * cols)
            .map(|i| Complex::new((i as f64 * 0.37).sin(), (i as f64 * 0.11).cos()))
            .collect();
        let back = ifft2c(&fft2c(&y, rows, cols), rows, cols);
        let energy = |v: &[Complex]| v.iter().map(|z| z.abs().powi(2)).sum::<f64>();
        assert!((energy(&fft2c(&y, rows, cols)) - energy(&y)).abs() < 1e-9);
        for (a, b) in y.iter().zip(&back) {
            assert!((a.re - b.re).abs() < 1e-12 && (a.im - b.im).abs() < 1e-12);
        }
    }
}

/// A 40×40×40 head phantom (1 mm voxels) as uint8: an ellipsoid "skull" shell around a
/// textured "brain" with a darker centre, stored as NIfTI-1 and read back.
fn fixture_volume(dir: &std::path::Path) -> lrf_data::nifti::Volume {
    let n = 40;
    let mut v = Vec::with_capacity(n * n * n);
    for z in 0..n {
        for y in 0..n {
            for x in 0..n {
                let (fx, fy, fz) = (
                    (x as f64 - 19.5) / 17.0,
                    (y as f64 - 19.5) / 18.0,
                    (z as f64 - 19.5) / 16.0,
                );
                let r = (fx * fx + fy * fy + fz * fz).sqrt();
                let value = if r > 1.0 {
                    0.0
                } else if r > 0.85 {
                    220.0
                } else if r < 0.3 {
                    60.0
                } else {
                    120.0 + 50.0 * (0.9 * x as f64).sin() * (0.7 * y as f64 + 0.3 * z as f64).cos()
                };
                v.push(value);
            }
        }
    }
    let path = dir.join("phantom.nii");
    std::fs::write(
        &path,
        encode_nifti([n, n, n], Datatype::U8, &v, 0.0, 0.0, false),
    )
    .unwrap();
    read_nifti(&path).unwrap()
}

#[test]
fn simulation_is_deterministic_and_split_by_position() {
    let dir = tempfile::tempdir().unwrap();
    let volume = fixture_volume(dir.path());
    let config = SimConfig::new(32);
    let (train, validation) = simulate_splits(std::slice::from_ref(&volume), &config, 5, 0);
    let (train2, validation2) = simulate_splits(std::slice::from_ref(&volume), &config, 5, 0);
    assert_eq!(train, train2);
    assert_eq!(validation, validation2);
    // Positions 0‥39 mm: validation 22.5 < p < 27.5 (23‥27), guard 17.5‥22.5 and 27.5‥32.5
    // dropped, training the rest; every slice of this phantom in those ranges is usable in
    // each of the 3 orientations except the near-empty ends.
    assert!(validation.len() == 15, "{}", validation.len());
    assert!(train.len() > 2 * validation.len(), "{}", train.len());
    let (train3, _) = simulate_splits(std::slice::from_ref(&volume), &config, 6, 0);
    assert_ne!(train, train3, "the training seed changes phase and masks");
    for e in train.examples.iter().chain(&validation.examples) {
        assert_eq!(e.input.len(), 32 * 32);
        assert!(e.std > 0.0 && e.volume_max > 0.0);
        // Normalised by the zero-filled image's own statistics: mean 0, std 1 before clipping.
        let m = e.input.iter().map(|&x| x as f64).sum::<f64>() / 1024.0;
        assert!(m.abs() < 0.05, "{m}");
        assert!(e.mask.iter().filter(|&&k| k).count() >= 3);
    }
}

#[test]
fn a_few_training_steps_reduce_the_loss() {
    let _serial = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let volume = fixture_volume(dir.path());
    let (train, validation) =
        simulate_splits(std::slice::from_ref(&volume), &SimConfig::new(32), 1, 0);
    let data = Arc::new(MriData {
        train,
        validation,
        train_eval: 32,
    });
    let config = UNetConfig::new(1, 1, 4, 2, 0.0);
    let device = training_device();
    device.seed(0);
    let task = UNetTask::new(config.clone(), data.clone(), 8, 0);
    let before = task.init_model(&device, &Regularization::default());
    let (ssim0, loss0) = UNetTask::measure(&before, &data.train, 32, &device.clone().inner());
    let info = WorkloadInfo {
        name: "unet_fixture",
        family: "unet",
        description: "test",
        target_metric_name: "ssim",
        minimize: false,
        target: 1.0,
        target_provenance: "test".into(),
        step_budget: 30,
        eval_every: 10,
        batch_size: 8,
    };
    let spec = TrialSpec {
        preset: Preset::literature("nadamw")
            .unwrap()
            .with_overrides(&Hyperparams::new().with("learning_rate", 3e-3))
            .unwrap(),
        regularization: Regularization::default(),
        seed: 0,
        horizon: 1.0,
        stop_at_target: false,
    };
    let mut task = UNetTask::new(config, data, 8, 0);
    let mut sink = |_: &EvalLog| Ok(());
    let outcome = run_trial(&mut task, &info, &spec, &device, &mut sink).unwrap();
    let last = outcome.log.rows.last().unwrap();
    let loss = last.values["train/loss"];
    let ssim = last.values["train/ssim"];
    assert!(loss < 0.8 * loss0, "train L1 {loss0} -> {loss}");
    assert!(ssim > ssim0, "train SSIM {ssim0} -> {ssim}");
    assert!(last.values["validation/ssim"].is_finite());
    assert!(last.values.contains_key("validation/loss"));
}
