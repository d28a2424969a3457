//! A fastMRI-style single-coil reconstruction task simulated from real T1 MRI volumes
//! (Colin27 `ch2` at 1 mm and `ch2better` at 0.5 mm, Debian package `mricron-data`),
//! deterministic from a seed.
//!
//! From each volume, 2-D slices in the 3 orientations; slices whose foreground (voxels above
//! 10 % of the volume maximum) covers less than 15 % of the slice are skipped. Each slice is
//! cropped to a square around its foreground (10 % margin) and resampled to `size × size`
//! (area-averaged bilinear samples), with the volume scaled to maximum 1: that magnitude is the
//! target. Then, per example, from a ChaCha8 stream: a horizontal flip with probability ½, a
//! smooth random phase `π(c₀x + c₁y + 0.3c₂ sin(2πc₃x))` (`x, y ∈ [0, 1)`, `cᵢ ~ N(0, 1)`),
//! centred orthonormal 2-D FFT k-space, a column mask with fastMRI `RandomMaskFunc` semantics
//! ([`random_mask`]), and the input: the magnitude of the zero-filled centred inverse FFT.
//!
//! Normalisation is fastMRI's `normalize_instance` as AlgoPerf's input pipeline applies it: the
//! mean and (population) standard deviation of the zero-filled input image normalise both the
//! input and the target, each clipped to `[-6, 6]`; mean, std and the volume maximum of the
//! targets (fastMRI's `volume_max`, the SSIM data range) are kept per example.
//!
//! Fixed split by world position (both volumes share MNI space): along the slice's own axis,
//! the slice position in mm modulo 50 mm falls in a 10 mm validation block `[20, 30)` or in
//! training; slices within 2.5 mm of a block edge are dropped, so training and validation slices
//! of one orientation are at least 5 mm apart and no slice or neighbouring slice is in both.
//! (Orthogonal slices still cross along a line, as they do in one volume.)

use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{DataError, Result};
use crate::nifti::{read_nifti, Volume};

/// Where the Debian package `mricron-data` installs the templates.
pub const DEBIAN_DIR: &str = "/usr/share/mricron/templates";
/// Environment variable naming another directory with the same files.
pub const ENV_DIR: &str = "LRF_MRICRON_DIR";
/// The volumes used, in order: Colin27 T1 with skull (1 mm) and skull-stripped (0.5 mm).
pub const VOLUME_FILES: [&str; 2] = ["ch2.nii.gz", "ch2better.nii.gz"];

/// The real volumes: `$LRF_MRICRON_DIR` or the Debian package, both files required.
pub fn locate_volumes() -> Result<(Vec<PathBuf>, String)> {
    let (dir, what) = match std::env::var_os(ENV_DIR).filter(|d| !d.is_empty()) {
        Some(d) => (PathBuf::from(d), format!("${ENV_DIR}")),
        None => (
            PathBuf::from(DEBIAN_DIR),
            "Debian package mricron-data".to_string(),
        ),
    };
    let paths: Vec<PathBuf> = VOLUME_FILES.iter().map(|f| dir.join(f)).collect();
    if let Some(missing) = paths.iter().find(|p| !p.is_file()) {
        return Err(DataError::Missing {
            path: missing.clone(),
            hint: format!("install it with `apt-get install mricron-data`, or set {ENV_DIR}"),
        });
    }
    Ok((paths, format!("{what} ({})", dir.display())))
}

/// Reads volumes, naming the file in every error.
pub fn read_volumes(paths: &[PathBuf]) -> Result<Vec<Volume>> {
    paths.iter().map(|p| read_nifti(p)).collect()
}

/// Settings of the simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Side of the square images.
    pub size: usize,
    /// Acceleration (fastMRI `accelerations`).
    pub acceleration: f64,
    /// Fraction of centre columns always kept (fastMRI `center_fractions`).
    pub center_fraction: f64,
    /// Foreground level, a fraction of the volume maximum.
    pub foreground_level: f32,
    /// Minimum foreground fraction of a usable slice.
    pub min_foreground: f64,
    /// Crop side over the foreground bounding box side.
    pub crop_margin: f64,
    /// Split block length (mm).
    pub block_mm: f64,
    /// Blocks per period; block 2 of each period is validation.
    pub period_blocks: usize,
    /// Slices closer than this to a train/validation block edge are dropped (mm).
    pub guard_mm: f64,
}

impl SimConfig {
    /// 4× acceleration with 8 % centre fraction (AlgoPerf's fastMRI setting) at `size × size`,
    /// with the slice selection and split described in the module docs.
    pub fn new(size: usize) -> Self {
        Self {
            size,
            acceleration: 4.0,
            center_fraction: 0.08,
            foreground_level: 0.1,
            min_foreground: 0.15,
            crop_margin: 1.1,
            block_mm: 10.0,
            period_blocks: 5,
            guard_mm: 2.5,
        }
    }

    /// Which split a slice at `position_mm` along its axis belongs to (`None`: guard band).
    pub fn split_of(&self, position_mm: f64) -> Option<MriSplit> {
        let period = self.block_mm * self.period_blocks as f64;
        let r = position_mm.rem_euclid(period);
        let (v0, v1) = (2.0 * self.block_mm, 3.0 * self.block_mm);
        if (r - v0).abs() < self.guard_mm || (r - v1).abs() < self.guard_mm {
            None
        } else if (v0..v1).contains(&r) {
            Some(MriSplit::Validation)
        } else {
            Some(MriSplit::Train)
        }
    }
}

/// One of the fixed splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MriSplit {
    /// Training slices.
    Train,
    /// Validation slices.
    Validation,
}

/// A usable slice, resampled: the target magnitude before normalisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    /// Index of its volume in the list given.
    pub volume: usize,
    /// Axis held fixed (0: sagittal, 1: coronal, 2: axial in MNI space).
    pub axis: usize,
    /// Index along that axis.
    pub index: usize,
    /// World position along that axis (mm).
    pub position_mm: f64,
    /// `size × size` magnitude, row-major, volume scaled to maximum 1.
    pub image: Vec<f32>,
}

/// The usable slices of `volume` (numbered `volume_id`) in the 3 orientations, resampled.
pub fn usable_slices(volume: &Volume, volume_id: usize, config: &SimConfig) -> Vec<Slice> {
    let vmax = volume.max();
    if vmax <= 0.0 {
        return Vec::new();
    }
    let level = config.foreground_level * vmax;
    let mut out = Vec::new();
    for axis in 0..3 {
        // Columns run along the lower remaining axis, rows along the higher one.
        let (cu, rv) = match axis {
            0 => (1, 2),
            1 => (0, 2),
            _ => (0, 1),
        };
        let (cols, rows) = (volume.dims[cu], volume.dims[rv]);
        let pixel_mm = [
            volume.axis_mm[rv].1.abs() as f64,
            volume.axis_mm[cu].1.abs() as f64,
        ];
        for index in 0..volume.dims[axis] {
            let stride = [1, volume.dims[0], volume.dims[0] * volume.dims[1]];
            let base = index * stride[axis];
            let mut pixels = vec![0f32; rows * cols];
            for (r, row) in pixels.chunks_exact_mut(cols).enumerate() {
                let row_base = base + r * stride[rv];
                for (c, p) in row.iter_mut().enumerate() {
                    *p = volume.data[row_base + c * stride[cu]] / vmax;
                }
            }
            let Some(bbox) = foreground_box(&pixels, rows, cols, level / vmax) else {
                continue;
            };
            if (bbox.count as f64) < config.min_foreground * (rows * cols) as f64 {
                continue;
            }
            let (o, step) = volume.axis_mm[axis];
            out.push(Slice {
                volume: volume_id,
                axis,
                index,
                position_mm: o as f64 + step as f64 * index as f64,
                image: resample(&pixels, rows, cols, pixel_mm, &bbox, config),
            });
        }
    }
    out
}

struct ForegroundBox {
    r0: usize,
    r1: usize,
    c0: usize,
    c1: usize,
    count: usize,
}

fn foreground_box(pixels: &[f32], rows: usize, cols: usize, level: f32) -> Option<ForegroundBox> {
    let mut b = ForegroundBox {
        r0: usize::MAX,
        r1: 0,
        c0: usize::MAX,
        c1: 0,
        count: 0,
    };
    for r in 0..rows {
        for c in 0..cols {
            if pixels[r * cols + c] > level {
                b.count += 1;
                b.r0 = b.r0.min(r);
                b.r1 = b.r1.max(r);
                b.c0 = b.c0.min(c);
                b.c1 = b.c1.max(c);
            }
        }
    }
    (b.count > 0).then_some(b)
}

/// Resampling weights along one axis: output pixel `i` is the mean of `k` bilinear samples at
/// `start + (i + (a + ½)/k)·step` (`a < k`, source pixel centres at integers), each splitting
/// its weight between the two neighbouring source pixels; samples outside get weight 0.
fn axis_weights(
    n_out: usize,
    n_src: usize,
    start: f64,
    step: f64,
    k: usize,
) -> Vec<Vec<(usize, f64)>> {
    (0..n_out)
        .map(|i| {
            let mut w: Vec<(usize, f64)> = Vec::with_capacity(2 * k);
            for a in 0..k {
                let t = start + (i as f64 + (a as f64 + 0.5) / k as f64) * step;
                let t0 = t.floor();
                for (d, wt) in [(0.0, 1.0 - (t - t0)), (1.0, t - t0)] {
                    let s = t0 + d;
                    if s >= 0.0 && (s as usize) < n_src && wt > 0.0 {
                        w.push((s as usize, wt / k as f64));
                    }
                }
            }
            w
        })
        .collect()
}

/// The square crop around the foreground box, `size × size`, each output pixel the mean of
/// `k × k` bilinear samples (`k` = source pixels per output pixel, rounded up), computed as
/// the separable product of row and column weights.
fn resample(
    pixels: &[f32],
    rows: usize,
    cols: usize,
    pixel_mm: [f64; 2],
    bbox: &ForegroundBox,
    config: &SimConfig,
) -> Vec<f32> {
    let size = config.size;
    let h_mm = (bbox.r1 - bbox.r0 + 1) as f64 * pixel_mm[0];
    let w_mm = (bbox.c1 - bbox.c0 + 1) as f64 * pixel_mm[1];
    let side_mm = config.crop_margin * h_mm.max(w_mm);
    let centre_mm = [
        (bbox.r0 + bbox.r1) as f64 / 2.0 * pixel_mm[0],
        (bbox.c0 + bbox.c1) as f64 / 2.0 * pixel_mm[1],
    ];
    let out_mm = side_mm / size as f64;
    let k = (out_mm / pixel_mm[0].min(pixel_mm[1])).ceil().max(1.0) as usize;
    let wr = axis_weights(
        size,
        rows,
        (centre_mm[0] - side_mm / 2.0) / pixel_mm[0],
        out_mm / pixel_mm[0],
        k,
    );
    let wc = axis_weights(
        size,
        cols,
        (centre_mm[1] - side_mm / 2.0) / pixel_mm[1],
        out_mm / pixel_mm[1],
        k,
    );
    let mut tmp = vec![0f64; size * cols];
    for (i, weights) in wr.iter().enumerate() {
        let out = &mut tmp[i * cols..(i + 1) * cols];
        for &(r, w) in weights {
            for (o, &p) in out.iter_mut().zip(&pixels[r * cols..(r + 1) * cols]) {
                *o += w * p as f64;
            }
        }
    }
    let mut out = vec![0f32; size * size];
    for i in 0..size {
        for (j, weights) in wc.iter().enumerate() {
            let v: f64 = weights.iter().map(|&(c, w)| w * tmp[i * cols + c]).sum();
            out[i * size + j] = v as f32;
        }
    }
    out
}

/// A complex number (the FFT's element).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Complex {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl Complex {
    /// `re + i·im`.
    pub fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }

    /// `|z|`.
    pub fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }

    fn mul(self, o: Self) -> Self {
        Self::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
}

/// Unnormalised 1-D DFT in place (`sign` −1 forward, +1 inverse): iterative radix-2 when the
/// length is a power of two, the direct O(n²) sum otherwise.
fn fft_1d(buf: &mut [Complex], sign: f64) {
    let n = buf.len();
    if n <= 1 {
        return;
    }
    if !n.is_power_of_two() {
        let src = buf.to_vec();
        for (k, out) in buf.iter_mut().enumerate() {
            let mut acc = Complex::default();
            for (t, &x) in src.iter().enumerate() {
                let a = sign * 2.0 * std::f64::consts::PI * ((k * t) % n) as f64 / n as f64;
                let w = Complex::new(a.cos(), a.sin());
                let p = x.mul(w);
                acc.re += p.re;
                acc.im += p.im;
            }
            *out = acc;
        }
        return;
    }
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if j > i {
            buf.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let a = sign * 2.0 * std::f64::consts::PI / len as f64;
        let twiddles: Vec<Complex> = (0..len / 2)
            .map(|k| Complex::new((a * k as f64).cos(), (a * k as f64).sin()))
            .collect();
        for start in (0..n).step_by(len) {
            for (k, &w) in twiddles.iter().enumerate() {
                let u = buf[start + k];
                let v = buf[start + k + len / 2].mul(w);
                buf[start + k] = Complex::new(u.re + v.re, u.im + v.im);
                buf[start + k + len / 2] = Complex::new(u.re - v.re, u.im - v.im);
            }
        }
        len *= 2;
    }
}

/// numpy's `roll` by `shift` along both axes: `out[(i + s) mod n] = x[i]`.
fn roll2(data: &[Complex], rows: usize, cols: usize, sr: usize, sc: usize) -> Vec<Complex> {
    let mut out = vec![Complex::default(); rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            out[((r + sr) % rows) * cols + (c + sc) % cols] = data[r * cols + c];
        }
    }
    out
}

fn fft2_centred(data: &[Complex], rows: usize, cols: usize, sign: f64) -> Vec<Complex> {
    assert_eq!(data.len(), rows * cols, "image size");
    // ifftshift = roll by -(n/2) = roll by n - n/2.
    let mut x = roll2(data, rows, cols, rows - rows / 2, cols - cols / 2);
    for row in x.chunks_exact_mut(cols) {
        fft_1d(row, sign);
    }
    let mut column = vec![Complex::default(); rows];
    for c in 0..cols {
        for r in 0..rows {
            column[r] = x[r * cols + c];
        }
        fft_1d(&mut column, sign);
        for r in 0..rows {
            x[r * cols + c] = column[r];
        }
    }
    let scale = 1.0 / ((rows * cols) as f64).sqrt();
    for z in &mut x {
        z.re *= scale;
        z.im *= scale;
    }
    // fftshift = roll by n/2.
    roll2(&x, rows, cols, rows / 2, cols / 2)
}

/// Centred orthonormal 2-D FFT, `fftshift(fft2(ifftshift(x), norm="ortho"))` (fastMRI `fft2c`).
pub fn fft2c(data: &[Complex], rows: usize, cols: usize) -> Vec<Complex> {
    fft2_centred(data, rows, cols, -1.0)
}

/// Centred orthonormal inverse 2-D FFT (fastMRI `ifft2c`).
pub fn ifft2c(data: &[Complex], rows: usize, cols: usize) -> Vec<Complex> {
    fft2_centred(data, rows, cols, 1.0)
}

/// A column mask with fastMRI `RandomMaskFunc` semantics: the `round(width · center_fraction)`
/// centre columns starting at `(width − n_low + 1) / 2`, plus every other column independently
/// with probability `(width / acceleration − n_low) / (width − n_low)`, so the expected sampled
/// fraction is `1 / acceleration`. One uniform draw per column.
pub fn random_mask(
    width: usize,
    acceleration: f64,
    center_fraction: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<bool> {
    let n_low = (width as f64 * center_fraction).round() as usize;
    let pad = (width - n_low).div_ceil(2);
    let prob = (width as f64 / acceleration - n_low as f64) / (width - n_low) as f64;
    (0..width)
        .map(|j| {
            let u: f64 = rng.random();
            (pad..pad + n_low).contains(&j) || u < prob
        })
        .collect()
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let u1: f64 = rng.random();
    let u2: f64 = rng.random();
    (-2.0 * (1.0 - u1).ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// One simulated example, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct MriExample {
    /// Normalised zero-filled magnitude, `size × size`, clipped to `[-6, 6]`.
    pub input: Vec<f32>,
    /// Normalised full magnitude, clipped to `[-6, 6]`.
    pub target: Vec<f32>,
    /// Mean of the zero-filled magnitude.
    pub mean: f32,
    /// Population standard deviation of the zero-filled magnitude.
    pub std: f32,
    /// Maximum of the unnormalised targets of this example's volume (SSIM data range).
    pub volume_max: f32,
    /// The sampled k-space columns.
    pub mask: Vec<bool>,
}

/// Simulates one example from a target magnitude `image` (`size × size`).
pub fn simulate(
    image: &[f32],
    size: usize,
    volume_max: f32,
    config: &SimConfig,
    rng: &mut ChaCha8Rng,
) -> MriExample {
    let flip = rng.random::<f64>() < 0.5;
    let c: Vec<f64> = (0..4).map(|_| normal(rng)).collect();
    let pi = std::f64::consts::PI;
    let mut target = vec![0f64; size * size];
    let mut complex = vec![Complex::default(); size * size];
    for i in 0..size {
        for j in 0..size {
            let src = if flip { size - 1 - j } else { j };
            let m = image[i * size + src] as f64;
            let (x, y) = (j as f64 / size as f64, i as f64 / size as f64);
            let phase = pi * (c[0] * x + c[1] * y + 0.3 * c[2] * (2.0 * pi * x * c[3]).sin());
            target[i * size + j] = m;
            complex[i * size + j] = Complex::new(m * phase.cos(), m * phase.sin());
        }
    }
    let mut kspace = fft2c(&complex, size, size);
    let mask = random_mask(size, config.acceleration, config.center_fraction, rng);
    for row in kspace.chunks_exact_mut(size) {
        for (z, &keep) in row.iter_mut().zip(&mask) {
            if !keep {
                *z = Complex::default();
            }
        }
    }
    let zero_filled: Vec<f64> = ifft2c(&kspace, size, size)
        .into_iter()
        .map(Complex::abs)
        .collect();
    let n = zero_filled.len() as f64;
    let mean = zero_filled.iter().sum::<f64>() / n;
    let var = zero_filled.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let std = var.sqrt().max(1e-12);
    let norm = |v: &f64| ((v - mean) / std).clamp(-6.0, 6.0) as f32;
    MriExample {
        input: zero_filled.iter().map(norm).collect(),
        target: target.iter().map(norm).collect(),
        mean: mean as f32,
        std: std as f32,
        volume_max,
        mask,
    }
}

/// The examples of one split.
#[derive(Debug, Clone, PartialEq)]
pub struct MriSet {
    /// Image side.
    pub size: usize,
    /// Examples, in slice order (volume, axis, index).
    pub examples: Vec<MriExample>,
}

impl MriSet {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.examples.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
    }
}

/// Simulates both splits of `volumes`: the usable slices of each volume, split by position,
/// example `k` of a split drawn from ChaCha8 seeded with the split's seed on stream `k`
/// (`train_seed` for training, `validation_seed` for validation, which AlgoPerf keeps fixed).
pub fn simulate_splits(
    volumes: &[Volume],
    config: &SimConfig,
    train_seed: u64,
    validation_seed: u64,
) -> (MriSet, MriSet) {
    let mut train = MriSet {
        size: config.size,
        examples: Vec::new(),
    };
    let mut validation = train.clone();
    for (v, volume) in volumes.iter().enumerate() {
        let slices = usable_slices(volume, v, config);
        let volume_max = slices
            .iter()
            .flat_map(|s| s.image.iter().copied())
            .fold(0f32, f32::max);
        for s in &slices {
            let (set, seed) = match config.split_of(s.position_mm) {
                Some(MriSplit::Train) => (&mut train, train_seed),
                Some(MriSplit::Validation) => (&mut validation, validation_seed),
                None => continue,
            };
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(set.examples.len() as u64);
            set.examples.push(simulate(
                &s.image,
                config.size,
                volume_max,
                config,
                &mut rng,
            ));
        }
    }
    (train, validation)
}

/// Reads the volumes at `paths` and simulates both splits (see [`simulate_splits`]); an error
/// if either split is empty.
pub fn load_splits(
    paths: &[PathBuf],
    config: &SimConfig,
    train_seed: u64,
    validation_seed: u64,
) -> Result<(MriSet, MriSet)> {
    let volumes = read_volumes(paths)?;
    let (train, validation) = simulate_splits(&volumes, config, train_seed, validation_seed);
    if train.is_empty() || validation.is_empty() {
        let first = paths
            .first()
            .map(PathBuf::as_path)
            .unwrap_or(Path::new("."));
        return Err(DataError::corrupt(
            first,
            format!(
                "the volumes give {} training and {} validation slices with at least {} % \
                 foreground; both splits need some",
                train.len(),
                validation.len(),
                config.min_foreground * 100.0
            ),
        ));
    }
    Ok((train, validation))
}
