//! Shared by the `optim_step` criterion benchmark and `cargo xtask bench-optim`: synthetic
//! parameters and the memory traffic each optimizer cannot avoid.

use std::time::Instant;

use burn::tensor::{DType, Device, Distribution, Tensor};

use crate::optimizer::StepContext;
use crate::param::ParamTensor;
use crate::preset::Preset;

/// `n` parameters (f32, normal(0, 1)) in `parts` tensors, with gradients ~ normal(0, 1e-3).
pub fn synthetic_params(n: usize, parts: usize, device: &Device) -> Vec<ParamTensor> {
    let sizes: Vec<usize> = (0..parts)
        .map(|i| n / parts + usize::from(i < n % parts))
        .collect();
    sizes
        .into_iter()
        .enumerate()
        .map(|(i, size)| {
            let value =
                Tensor::<1>::random([size], Distribution::Normal(0.0, 1.0), (device, DType::F32));
            let grad = Tensor::<1>::random(
                [size],
                Distribution::Normal(0.0, 1e-3),
                (device, DType::F32),
            );
            ParamTensor::new(format!("p{i}"), value, grad)
        })
        .collect()
}

/// The step context a benchmark uses for `preset`: its learning rate and a loss of 1.
pub fn bench_context(preset: &Preset) -> StepContext {
    StepContext::new(preset.learning_rate()).with_loss(1.0)
}

/// Words (4 bytes in f32) each optimizer must read or write per parameter and step: every
/// input read once and every output written once per pass, with as few passes as the
/// algorithm allows. Methods whose update needs a global sum of this step (‖g‖, ⟨g, x₀ − x⟩,
/// …) need a second pass after it; the cheapest split is counted.
pub fn words_per_param(algorithm: &str) -> Option<usize> {
    Some(match algorithm {
        // x rw, g r, m rw, v rw
        "adamw" | "nadamw" => 7,
        // x rw, g r, momentum rw
        "sgd_nesterov" => 5,
        // y rw, g r, z rw, v rw
        "schedule_free_adamw" => 7,
        // x rw, g r, x0 r, θ rw, L rw, G rw, R rw
        "cocob" => 12,
        // x rw, g r, m rw, v rw, s rw (the update of x does not need the new d)
        "dadapt_adamw" => 9,
        // 1: g r, x r, x0 r, s rw (⟨g, x₀ − x⟩, Σ|s|); 2: g r, x rw, m rw, v rw (needs the new d)
        "prodigy" => 12,
        // 1: x r, x0 r, g r (‖x₀ − x‖, ‖g‖); 2: x rw, g r, average rw
        "dog" | "ldog" => 8,
        // 1: x r, x0 r, g r; 2: x rw, g r
        "dowg" => 6,
        // AdamW base. 1: x r, g r, x0 r (‖g‖, ‖x‖, h), m rw, v rw; 2: x rw, x0 r, m r, v r
        "mechanic" => 12,
        // 1: g r, x r, m rw (⟨g, x⟩, ‖m‖², ⟨m, x⟩); 2: x rw, m r
        "momo" => 7,
        // 1: g r, x r, m rw, v rw; 2: x rw, m r, v r
        "momo_adam" => 10,
        _ => return None,
    })
}

/// Memory bandwidth in bytes per second (bytes read + bytes written) on `threads` threads,
/// best of 5 runs over 256 MiB arrays: `(copy, in-place update)`, where copy is `b ← a` and the
/// in-place update `b ← b + 0.5·a` (what an optimizer does to its buffers; it avoids the
/// read-for-ownership of a pure write).
pub fn memory_bandwidth(threads: usize) -> (f64, f64) {
    let n = 64 << 20; // f32 words
    let src: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let mut dst = vec![0.0f32; n];
    let chunk = n.div_ceil(threads);
    let mut time = |update: bool| {
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let start = Instant::now();
            std::thread::scope(|s| {
                for (d, c) in dst.chunks_mut(chunk).zip(src.chunks(chunk)) {
                    s.spawn(move || {
                        if update {
                            for (d, c) in d.iter_mut().zip(c) {
                                *d += 0.5 * c;
                            }
                        } else {
                            d.copy_from_slice(c);
                        }
                    });
                }
            });
            best = best.min(start.elapsed().as_secs_f64());
        }
        best
    };
    let copy = 2.0 * 4.0 * n as f64 / time(false);
    let update = 3.0 * 4.0 * n as f64 / time(true);
    std::hint::black_box(&dst);
    (copy, update)
}
