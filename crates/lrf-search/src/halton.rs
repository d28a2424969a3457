//! Halton points exactly as AlgoPerf's `algoperf/halton.py` draws them (`generate_search` on a
//! dictionary-form space), for spaces with the same random dimensions in the same order.
//!
//! Each random dimension `d` of `D` gets its own prime base: the odd primes found by Sundaram's
//! sieve below 1000 (below 2000, 3000, … when there are fewer than `D + 1` of them), of which
//! halton.py takes `primes[-D-1:-1]` (see [`halton_primes`]). A dimension with base `p` is a
//! scrambled, shifted van der Corput sequence: numpy's legacy `RandomState(p)` (MT19937
//! seeded with `p`) shuffles the digits `1..p` (0 stays 0) and then draws a shift in `[0, 1)`;
//! the `i`-th value is the radical inverse of `i` in base `p` with its digits so permuted, plus
//! the shift, modulo 1. halton.py skips the first 100 values (`i = 1..=100`), so point `k`
//! (from 0) uses `i = 101 + k`. Every step is redone here in the same floating-point
//! operations, so the coordinates, and the values [`Dimension::at`](crate::Dimension::at)
//! makes of them with halton.py's own formulas, are the same bit for bit.
//!
//! **No seed.** halton.py seeds each dimension's generator with its prime, so every call with
//! the same number of random dimensions gives the same coordinates: a search space of `D`
//! random dimensions has exactly one Halton search of each size.
//!
//! **Order.** halton.py ends by shuffling the points with numpy's global, unseeded RNG, so
//! only the *set* of points it returns is reproducible. [`halton_points`] returns the points
//! in the sequence's own order instead (halton.py's `shuffle_sequence=False`): the same set as
//! AlgoPerf, in a fixed order, and the first `k` of `n` points are the `k` points of the
//! smaller search, so a search can be extended without changing the points it already ran.
//!
//! Dimensions that are [`Fixed`](crate::Dimension::Fixed) (an lrf addition to AlgoPerf's
//! format) take no coordinate and so do not change the others; a one-value
//! `feasible_points` list does take one, as it does in halton.py.

use rand_mt::Mt;

use crate::space::SearchSpace;
use crate::value::Point;

/// Largest number of random dimensions [`halton_points`] accepts. halton.py itself has no
/// limit; this is the Sobol sampler's ([`MAX_DIMENSIONS`](crate::MAX_DIMENSIONS), 256), so a
/// space valid for one sampler is valid for both.
pub const HALTON_MAX_DIMENSIONS: usize = crate::sobol::MAX_DIMENSIONS;

/// Values halton.py discards from the start of every dimension.
const SKIP: u64 = 100;

/// The odd primes below `n` (2 excluded), by the sieve of Sundaram as halton.py writes it.
fn sundaram_primes(n: usize) -> Vec<u32> {
    let half = (n - 2) / 2;
    let mut crossed = vec![false; half + 1];
    for outer in 1..=half {
        let mut inner = outer;
        while outer + inner + 2 * outer * inner <= half {
            crossed[outer + inner + 2 * outer * inner] = true;
            inner += 1;
        }
    }
    (1..=half)
        .filter(|&i| !crossed[i])
        .map(|i| (2 * i + 1) as u32)
        .collect()
}

/// The prime base of each of `dims` random dimensions, in order, as halton.py picks them:
/// the odd primes below `1000 · a` for the first `a = 1, 2, …` that yields at least
/// `dims + 1` of them, less the largest, last `dims` of those.
///
/// For 7 dimensions: `[947, 953, 967, 971, 977, 983, 991]`. Empty for 0 dimensions.
pub fn halton_primes(dims: usize) -> Vec<u32> {
    let mut attempt = 1;
    let primes = loop {
        let primes = sundaram_primes(1000 * attempt);
        if primes.len() > dims {
            break primes;
        }
        attempt += 1;
    };
    let end = primes.len() - 1;
    primes[end - dims..end].to_vec()
}

/// numpy's legacy `random_interval`: uniform on `0..=max` by masked rejection.
fn random_interval(mt: &mut Mt, max: u32) -> u32 {
    if max == 0 {
        return 0;
    }
    let mut mask = max;
    for shift in [1, 2, 4, 8, 16] {
        mask |= mask >> shift;
    }
    loop {
        let value = mt.next_u32() & mask;
        if value <= max {
            return value;
        }
    }
}

/// numpy's legacy `random_sample`: a 53-bit double in `[0, 1)` from two draws.
fn random_sample(mt: &mut Mt) -> f64 {
    let a = f64::from(mt.next_u32() >> 5);
    let b = f64::from(mt.next_u32() >> 6);
    (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
}

/// One dimension: a van der Corput sequence with permuted digits and a shift.
struct VanDerCorput {
    base: u64,
    /// `digits[r]` replaces digit `r` (`digits[0] == 0`).
    digits: Vec<f64>,
    shift: f64,
}

impl VanDerCorput {
    fn new(base: u32) -> Self {
        let mut mt = Mt::new(base);
        // `RandomState.shuffle` on a list: Fisher–Yates from the end.
        let mut tail: Vec<u32> = (1..base).collect();
        for i in (1..tail.len()).rev() {
            let j = random_interval(&mut mt, i as u32) as usize;
            tail.swap(i, j);
        }
        let digits = std::iter::once(0.0)
            .chain(tail.into_iter().map(f64::from))
            .collect();
        let shift = random_sample(&mut mt);
        Self {
            base: u64::from(base),
            digits,
            shift,
        }
    }

    /// The `i`-th value (`i ≥ 1`). halton.py divides Python integers, which rounds the exact
    /// quotient once; so does this f64 division, as both operands are exact (digits are below
    /// the base, and `base^k ≤ base · i` stays far below 2^53).
    fn at(&self, mut i: u64) -> f64 {
        let base = self.base as f64;
        let mut num = 0.0;
        let mut denominator = base;
        while i > 0 {
            num += self.digits[(i % self.base) as usize] / denominator;
            denominator *= base;
            i /= self.base;
        }
        // Rust's `%` on f64 is C's `fmod`, as Python's `math.fmod`.
        (num + self.shift) % 1.0
    }
}

/// The first `count` points of AlgoPerf's Halton search over `space`: bit for bit the points
/// that `halton.generate_search(space, count)` returns for the same random dimensions in the
/// same order, in the order halton.py computes them, before its final shuffle (that one uses
/// numpy's unseeded global RNG, so only the set of points is reproducible from AlgoPerf).
///
/// There is no seed: halton.py seeds each dimension with its prime ([`halton_primes`]), so
/// every call with the same number of random dimensions draws the same coordinates, and the
/// first `k` of `count` points are those of `halton_points(space, k)`. Fixed dimensions take
/// no coordinate; a one-value `feasible_points` list takes one, as in halton.py.
///
/// Panics if the space has more than [`HALTON_MAX_DIMENSIONS`] random dimensions.
pub fn halton_points(space: &SearchSpace, count: usize) -> Vec<Point> {
    let dims = space.random_dims();
    assert!(
        dims <= HALTON_MAX_DIMENSIONS,
        "{dims} dimensions > {HALTON_MAX_DIMENSIONS}"
    );
    let sequences: Vec<VanDerCorput> = halton_primes(dims)
        .into_iter()
        .map(VanDerCorput::new)
        .collect();
    (0..count as u64)
        .map(|k| {
            let u: Vec<f64> = sequences.iter().map(|s| s.at(SKIP + 1 + k)).collect();
            space.point(&u)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sundaram_finds_the_odd_primes() {
        let primes = sundaram_primes(1000);
        assert_eq!(primes.len(), 167, "168 primes below 1000, less 2");
        assert_eq!(&primes[..5], &[3, 5, 7, 11, 13]);
        assert_eq!(primes.last(), Some(&997));
        let odd_primes = (3..1000u32)
            .step_by(2)
            .filter(|n| (2..*n).take_while(|d| d * d <= *n).all(|d| n % d != 0));
        assert!(odd_primes.eq(primes.iter().copied()));
    }

    #[test]
    fn mt19937_is_seeded_by_init_genrand() {
        // C++ requires the 10000th output of a default-constructed std::mt19937
        // (init_genrand(5489)) to be 4123659995 ([rand.predef]); numpy's
        // `RandomState(5489).randint(0, 2**32, 3, dtype=numpy.uint64)` gives the first three.
        let mut mt = Mt::new(5489);
        let first: Vec<u32> = (0..3).map(|_| mt.next_u32()).collect();
        assert_eq!(first, [3_499_211_612, 581_869_302, 3_890_346_734]);
        let tenth_thousandth = (3..10_000).map(|_| mt.next_u32()).last();
        assert_eq!(tenth_thousandth, Some(4_123_659_995));
    }

    #[test]
    fn digits_and_shift_match_numpy() {
        // numpy 2.4.6: `r = numpy.random.RandomState(991); s = list(range(1, 991));
        // r.shuffle(s); s[:5], r.random_sample()`.
        let vdc = VanDerCorput::new(991);
        assert_eq!(&vdc.digits[..6], &[0.0, 219.0, 782.0, 672.0, 547.0, 29.0]);
        assert_eq!(vdc.shift.to_bits(), 0.6867297263251911f64.to_bits());
    }
}
