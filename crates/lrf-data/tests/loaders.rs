//! IDX parsing, Fashion-MNIST splits, errors that name the file, seeded batch order.

use std::io::Write;
use std::path::Path;

use lrf_data::fashion_mnist::{FashionMnist, Split, DEBIAN_DIR};
use lrf_data::idx::{encode_idx_u8, parse_idx_u8, read_idx_u8};
use lrf_data::{DataError, ShuffledBatches};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn idx_round_trips_plain_and_gzipped() {
    let data: Vec<u8> = (0..24).collect();
    let bytes = encode_idx_u8(&[2, 3, 4], &data);
    // IDX magic (LeCun's MNIST page): two zero bytes, type 0x08 = unsigned byte, 3 dimensions.
    assert_eq!(&bytes[..4], &[0, 0, 8, 3]);
    let parsed = parse_idx_u8(&bytes, 3).unwrap();
    assert_eq!(parsed.dims, vec![2, 3, 4]);
    assert_eq!(parsed.data, data);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x-idx3-ubyte.gz");
    std::fs::write(&path, gzip(&bytes)).unwrap();
    assert_eq!(read_idx_u8(&path, 3).unwrap(), parsed);
}

#[test]
fn malformed_idx_says_what_is_wrong() {
    let good = encode_idx_u8(&[2, 2], &[1, 2, 3, 4]);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![0, 0], "truncated"),
        (
            encode_idx_u8(&[4], &[1, 2, 3, 4]),
            "bad magic number 0x00000801, expected 0x00000802",
        ),
        (good[..10].to_vec(), "truncated header"),
        (
            good[..14].to_vec(),
            "need 4 value bytes but the file holds 2 (truncated)",
        ),
        ([good.clone(), vec![9]].concat(), "trailing data"),
    ];
    for (bytes, want) in cases {
        let err = parse_idx_u8(&bytes, 2).unwrap_err();
        assert!(err.contains(want), "`{err}` should contain `{want}`");
    }
}

#[test]
fn corrupt_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("train-images-idx3-ubyte.gz");
    let mut broken = gzip(&encode_idx_u8(&[1, 28, 28], &[0; 784]));
    let n = broken.len();
    broken.truncate(n / 2);
    std::fs::write(&path, &broken).unwrap();
    let err = read_idx_u8(&path, 3).unwrap_err().to_string();
    assert!(
        err.contains("train-images-idx3-ubyte.gz") && err.contains("gzip"),
        "{err}"
    );
    let missing = dir.path().join("nope");
    let err = read_idx_u8(&missing, 3).unwrap_err();
    assert!(matches!(err, DataError::Missing { .. }), "{err}");
    assert!(err.to_string().contains("nope"));
}

fn write_set(dir: &Path, prefix: &str, n: usize, labels: &[u8]) {
    let images: Vec<u8> = (0..n * 784).map(|i| (i % 251) as u8).collect();
    std::fs::write(
        dir.join(format!("{prefix}-images-idx3-ubyte")),
        encode_idx_u8(&[n, 28, 28], &images),
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("{prefix}-labels-idx1-ubyte")),
        encode_idx_u8(&[labels.len()], labels),
    )
    .unwrap();
}

#[test]
fn label_problems_are_reported_with_the_labels_file() {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), "train", 3, &[1, 2, 12]);
    let source = FashionMnist::from_dir(dir.path(), "test");
    let err = source.load(Split::Train, 3).unwrap_err().to_string();
    assert!(
        err.contains("train-labels-idx1-ubyte") && err.contains("label 12 at index 2"),
        "{err}"
    );
    write_set(dir.path(), "train", 3, &[1, 2]);
    let err = source.load(Split::Train, 2).unwrap_err().to_string();
    assert!(err.contains("2 labels for 3 images"), "{err}");
}

#[test]
fn asking_for_more_examples_than_the_source_has_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), "t10k", 4, &[0, 1, 2, 3]);
    let source = FashionMnist::from_dir(dir.path(), "tiny");
    assert_eq!(source.load(Split::Validation, 4).unwrap().len(), 4);
    let err = source.load(Split::Validation, 5).unwrap_err().to_string();
    assert!(
        err.contains("validation split: 5 examples requested")
            && err.contains("dataset-fashion-mnist"),
        "{err}"
    );
}

fn committed_subset() -> FashionMnist {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/fashion-mnist");
    FashionMnist::from_dir(&dir, "committed subset")
}

/// The committed subset holds the first 8 000 training and 2 000 test images; Fashion-MNIST's
/// training labels are balanced overall, and the subset's first 8 000 hold every class.
#[test]
fn the_committed_subset_loads() {
    let source = committed_subset();
    let train = source.load(Split::Train, 8000).unwrap();
    let validation = source.load(Split::Validation, 2000).unwrap();
    assert_eq!((train.len(), validation.len()), (8000, 2000));
    // Per-class counts of the committed labels, counted independently in Python:
    // collections.Counter(gzip.decompress(open(".../train-labels-idx1-ubyte.gz", "rb").read())[8:]).
    let counts: Vec<usize> = (0..10u8)
        .map(|class| train.labels.iter().filter(|&&l| l == class).count())
        .collect();
    assert_eq!(counts, [747, 860, 809, 807, 763, 795, 807, 818, 792, 802]);
    assert!(
        source.load(Split::Test, 1).is_err(),
        "the subset has no test split"
    );
}

/// With the Debian package installed (CI installs it), the subset is byte-identical to the
/// start of the full files, so results do not depend on which source was used.
#[test]
fn the_subset_is_a_prefix_of_the_debian_files() {
    if !Path::new(DEBIAN_DIR)
        .join("train-images-idx3-ubyte.gz")
        .is_file()
    {
        // CI installs the package (.ci/run), so there the comparison must run.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but dataset-fashion-mnist is not installed"
        );
        eprintln!("dataset-fashion-mnist not installed; skipping the comparison");
        return;
    }
    let full = FashionMnist::from_dir(Path::new(DEBIAN_DIR), "debian");
    let subset = committed_subset();
    assert_eq!(
        full.load(Split::Train, 8000).unwrap(),
        subset.load(Split::Train, 8000).unwrap()
    );
    assert_eq!(
        full.load(Split::Validation, 2000).unwrap(),
        subset.load(Split::Validation, 2000).unwrap()
    );
    // Fashion-MNIST: 60 000 training and 10 000 test images (Xiao et al. 2017); the test split
    // is test-file images 5000‥10000 (datasets/README.md).
    assert_eq!(full.load(Split::Train, 60000).unwrap().len(), 60000);
    assert_eq!(full.load(Split::Test, 5000).unwrap().len(), 5000);
}

#[test]
fn batches_are_seeded_permutations_without_repeats_within_an_epoch() {
    let mut a = ShuffledBatches::new(10, 3, 42);
    let mut b = ShuffledBatches::new(10, 3, 42);
    let first: Vec<Vec<usize>> = (0..3).map(|_| a.next_batch()).collect();
    let again: Vec<Vec<usize>> = (0..3).map(|_| b.next_batch()).collect();
    assert_eq!(first, again);
    let mut seen: Vec<usize> = first.concat();
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen.len(),
        9,
        "9 distinct indices in the 3 full batches of an epoch"
    );
    assert_eq!(a.epoch(), 0);
    let _ = a.next_batch();
    assert_eq!(
        a.epoch(),
        1,
        "the 10th example is dropped, a new epoch starts"
    );
    let mut c = ShuffledBatches::new(10, 3, 43);
    let other: Vec<Vec<usize>> = (0..3).map(|_| c.next_batch()).collect();
    assert_ne!(first, other);
}

#[test]
fn atomic_writes_never_replace_with_new_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/out.txt");
    lrf_data::write_atomic(&path, b"one").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"one");
    lrf_data::write_atomic(&path, b"two").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"two");
    assert!(!lrf_data::write_new_atomic(&path, b"three").unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), b"two");
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left behind");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Same permissions as a file written plainly (0666 less the umask, i.e. not private).
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&path) | 0o022,
            mode(&plain) & !0o111 | 0o022,
            "{:o}",
            mode(&path)
        );
    }
}
