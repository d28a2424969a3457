//! `cargo xtask bench-optim`: one optimizer step of every lrf-optim optimizer, timed against its
//! PyTorch reference package and against a memory-bandwidth floor, in one run on the same number
//! of threads. Prints per optimizer `lrf ms, torch ms, lrf/torch, floor ms, lrf/floor`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use burn::tensor::Device;
use lrf_optim::bench_support::{
    bench_context, memory_bandwidth, synthetic_params, words_per_param,
};
use lrf_optim::{Preset, ALGORITHMS};

use crate::paths::workspace_root;

/// The reference packages the PyTorch side imports.
const PACKAGES: &[&str] = &[
    "torch",
    "prodigyopt",
    "dadaptation",
    "schedulefree",
    "dog-optimizer",
    "parameterfree",
    "momo-opt",
    "mechanic-pytorch",
];

/// Arguments of `cargo xtask bench-optim`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Parameter counts to time (split into 4 tensors each).
    #[arg(long, value_delimiter = ',', default_value = "1000000,10000000")]
    params: Vec<usize>,
    /// Threads for lrf (rayon) and PyTorch (default: the number of cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Timed steps per optimizer (the median is reported).
    #[arg(long, default_value_t = 10)]
    steps: usize,
    /// Untimed steps first.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Optimizers to time (default: all).
    #[arg(long, value_delimiter = ',')]
    optimizers: Vec<String>,
    /// Skip the PyTorch side.
    #[arg(long)]
    no_torch: bool,
    /// Python virtual environment with PyTorch and the reference packages (created if missing).
    #[arg(long)]
    venv: Option<PathBuf>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("finite times"));
    v[v.len() / 2]
}

/// Median milliseconds of one lrf step of `name` on `n` f32 parameters.
fn time_lrf(name: &str, n: usize, steps: usize, warmup: usize) -> Result<f64> {
    let device = Device::flex();
    device.seed(0);
    let preset = Preset::literature(name)?;
    let mut optim = preset.build()?;
    let mut params = synthetic_params(n, 4, &device);
    let ctx = bench_context(&preset);
    let mut times = Vec::with_capacity(steps);
    for i in 0..warmup + steps {
        let start = Instant::now();
        optim.step(&ctx, &mut params)?;
        if i >= warmup {
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    if std::env::var_os("LRF_BENCH_DEBUG").is_some() {
        eprintln!("{name} {n}: {times:.2?}");
    }
    Ok(median(times))
}

/// The Python interpreter of a venv holding PyTorch and the reference packages, creating it.
fn python(venv: &Path) -> Result<PathBuf> {
    let python = venv.join("bin/python");
    let check = |py: &Path| {
        Command::new(py)
            .args(["-c", "import torch, prodigyopt, dadaptation, schedulefree, dog, parameterfree, momo, mechanic_pytorch"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if python.is_file() && check(&python) {
        return Ok(python);
    }
    eprintln!(
        "creating {} with PyTorch and the reference packages (several GB, a few minutes)…",
        venv.display()
    );
    let status = Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(venv)
        .status()
        .context("python3 -m venv")?;
    if !status.success() {
        bail!("python3 -m venv {} failed", venv.display());
    }
    let status = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet"])
        .args(PACKAGES)
        .status()
        .context("pip install")?;
    if !status.success() || !check(&python) {
        bail!(
            "pip install {} into {} failed",
            PACKAGES.join(" "),
            venv.display()
        );
    }
    Ok(python)
}

/// Times the PyTorch references; `(optimizer, n) → ms` (None where no reference exists).
fn time_torch(
    python: &Path,
    args: &BenchArgs,
    names: &[String],
    threads: usize,
) -> Result<BTreeMap<(String, usize), Option<f64>>> {
    let script = std::env::temp_dir().join(format!("lrf-bench-optim-{}.py", std::process::id()));
    std::fs::write(&script, include_str!("bench_optim.py"))?;
    let output = Command::new(python)
        .arg(&script)
        .arg("--params")
        .args(args.params.iter().map(|n| n.to_string()))
        .args(["--threads", &threads.to_string()])
        .args([
            "--steps",
            &args.steps.to_string(),
            "--warmup",
            &args.warmup.to_string(),
        ])
        .arg("--optimizers")
        .args(names)
        .env("OMP_NUM_THREADS", threads.to_string())
        .output()
        .context("running the PyTorch benchmark")?;
    let _ = std::fs::remove_file(&script);
    if !output.status.success() {
        bail!(
            "PyTorch benchmark failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let mut out = BTreeMap::new();
    // Some reference packages print to standard output; the results are the JSON lines.
    for line in String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.starts_with('{'))
    {
        let v: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("bad line {line}"))?;
        let name = v["optimizer"].as_str().unwrap_or_default().to_string();
        let n = v["params"].as_u64().unwrap_or(0) as usize;
        out.insert((name, n), v["ms"].as_f64());
    }
    Ok(out)
}

/// Runs the benchmark.
pub fn run(args: BenchArgs) -> Result<ExitCode> {
    let threads = args.threads.unwrap_or_else(crate::sweep::cores);
    // Before the first tensor operation, so burn's CPU backend uses this many threads.
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
    let names: Vec<String> = if args.optimizers.is_empty() {
        ALGORITHMS.iter().map(|a| a.name.to_string()).collect()
    } else {
        for name in &args.optimizers {
            lrf_optim::algorithm(name)?;
        }
        args.optimizers.clone()
    };
    let (copy, update) = memory_bandwidth(threads);
    // The floor uses the faster of the two, so it is the harder bar to meet.
    let bandwidth = copy.max(update);
    outln!(
        "threads: {threads}; memory bandwidth (read + write): copy {:.1} GB/s, in-place update {:.1} GB/s; \
         floor = words each optimizer must move / {:.1} GB/s; median of {} steps after {} warm-up",
        copy / 1e9,
        update / 1e9,
        bandwidth / 1e9,
        args.steps,
        args.warmup
    );
    let torch = if args.no_torch {
        BTreeMap::new()
    } else {
        let venv = args
            .venv
            .clone()
            .unwrap_or_else(|| workspace_root().join(".venv-bench"));
        let python = python(&venv)?;
        time_torch(&python, &args, &names, threads)?
    };
    outln!(
        "{:<20} {:>10} {:>9} {:>9} {:>10} {:>9} {:>10}",
        "optimizer",
        "params",
        "lrf ms",
        "torch ms",
        "lrf/torch",
        "floor ms",
        "lrf/floor"
    );
    let mut adamw_ms = BTreeMap::new();
    for &n in &args.params {
        for name in &names {
            let lrf = time_lrf(name, n, args.steps, args.warmup)?;
            let torch_ms = torch.get(&(name.clone(), n)).copied().flatten();
            let floor = words_per_param(name).map(|w| (w * 4 * n) as f64 / bandwidth * 1e3);
            let show = |x: Option<f64>, digits: usize| {
                x.map_or("—".to_string(), |v| format!("{v:.digits$}"))
            };
            outln!(
                "{:<20} {:>10} {:>9.2} {:>9} {:>10} {:>9} {:>10}",
                name,
                n,
                lrf,
                show(torch_ms, 2),
                show(torch_ms.map(|t| lrf / t), 2),
                show(floor, 2),
                show(floor.map(|f| lrf / f), 2)
            );
            if name == "adamw" {
                adamw_ms.insert(n, lrf);
            }
        }
    }
    for (&n, &lrf) in &adamw_ms {
        if let Some(Some(fused)) = torch.get(&("adamw_fused".to_string(), n)) {
            outln!(
                "also at {n}: torch.optim.AdamW(fused=True), PyTorch's opt-in fused CPU kernel: {fused:.2} ms (lrf adamw / it = {:.2})",
                lrf / fused
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
