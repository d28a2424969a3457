//! Fingerprints of the data a trial trains and validates on, so that results obtained on other
//! data (another file, a subset, a changed split) are never mixed with these.

use std::fmt::Write;

/// An incremental 64-bit FNV-1a hash of the examples of a dataset, plus their counts.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    hash: u64,
    counts: Vec<(String, usize)>,
}

impl Default for Fingerprint {
    fn default() -> Self {
        Self::new()
    }
}

impl Fingerprint {
    /// An empty fingerprint.
    pub fn new() -> Self {
        Self {
            hash: 0xcbf2_9ce4_8422_2325,
            counts: Vec::new(),
        }
    }

    /// Adds `bytes`, preceded by their length (so boundaries matter).
    pub fn bytes(&mut self, bytes: &[u8]) {
        for b in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
            self.hash = (self.hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Adds 32-bit words (little-endian).
    pub fn u32s(&mut self, words: &[u32]) {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.bytes(&bytes);
    }

    /// Adds floats by their bit patterns.
    pub fn f32s(&mut self, values: &[f32]) {
        let bytes: Vec<u8> = values
            .iter()
            .flat_map(|v| v.to_bits().to_le_bytes())
            .collect();
        self.bytes(&bytes);
    }

    /// Records a count (e.g. `train = 8000`), shown in the fingerprint and hashed.
    pub fn count(&mut self, name: &str, n: usize) {
        self.bytes(name.as_bytes());
        self.bytes(&(n as u64).to_le_bytes());
        self.counts.push((name.to_string(), n));
    }

    /// `train 8000, validation 2000, fnv1a64 0123…`.
    pub fn finish(&self) -> String {
        let mut out = String::new();
        for (name, n) in &self.counts {
            let _ = write!(out, "{name} {n}, ");
        }
        let _ = write!(out, "fnv1a64 {:016x}", self.hash);
        out
    }
}
