//! MNIST (3.6.1, used for learning in 4.5.2-4.5.3): the book's `load_mnist` in Rust.
//!
//! ```no_run
//! use dlfs::mnist::load_mnist;
//! // normalize to [0, 1], flatten to (N, 784), labels as class numbers
//! let mnist = load_mnist(true, true, false)?;
//! assert_eq!(mnist.x_train.shape(), &[60000, 784]);
//! assert_eq!(mnist.t_test.len(), 10000);
//! # Ok::<(), dlfs::Error>(())
//! ```
//!
//! The four files are read from the first directory that holds them (see [`datadir`]: the
//! caller's, then `DLFS_DATA_DIR`, then `~/.cache/dlfs/mnist`), gzip or raw (see [`idx`]).
//! With the `download` feature they are downloaded into [`data_dir`] when no directory has
//! them; without it (as notebooks build the crate) [`Mnist::load`] says where it looked and
//! how to provide them.

pub mod datadir;
#[cfg(feature = "download")]
pub mod download;
pub mod idx;

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, ArrayD, Axis, IxDyn};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::loss::{IntoTarget, Target};

pub use datadir::{
    cache_dir, check_named_dirs, data_dir, describe_search, download_target, find, locate,
    search_dirs, used_line, DirSource, FileState, MnistFiles, SearchDir, ENV_VAR, FILES,
    HOW_TO_PROVIDE,
};
#[cfg(feature = "download")]
pub use download::{
    download, download_with, find_or_download, load_or_download, DownloadConfig, Event,
    FetchSource, Fetched, RemoteFile, FILE_SIZES, MIRRORS, SHA256SUMS,
};
pub use idx::{read_images, read_labels, IdxImages};

/// Rows and columns of an MNIST image.
pub const IMAGE_SIDE: usize = 28;
/// Pixels of an MNIST image, 28 x 28 = 784.
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Number of classes, the digits 0-9.
pub const CLASSES: usize = 10;

/// Labels as class numbers (0-9) or as one-hot rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Labels {
    /// One class number per image.
    Class(Array1<usize>),
    /// One one-hot row of length 10 per image.
    OneHot(Array2<f64>),
}

impl Labels {
    /// Labels from the bytes of an IDX label file: class numbers, or one-hot rows of length
    /// 10 when `one_hot` (the book's `_change_one_hot_label`, 3.6.1). Every byte must be 0-9.
    pub fn from_bytes(labels: &[u8], one_hot: bool) -> Result<Labels> {
        if let Some((i, &label)) = labels
            .iter()
            .enumerate()
            .find(|(_, &l)| l as usize >= CLASSES)
        {
            return Err(Error::Label(format!(
                "label {label} at index {i} is not a digit 0-9"
            )));
        }
        Ok(if one_hot {
            let mut t = Array2::zeros((labels.len(), CLASSES));
            for (mut row, &label) in t.outer_iter_mut().zip(labels) {
                row[label as usize] = 1.0;
            }
            Labels::OneHot(t)
        } else {
            Labels::Class(labels.iter().map(|&l| l as usize).collect())
        })
    }

    /// Number of labels (images).
    pub fn len(&self) -> usize {
        match self {
            Labels::Class(t) => t.len(),
            Labels::OneHot(t) => t.nrows(),
        }
    }

    /// True if there is no label.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The class numbers: as they are, or the argmax of each one-hot row (`np.argmax(t, axis=1)`,
    /// 4.5.2's accuracy).
    pub fn classes(&self) -> Vec<usize> {
        match self {
            Labels::Class(t) => t.to_vec(),
            Labels::OneHot(t) => crate::net::argmax_rows(&t.view()),
        }
    }

    /// The class numbers, checked: one-hot rows must have 10 values, a single 1 and 0s
    /// elsewhere; class numbers are returned as they are (the trainers check them against
    /// the images). Errors begin with `what`.
    pub fn checked_classes(&self, what: &str) -> Result<Vec<usize>> {
        if let Labels::OneHot(t) = self {
            if t.ncols() != CLASSES {
                return Err(Error::Shape(format!(
                    "{what} has one-hot rows of {} values, not {CLASSES}",
                    t.ncols()
                )));
            }
            for (i, row) in t.outer_iter().enumerate() {
                let ones = row.iter().filter(|&&v| v == 1.0).count();
                let zeros = row.iter().filter(|&&v| v == 0.0).count();
                if ones != 1 || zeros != CLASSES - 1 {
                    return Err(Error::Label(format!(
                        "{what} row {i} is {row}, not one-hot (a single 1, the rest 0)"
                    )));
                }
            }
        }
        Ok(self.classes())
    }

    /// The labels of rows `idx`, in that order, of the same kind: a mini-batch's `t_train[batch_mask]`
    /// (4.2.3). An index past the last label is an error that names it.
    pub fn select(&self, idx: &[usize]) -> Result<Labels> {
        let n = self.len();
        if let Some((k, &i)) = idx.iter().enumerate().find(|(_, &i)| i >= n) {
            return Err(Error::InvalidArgument(format!(
                "select: index {i} (at position {k}) is out of range for {n} labels (0..={})",
                n.saturating_sub(1)
            )));
        }
        Ok(match self {
            Labels::Class(t) => Labels::Class(idx.iter().map(|&i| t[i]).collect()),
            Labels::OneHot(t) => Labels::OneHot(t.select(Axis(0), idx)),
        })
    }
}

/// Labels serve as a loss target directly: class numbers as [`Target::Labels`], one-hot rows
/// as [`Target::OneHot`], both borrowed.
impl IntoTarget for Labels {
    fn target(&self) -> Result<Target<'_>> {
        match self {
            Labels::Class(t) => t.target(),
            Labels::OneHot(t) => t.target(),
        }
    }
}

/// The MNIST training and test sets, as the book's `load_mnist` returns them.
#[derive(Debug, Clone)]
pub struct Mnist {
    /// Training images: (60000, 784) when flattened, else (60000, 1, 28, 28).
    pub x_train: ArrayD<f64>,
    /// Training labels.
    pub t_train: Labels,
    /// Test images: (10000, 784) or (10000, 1, 28, 28).
    pub x_test: ArrayD<f64>,
    /// Test labels.
    pub t_test: Labels,
}

/// How to load MNIST.
#[derive(Debug, Clone, PartialEq)]
pub struct MnistOptions {
    /// Divide pixel values by 255 (to [0, 1]).
    pub normalize: bool,
    /// (N, 784) rather than (N, 1, 28, 28).
    pub flatten: bool,
    /// Labels as one-hot rows rather than class numbers.
    pub one_hot_label: bool,
    /// Where the files are; `None` looks in `DLFS_DATA_DIR`, then the user's cache directory.
    pub data_dir: Option<PathBuf>,
}

/// The book's `load_mnist(normalize, flatten, one_hot_label)` (3.6.1, 4.5.2), looking for the
/// files in `DLFS_DATA_DIR`, then `~/.cache/dlfs/mnist` (see [`Mnist::load`]).
///
/// - `normalize`: pixels as `value / 255` in [0, 1], else 0.0-255.0;
/// - `flatten`: images as rows of 784, shape (N, 784), else (N, 1, 28, 28);
/// - `one_hot_label`: labels as one-hot rows (N, 10), else class numbers (N).
///
/// The bytes are read once, as [`RawMnist`]: this is `RawMnist::load(None)?.to_mnist(normalize,
/// flatten, one_hot_label)`.
pub fn load_mnist(normalize: bool, flatten: bool, one_hot_label: bool) -> crate::Result<Mnist> {
    RawMnist::load(None)?.to_mnist(normalize, flatten, one_hot_label)
}

/// MNIST as stored: pixels and labels as bytes, images as rows of 784 (a quarter of a
/// megabyte per thousand images rather than six for `f64`).
#[derive(Debug, Clone, PartialEq)]
pub struct RawMnist {
    /// Training images, (60000, 784), 0-255.
    pub train_images: Array2<u8>,
    /// Training labels, 0-9.
    pub train_labels: Array1<u8>,
    /// Test images, (10000, 784).
    pub test_images: Array2<u8>,
    /// Test labels.
    pub test_labels: Array1<u8>,
}

fn data_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Data {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Reads and checks one image file and its label file.
fn read_pair(images: &Path, labels: &Path) -> Result<(Array2<u8>, Array1<u8>)> {
    let (x, t) = rayon::join(|| read_images(images), || read_labels(labels));
    let (x, t) = (x?, t?);
    if (x.rows, x.cols) != (IMAGE_SIDE, IMAGE_SIDE) {
        return Err(data_error(
            images,
            format!(
                "images are {}x{} pixels, expected {IMAGE_SIDE}x{IMAGE_SIDE} for MNIST",
                x.rows, x.cols
            ),
        ));
    }
    if let Some((i, &label)) = t.iter().enumerate().find(|(_, &l)| l as usize >= CLASSES) {
        return Err(data_error(
            labels,
            format!("label value {label} at index {i} is not a digit 0-9"),
        ));
    }
    if t.len() != x.count {
        return Err(data_error(
            labels,
            format!(
                "{} labels but {} images in {}: image and label counts differ",
                t.len(),
                x.count,
                images.display()
            ),
        ));
    }
    let x = Array2::from_shape_vec((x.count, IMAGE_PIXELS), x.pixels)
        .map_err(|e| data_error(images, format!("images do not fit ({e})")))?;
    Ok((x, Array1::from(t)))
}

impl RawMnist {
    /// Reads the four files (each gzip or raw) and checks them: 28x28 images, labels 0-9, as
    /// many labels as images. Every error names the file and the fault.
    pub fn read(files: &MnistFiles) -> Result<RawMnist> {
        let (train, test) = rayon::join(
            || read_pair(&files.train_images, &files.train_labels),
            || read_pair(&files.test_images, &files.test_labels),
        );
        let ((train_images, train_labels), (test_images, test_labels)) = (train?, test?);
        Ok(RawMnist {
            train_images,
            train_labels,
            test_images,
            test_labels,
        })
    }

    /// Finds the files (see [`search_dirs`]) and reads them, never downloading: an
    /// [`Error::NotFound`] says where it looked and how to provide the files.
    pub fn load_local(data_dir: Option<&Path>) -> Result<RawMnist> {
        RawMnist::read(&locate(&search_dirs(data_dir))?)
    }

    /// Finds the files (see [`search_dirs`]) and reads them. With the `download` feature,
    /// files found nowhere are first downloaded into [`data_dir`]`(data_dir)` (progress on
    /// stderr); without it, or if that fails, an [`Error::NotFound`] says where it looked,
    /// what the download answered and how to provide the files.
    pub fn load(data_dir: Option<&Path>) -> Result<RawMnist> {
        #[cfg(feature = "download")]
        {
            download::load_or_download(
                &search_dirs(data_dir),
                &datadir::data_dir(data_dir),
                &DownloadConfig::default(),
                download::print_event,
            )
        }
        #[cfg(not(feature = "download"))]
        {
            RawMnist::load_local(data_dir)
        }
    }
}

/// Pixels as `f64` in the book's layout; `what` names the array in an error (rows of 784
/// pixels are needed).
fn images_f64(
    images: &Array2<u8>,
    normalize: bool,
    flatten: bool,
    what: &str,
) -> Result<ArrayD<f64>> {
    if images.ncols() != IMAGE_PIXELS {
        return Err(Error::Shape(format!(
            "{what} has shape {:?}; MNIST images are rows of {IMAGE_PIXELS} pixels (28 x 28)",
            images.shape()
        )));
    }
    let scale = if normalize { 1.0 / 255.0 } else { 1.0 };
    let data: Vec<f64> = match images.as_slice() {
        Some(s) => s.par_iter().map(|&p| p as f64 * scale).collect(),
        None => images.iter().map(|&p| p as f64 * scale).collect(),
    };
    let n = images.nrows();
    let shape = if flatten {
        IxDyn(&[n, IMAGE_PIXELS])
    } else {
        IxDyn(&[n, 1, IMAGE_SIDE, IMAGE_SIDE])
    };
    ArrayD::from_shape_vec(shape, data).map_err(|e| Error::Shape(format!("{what}: {e}")))
}

impl RawMnist {
    /// MNIST in the book's layout, as `load_mnist(normalize, flatten, one_hot_label)` returns
    /// it (see [`load_mnist`] for what the options do): pixels as `f64`, labels as classes or
    /// one-hot rows.
    pub fn to_mnist(&self, normalize: bool, flatten: bool, one_hot_label: bool) -> Result<Mnist> {
        Ok(Mnist {
            x_train: images_f64(&self.train_images, normalize, flatten, "train_images")?,
            t_train: Labels::from_bytes(&self.train_labels.to_vec(), one_hot_label)?,
            x_test: images_f64(&self.test_images, normalize, flatten, "test_images")?,
            t_test: Labels::from_bytes(&self.test_labels.to_vec(), one_hot_label)?,
        })
    }
}

impl Mnist {
    /// Reads the four files `files` as `options` say (`options.data_dir` is not used).
    pub fn from_files(files: &MnistFiles, options: &MnistOptions) -> Result<Mnist> {
        RawMnist::read(files)?.to_mnist(options.normalize, options.flatten, options.one_hot_label)
    }

    /// Loads MNIST as `options` say (3.6.1, 4.5.2), from the first directory that holds the four
    /// files: `options.data_dir`, `DLFS_DATA_DIR`, the user's cache directory. With the
    /// `download` feature (on in the command line, off in notebooks), missing files are
    /// downloaded and verified first ([`RawMnist::load`]); otherwise the error says where it
    /// looked and how to provide them.
    pub fn load(options: &MnistOptions) -> Result<Mnist> {
        RawMnist::load(options.data_dir.as_deref())?.to_mnist(
            options.normalize,
            options.flatten,
            options.one_hot_label,
        )
    }

    /// As [`Mnist::load`], but never downloads.
    pub fn load_local(options: &MnistOptions) -> Result<Mnist> {
        RawMnist::load_local(options.data_dir.as_deref())?.to_mnist(
            options.normalize,
            options.flatten,
            options.one_hot_label,
        )
    }
}

/// Made-up MNIST for the unit tests: `train` and `test` images with a fifth of their pixels
/// inked at random (seeded), labels 0-9 in turn.
#[cfg(test)]
pub(crate) fn random_raw(train: usize, test: usize, seed: u64) -> RawMnist {
    use ndarray_rand::rand::Rng;
    let mut r = crate::batch::rng(seed);
    let mut images = |n: usize| {
        Array2::from_shape_fn((n, IMAGE_PIXELS), |_| {
            if r.random_bool(0.2) {
                r.random()
            } else {
                0
            }
        })
    };
    let labels = |n: usize| Array1::from_shape_fn(n, |i| (i % CLASSES) as u8);
    RawMnist {
        train_images: images(train),
        train_labels: labels(train),
        test_images: images(test),
        test_labels: labels(test),
    }
}
