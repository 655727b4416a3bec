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
//! This crate never downloads: when no directory has them, the error says where it looked and
//! how to provide them (`dlfs download`, the command line of `crates/cli`).

pub mod datadir;
pub mod idx;

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};

use crate::error::{Error, Result};
pub use crate::loss::Labels;

pub use datadir::{
    cache_dir, check_named_dirs, describe_search, find, locate, search_dirs, DirSource, FileState,
    MnistFiles, SearchDir, ENV_VAR, FILES, HOW_TO_PROVIDE,
};
pub use idx::{read_images, read_labels, IdxImages};

/// Rows and columns of an MNIST image.
pub const IMAGE_SIDE: usize = 28;
/// Pixels of an MNIST image, 28 x 28 = 784.
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Number of classes, the digits 0-9.
pub const CLASSES: usize = 10;

/// The MNIST training and test sets, as the book's `load_mnist` returns them with
/// `flatten=True`: one image per row of 784 pixels, so that `x_train.select(Axis(0), &mask)`
/// is a mini-batch (an `Array2<f64>`) as `x_train[batch_mask]` is in the book.
#[derive(Debug, Clone)]
pub struct Mnist {
    /// Training images, (60000, 784).
    pub x_train: Array2<f64>,
    /// Training labels: class numbers, or one-hot rows (60000, 10).
    pub t_train: Labels,
    /// Test images, (10000, 784).
    pub x_test: Array2<f64>,
    /// Test labels.
    pub t_test: Labels,
}

/// How to load MNIST: the arguments of [`load_mnist`] and where the files are.
#[derive(Debug, Clone, PartialEq)]
pub struct MnistOptions {
    /// Divide pixel values by 255 (to [0, 1]).
    pub normalize: bool,
    /// Must be `true`: images as rows of 784 (see [`load_mnist`]).
    pub flatten: bool,
    /// Labels as one-hot rows rather than class numbers.
    pub one_hot_label: bool,
    /// Where the files are; `None` looks in `DLFS_DATA_DIR`, then the user's cache directory.
    pub data_dir: Option<PathBuf>,
}

/// The book's `load_mnist(normalize, flatten, one_hot_label)` (3.6.1, 4.5.2), looking for the
/// files in `DLFS_DATA_DIR`, then `~/.cache/dlfs/mnist` ([`search_dirs`]).
///
/// - `normalize`: pixels as `value / 255` in [0, 1], else 0.0-255.0;
/// - `flatten`: must be `true`. Chapter 4's network takes rows of 784 pixels, so the images
///   are always rows, shape (N, 784); `flatten=false` (the book's (N, 1, 28, 28), for chapter
///   7's convolutions) is an error that says so. One image as 28 x 28 is
///   `x.row(i).into_shape_with_order((28, 28))`;
/// - `one_hot_label`: labels as one-hot rows (N, 10), else class numbers (N).
///
/// The bytes are read once, as [`RawMnist`]: this is `RawMnist::load(None)?.to_mnist(normalize,
/// flatten, one_hot_label)`.
pub fn load_mnist(normalize: bool, flatten: bool, one_hot_label: bool) -> Result<Mnist> {
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
    let (x, t) = (read_images(images)?, read_labels(labels)?);
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
        let (train_images, train_labels) = read_pair(&files.train_images, &files.train_labels)?;
        let (test_images, test_labels) = read_pair(&files.test_images, &files.test_labels)?;
        Ok(RawMnist {
            train_images,
            train_labels,
            test_images,
            test_labels,
        })
    }

    /// Finds the files (see [`search_dirs`]) and reads them; never downloads: an
    /// [`Error::NotFound`] says where it looked and how to provide the files.
    pub fn load(data_dir: Option<&Path>) -> Result<RawMnist> {
        RawMnist::read(&locate(&search_dirs(data_dir))?)
    }

    /// MNIST in the book's layout, as `load_mnist(normalize, flatten, one_hot_label)` returns
    /// it (see [`load_mnist`]; `flatten` must be true): pixels as `f64` (`b * (1 / 255)` when
    /// normalized), labels as classes or one-hot rows ([`one_hot`](crate::batch::one_hot)).
    pub fn to_mnist(&self, normalize: bool, flatten: bool, one_hot_label: bool) -> Result<Mnist> {
        if !flatten {
            return Err(Error::InvalidArgument(
                "load_mnist: flatten=false (images as (N, 1, 28, 28)) is for chapter 7's \
                 convolutions; chapter 4's network takes rows of 784 pixels: use flatten=true, \
                 and x.row(i).into_shape_with_order((28, 28)) for one image as 28 x 28"
                    .into(),
            ));
        }
        let scale = if normalize { 1.0 / 255.0 } else { 1.0 };
        let images = |x: &Array2<u8>, what: &str| {
            if x.ncols() != IMAGE_PIXELS {
                return Err(Error::Shape(format!(
                    "{what} has shape {:?}; MNIST images are rows of {IMAGE_PIXELS} pixels \
                     (28 x 28)",
                    x.shape()
                )));
            }
            Ok(x.mapv(|p| f64::from(p) * scale))
        };
        let labels = |t: &Array1<u8>| -> Result<Labels> {
            if let Some((i, &l)) = t
                .iter()
                .enumerate()
                .find(|(_, &l)| usize::from(l) >= CLASSES)
            {
                return Err(Error::Label(format!(
                    "label {l} at index {i} is not a digit 0-9"
                )));
            }
            let classes: Vec<usize> = t.iter().map(|&l| usize::from(l)).collect();
            Ok(if one_hot_label {
                Labels::OneHot(crate::batch::one_hot(&classes, CLASSES)?.into())
            } else {
                Labels::Labels(classes.into())
            })
        };
        Ok(Mnist {
            x_train: images(&self.train_images, "train_images")?,
            t_train: labels(&self.train_labels)?,
            x_test: images(&self.test_images, "test_images")?,
            t_test: labels(&self.test_labels)?,
        })
    }
}

impl Mnist {
    /// Loads MNIST as `options` say (3.6.1, 4.5.2), from the first directory that holds the four
    /// files: `options.data_dir`, `DLFS_DATA_DIR`, the user's cache directory; never downloads.
    pub fn load(options: &MnistOptions) -> Result<Mnist> {
        RawMnist::load(options.data_dir.as_deref())?.to_mnist(
            options.normalize,
            options.flatten,
            options.one_hot_label,
        )
    }
}
