//! The IDX format of (Fashion-)MNIST: a big-endian header `0x00 0x00 <type> <ndims>`, then one
//! u32 per dimension, then the values. Files may be gzip-compressed (detected by magic bytes).

use std::path::Path;

use crate::error::{DataError, Result};
use crate::gzip_file::read_maybe_gzipped;

/// An IDX array of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxU8 {
    /// Dimensions, outermost first (e.g. `[60000, 28, 28]`).
    pub dims: Vec<usize>,
    /// Values in row-major order.
    pub data: Vec<u8>,
}

/// Reads an IDX file of u8 values with exactly `ndims` dimensions.
pub fn read_idx_u8(path: &Path, ndims: usize) -> Result<IdxU8> {
    let bytes = read_maybe_gzipped(path)?;
    parse_idx_u8(&bytes, ndims).map_err(|problem| DataError::corrupt(path, problem))
}

/// Parses IDX bytes (already decompressed); the error says what was wrong.
pub fn parse_idx_u8(bytes: &[u8], ndims: usize) -> std::result::Result<IdxU8, String> {
    let expected_magic = 0x0800 + ndims as u32;
    if bytes.len() < 4 {
        return Err(format!(
            "truncated: {} bytes, the IDX header needs 4",
            bytes.len()
        ));
    }
    let magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if magic != expected_magic {
        return Err(format!(
            "bad magic number 0x{magic:08x}, expected 0x{expected_magic:08x} (IDX unsigned bytes, {ndims} dimensions)"
        ));
    }
    let header = 4 + 4 * ndims;
    if bytes.len() < header {
        return Err(format!(
            "truncated header: {} bytes, {ndims} dimensions need {header}",
            bytes.len()
        ));
    }
    let dims: Vec<usize> = (0..ndims)
        .map(|i| {
            let o = 4 + 4 * i;
            u32::from_be_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]) as usize
        })
        .collect();
    let count = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| format!("dimensions {dims:?} overflow"))?;
    let body = bytes.len() - header;
    if body != count {
        return Err(format!(
            "dimensions {dims:?} need {count} value bytes but the file holds {body}{}",
            if body < count {
                " (truncated)"
            } else {
                " (trailing data)"
            }
        ));
    }
    Ok(IdxU8 {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Encodes an array as IDX bytes (used to write the committed subset and test fixtures).
pub fn encode_idx_u8(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8, 0, 0x08, dims.len() as u8];
    for &d in dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}
