//! SSIM as AlgoPerf's fastMRI workload computes it (`fastmri_jax/ssim.py`, ported to PyTorch
//! in `fastmri_pytorch/ssim.py`; both "modified from `skimage.metrics.structural_similarity`"):
//! a 7×7 uniform window with symmetric (scipy `reflect`) padding, sample covariance
//! (`49 / 48`), `K1 = 0.01`, `K2 = 0.03`, the mean of the SSIM map without its 3-pixel border.
//! Following AlgoPerf, outputs and targets are first un-normalised with the example's mean and
//! std, the data range is the example's volume maximum (1 where that is 0), and values are
//! clipped to `[-1, 1]`. Computed in `f64`, like scikit-image.

/// Window side.
pub const WIN_SIZE: usize = 7;
/// SSIM constant K1.
pub const K1: f64 = 0.01;
/// SSIM constant K2.
pub const K2: f64 = 0.03;

/// numpy `symmetric` padding index (`d c b a | a b c d | d c b a`), any distance outside.
fn symmetric(i: isize, n: usize) -> usize {
    let m = i.rem_euclid(2 * n as isize) as usize;
    if m < n {
        m
    } else {
        2 * n - 1 - m
    }
}

/// Mean over the `size`-wide window along rows then columns, symmetric padding.
fn uniform_filter(im: &[f64], rows: usize, cols: usize, size: usize) -> Vec<f64> {
    let half = size / 2;
    let mut tmp = vec![0.0; rows * cols];
    let mut padded = vec![0.0; cols.max(rows) + 2 * half];
    for r in 0..rows {
        for (p, v) in padded[..cols + 2 * half].iter_mut().enumerate() {
            *v = im[r * cols + symmetric(p as isize - half as isize, cols)];
        }
        for c in 0..cols {
            tmp[r * cols + c] = padded[c..c + size].iter().sum::<f64>() / size as f64;
        }
    }
    let mut out = vec![0.0; rows * cols];
    for c in 0..cols {
        for (p, v) in padded[..rows + 2 * half].iter_mut().enumerate() {
            *v = tmp[symmetric(p as isize - half as isize, rows) * cols + c];
        }
        for r in 0..rows {
            out[r * cols + c] = padded[r..r + size].iter().sum::<f64>() / size as f64;
        }
    }
    out
}

/// Mean structural similarity of two `rows × cols` images (scikit-image
/// `structural_similarity(im1, im2, win_size=7, data_range=data_range, K1=0.01, K2=0.03)`,
/// uniform window, sample covariance). Panics if a side is under 7.
pub fn structural_similarity(
    im1: &[f64],
    im2: &[f64],
    rows: usize,
    cols: usize,
    data_range: f64,
) -> f64 {
    assert!(
        rows >= WIN_SIZE && cols >= WIN_SIZE,
        "SSIM needs images of at least 7×7"
    );
    assert_eq!(im1.len(), rows * cols);
    assert_eq!(im2.len(), rows * cols);
    let f = |x: &[f64]| uniform_filter(x, rows, cols, WIN_SIZE);
    let prod = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).collect::<Vec<f64>>();
    let np = (WIN_SIZE * WIN_SIZE) as f64;
    let cov_norm = np / (np - 1.0);
    let (ux, uy) = (f(im1), f(im2));
    let (uxx, uyy, uxy) = (f(&prod(im1, im1)), f(&prod(im2, im2)), f(&prod(im1, im2)));
    let c1 = (K1 * data_range).powi(2);
    let c2 = (K2 * data_range).powi(2);
    let pad = (WIN_SIZE - 1) / 2;
    let mut sum = 0.0;
    let mut count = 0usize;
    for r in pad..rows - pad {
        for c in pad..cols - pad {
            let i = r * cols + c;
            let vx = cov_norm * (uxx[i] - ux[i] * ux[i]);
            let vy = cov_norm * (uyy[i] - uy[i] * uy[i]);
            let vxy = cov_norm * (uxy[i] - ux[i] * uy[i]);
            let a1 = 2.0 * ux[i] * uy[i] + c1;
            let a2 = 2.0 * vxy + c2;
            let b1 = ux[i] * ux[i] + uy[i] * uy[i] + c1;
            let b2 = vx + vy + c2;
            sum += a1 * a2 / (b1 * b2);
            count += 1;
        }
    }
    sum / count as f64
}

/// AlgoPerf's per-example SSIM of a normalised output against a normalised target:
/// un-normalised as `x · std + mean`, data range `volume_max` (1 if 0), clipped to `[-1, 1]`.
pub fn fastmri_ssim(
    output: &[f32],
    target: &[f32],
    rows: usize,
    cols: usize,
    mean: f32,
    std: f32,
    volume_max: f32,
) -> f64 {
    let un = |x: &[f32]| {
        x.iter()
            .map(|&v| v as f64 * std as f64 + mean as f64)
            .collect::<Vec<f64>>()
    };
    let range = if volume_max == 0.0 {
        1.0
    } else {
        volume_max as f64
    };
    structural_similarity(&un(output), &un(target), rows, cols, range).clamp(-1.0, 1.0)
}
