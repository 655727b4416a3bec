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
//! The four files are read from `DLFS_DATA_DIR`, else from the user's cache directory
//! (`~/.cache/dlfs/mnist` on Linux), each gzip-compressed (`name.gz`, as distributed) or raw.
//! This crate never downloads: the command line does (`dlfs download`, crates/cli). Each file
//! is in the IDX format: a big-endian header, then one byte per value.
//!
//! | bytes | images (`*-images-idx3-ubyte`) | labels (`*-labels-idx1-ubyte`) |
//! | --- | --- | --- |
//! | 0-3 | magic `0x00000803` (unsigned bytes, 3 dimensions) | magic `0x00000801` (1 dimension) |
//! | 4-7 | number of images N | number of labels N |
//! | 8-15 | rows, columns (28, 28) | - |
//! | then | N x 28 x 28 pixels, 0-255, row by row | N labels, 0-9 |
//!
//! A file that is not what its name says, cut short or too long, images that are not 28 x 28,
//! a label that is not a digit, or counts of images and labels that differ give an
//! [`Error::Data`] naming the file and the fault.

use std::io::Read;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};

use crate::error::{Error, Result};
pub use crate::loss::Labels;

/// Rows and columns of an MNIST image.
pub const IMAGE_SIDE: usize = 28;
/// Pixels of an MNIST image, 28 x 28 = 784.
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Number of classes, the digits 0-9.
pub const CLASSES: usize = 10;
/// The environment variable naming a directory with the four MNIST files.
pub const ENV_VAR: &str = "DLFS_DATA_DIR";
/// The four MNIST files, without `.gz`: training images and labels, test images and labels.
pub const FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];
const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;

/// Where MNIST is looked for, in order: `DLFS_DATA_DIR` if set and not empty, then the user's
/// cache directory for it, `dirs::cache_dir()/dlfs/mnist`, if the system has one.
pub fn data_dirs() -> [Option<PathBuf>; 2] {
    let env = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty());
    let cache = dirs::cache_dir().map(|d| d.join("dlfs").join("mnist"));
    [env.map(PathBuf::from), cache]
}

/// The four files in `dir`, each `name.gz` if it is a file, else the raw `name`; `None` if one
/// is missing.
pub fn files_in(dir: &Path) -> Option<[PathBuf; 4]> {
    let find = |name: &str| {
        let mut both = [dir.join(format!("{name}.gz")), dir.join(name)].into_iter();
        both.find(|p| p.is_file())
    };
    let [a, b, c, d] = FILES.map(find);
    Some([a?, b?, c?, d?])
}

/// The MNIST training and test sets, as the book's `load_mnist` returns them with
/// `flatten=True`: one image per row of 784 pixels, so that `x_train.select(Axis(0), &mask)`
/// is a mini-batch as `x_train[batch_mask]` is in the book.
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

/// The book's `load_mnist(normalize, flatten, one_hot_label)` (3.6.1, 4.5.2), from the first
/// of [`data_dirs`] that holds the four files:
///
/// - `normalize`: pixels as `value / 255` in [0, 1], else 0.0-255.0;
/// - `flatten`: must be `true`: chapter 4's network takes rows of 784 pixels, so the images
///   are always (N, 784), and `flatten=false` (the book's (N, 1, 28, 28), for chapter 7) is an
///   error that says so. One image as 28 x 28 is `x.row(i).into_shape_with_order((28, 28))`;
/// - `one_hot_label`: labels as one-hot rows (N, 10), else class numbers (N).
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
    let (path, message) = (path.to_path_buf(), message.into());
    Error::Data { path, message }
}

/// The content of the IDX file `path` (gzip, told by its first bytes `1f 8b`, or raw) with the
/// magic number `magic`: its dimensions and its values, the size checked against the header.
fn read_idx(path: &Path, magic: u32) -> Result<(Vec<usize>, Vec<u8>)> {
    let mut data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if data.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        let gz = flate2::read::MultiGzDecoder::new(&data[..]).read_to_end(&mut out);
        gz.map_err(|e| {
            let m = format!("corrupt or cut-short gzip ({e}); delete it and download it again");
            data_error(path, m)
        })?;
        data = out;
    }
    let what = if magic == IMAGES_MAGIC {
        "images"
    } else {
        "labels"
    };
    let (n, header) = (data.len(), 4 + 4 * (magic & 0xff) as usize);
    let be_u32 =
        |at: usize| u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
    if n >= 4 && be_u32(0) != magic {
        let m = format!(
            "wrong magic number 0x{:08x}, expected 0x{magic:08x} for {what}: not an MNIST {what} file",
            be_u32(0)
        );
        return Err(data_error(path, m));
    }
    if n < header {
        return Err(data_error(
            path,
            format!("truncated at byte {n} of {header} (the header)"),
        ));
    }
    let dims: Vec<usize> = (4..header)
        .step_by(4)
        .map(|at| be_u32(at) as usize)
        .collect();
    let values = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    let shape = format!("{what} of shape {dims:?}");
    match values.and_then(|v| v.checked_add(header)) {
        None => {
            let m = format!("the header announces {what} of impossible shape {dims:?}");
            Err(data_error(path, m))
        }
        Some(e) if n < e => Err(data_error(
            path,
            format!("truncated at byte {n} of {e} ({shape})"),
        )),
        Some(e) if n > e => Err(data_error(
            path,
            format!("{} unexpected bytes after the end ({shape})", n - e),
        )),
        Some(_) => {
            data.drain(..header);
            Ok((dims, data))
        }
    }
}

/// Reads and checks one image file and its label file.
fn read_pair(images: &Path, labels: &Path) -> Result<(Array2<u8>, Array1<u8>)> {
    let (dims, pixels) = read_idx(images, IMAGES_MAGIC)?;
    let (_, t) = read_idx(labels, LABELS_MAGIC)?;
    if dims[1..] != [IMAGE_SIDE, IMAGE_SIDE] {
        let (r, c) = (dims[1], dims[2]);
        let m = format!("images are {r}x{c} pixels, expected {IMAGE_SIDE}x{IMAGE_SIDE} for MNIST");
        return Err(data_error(images, m));
    }
    if let Some((i, &label)) = t.iter().enumerate().find(|(_, &l)| l as usize >= CLASSES) {
        let m = format!("label value {label} at index {i} is not a digit 0-9");
        return Err(data_error(labels, m));
    }
    if t.len() != dims[0] {
        let (n, file) = (dims[0], images.display());
        let m = format!(
            "{} labels but {n} images in {file}: image and label counts differ",
            t.len()
        );
        return Err(data_error(labels, m));
    }
    let x = Array2::from_shape_vec((dims[0], IMAGE_PIXELS), pixels)
        .map_err(|e| data_error(images, format!("images do not fit ({e})")))?;
    Ok((x, Array1::from(t)))
}

impl RawMnist {
    /// Reads the four files from `dir`, or from the first of [`data_dirs`] that holds them, and
    /// checks them: 28x28 images, labels 0-9, as many labels as images. Never downloads. A
    /// named directory (`dir`, `DLFS_DATA_DIR`) that does not exist is an error naming it;
    /// [`Error::NotFound`] says where it looked and how to get the files.
    pub fn load(dir: Option<&Path>) -> Result<RawMnist> {
        let [env, cache] = data_dirs();
        let named = match dir {
            Some(d) => vec![(d.to_path_buf(), "given")],
            None => env.map(|d| (d, "from DLFS_DATA_DIR")).into_iter().collect(),
        };
        for (d, why) in &named {
            if !d.is_dir() {
                let problem = if d.exists() {
                    "is not a directory"
                } else {
                    "does not exist"
                };
                let d = d.display();
                let m = format!("the data directory {d} ({why}) {problem}; check its spelling");
                return Err(Error::NotFound(m));
            }
        }
        let mut dirs: Vec<PathBuf> = named.into_iter().map(|(d, _)| d).collect();
        dirs.extend(cache.filter(|_| dir.is_none()));
        let Some(files) = dirs.iter().find_map(|d| files_in(d)) else {
            let looked: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            return Err(Error::NotFound(format!(
                "no directory holds the four MNIST files (looked in: {}); run `cargo run \
                 --release -p dlfs-cli -- download`, or set DLFS_DATA_DIR to a folder that \
                 holds them",
                if dirs.is_empty() {
                    "nowhere".into()
                } else {
                    looked.join(", ")
                }
            )));
        };
        let (train_images, train_labels) = read_pair(&files[0], &files[1])?;
        let (test_images, test_labels) = read_pair(&files[2], &files[3])?;
        Ok(RawMnist {
            train_images,
            train_labels,
            test_images,
            test_labels,
        })
    }

    /// MNIST in the book's layout, as `load_mnist(normalize, flatten, one_hot_label)` returns
    /// it ([`load_mnist`]; `flatten` must be true): pixels as `f64` (`b * (1 / 255)` when
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
        let images = |x: &Array2<u8>, what: &str| match x.ncols() {
            IMAGE_PIXELS => Ok(x.mapv(|p| f64::from(p) * scale)),
            _ => Err(Error::Shape(format!(
                "{what} has shape {:?}; MNIST images are rows of {IMAGE_PIXELS} pixels (28 x 28)",
                x.shape()
            ))),
        };
        let labels = |t: &Array1<u8>| -> Result<Labels> {
            let classes: Vec<usize> = t.iter().map(|&l| usize::from(l)).collect();
            if let Some((i, l)) = classes.iter().enumerate().find(|(_, &l)| l >= CLASSES) {
                return Err(Error::Label(format!(
                    "label {l} at index {i} is not a digit 0-9"
                )));
            }
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
