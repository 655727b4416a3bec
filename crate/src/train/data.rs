//! The data as the trainer holds it: images as sparse rows ([`SparseRows`]), labels as class
//! numbers, a training and a test set checked once ([`TrainingData`]).

use ndarray::{Array2, ArrayView2, Ix2};

use super::{fast, CLASSES, INPUT_SIZE};
use crate::error::{Error, Result};
use crate::mnist::{Labels, Mnist, RawMnist};
use crate::net::{argmax, TwoLayerNet};

/// Rows of features stored sparsely (compressed sparse rows): for each row, the columns whose
/// value is not 0, and those values. MNIST's 60,000 training images hold 47 million pixels,
/// 9.4 million of them not 0.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SparseRows {
    cols: usize,
    /// Row `r` is `indices[starts[r]..starts[r + 1]]` with `values[...]` (same range).
    starts: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f64>,
}

impl SparseRows {
    /// The non-zero values of a dense matrix, row by row. Every value must be finite.
    pub fn from_dense(x: &ArrayView2<f64>, what: &str) -> Result<SparseRows> {
        let mut rows = SparseRows::empty(x.ncols());
        for (r, row) in x.outer_iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                if !v.is_finite() {
                    return Err(Error::NonFinite(format!(
                        "{what} has {v} at row {r}, column {c}"
                    )));
                }
                if v != 0.0 {
                    rows.indices.push(c as u32);
                    rows.values.push(v);
                }
            }
            rows.starts.push(rows.indices.len());
        }
        Ok(rows)
    }

    /// Rows of `cols` bytes (the pixels of IDX image files, for instance), each non-zero byte
    /// `b` stored as `b * (1 / 255)` when `normalize` (the book's `normalize=True`, computed as
    /// [`Mnist::load`] does, to the last bit) or as `b`.
    pub fn from_bytes(bytes: &[u8], cols: usize, normalize: bool) -> Result<SparseRows> {
        if cols == 0 || bytes.len() % cols != 0 {
            return Err(Error::Shape(format!(
                "SparseRows::from_bytes: {} bytes do not make rows of {cols}",
                bytes.len()
            )));
        }
        let mut rows = SparseRows::empty(cols);
        for row in bytes.chunks(cols) {
            for (c, &b) in row.iter().enumerate() {
                if b != 0 {
                    rows.indices.push(c as u32);
                    rows.values.push(if normalize {
                        f64::from(b) * (1.0 / 255.0)
                    } else {
                        f64::from(b)
                    });
                }
            }
            rows.starts.push(rows.indices.len());
        }
        Ok(rows)
    }

    fn empty(cols: usize) -> SparseRows {
        SparseRows {
            cols,
            starts: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.starts.len() - 1
    }

    /// Number of columns (features per row).
    pub fn ncols(&self) -> usize {
        self.cols
    }

    /// Number of stored (non-zero) values.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// The non-zero columns and values of row `r`.
    pub(super) fn row(&self, r: usize) -> (&[u32], &[f64]) {
        let range = self.starts[r]..self.starts[r + 1];
        (&self.indices[range.clone()], &self.values[range])
    }

    /// Asks the processor to bring `rows` into its caches (a hint; it changes no value).
    pub(super) fn prefetch(&self, rows: &[usize]) {
        for &r in rows {
            let (idx, val) = self.row(r);
            prefetch(idx);
            prefetch(val);
        }
    }

    /// All the rows as a dense matrix, zeros included (the book's `x_train`).
    pub fn to_dense(&self) -> Array2<f64> {
        self.dense_rows(&(0..self.nrows()).collect::<Vec<_>>())
    }

    /// The rows `rows` as a dense matrix (the book's `x_train[batch_mask]`).
    pub fn dense_rows(&self, rows: &[usize]) -> Array2<f64> {
        let mut x = Array2::zeros((rows.len(), self.cols));
        for (mut out, &r) in x.outer_iter_mut().zip(rows) {
            let (idx, val) = self.row(r);
            for (&c, &v) in idx.iter().zip(val) {
                out[c as usize] = v;
            }
        }
        x
    }
}

/// Asks the processor to bring the cache lines of `values` (64 bytes each) into its caches.
fn prefetch<T>(values: &[T]) {
    #[cfg(target_arch = "x86_64")]
    for k in (0..values.len()).step_by((64 / std::mem::size_of::<T>()).max(1)) {
        // SAFETY: a prefetch of an address inside `values` reads and changes nothing.
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>(values.as_ptr().add(k) as *const i8);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = values;
}

/// A training and a test set in the form the trainer uses: images as [`SparseRows`] of 784
/// pixels, labels as class numbers (one-hot rows are read as the class of their 1).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingData {
    /// Training images, one row of 784 values each.
    pub x_train: SparseRows,
    /// Training labels, 0-9.
    pub t_train: Vec<usize>,
    /// Test images.
    pub x_test: SparseRows,
    /// Test labels.
    pub t_test: Vec<usize>,
}

impl TrainingData {
    /// Checks and converts a loaded [`Mnist`]: the images must be flat, `(N, 784)` (load with
    /// `flatten: true`), with one label per image, each a class 0-9 or a one-hot row of 10.
    pub fn from_mnist(data: &Mnist) -> Result<TrainingData> {
        let x_train = flat_images(&data.x_train, "x_train")?;
        let x_test = flat_images(&data.x_test, "x_test")?;
        let t_train = classes(&data.t_train, "t_train")?;
        let t_test = classes(&data.t_test, "t_test")?;
        TrainingData::new(
            SparseRows::from_dense(&x_train, "x_train")?,
            t_train,
            SparseRows::from_dense(&x_test, "x_test")?,
            t_test,
        )
    }

    /// MNIST straight from its bytes, normalised to [0, 1]: the same values as
    /// `from_mnist(&Mnist::from_raw(raw, true, true, _))` without the 440 MB of `f64` images
    /// in between (the command line trains in about 200 MB this way).
    pub fn from_raw(raw: &RawMnist) -> Result<TrainingData> {
        let rows = |images: &ndarray::Array2<u8>, what: &str| match images.as_slice() {
            Some(bytes) => SparseRows::from_bytes(bytes, images.ncols(), true),
            None => Err(Error::Shape(format!(
                "train: {what} is not in standard layout"
            ))),
        };
        let labels = |t: &ndarray::Array1<u8>| t.iter().map(|&l| usize::from(l)).collect();
        TrainingData::new(
            rows(&raw.train_images, "train_images")?,
            labels(&raw.train_labels),
            rows(&raw.test_images, "test_images")?,
            labels(&raw.test_labels),
        )
    }

    /// Puts the parts together, checking that each set has rows of 784 values, as many labels
    /// as rows, and labels below 10.
    pub fn new(
        x_train: SparseRows,
        t_train: Vec<usize>,
        x_test: SparseRows,
        t_test: Vec<usize>,
    ) -> Result<TrainingData> {
        for (x, t, what) in [(&x_train, &t_train, "train"), (&x_test, &t_test, "test")] {
            if x.ncols() != INPUT_SIZE {
                return Err(Error::Shape(format!(
                    "train: the {what} images have {} values per row, the net takes {INPUT_SIZE} \
                     (28 x 28, flattened)",
                    x.ncols()
                )));
            }
            if x.nrows() == 0 {
                return Err(Error::Empty(format!("train: the {what} set has no images")));
            }
            if x.nrows() != t.len() {
                return Err(Error::Shape(format!(
                    "train: {} {what} images but {} {what} labels",
                    x.nrows(),
                    t.len()
                )));
            }
            if let Some((i, &l)) = t.iter().enumerate().find(|(_, &l)| l >= CLASSES) {
                return Err(Error::Label(format!(
                    "train: {what} label {l} at index {i} is not a digit 0-9"
                )));
            }
        }
        Ok(TrainingData {
            x_train,
            t_train,
            x_test,
            t_test,
        })
    }

    /// The accuracy of `net` on the whole training set and on the whole test set (4.5.3); the
    /// net must take 784 inputs and give 10 outputs.
    pub fn accuracies(&self, net: &TwoLayerNet) -> Result<(f64, f64)> {
        if net.input_size() != INPUT_SIZE || net.output_size() != CLASSES {
            return Err(Error::Shape(format!(
                "accuracies: the net takes {} inputs and gives {} outputs, MNIST needs \
                 {INPUT_SIZE} and {CLASSES}",
                net.input_size(),
                net.output_size()
            )));
        }
        Ok((
            fast::accuracy(net, &self.x_train, &self.t_train),
            fast::accuracy(net, &self.x_test, &self.t_test),
        ))
    }
}

/// Sees images as `(N, 784)` rows, or says they are not flat.
fn flat_images<'a>(x: &'a ndarray::ArrayD<f64>, what: &str) -> Result<ArrayView2<'a, f64>> {
    if x.ndim() != 2 || x.shape()[1] != INPUT_SIZE {
        return Err(Error::Shape(format!(
            "train: {what} has shape {:?}, but the net takes rows of {INPUT_SIZE} pixels: \
             load MNIST with flatten: true, to shape (N, {INPUT_SIZE})",
            x.shape()
        )));
    }
    Ok(x.view()
        .into_dimensionality::<Ix2>()
        .expect("checked to be 2-D"))
}

/// Class numbers from labels; a one-hot row must hold a single 1 and 0s elsewhere.
fn classes(t: &Labels, what: &str) -> Result<Vec<usize>> {
    match t {
        Labels::Class(c) => Ok(c.to_vec()),
        Labels::OneHot(t) => {
            if t.ncols() != CLASSES {
                return Err(Error::Shape(format!(
                    "train: {what} has one-hot rows of {} values, not {CLASSES}",
                    t.ncols()
                )));
            }
            t.outer_iter()
                .enumerate()
                .map(|(i, row)| {
                    let ones = row.iter().filter(|&&v| v == 1.0).count();
                    let zeros = row.iter().filter(|&&v| v == 0.0).count();
                    if ones != 1 || zeros != CLASSES - 1 {
                        return Err(Error::Label(format!(
                            "train: {what} row {i} is {row}, not one-hot (a single 1, the rest 0)"
                        )));
                    }
                    Ok(argmax(row.iter()))
                })
                .collect()
        }
    }
}
