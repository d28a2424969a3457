//! `optim_step`: one step of every optimizer of lrf-optim (literature preset, f32, fused CPU
//! kernels) on 1M and 10M parameters split into 4 tensors, with the bytes each must move as
//! the throughput (so criterion reports GB/s next to the time).
//!
//! `cargo bench -p lrf-optim --bench optim_step` (all), or add a filter such as `-- prodigy/10M`.
//! For the comparison with PyTorch and the memory-bandwidth floor, use `cargo xtask bench-optim`.

use burn::tensor::Device;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lrf_optim::bench_support::{bench_context, synthetic_params, words_per_param};
use lrf_optim::{Preset, ALGORITHMS};

fn optim_step(c: &mut Criterion) {
    let device = Device::flex();
    device.seed(0);
    for &(n, label) in &[(1_000_000usize, "1M"), (10_000_000, "10M")] {
        let mut group = c.benchmark_group("optim_step");
        group.sample_size(if n >= 10_000_000 { 10 } else { 30 });
        for name in ALGORITHMS.iter().map(|a| a.name) {
            let preset = Preset::literature(name).expect("every algorithm has a literature preset");
            if let Some(words) = words_per_param(name) {
                group.throughput(Throughput::Bytes((words * 4 * n) as u64));
            }
            let mut optim = preset.build().expect("literature presets are valid");
            let mut params = synthetic_params(n, 4, &device);
            let ctx = bench_context(&preset);
            // Allocate the state (and fault its pages in) before timing.
            optim.step(&ctx, &mut params).expect("step");
            group.bench_function(BenchmarkId::new(name, label), |b| {
                b.iter(|| optim.step(&ctx, &mut params).expect("step"))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, optim_step);
criterion_main!(benches);
