//! MNIST loading (SKELETON: issue 3 fills it in; the types and signatures are the contract).

use std::path::PathBuf;

use ndarray::{Array1, Array2, ArrayD};

/// Labels as class numbers (0-9) or as one-hot rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Labels {
    /// One class number per image.
    Class(Array1<usize>),
    /// One one-hot row of length 10 per image.
    OneHot(Array2<f64>),
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

/// The book's `load_mnist(normalize, flatten, one_hot_label)` (SKELETON).
pub fn load_mnist(normalize: bool, flatten: bool, one_hot_label: bool) -> crate::Result<Mnist> {
    Mnist::load(&MnistOptions {
        normalize,
        flatten,
        one_hot_label,
        data_dir: None,
    })
}

impl Mnist {
    /// Loads MNIST as `options` say (SKELETON).
    pub fn load(options: &MnistOptions) -> crate::Result<Mnist> {
        let _ = options;
        Err(crate::Error::NotFound("not implemented yet".into()))
    }
}
