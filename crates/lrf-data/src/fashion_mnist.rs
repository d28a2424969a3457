//! Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; MIT licence): 28×28 grey images, 10 classes.
//!
//! Sources, in order: the directory in `LRF_FASHION_MNIST_DIR`; the Debian package
//! `dataset-fashion-mnist` (`/usr/share/datasets/fashion-mnist/`, the full 60 000 + 10 000);
//! the subset committed under `datasets/fashion-mnist/` of this repository (the first
//! 8 000 training and first 2 000 test images, byte-identical to the full files).
//!
//! Fixed splits: `train` = the training file in file order; `validation` = test-file images
//! 0‥5000; `test` = test-file images 5000‥10000. A workload asks for the first `n` examples of
//! a split, so the subset and the full set give identical data wherever both have it.

use std::path::{Path, PathBuf};

use crate::error::{DataError, Result};
use crate::idx::read_idx_u8;

/// Where the Debian package installs the data.
pub const DEBIAN_DIR: &str = "/usr/share/datasets/fashion-mnist";
/// Environment variable naming a directory with the four IDX files.
pub const ENV_DIR: &str = "LRF_FASHION_MNIST_DIR";
/// Image side length.
pub const SIDE: usize = 28;
/// Number of classes.
pub const CLASSES: usize = 10;
/// Class names in label order.
pub const CLASS_NAMES: [&str; CLASSES] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];
const VALIDATION: (usize, usize) = (0, 5000);
const TEST: (usize, usize) = (5000, 10000);

/// One of the fixed splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// The training file.
    Train,
    /// Test-file images 0‥5000.
    Validation,
    /// Test-file images 5000‥10000.
    Test,
}

impl Split {
    fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }
}

/// Images and labels of one split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSet {
    /// `len × 28 × 28` pixels, row-major, 0‥255.
    pub images: Vec<u8>,
    /// `len` labels in 0‥9.
    pub labels: Vec<u8>,
}

impl ImageSet {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels of example `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        &self.images[i * SIDE * SIDE..(i + 1) * SIDE * SIDE]
    }
}

/// Which files are in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FashionMnist {
    dir: PathBuf,
    description: String,
}

impl FashionMnist {
    /// Picks the source: `$LRF_FASHION_MNIST_DIR`, else the Debian package, else the subset in
    /// `datasets_dir/fashion-mnist`.
    pub fn locate(datasets_dir: &Path) -> Result<Self> {
        if let Some(dir) = std::env::var_os(ENV_DIR).filter(|d| !d.is_empty()) {
            return Ok(Self::from_dir(Path::new(&dir), &format!("${ENV_DIR}")));
        }
        let debian = Path::new(DEBIAN_DIR);
        if debian.join("train-images-idx3-ubyte.gz").is_file() {
            return Ok(Self::from_dir(
                debian,
                "Debian package dataset-fashion-mnist",
            ));
        }
        let subset = datasets_dir.join("fashion-mnist");
        if subset.join("train-images-idx3-ubyte.gz").is_file() {
            return Ok(Self::from_dir(&subset, "committed subset"));
        }
        Err(DataError::Missing {
            path: debian.to_path_buf(),
            hint: format!(
                "install it with `apt-get install dataset-fashion-mnist`, or set {ENV_DIR}; \
                 the committed subset {} is missing too",
                subset.display()
            ),
        })
    }

    /// Uses the four IDX files (`{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]`) in `dir`.
    pub fn from_dir(dir: &Path, description: &str) -> Self {
        Self {
            dir: dir.to_path_buf(),
            description: description.to_string(),
        }
    }

    /// Human-readable source, e.g. `Debian package dataset-fashion-mnist (/usr/share/…)`.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.description, self.dir.display())
    }

    fn file(&self, stem: &str) -> PathBuf {
        let gz = self.dir.join(format!("{stem}.gz"));
        if gz.is_file() {
            gz
        } else {
            self.dir.join(stem)
        }
    }

    /// The first `n` examples of `split`.
    pub fn load(&self, split: Split, n: usize) -> Result<ImageSet> {
        let (prefix, (start, end)) = match split {
            Split::Train => ("train", (0, usize::MAX)),
            Split::Validation => ("t10k", VALIDATION),
            Split::Test => ("t10k", TEST),
        };
        let images_path = self.file(&format!("{prefix}-images-idx3-ubyte"));
        let labels_path = self.file(&format!("{prefix}-labels-idx1-ubyte"));
        let read = |path: &Path, ndims| {
            read_idx_u8(path, ndims).map_err(|e| match e {
                DataError::Missing { path, .. } => DataError::Missing {
                    path,
                    hint: format!("{} lacks it", self.describe()),
                },
                other => other,
            })
        };
        let images = read(&images_path, 3)?;
        let labels = read(&labels_path, 1)?;
        if images.dims[1..] != [SIDE, SIDE] {
            return Err(DataError::corrupt(
                &images_path,
                format!("images are {:?}, expected N×28×28", images.dims),
            ));
        }
        if images.dims[0] != labels.dims[0] {
            return Err(DataError::corrupt(
                &labels_path,
                format!(
                    "{} labels for {} images in {}",
                    labels.dims[0],
                    images.dims[0],
                    images_path.display()
                ),
            ));
        }
        if let Some((i, &bad)) = labels
            .data
            .iter()
            .enumerate()
            .find(|(_, &l)| l as usize >= CLASSES)
        {
            return Err(DataError::corrupt(
                &labels_path,
                format!("label {bad} at index {i} is outside 0..{CLASSES}"),
            ));
        }
        let available = images.dims[0].min(end).saturating_sub(start);
        if n > available {
            return Err(DataError::Request(format!(
                "{} split: {n} examples requested but {} holds {available}; install the full set \
                 with `apt-get install dataset-fashion-mnist`",
                split.name(),
                self.describe()
            )));
        }
        let pixels = SIDE * SIDE;
        Ok(ImageSet {
            images: images.data[start * pixels..(start + n) * pixels].to_vec(),
            labels: labels.data[start..start + n].to_vec(),
        })
    }
}
