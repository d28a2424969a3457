//! Seeded, reproducible mini-batch order: a fresh permutation every epoch, incomplete final
//! batches dropped (as AlgoPerf's input pipelines do for training).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// An endless stream of index batches over `0..n`.
#[derive(Debug, Clone)]
pub struct ShuffledBatches {
    n: usize,
    batch_size: usize,
    seed: u64,
    epoch: u64,
    order: Vec<usize>,
    position: usize,
}

impl ShuffledBatches {
    /// Batches of `batch_size` indices below `n`, shuffled with `seed`.
    ///
    /// Panics if `batch_size` is 0 or larger than `n`.
    pub fn new(n: usize, batch_size: usize, seed: u64) -> Self {
        assert!(
            batch_size > 0 && batch_size <= n,
            "batch size {batch_size} for {n} examples"
        );
        let mut batches = Self {
            n,
            batch_size,
            seed,
            epoch: 0,
            order: Vec::new(),
            position: 0,
        };
        batches.order = batches.permutation(0);
        batches
    }

    /// The permutation of epoch `epoch` (Fisher–Yates on a ChaCha8 stream seeded by
    /// `seed` and `epoch`, so it is the same on every platform and run).
    fn permutation(&self, epoch: u64) -> Vec<usize> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(epoch);
        let mut order: Vec<usize> = (0..self.n).collect();
        for i in (1..self.n).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        order
    }

    /// The epoch the next batch comes from (0-based).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The next batch of indices.
    pub fn next_batch(&mut self) -> Vec<usize> {
        if self.position + self.batch_size > self.n {
            self.epoch += 1;
            self.order = self.permutation(self.epoch);
            self.position = 0;
        }
        let batch = self.order[self.position..self.position + self.batch_size].to_vec();
        self.position += self.batch_size;
        batch
    }
}
