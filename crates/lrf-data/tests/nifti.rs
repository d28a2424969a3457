//! NIfTI-1 reading: tiny files written here (gzipped and not, both byte orders, every
//! supported datatype), scaling, and errors that name the file and what was wrong.

use std::io::Write;

use lrf_data::nifti::{encode_nifti, parse_header, parse_volume, read_nifti, Datatype};
use lrf_data::DataError;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A 3×4×2 volume with distinct small integer values `x + 3y + 12z` (0‥23).
fn values() -> Vec<f64> {
    let mut v = Vec::new();
    for z in 0..2 {
        for y in 0..4 {
            for x in 0..3 {
                v.push((x + 3 * y + 12 * z) as f64);
            }
        }
    }
    v
}

#[test]
fn every_datatype_round_trips_in_both_byte_orders() {
    let v = values();
    for dt in [
        Datatype::U8,
        Datatype::I8,
        Datatype::I16,
        Datatype::U16,
        Datatype::I32,
        Datatype::U32,
        Datatype::F32,
        Datatype::F64,
    ] {
        for big_endian in [false, true] {
            let bytes = encode_nifti([3, 4, 2], dt, &v, 0.0, 0.0, big_endian);
            // NIfTI-1 single file: 348-byte header + 4 extension bytes = vox_offset 352
            // (NIfTI-1 spec, nifti1.h), then 3·4·2 = 24 voxels.
            assert_eq!(bytes.len(), 352 + 24 * dt.bytes());
            let (header, volume) = parse_volume(&bytes).unwrap();
            assert_eq!(header.big_endian, big_endian);
            assert_eq!(header.datatype, dt);
            assert_eq!(volume.dims, [3, 4, 2]);
            let got: Vec<f64> = volume.data.iter().map(|&x| x as f64).collect();
            assert_eq!(got, v, "{dt:?} big_endian={big_endian}");
            // Index order: x fastest. Voxel (2, 3, 1) = 2 + 9 + 12 = 23.
            assert_eq!(volume.at(2, 3, 1), 23.0);
        }
    }
}

#[test]
fn slope_and_intercept_are_applied() {
    // Stored int16 value s gives 0.5·s − 3 (hand calculation: s = 23 → 8.5).
    let bytes = encode_nifti([3, 4, 2], Datatype::I16, &values(), 0.5, -3.0, true);
    let (_, volume) = parse_volume(&bytes).unwrap();
    assert_eq!(volume.at(0, 0, 0), -3.0);
    assert_eq!(volume.at(2, 3, 1), 8.5);
    assert_eq!(volume.max(), 8.5);
}

#[test]
fn plain_and_gzipped_files_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = encode_nifti([3, 4, 2], Datatype::F32, &values(), 0.0, 0.0, false);
    let plain = dir.path().join("t.nii");
    let gz = dir.path().join("t.nii.gz");
    std::fs::write(&plain, &bytes).unwrap();
    std::fs::write(&gz, gzip(&bytes)).unwrap();
    let a = read_nifti(&plain).unwrap();
    let b = read_nifti(&gz).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.voxel_size, [1.0, 1.0, 1.0]);
    assert_eq!(a.axis_mm, [(0.0, 1.0); 3]);
}

#[test]
fn corrupt_headers_say_what_is_wrong() {
    let good = encode_nifti([3, 4, 2], Datatype::I16, &values(), 0.0, 0.0, false);
    let set = |o: usize, b: &[u8]| {
        let mut x = good.clone();
        x[o..o + b.len()].copy_from_slice(b);
        x
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (good[..100].to_vec(), "truncated: 100 bytes"),
        (set(0, &[0, 0, 0, 0]), "bad sizeof_hdr 0"),
        (set(344, b"xyz\0"), "bad magic"),
        (set(344, b"ni1\0"), "header/image pair"),
        (
            set(70, &32i16.to_le_bytes()),
            "unsupported datatype 32 (complex64)",
        ),
        (set(72, &8i16.to_le_bytes()), "bitpix 8 does not match"),
        (set(40, &0i16.to_le_bytes()), "dim[0] = 0"),
        (set(108, &10f32.to_le_bytes()), "vox_offset 10"),
        // `good` is 352 header bytes + 24 int16 voxels = 400 bytes; cut it at 360.
        (
            good[..360].to_vec(),
            "need 400 bytes but the file holds 360",
        ),
    ];
    for (bytes, want) in cases {
        let err = parse_volume(&bytes).unwrap_err();
        assert!(err.contains(want), "`{err}` should contain `{want}`");
    }
    // A 4-D file with 2 time points is not a volume.
    let mut four = good.clone();
    four[40..42].copy_from_slice(&4i16.to_le_bytes());
    four[48..50].copy_from_slice(&2i16.to_le_bytes());
    assert!(parse_header(&four).is_ok());
    let err = parse_volume(&four).unwrap_err();
    assert!(err.contains("expected a 3-D volume"), "{err}");
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.nii.gz");
    let mut bytes = encode_nifti([3, 4, 2], Datatype::U8, &values(), 0.0, 0.0, false);
    bytes[344..348].copy_from_slice(b"abc\0");
    std::fs::write(&path, gzip(&bytes)).unwrap();
    let err = read_nifti(&path).unwrap_err().to_string();
    assert!(
        err.contains("broken.nii.gz") && err.contains("bad magic"),
        "{err}"
    );
    let truncated = dir.path().join("cut.nii.gz");
    let full = gzip(&bytes);
    std::fs::write(&truncated, &full[..full.len() / 2]).unwrap();
    let err = read_nifti(&truncated).unwrap_err().to_string();
    assert!(err.contains("cut.nii.gz") && err.contains("gzip"), "{err}");
    let err = read_nifti(&dir.path().join("absent.nii")).unwrap_err();
    assert!(matches!(err, DataError::Missing { .. }), "{err}");
    assert!(err.to_string().contains("absent.nii"));
}

#[test]
fn missing_mri_volumes_name_the_debian_package() {
    use lrf_data::mri_sim::{load_splits, locate_volumes, SimConfig, ENV_DIR};
    let dir = tempfile::tempdir().unwrap();
    // Only this test reads the variable.
    std::env::set_var(ENV_DIR, dir.path());
    let err = locate_volumes().unwrap_err().to_string();
    assert!(
        err.contains("ch2.nii.gz") && err.contains("apt-get install mricron-data"),
        "{err}"
    );
    // Two small uint8 "volumes" (a bright cube in a dark box) under the expected names load
    // and split; a corrupt one is an error naming it.
    let n = 40;
    let v: Vec<f64> = (0..n * n * n)
        .map(|i| {
            let (x, y, z) = (i % n, (i / n) % n, i / (n * n));
            if (4..36).contains(&x) && (4..36).contains(&y) && (4..36).contains(&z) {
                100.0 + ((x * 7 + y * 3 + z) % 50) as f64
            } else {
                0.0
            }
        })
        .collect();
    let bytes = encode_nifti([n, n, n], Datatype::U8, &v, 0.0, 0.0, false);
    std::fs::write(dir.path().join("ch2.nii.gz"), gzip(&bytes)).unwrap();
    std::fs::write(dir.path().join("ch2better.nii.gz"), &bytes).unwrap();
    let (paths, source) = locate_volumes().unwrap();
    assert!(source.contains(ENV_DIR), "{source}");
    let (train, validation) = load_splits(&paths, &SimConfig::new(16), 0, 0).unwrap();
    // Per volume and orientation, validation slices are at 23‥27 (5), training at 0‥17 and
    // 33‥39 minus the empty 0‥3 and 36‥39 (14 + 3 = 17): ×3 orientations ×2 volumes.
    assert_eq!((train.len(), validation.len()), (102, 30));
    std::fs::write(dir.path().join("ch2better.nii.gz"), &bytes[..200]).unwrap();
    let err = load_splits(&paths, &SimConfig::new(16), 0, 0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ch2better.nii.gz") && err.contains("truncated"),
        "{err}"
    );
}
