//! Mini-batch stochastic gradient descent on MNIST, as in the book's 4.5.2-4.5.3.
//!
//! The loop is the book's: draw `batch_size` random training rows, compute the gradient of the
//! loss on them (backpropagation or the numerical gradient), take a step of `learning_rate`
//! against it, record the mini-batch loss, and once per epoch measure the accuracy on the
//! whole training and test sets.
//!
//! MNIST images are mostly blank (about 81% of the pixels are 0), so the trainer keeps the
//! images as sparse rows ([`SparseRows`]) and multiplies only the non-zero pixels: the same
//! arithmetic as `x · W1` without the products by zero, which makes a 10,000-iteration run
//! take a few seconds. The accuracies are computed in parallel over chunks of rows.
//!
//! ```no_run
//! use dlfs::prelude::*;
//! let data = load_mnist(true, true, true)?;
//! let trained = train(&data, &TrainSettings::default())?; // prints one line per epoch
//! let last = trained.history.epochs.last().unwrap();
//! println!("test accuracy {:.4}", last.test_acc);
//! # Ok::<(), dlfs::Error>(())
//! ```

use std::time::Instant;

use ndarray::{Array2, ArrayView2, Axis, Ix2};
use rayon::prelude::*;

use crate::activation::softmax;
use crate::batch::{random_choice, rng};
use crate::error::{Error, Result};
use crate::loss::{cross_entropy_unchecked, Target};
use crate::mnist::{Labels, Mnist, RawMnist};
use crate::net::{argmax, Params, TwoLayerNet};

/// Pixels per MNIST image, the input size of the trained net.
pub const INPUT_SIZE: usize = 784;
/// Classes of MNIST, the output size of the trained net.
pub const CLASSES: usize = 10;
/// The standard deviation of the initial weights, as in the book's `TwoLayerNet` (4.5.1).
pub const WEIGHT_INIT_STD: f64 = 0.01;

/// How the gradient of the loss is computed in each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GradientMethod {
    /// Backpropagation (`TwoLayerNet::gradient`), what the book's training code uses.
    #[default]
    Backprop,
    /// Central differences (`TwoLayerNet::numerical_gradient`), the method of chapter 4.
    Numerical,
}

/// The settings of a training run; `Default` gives the book's (4.5.2).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSettings {
    /// Number of mini-batch updates (`iters_num`, book: 10000).
    pub iters_num: usize,
    /// Rows per mini-batch (`batch_size`, book: 100).
    pub batch_size: usize,
    /// Step size eta (`learning_rate`, book: 0.1).
    pub learning_rate: f64,
    /// Width of the hidden layer (book: 50).
    pub hidden_size: usize,
    /// Seed of the weights and of the mini-batch choice.
    pub seed: u64,
    /// Backpropagation (default) or numerical gradient.
    pub gradient: GradientMethod,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            iters_num: 10_000,
            batch_size: 100,
            learning_rate: 0.1,
            hidden_size: 50,
            seed: 42,
            gradient: GradientMethod::Backprop,
        }
    }
}

impl TrainSettings {
    /// Checks the settings: at least one iteration, a batch of at least one row, a hidden
    /// layer of at least one unit, and a finite, positive learning rate.
    pub fn validate(&self) -> Result<()> {
        if self.iters_num == 0 {
            return Err(Error::InvalidArgument(
                "train: iters_num is 0; at least one iteration is needed".into(),
            ));
        }
        if self.batch_size == 0 {
            return Err(Error::InvalidArgument(
                "train: batch_size is 0; a mini-batch needs at least one row".into(),
            ));
        }
        if self.hidden_size == 0 {
            return Err(Error::InvalidArgument(
                "train: hidden_size is 0; the hidden layer needs at least one unit".into(),
            ));
        }
        if !self.learning_rate.is_finite() || self.learning_rate <= 0.0 {
            return Err(Error::InvalidArgument(format!(
                "train: learning_rate is {}; it must be a finite number above 0 (the book uses 0.1)",
                self.learning_rate
            )));
        }
        Ok(())
    }

    /// Iterations per epoch for a training set of `train_size` rows: `max(train_size / batch_size, 1)`.
    pub fn iter_per_epoch(&self, train_size: usize) -> usize {
        (train_size / self.batch_size.max(1)).max(1)
    }
}

/// What is measured at the end of each epoch (and once at iteration 0, as the book does).
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRecord {
    /// 0 for the record taken before any update, then 1, 2, ...
    pub epoch: usize,
    /// The iteration at which it was taken (0, iter_per_epoch, 2 * iter_per_epoch, ...): the
    /// number of updates made before it.
    pub iteration: usize,
    /// Training loss of the mini-batch of that iteration: of the last update's mini-batch after
    /// the update (`history.train_loss[iteration - 1]`), and for epoch 0 of the first
    /// mini-batch before any update (about ln 10 = 2.30).
    pub loss: f64,
    /// Accuracy on the whole training set.
    pub train_acc: f64,
    /// Accuracy on the whole test set.
    pub test_acc: f64,
}

/// Everything a training run records, for the loss and accuracy figures (4-11, 4-12).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    /// The mini-batch loss of every iteration, in order.
    pub train_loss: Vec<f64>,
    /// One record per epoch, the first at iteration 0.
    pub epochs: Vec<EpochRecord>,
    /// Iterations per epoch: max(train size / batch size, 1).
    pub iter_per_epoch: usize,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

/// A trained network with the history of its training.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The network after the last update.
    pub net: crate::net::TwoLayerNet,
    /// Loss per iteration, accuracies per epoch, time taken.
    pub history: History,
}

impl Trained {
    /// The training and test accuracy of the final net: those of the last epoch record when it
    /// was taken after the last update, else measured now on `data`.
    pub fn final_accuracies(&self, data: &TrainingData) -> Result<(f64, f64)> {
        match self.history.epochs.last() {
            Some(last) if last.iteration == self.history.train_loss.len() => {
                Ok((last.train_acc, last.test_acc))
            }
            _ => data.accuracies(&self.net),
        }
    }
}

/// The line printed for an epoch: `epoch 3/16  loss 0.312  train 0.9012  test 0.9031`, where
/// the number after the slash is the last epoch of the run (`iters_num / iter_per_epoch`).
pub fn epoch_line(record: &EpochRecord, last_epoch: usize) -> String {
    format!(
        "epoch {}/{}  loss {:.3}  train {:.4}  test {:.4}",
        record.epoch, last_epoch, record.loss, record.train_acc, record.test_acc
    )
}

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
    fn row(&self, r: usize) -> (&[u32], &[f64]) {
        let range = self.starts[r]..self.starts[r + 1];
        (&self.indices[range.clone()], &self.values[range])
    }

    /// Asks the processor to bring `rows` into its caches (a hint; it changes no value).
    fn prefetch(&self, rows: &[usize]) {
        #[cfg(target_arch = "x86_64")]
        for &r in rows {
            let (idx, val) = self.row(r);
            for k in (0..idx.len()).step_by(16) {
                // SAFETY: a prefetch of an address inside `idx` reads and changes nothing.
                unsafe {
                    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                    _mm_prefetch::<_MM_HINT_T0>(idx.as_ptr().add(k) as *const i8);
                }
            }
            for k in (0..val.len()).step_by(8) {
                // SAFETY: as above, inside `val`.
                unsafe {
                    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                    _mm_prefetch::<_MM_HINT_T0>(val.as_ptr().add(k) as *const i8);
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = rows;
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
            accuracy(net, &self.x_train, &self.t_train),
            accuracy(net, &self.x_test, &self.t_test),
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

/// Rows per parallel task in the forward passes.
const CHUNK: usize = 256;

/// `out[r, :] = x[rows[r]] · W1 + b1` for the sparse rows, then the sigmoid: the hidden layer.
fn hidden_layer(net: &TwoLayerNet, x: &SparseRows, rows: &[usize], chunk: usize) -> Array2<f64> {
    let p = &net.params;
    let h = p.w1.ncols();
    let w1 = p.w1.as_slice().expect("W1 is in standard layout");
    let b1 = p.b1.as_slice().expect("b1 is contiguous");
    let mut out = vec![0.0; rows.len() * h];
    out.par_chunks_mut(chunk * h)
        .zip(rows.par_chunks(chunk))
        .for_each(|(out, rows)| {
            for (o, &r) in out.chunks_mut(h).zip(rows) {
                let (idx, val) = x.row(r);
                kernels::row_sum(idx, val, w1, o);
            }
            kernels::add_sigmoid(out, b1);
        });
    Array2::from_shape_vec((rows.len(), h), out).expect("rows x hidden values")
}

/// The output scores `z1 · W2 + b2`.
fn scores(net: &TwoLayerNet, z1: &Array2<f64>) -> Array2<f64> {
    z1.dot(&net.params.w2) + &net.params.b2
}

/// The share of `rows` whose highest score is the label, computed in parallel chunks.
fn accuracy(net: &TwoLayerNet, x: &SparseRows, labels: &[usize]) -> f64 {
    const EVAL_CHUNK: usize = 1000;
    let all: Vec<usize> = (0..x.nrows()).collect();
    let right: usize = all
        .par_chunks(EVAL_CHUNK)
        .map(|rows| {
            let z1 = hidden_layer(net, x, rows, EVAL_CHUNK);
            let a2 = scores(net, &z1);
            a2.outer_iter()
                .zip(rows)
                .filter(|(row, &r)| argmax(row.iter()) == labels[r])
                .count()
        })
        .sum();
    right as f64 / x.nrows() as f64
}

/// The loss of the mini-batch `rows` (the book's `network.loss(x_batch, t_batch)`).
fn batch_loss(net: &TwoLayerNet, x: &SparseRows, rows: &[usize], labels: &[usize]) -> f64 {
    let z1 = hidden_layer(net, x, rows, batch_chunk(rows.len()));
    loss_of_hidden(net, &z1, labels)
}

/// The loss of a mini-batch from its hidden layer `z1`.
fn loss_of_hidden(net: &TwoLayerNet, z1: &Array2<f64>, labels: &[usize]) -> f64 {
    let y = softmax(&scores(net, z1));
    cross_entropy_unchecked(&y.view(), &Target::Labels(labels.into()))
}

/// Rows per task for a mini-batch: half of it on each of two threads, and so on.
fn batch_chunk(rows: usize) -> usize {
    rows.div_ceil(rayon::current_num_threads().max(1))
        .clamp(1, CHUNK)
}

/// Buffers of the backpropagation kept from one iteration to the next.
#[derive(Debug, Default)]
struct Workspace {
    /// Column `c` of the batch is `rows[starts[c]..starts[c + 1]]` with `values[...]`.
    starts: Vec<usize>,
    fill: Vec<usize>,
    cursor: Vec<usize>,
    rows: Vec<u32>,
    values: Vec<f64>,
}

impl Workspace {
    /// The batch by columns: for each pixel, the (batch row, value) pairs where it is not 0.
    fn columns(&mut self, x: &SparseRows, rows: &[usize]) {
        let inputs = x.ncols();
        self.starts.clear();
        self.starts.resize(inputs + 1, 0);
        for &r in rows {
            for &c in x.row(r).0 {
                self.starts[c as usize + 1] += 1;
            }
        }
        for c in 0..inputs {
            self.starts[c + 1] += self.starts[c];
        }
        self.fill.clear();
        self.fill.extend_from_slice(&self.starts[..inputs]);
        let nnz = self.starts[inputs];
        self.rows.resize(nnz, 0);
        self.values.resize(nnz, 0.0);
        // Pixels a band at a time, so that the places written to stay few (and in cache); each
        // row's pixels are in order, so `cursor[b]` is where row b's current band starts.
        const BAND: usize = 128;
        self.cursor.clear();
        self.cursor.resize(rows.len(), 0);
        for end in (BAND..inputs + BAND).step_by(BAND) {
            for (b, &r) in rows.iter().enumerate() {
                let (idx, val) = x.row(r);
                let mut k = self.cursor[b];
                while k < idx.len() && (idx[k] as usize) < end {
                    let at = &mut self.fill[idx[k] as usize];
                    self.rows[*at] = b as u32;
                    self.values[*at] = val[k];
                    *at += 1;
                    k += 1;
                }
                self.cursor[b] = k;
            }
        }
    }

    /// `out = xᵀ da1` for pixel `c` (a row of `dW1`), from the columns of the batch.
    fn w1_row(&self, c: usize, da1: &[f64], out: &mut [f64]) {
        let range = self.starts[c]..self.starts[c + 1];
        kernels::row_sum(&self.rows[range.clone()], &self.values[range], da1, out);
    }

    /// True when pixel `c` is 0 in every row of the batch (its row of `dW1` is 0).
    fn blank(&self, c: usize) -> bool {
        self.starts[c] == self.starts[c + 1]
    }
}

/// Pixels (rows of `W1`) per parallel task.
const PIXELS_PER_TASK: usize = 64;

/// The gradient of the mini-batch loss by backpropagation, with the sparse input, all but
/// `dW1`: the formulas of [`TwoLayerNet::gradient`] (`dy = (y - t) / N`, `dW2 = z1ᵀ dy`,
/// `da1 = dy W2ᵀ ⊙ z1 (1 - z1)`). Returns `(da1, db1, dW2, db2)`; `dW1 = xᵀ da1` is left to
/// the caller ([`Workspace::w1_row`]), which adds up only the non-zero pixels.
fn backprop_parts(
    net: &TwoLayerNet,
    x: &SparseRows,
    rows: &[usize],
    labels: &[usize],
) -> (
    Array2<f64>,
    ndarray::Array1<f64>,
    Array2<f64>,
    ndarray::Array1<f64>,
) {
    let z1 = hidden_layer(net, x, rows, batch_chunk(rows.len()));
    backprop_from_hidden(net, &z1, labels)
}

/// `(da1, db1, dW2, db2)`: what [`backprop_parts`] returns.
type Parts = (
    Array2<f64>,
    ndarray::Array1<f64>,
    Array2<f64>,
    ndarray::Array1<f64>,
);

/// [`backprop_parts`] from the hidden layer `z1` of the batch, already computed.
fn backprop_from_hidden(
    net: &TwoLayerNet,
    z1: &Array2<f64>,
    labels: &[usize],
) -> (
    Array2<f64>,
    ndarray::Array1<f64>,
    Array2<f64>,
    ndarray::Array1<f64>,
) {
    let p = &net.params;
    let mut dy = softmax(&scores(net, z1));
    for (i, &label) in labels.iter().enumerate() {
        dy[[i, label]] -= 1.0;
    }
    dy /= z1.nrows() as f64;
    let w2 = z1.t().dot(&dy);
    let b2 = dy.sum_axis(Axis(0));
    let da1 = dy.dot(&p.w2.t()) * &z1.mapv(|z| z * (1.0 - z));
    let b1 = da1.sum_axis(Axis(0));
    (da1, b1, w2, b2)
}

/// The whole gradient by backpropagation on sparse rows, `dW1` built row by row in parallel.
fn sparse_gradient(net: &TwoLayerNet, x: &SparseRows, rows: &[usize], labels: &[usize]) -> Params {
    let (da1, b1, w2, b2) = backprop_parts(net, x, rows, labels);
    let mut ws = Workspace::default();
    ws.columns(x, rows);
    let (inputs, h) = (net.params.w1.nrows(), net.params.w1.ncols());
    let da1s = da1.as_slice().expect("da1 is in standard layout");
    let mut w1 = vec![0.0; inputs * h];
    w1.par_chunks_mut(PIXELS_PER_TASK * h)
        .enumerate()
        .for_each(|(task, out)| {
            for (k, o) in out.chunks_mut(h).enumerate() {
                ws.w1_row(task * PIXELS_PER_TASK + k, da1s, o);
            }
        });
    Params {
        w1: Array2::from_shape_vec((inputs, h), w1).expect("inputs x hidden values"),
        b1,
        w2,
        b2,
    }
}

/// One step of SGD by backpropagation: the same numbers as `net.update(&sparse_gradient(..),
/// lr)`, with `W1 <- W1 + (-lr) dW1` done row by row as each row of `dW1` is computed (and rows
/// of blank pixels, whose gradient is 0, left alone).
///
/// `ahead` is [`backprop_parts`] of the batch under the current weights when it was computed
/// ahead (with the batch's columns already in `ws`); with `None` both are computed here, side
/// by side.
fn sparse_step(
    net: &mut TwoLayerNet,
    x: &SparseRows,
    rows: &[usize],
    labels: &[usize],
    lr: f64,
    ws: &mut Workspace,
    ahead: Option<Parts>,
) {
    let (da1, b1, w2, b2) = match ahead {
        Some(parts) => parts,
        // The columns of the batch do not depend on the weights: built while the forward runs.
        None => {
            rayon::join(
                || backprop_parts(net, x, rows, labels),
                || ws.columns(x, rows),
            )
            .0
        }
    };
    let ws = &*ws;
    let p = &mut net.params;
    let h = p.w1.ncols();
    let da1s = da1.as_slice().expect("da1 is in standard layout");
    let w1 = p.w1.as_slice_mut().expect("W1 is in standard layout");
    w1.par_chunks_mut(PIXELS_PER_TASK * h)
        .enumerate()
        .for_each(|(task, w)| {
            let mut g = vec![0.0; h];
            for (k, w) in w.chunks_mut(h).enumerate() {
                let c = task * PIXELS_PER_TASK + k;
                if ws.blank(c) {
                    continue;
                }
                ws.w1_row(c, da1s, &mut g);
                for (w, &g) in w.iter_mut().zip(&g) {
                    *w += (-lr) * g; // as `scaled_add` in `TwoLayerNet::update`
                }
            }
        });
    p.b1.scaled_add(-lr, &b1);
    p.w2.scaled_add(-lr, &w2);
    p.b2.scaled_add(-lr, &b2);
}

/// The inner loops, compiled twice: for any x86-64 and, chosen at run time, for AVX2.
mod kernels {
    /// `e^x` by arithmetic alone, so that a loop of them runs in vector registers: `x = k ln 2 + r`
    /// with `|r| <= ln 2 / 2` (Cody and Waite's two-part `ln 2`), `e^r` by its Taylor series to
    /// `r^13` (the rest is below 1e-17 relative), times `2^k` built in the exponent bits.
    /// Within 1 ulp or so of `f64::exp` (tested), the same on every machine. Above 709 it
    /// gives `+inf` (the true value, at most 1.8e308, is of no use to a sigmoid), and below
    /// -708 the value at -708 (about 3e-308, which `1 + e^x` cannot see).
    #[inline(always)]
    pub(super) fn exp(x: f64) -> f64 {
        // ln 2 = LN2_HI + LN2_LO, where LN2_HI has 32 significant bits, so k * LN2_HI is exact.
        const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 6.93147180369123816490e-1
        const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927058770002e-10
        const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52: adding it rounds to an integer
        let xc = x.clamp(-708.0, 709.0);
        let kd = xc * std::f64::consts::LOG2_E + SHIFT;
        let k = kd - SHIFT;
        let r = (xc - k * LN2_HI) - k * LN2_LO;
        let mut p = 1.0 / 6_227_020_800.0; // 1/13!
        for d in [
            479_001_600.0, // 12!
            39_916_800.0,
            3_628_800.0,
            362_880.0,
            40_320.0,
            5_040.0,
            720.0,
            120.0,
            24.0,
            6.0,
            2.0,
            1.0,
            1.0,
        ] {
            p = p * r + 1.0 / d;
        }
        // The low bits of kd hold k (two's complement): shifted into the exponent, 2^k.
        let scale = f64::from_bits(kd.to_bits().wrapping_add(1023) << 52);
        let y = p * scale;
        if x > 709.0 {
            f64::INFINITY
        } else if x.is_nan() {
            x
        } else {
            y
        }
    }

    #[inline(always)]
    fn add_sigmoid_plain(out: &mut [f64], b: &[f64]) {
        for row in out.chunks_mut(b.len()) {
            for (o, &bk) in row.iter_mut().zip(b) {
                *o = 1.0 / (1.0 + exp(-(*o + bk)));
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn add_sigmoid_avx2(out: &mut [f64], b: &[f64]) {
        add_sigmoid_plain(out, b)
    }

    /// Each row of `out` (rows as long as `b`) becomes `sigmoid(row + b)`.
    pub(super) fn add_sigmoid(out: &mut [f64], b: &[f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { add_sigmoid_avx2(out, b) };
        }
        add_sigmoid_plain(out, b)
    }

    /// `out[off..off + B] = sum_k val[k] * m[idx[k] * h + off..][..B]`, the `B` sums kept in
    /// registers while the rows go by.
    #[inline(always)]
    fn block<const B: usize>(idx: &[u32], val: &[f64], m: &[f64], off: usize, out: &mut [f64]) {
        let h = out.len();
        let mut acc = [0.0f64; B];
        for (&r, &v) in idx.iter().zip(val) {
            let start = r as usize * h + off;
            let row: &[f64; B] = m[start..start + B].try_into().expect("B values");
            for k in 0..B {
                acc[k] += v * row[k];
            }
        }
        out[off..off + B].copy_from_slice(&acc);
    }

    /// All of `out` in one pass when it has `B + T` columns (50 = 48 + 2, the book's hidden
    /// layer): `B` sums in vector registers and a tail of `T`, each row of `m` read once.
    #[inline(always)]
    fn fused<const B: usize, const T: usize>(idx: &[u32], val: &[f64], m: &[f64], out: &mut [f64]) {
        let h = out.len();
        debug_assert_eq!(h, B + T);
        let mut acc = [0.0f64; B];
        let mut tail = [0.0f64; T];
        for (&r, &v) in idx.iter().zip(val) {
            let start = r as usize * h;
            let row: &[f64; B] = m[start..start + B].try_into().expect("B values");
            let rest: &[f64; T] = m[start + B..start + h].try_into().expect("T values");
            for k in 0..B {
                acc[k] += v * row[k];
            }
            for k in 0..T {
                tail[k] += v * rest[k];
            }
        }
        out[..B].copy_from_slice(&acc);
        out[B..].copy_from_slice(&tail);
    }

    /// All of `out`, in blocks of columns, each block one pass over the rows. A tail of fewer
    /// than 8 columns is done as the last 8 (or 4) columns: the overlap is computed twice, the
    /// same way, so it gets the same values, and no pass is left with a single chain of adds.
    #[inline(always)]
    fn row_sum_plain(idx: &[u32], val: &[f64], m: &[f64], out: &mut [f64]) {
        let h = out.len();
        if h == 50 {
            return fused::<48, 2>(idx, val, m, out);
        }
        let mut off = 0;
        while off + 48 <= h {
            block::<48>(idx, val, m, off, out);
            off += 48;
        }
        if off + 32 <= h {
            block::<32>(idx, val, m, off, out);
            off += 32;
        }
        if off + 16 <= h {
            block::<16>(idx, val, m, off, out);
            off += 16;
        }
        if off + 8 <= h {
            block::<8>(idx, val, m, off, out);
            off += 8;
        }
        if off == h {
            return;
        }
        if h >= 8 {
            block::<8>(idx, val, m, h - 8, out);
        } else if h >= 4 {
            block::<4>(idx, val, m, 0, out);
            block::<4>(idx, val, m, h - 4, out);
        } else {
            for off in 0..h {
                block::<1>(idx, val, m, off, out);
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn row_sum_avx2(idx: &[u32], val: &[f64], m: &[f64], out: &mut [f64]) {
        row_sum_plain(idx, val, m, out)
    }

    /// `out = sum_k val[k] * m[idx[k], :]` for a row-major matrix `m` of rows as long as `out`:
    /// one row of the sparse product `x · W1` (or of `xᵀ · da1`). Each sum runs over `k` in
    /// order, with separate multiplies and adds (no fused multiply-add), so every machine and
    /// either version gives the same numbers.
    pub(super) fn row_sum(idx: &[u32], val: &[f64], m: &[f64], out: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { row_sum_avx2(idx, val, m, out) };
        }
        row_sum_plain(idx, val, m, out)
    }
}

/// Trains `TwoLayerNet(784, settings.hidden_size, 10)` on `data` with mini-batch SGD (4.5.2,
/// 4.5.3), printing one line per epoch ([`epoch_line`]): the book's loop, see [`train_with`].
pub fn train(data: &crate::mnist::Mnist, settings: &TrainSettings) -> crate::Result<Trained> {
    train_with(data, settings, |record, last_epoch| {
        println!("{}", epoch_line(record, last_epoch))
    })
}

/// [`train`], calling `on_epoch(record, last_epoch)` for each epoch record instead of printing.
///
/// The book's loop (4.5.2, 4.5.3), for `i` in `0..iters_num`:
/// `batch_mask = random_choice(train_size, batch_size)`; the gradient on those rows by
/// `settings.gradient`; `params -= learning_rate * grad`; the loss of the mini-batch (after the
/// update) appended to `history.train_loss`. Every `iter_per_epoch = max(train_size /
/// batch_size, 1)` updates, the accuracy on the whole training and test sets is recorded,
/// and once before the first update (epoch 0, iteration 0; its loss is that of the first
/// mini-batch before the update). The weights are drawn from `settings.seed` and the
/// mini-batches from `settings.seed + 1`, so the same settings give the same history, bit for
/// bit. `last_epoch` is `iters_num / iter_per_epoch`.
pub fn train_with(
    data: &Mnist,
    settings: &TrainSettings,
    on_epoch: impl FnMut(&EpochRecord, usize),
) -> Result<Trained> {
    settings.validate()?;
    let prepared = TrainingData::from_mnist(data)?;
    train_prepared(&prepared, settings, on_epoch, |_, _| {})
}

/// [`train_with`] on data already in the trainer's form, calling also
/// `on_iteration(iterations_done, loss)` after every update (for a progress bar).
pub fn train_prepared(
    data: &TrainingData,
    settings: &TrainSettings,
    mut on_epoch: impl FnMut(&EpochRecord, usize),
    mut on_iteration: impl FnMut(usize, f64),
) -> Result<Trained> {
    settings.validate()?;
    let start = Instant::now();
    let train_size = data.x_train.nrows();
    let iter_per_epoch = settings.iter_per_epoch(train_size);
    let last_epoch = settings.iters_num / iter_per_epoch;
    let mut net = TwoLayerNet::with_seed(
        INPUT_SIZE,
        settings.hidden_size,
        CLASSES,
        WEIGHT_INIT_STD,
        settings.seed,
    )?;
    let mut batches = rng(settings.seed.wrapping_add(1));
    let mut history = History {
        train_loss: Vec::with_capacity(settings.iters_num),
        epochs: Vec::with_capacity(last_epoch + 1),
        iter_per_epoch,
        seconds: 0.0,
    };
    let mut record = |net: &TwoLayerNet, epoch: usize, loss: f64, epochs: &mut Vec<EpochRecord>| {
        let (train_acc, test_acc) = data.accuracies(net)?;
        let rec = EpochRecord {
            epoch,
            iteration: epoch * iter_per_epoch,
            loss,
            train_acc,
            test_acc,
        };
        on_epoch(&rec, last_epoch);
        epochs.push(rec);
        Ok::<(), Error>(())
    };

    let x = &data.x_train;
    let labels_of =
        |mask: &[usize]| -> Vec<usize> { mask.iter().map(|&r| data.t_train[r]).collect() };
    let mut workspace = Workspace::default();
    let mut batch_mask = random_choice(&mut batches, train_size, settings.batch_size);
    let mut labels = labels_of(&batch_mask);
    // With backpropagation, the next mini-batch's forward and backward passes (all but dW1)
    // run beside this one's loss after the update: both under the new weights.
    let mut ahead: Option<Parts> = None;
    let loss = batch_loss(&net, x, &batch_mask, &labels);
    record(&net, 0, loss, &mut history.epochs)?;
    for i in 0..settings.iters_num {
        // The next mini-batch is drawn now (the draws come in the same order) so that its rows
        // are on their way from memory while this step updates W1.
        let next = (i + 1 < settings.iters_num)
            .then(|| random_choice(&mut batches, train_size, settings.batch_size));
        if let Some(next) = &next {
            x.prefetch(next);
        }
        match settings.gradient {
            GradientMethod::Backprop => sparse_step(
                &mut net,
                x,
                &batch_mask,
                &labels,
                settings.learning_rate,
                &mut workspace,
                ahead.take(),
            ),
            GradientMethod::Numerical => {
                let x_batch = x.dense_rows(&batch_mask);
                let grads = net.numerical_gradient(&x_batch, &labels)?;
                net.update(&grads, settings.learning_rate);
            }
        }
        let loss = match (&next, settings.gradient) {
            (Some(next), GradientMethod::Backprop) => {
                let next_labels = labels_of(next);
                let ((loss, ()), parts) = rayon::join(
                    || {
                        rayon::join(
                            || batch_loss(&net, x, &batch_mask, &labels),
                            || workspace.columns(x, next),
                        )
                    },
                    || backprop_parts(&net, x, next, &next_labels),
                );
                ahead = Some(parts);
                loss
            }
            _ => batch_loss(&net, x, &batch_mask, &labels),
        };
        history.train_loss.push(loss);
        on_iteration(i + 1, loss);
        if (i + 1) % iter_per_epoch == 0 {
            record(&net, (i + 1) / iter_per_epoch, loss, &mut history.epochs)?;
        }
        if let Some(next) = next {
            labels = labels_of(&next);
            batch_mask = next;
        }
    }
    history.seconds = start.elapsed().as_secs_f64();
    Ok(Trained { net, history })
}

/// The mini-batch gradient by backpropagation on sparse rows, exposed for the tests: the same
/// as [`TwoLayerNet::gradient`] on `x.dense_rows(rows)` up to rounding.
#[doc(hidden)]
pub fn sparse_backprop(
    net: &TwoLayerNet,
    x: &SparseRows,
    rows: &[usize],
    labels: &[usize],
) -> Params {
    sparse_gradient(net, x, rows, labels)
}

#[cfg(test)]
mod tests {
    use super::{kernels, sparse_gradient, sparse_step, SparseRows, Workspace};
    use crate::batch::{random_choice, rng};
    use crate::net::TwoLayerNet;
    use ndarray_rand::rand::Rng;

    #[test]
    fn the_fused_step_is_update_with_the_sparse_gradient_bit_for_bit() {
        let mut r = rng(3);
        let dense = ndarray::Array2::from_shape_fn((200, 784), |_| {
            if r.random_bool(0.2) {
                r.random_range(0.0..1.0)
            } else {
                0.0
            }
        });
        let x = SparseRows::from_dense(&dense.view(), "x").unwrap();
        let mut ws = Workspace::default();
        for (hidden, seed) in [(50, 1), (7, 2), (100, 3)] {
            let mut a = TwoLayerNet::with_seed(784, hidden, 10, 0.1, seed).unwrap();
            let mut b = a.clone();
            for step in 0..3 {
                let rows = random_choice(&mut r, 200, 30);
                let labels = random_choice(&mut r, 10, 30);
                let g = sparse_gradient(&a, &x, &rows, &labels);
                a.update(&g, 0.1);
                sparse_step(&mut b, &x, &rows, &labels, 0.1, &mut ws, None);
                assert_eq!(a, b, "hidden {hidden}, step {step}");
            }
        }
    }

    #[test]
    fn the_vector_exp_is_within_an_ulp_or_two_of_std() {
        let mut worst: f64 = 0.0;
        let mut x = -708.0;
        while x <= 709.0 {
            let (a, b) = (kernels::exp(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
            x += 0.001_234_567;
        }
        for x in [-1e-300, 0.0, 1e-20, 0.5, -0.5, 1.0, std::f64::consts::LN_2] {
            let (a, b) = (kernels::exp(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
        }
        assert!(worst < 4.5e-16, "largest relative error {worst:e}");
        assert_eq!(kernels::exp(709.5), f64::INFINITY);
        assert_eq!(kernels::exp(f64::INFINITY), f64::INFINITY);
        assert!(kernels::exp(-745.0) < 4e-308);
        assert_eq!(1.0 + kernels::exp(-1000.0), 1.0);
        assert_eq!(kernels::exp(f64::NEG_INFINITY) + 1.0, 1.0);
        assert!(kernels::exp(f64::NAN).is_nan());
    }

    #[test]
    fn the_sigmoid_of_the_kernels_is_the_activations() {
        let a: Vec<f64> = (0..200).map(|i| (i as f64 - 100.0) * 0.37).collect();
        let mut out = a.clone();
        kernels::add_sigmoid(&mut out, &[0.0; 10]);
        let reference = crate::activation::sigmoid(&ndarray::Array1::from(a));
        for (o, r) in out.iter().zip(reference.iter()) {
            assert!((o - r).abs() <= 4.5e-16 * r.abs().max(1e-300), "{o} vs {r}");
        }
        let mut big = vec![800.0, -800.0, f64::INFINITY, f64::NEG_INFINITY];
        kernels::add_sigmoid(&mut big, &[0.0; 4]);
        assert_eq!(big, [1.0, 0.0, 1.0, 0.0]);
    }
}
