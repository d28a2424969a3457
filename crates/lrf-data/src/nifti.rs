//! NIfTI-1 single-file images (`.nii`, `.nii.gz`): the 348-byte header parsed by hand, then the
//! voxels as a 3-D `f32` volume with the header's `scl_slope`/`scl_inter` applied.
//!
//! The byte order is the one in which `sizeof_hdr` reads 348; the voxels start at `vox_offset`.
//! Data types: `uint8`, `int8`, `int16`, `uint16`, `int32`, `uint32`, `float32`, `float64`.
//! Files may be gzip-compressed (detected by magic bytes). The header/image pair form
//! (`.hdr` + `.img`, magic `ni1`) is refused with a message saying so.

use std::path::Path;

use crate::error::{DataError, Result};
use crate::gzip_file::read_maybe_gzipped;

/// Size of the NIfTI-1 header in bytes.
pub const HEADER_BYTES: usize = 348;

/// A NIfTI-1 voxel data type (the header's `datatype` code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datatype {
    /// Code 2.
    U8,
    /// Code 256.
    I8,
    /// Code 4.
    I16,
    /// Code 512.
    U16,
    /// Code 8.
    I32,
    /// Code 768.
    U32,
    /// Code 16.
    F32,
    /// Code 64.
    F64,
}

impl Datatype {
    /// The type of a header `datatype` code, if supported.
    pub fn from_code(code: i16) -> Option<Self> {
        Some(match code {
            2 => Self::U8,
            256 => Self::I8,
            4 => Self::I16,
            512 => Self::U16,
            8 => Self::I32,
            768 => Self::U32,
            16 => Self::F32,
            64 => Self::F64,
            _ => return None,
        })
    }

    /// Its header code.
    pub fn code(self) -> i16 {
        match self {
            Self::U8 => 2,
            Self::I8 => 256,
            Self::I16 => 4,
            Self::U16 => 512,
            Self::I32 => 8,
            Self::U32 => 768,
            Self::F32 => 16,
            Self::F64 => 64,
        }
    }

    /// Bytes per voxel.
    pub fn bytes(self) -> usize {
        match self {
            Self::U8 | Self::I8 => 1,
            Self::I16 | Self::U16 => 2,
            Self::I32 | Self::U32 | Self::F32 => 4,
            Self::F64 => 8,
        }
    }

    fn name(code: i16) -> &'static str {
        match code {
            0 => "unknown",
            1 => "binary",
            32 => "complex64",
            128 => "rgb24",
            1024 => "int64",
            1280 => "uint64",
            1536 => "float128",
            1792 => "complex128",
            2048 => "complex256",
            2304 => "rgba32",
            _ => "not a NIfTI-1 code",
        }
    }
}

/// The header fields a reader needs.
#[derive(Debug, Clone, PartialEq)]
pub struct NiftiHeader {
    /// Whether the file is big-endian.
    pub big_endian: bool,
    /// `dim[1..=dim[0]]`.
    pub dims: Vec<usize>,
    /// `pixdim[1..=3]`: voxel size (mm when `xyzt_units` says so).
    pub voxel_size: [f32; 3],
    /// Voxel type.
    pub datatype: Datatype,
    /// Byte offset of the voxels.
    pub vox_offset: usize,
    /// Scale slope (`0` means no scaling, as the standard says).
    pub scl_slope: f32,
    /// Scale intercept.
    pub scl_inter: f32,
    /// `sform_code` (0: no `srow` affine).
    pub sform_code: i16,
    /// `srow_x`, `srow_y`, `srow_z`: voxel index → world mm, when `sform_code > 0`.
    pub srow: [[f32; 4]; 3],
}

impl NiftiHeader {
    /// `(slope, intercept)` actually applied: identity when the slope is 0 or not finite.
    pub fn scaling(&self) -> (f32, f32) {
        if self.scl_slope == 0.0 || !self.scl_slope.is_finite() {
            (1.0, 0.0)
        } else {
            let inter = if self.scl_inter.is_finite() {
                self.scl_inter
            } else {
                0.0
            };
            (self.scl_slope, inter)
        }
    }
}

/// A 3-D scalar volume, `x` fastest (NIfTI order).
#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    /// `[nx, ny, nz]`.
    pub dims: [usize; 3],
    /// Voxel size along each axis.
    pub voxel_size: [f32; 3],
    /// World position (mm) of voxel index 0 along each axis and the step per index, from the
    /// diagonal of the `sform` affine when present, else `(0, voxel_size)`.
    pub axis_mm: [(f32, f32); 3],
    /// `nx·ny·nz` values, index `x + nx·(y + ny·z)`, scaled by `scl_slope`/`scl_inter`.
    pub data: Vec<f32>,
}

impl Volume {
    /// Value at voxel `(x, y, z)`.
    pub fn at(&self, x: usize, y: usize, z: usize) -> f32 {
        let [nx, ny, _] = self.dims;
        self.data[x + nx * (y + ny * z)]
    }

    /// Largest value.
    pub fn max(&self) -> f32 {
        self.data.iter().copied().fold(f32::NEG_INFINITY, f32::max)
    }
}

fn field<const N: usize>(bytes: &[u8], offset: usize) -> [u8; N] {
    bytes[offset..offset + N]
        .try_into()
        .expect("in-bounds field")
}

/// Parses a NIfTI-1 header from the first 348 bytes of `bytes`; the error says what was wrong.
pub fn parse_header(bytes: &[u8]) -> std::result::Result<NiftiHeader, String> {
    if bytes.len() < HEADER_BYTES {
        return Err(format!(
            "truncated: {} bytes, the NIfTI-1 header needs {HEADER_BYTES}",
            bytes.len()
        ));
    }
    let sizeof_le = i32::from_le_bytes(field(bytes, 0));
    let sizeof_be = i32::from_be_bytes(field(bytes, 0));
    let big_endian = match (sizeof_le, sizeof_be) {
        (348, _) => false,
        (_, 348) => true,
        _ => {
            return Err(format!(
                "bad sizeof_hdr {sizeof_le} (byte-swapped {sizeof_be}), expected 348: not a NIfTI-1 file"
            ))
        }
    };
    let i16_at = |o: usize| {
        let b = field::<2>(bytes, o);
        if big_endian {
            i16::from_be_bytes(b)
        } else {
            i16::from_le_bytes(b)
        }
    };
    let f32_at = |o: usize| {
        let b = field::<4>(bytes, o);
        if big_endian {
            f32::from_be_bytes(b)
        } else {
            f32::from_le_bytes(b)
        }
    };
    let magic = &bytes[344..348];
    match magic {
        b"n+1\0" => {}
        b"ni1\0" => return Err(
            "magic `ni1`: a header/image pair (.hdr + .img), only single-file .nii is supported"
                .into(),
        ),
        _ => {
            return Err(format!(
                "bad magic {:?}, expected \"n+1\\0\" (single-file NIfTI-1)",
                String::from_utf8_lossy(magic)
            ))
        }
    }
    let ndim = i16_at(40);
    if !(1..=7).contains(&ndim) {
        return Err(format!("dim[0] = {ndim}, expected 1..7 dimensions"));
    }
    let mut dims = Vec::with_capacity(ndim as usize);
    for i in 1..=ndim as usize {
        let d = i16_at(40 + 2 * i);
        if d < 1 {
            return Err(format!("dim[{i}] = {d}, expected a positive size"));
        }
        dims.push(d as usize);
    }
    let code = i16_at(70);
    let datatype = Datatype::from_code(code).ok_or_else(|| {
        format!(
            "unsupported datatype {code} ({}); supported: uint8, int8, int16, uint16, int32, \
             uint32, float32, float64",
            Datatype::name(code)
        )
    })?;
    let bitpix = i16_at(72);
    if bitpix as usize != 8 * datatype.bytes() {
        return Err(format!(
            "bitpix {bitpix} does not match datatype {code} ({} bits)",
            8 * datatype.bytes()
        ));
    }
    let vox_offset = f32_at(108);
    if !(vox_offset.is_finite() && vox_offset >= HEADER_BYTES as f32) {
        return Err(format!(
            "vox_offset {vox_offset}, expected at least {HEADER_BYTES} in a single-file NIfTI-1"
        ));
    }
    let mut srow = [[0f32; 4]; 3];
    for (r, row) in srow.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = f32_at(280 + 16 * r + 4 * c);
        }
    }
    Ok(NiftiHeader {
        big_endian,
        dims,
        voxel_size: [f32_at(80), f32_at(84), f32_at(88)],
        datatype,
        vox_offset: vox_offset as usize,
        scl_slope: f32_at(112),
        scl_inter: f32_at(116),
        sform_code: i16_at(254),
        srow,
    })
}

/// Parses a whole NIfTI-1 file (already decompressed) into a 3-D volume: `dim[0]` must be 3,
/// or larger with every dimension beyond the third equal to 1.
pub fn parse_volume(bytes: &[u8]) -> std::result::Result<(NiftiHeader, Volume), String> {
    let header = parse_header(bytes)?;
    let d = &header.dims;
    if d.len() < 3 || d[3..].iter().any(|&n| n != 1) {
        return Err(format!(
            "dimensions {d:?}: expected a 3-D volume (extra dimensions of size 1 allowed)"
        ));
    }
    let dims = [d[0], d[1], d[2]];
    let count = dims[0] * dims[1] * dims[2];
    let width = header.datatype.bytes();
    let need = header.vox_offset + count * width;
    if bytes.len() < need {
        return Err(format!(
            "truncated: dimensions {dims:?} of {width}-byte voxels from offset {} need {need} \
             bytes but the file holds {}",
            header.vox_offset,
            bytes.len()
        ));
    }
    let raw = &bytes[header.vox_offset..need];
    let be = header.big_endian;
    macro_rules! decode {
        ($t:ty, $n:expr) => {
            raw.chunks_exact($n)
                .map(|c| {
                    let b: [u8; $n] = c.try_into().expect("chunk");
                    (if be {
                        <$t>::from_be_bytes(b)
                    } else {
                        <$t>::from_le_bytes(b)
                    }) as f64
                })
                .collect::<Vec<f64>>()
        };
    }
    let values: Vec<f64> = match header.datatype {
        Datatype::U8 => raw.iter().map(|&v| v as f64).collect(),
        Datatype::I8 => raw.iter().map(|&v| v as i8 as f64).collect(),
        Datatype::I16 => decode!(i16, 2),
        Datatype::U16 => decode!(u16, 2),
        Datatype::I32 => decode!(i32, 4),
        Datatype::U32 => decode!(u32, 4),
        Datatype::F32 => decode!(f32, 4),
        Datatype::F64 => decode!(f64, 8),
    };
    let (slope, inter) = header.scaling();
    let data: Vec<f32> = values
        .into_iter()
        .map(|v| (v * slope as f64 + inter as f64) as f32)
        .collect();
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(format!("voxel {i} is not finite ({})", data[i]));
    }
    let mut axis_mm = [(0.0, 1.0); 3];
    for (a, axis) in axis_mm.iter_mut().enumerate() {
        *axis = if header.sform_code > 0 && header.srow[a][a] != 0.0 {
            (header.srow[a][3], header.srow[a][a])
        } else {
            let step = header.voxel_size[a];
            (0.0, if step > 0.0 { step } else { 1.0 })
        };
    }
    let volume = Volume {
        dims,
        voxel_size: header.voxel_size,
        axis_mm,
        data,
    };
    Ok((header, volume))
}

/// Reads a NIfTI-1 file (gzipped or not) as a 3-D volume.
pub fn read_nifti(path: &Path) -> Result<Volume> {
    let bytes = read_maybe_gzipped(path)?;
    parse_volume(&bytes)
        .map(|(_, v)| v)
        .map_err(|problem| DataError::corrupt(path, problem))
}

/// Encodes a 3-D volume as single-file NIfTI-1 bytes (used by test fixtures): `values` (x
/// fastest) are stored as `datatype` (rounded for integer types), with the given scaling,
/// voxel size 1 mm, no affine, in the chosen byte order.
pub fn encode_nifti(
    dims: [usize; 3],
    datatype: Datatype,
    values: &[f64],
    scl_slope: f32,
    scl_inter: f32,
    big_endian: bool,
) -> Vec<u8> {
    assert_eq!(values.len(), dims[0] * dims[1] * dims[2], "value count");
    let mut h = vec![0u8; 352];
    let put = |h: &mut Vec<u8>, o: usize, le: &[u8], be: &[u8]| {
        h[o..o + le.len()].copy_from_slice(if big_endian { be } else { le });
    };
    put(&mut h, 0, &348i32.to_le_bytes(), &348i32.to_be_bytes());
    let dim: [i16; 8] = [
        3,
        dims[0] as i16,
        dims[1] as i16,
        dims[2] as i16,
        1,
        1,
        1,
        1,
    ];
    for (i, d) in dim.iter().enumerate() {
        put(&mut h, 40 + 2 * i, &d.to_le_bytes(), &d.to_be_bytes());
    }
    let code = datatype.code();
    put(&mut h, 70, &code.to_le_bytes(), &code.to_be_bytes());
    let bitpix = 8 * datatype.bytes() as i16;
    put(&mut h, 72, &bitpix.to_le_bytes(), &bitpix.to_be_bytes());
    for i in 0..4 {
        let p = 1f32;
        put(&mut h, 76 + 4 * i, &p.to_le_bytes(), &p.to_be_bytes());
    }
    let off = 352f32;
    put(&mut h, 108, &off.to_le_bytes(), &off.to_be_bytes());
    put(
        &mut h,
        112,
        &scl_slope.to_le_bytes(),
        &scl_slope.to_be_bytes(),
    );
    put(
        &mut h,
        116,
        &scl_inter.to_le_bytes(),
        &scl_inter.to_be_bytes(),
    );
    h[344..348].copy_from_slice(b"n+1\0");
    macro_rules! push {
        ($v:expr) => {{
            let v = $v;
            h.extend_from_slice(&if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            });
        }};
    }
    for &v in values {
        match datatype {
            Datatype::U8 => push!(v.round() as u8),
            Datatype::I8 => push!(v.round() as i8),
            Datatype::I16 => push!(v.round() as i16),
            Datatype::U16 => push!(v.round() as u16),
            Datatype::I32 => push!(v.round() as i32),
            Datatype::U32 => push!(v.round() as u32),
            Datatype::F32 => push!(v as f32),
            Datatype::F64 => push!(v),
        }
    }
    h
}
