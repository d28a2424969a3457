//! Seeded Owen-scrambled Sobol points (Burley 2020, via the `sobol_burley` crate):
//! deterministic for a given seed, count and space on every machine.

use crate::space::SearchSpace;
use crate::value::Point;

/// Largest number of dimensions the sequence supports.
pub const MAX_DIMENSIONS: usize = sobol_burley::NUM_DIMENSIONS as usize;
/// Largest number of points.
pub const MAX_POINTS: usize = 1 << 16;

/// The first `count` scrambled-Sobol points of `space` for `seed`.
///
/// Panics if the space has more than [`MAX_DIMENSIONS`] random dimensions or `count` exceeds
/// [`MAX_POINTS`] (experiment files are checked against both when they are read).
pub fn sobol_points(space: &SearchSpace, count: usize, seed: u32) -> Vec<Point> {
    let dims = space.random_dims();
    assert!(
        dims <= MAX_DIMENSIONS,
        "{dims} dimensions > {MAX_DIMENSIONS}"
    );
    assert!(count <= MAX_POINTS, "{count} points > {MAX_POINTS}");
    (0..count as u32)
        .map(|i| {
            let u: Vec<f64> = (0..dims as u32)
                .map(|d| sobol_burley::sample(i, d, seed) as f64)
                .collect();
            space.point(&u)
        })
        .collect()
}
