//! The fast trainer's forward and backward passes: the same numbers as the book's loop
//! ([`train_reference`](super::train_reference)) to rounding, in a small fraction of the time.
//!
//! Why they exist: MNIST images are mostly blank (about 81% of the pixels are 0), so most of
//! the products in `x · W1` and `xᵀ · da1` are products by zero. These passes keep the images
//! as sparse rows ([`SparseRows`]) and add up only the non-zero pixels, in parallel, with the
//! inner loops in [`kernels`](super::kernels). The aim is a 10,000-iteration run of the book's
//! settings in a few seconds, faster than NumPy's dense loop, so that a lecture can train
//! MNIST live. Beyond skipping zeros, three things save time without changing a number:
//!
//! - one step of SGD ([`sparse_step`]) updates `W1` row by row as each row of `dW1` is
//!   computed, and leaves alone the rows of pixels that are blank in the whole mini-batch;
//! - the mini-batch's columns ([`Workspace`]) are built while its forward pass runs;
//! - the next mini-batch's forward and backward passes (all but `dW1`) run beside this one's
//!   loss, both under the updated weights ([`backprop_parts`]), and its rows are prefetched.

use ndarray::{Array1, Array2, Axis};
use rayon::prelude::*;

use super::{kernels, SparseRows};
use crate::activation::softmax;
use crate::loss::{cross_entropy_unchecked, Target};
use crate::net::{argmax, Params, TwoLayerNet};

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
                x.row(r).times(w1, o);
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
pub(super) fn accuracy(net: &TwoLayerNet, x: &SparseRows, labels: &[usize]) -> f64 {
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
pub(super) fn batch_loss(
    net: &TwoLayerNet,
    x: &SparseRows,
    rows: &[usize],
    labels: &[usize],
) -> f64 {
    let z1 = hidden_layer(net, x, rows, batch_chunk(rows.len()));
    let y = softmax(&scores(net, &z1));
    cross_entropy_unchecked(&y.view(), &Target::Labels(labels.into()))
}

/// Rows per task for a mini-batch: half of it on each of two threads, and so on.
fn batch_chunk(rows: usize) -> usize {
    rows.div_ceil(rayon::current_num_threads().max(1))
        .clamp(1, CHUNK)
}

/// Buffers of the backpropagation kept from one iteration to the next.
#[derive(Debug, Default)]
pub(super) struct Workspace {
    /// Column `c` of the batch is `rows[starts[c]..starts[c + 1]]` with `values[...]`.
    starts: Vec<usize>,
    fill: Vec<usize>,
    rows: Vec<u32>,
    values: Vec<f64>,
}

impl Workspace {
    /// The batch by columns: for each pixel, the (batch row, value) pairs where it is not 0.
    pub(super) fn columns(&mut self, x: &SparseRows, rows: &[usize]) {
        let inputs = x.ncols();
        self.starts.clear();
        self.starts.resize(inputs + 1, 0);
        for &r in rows {
            for &c in x.row(r).columns() {
                self.starts[usize::from(c) + 1] += 1;
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
        for (b, &r) in rows.iter().enumerate() {
            x.row(r).for_each(|c, v| {
                let at = &mut self.fill[c];
                self.rows[*at] = b as u32;
                self.values[*at] = v;
                *at += 1;
            });
        }
    }

    /// `g = xᵀ da1` for pixel `c` (a row of `dW1`), from the columns of the batch, `finish`ed
    /// into `out`.
    fn w1_row(&self, c: usize, da1: &[f64], out: &mut [f64], finish: kernels::Finish) {
        let range = self.starts[c]..self.starts[c + 1];
        let values: &[f64] = &self.values[range.clone()];
        kernels::row_sum(&self.rows[range], values, da1, out, finish);
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
pub(super) fn backprop_parts(
    net: &TwoLayerNet,
    x: &SparseRows,
    rows: &[usize],
    labels: &[usize],
) -> Parts {
    let z1 = hidden_layer(net, x, rows, batch_chunk(rows.len()));
    let p = &net.params;
    let mut dy = softmax(&scores(net, &z1));
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

/// `(da1, db1, dW2, db2)`: what [`backprop_parts`] returns.
pub(super) type Parts = (Array2<f64>, Array1<f64>, Array2<f64>, Array1<f64>);

/// The whole gradient of the mini-batch loss by backpropagation on sparse rows, `dW1` built row
/// by row in parallel; exposed for the tests: the same as [`TwoLayerNet::gradient`] on
/// `x.dense_rows(rows)` up to rounding.
#[doc(hidden)]
pub fn sparse_backprop(
    net: &TwoLayerNet,
    x: &SparseRows,
    rows: &[usize],
    labels: &[usize],
) -> Params {
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
                ws.w1_row(task * PIXELS_PER_TASK + k, da1s, o, kernels::Finish::Store);
            }
        });
    Params {
        w1: Array2::from_shape_vec((inputs, h), w1).expect("inputs x hidden values"),
        b1,
        w2,
        b2,
    }
}

/// One step of SGD by backpropagation: the same numbers as `net.update(&sparse_backprop(..),
/// lr)`, with `W1 <- W1 + (-lr) dW1` done row by row as each row of `dW1` is computed (and rows
/// of blank pixels, whose gradient is 0, left alone). `parts` are [`backprop_parts`] of the
/// mini-batch and `ws` holds its columns ([`Workspace::columns`]).
pub(super) fn sparse_step(net: &mut TwoLayerNet, parts: Parts, ws: &Workspace, lr: f64) {
    let (da1, b1, w2, b2) = parts;
    let p = &mut net.params;
    let h = p.w1.ncols();
    let da1s = da1.as_slice().expect("da1 is in standard layout");
    let w1 = p.w1.as_slice_mut().expect("W1 is in standard layout");
    w1.par_chunks_mut(PIXELS_PER_TASK * h)
        .enumerate()
        .for_each(|(task, w)| {
            for (k, w) in w.chunks_mut(h).enumerate() {
                let c = task * PIXELS_PER_TASK + k;
                if !ws.blank(c) {
                    // W1[c] += (-lr) * dW1[c], as `scaled_add` in `TwoLayerNet::update`.
                    ws.w1_row(c, da1s, w, kernels::Finish::AddScaled(-lr));
                }
            }
        });
    p.b1.scaled_add(-lr, &b1);
    p.w2.scaled_add(-lr, &w2);
    p.b2.scaled_add(-lr, &b2);
}

#[cfg(test)]
mod tests {
    use super::{backprop_parts, sparse_backprop, sparse_step, SparseRows, Workspace};
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
                let g = sparse_backprop(&a, &x, &rows, &labels);
                a.update(&g, 0.1);
                ws.columns(&x, &rows);
                let parts = backprop_parts(&b, &x, &rows, &labels);
                sparse_step(&mut b, parts, &ws, 0.1);
                assert_eq!(a, b, "hidden {hidden}, step {step}");
            }
        }
    }
}


#[cfg(test)]
mod probe {
    use super::*;
    use std::time::Instant;

    #[test]
    #[ignore]
    fn probe_columns() {
        let raw = crate::mnist::RawMnist::load_local(Some(std::path::Path::new("/work/shared/mnist"))).unwrap();
        let data = crate::train::TrainingData::from_raw(&raw).unwrap();
        let x = &data.x_train;
        let mut r = crate::batch::rng(5);
        let batches: Vec<Vec<usize>> = (0..2000).map(|_| crate::batch::random_choice(&mut r, 60000, 100)).collect();
        let mut ws = Workspace::default();
        let net = TwoLayerNet::with_seed(784, 50, 10, 0.01, 1).unwrap();
        for _ in 0..2 {
            let t = Instant::now();
            for b in &batches { ws.columns(x, b); }
            println!("cold batches: {:.1} us per columns", t.elapsed().as_secs_f64() / 2000.0 * 1e6);
            let t = Instant::now();
            for _ in 0..2000 { ws.columns(x, &batches[0]); }
            println!("same batch: {:.1} us per columns", t.elapsed().as_secs_f64() / 2000.0 * 1e6);
            let t = Instant::now();
            let mut s = 0.0;
            for b in &batches { for &row in b { x.row(row).for_each(|c, v| s += v + c as f64); } }
            println!("just reading the rows: {:.1} us per batch {s}", t.elapsed().as_secs_f64() / 2000.0 * 1e6);
            let t = Instant::now();
            for b in &batches[..500] { let _ = hidden_layer(&net, x, b, 100); }
            println!("forward cold: {:.1} us per batch", t.elapsed().as_secs_f64() / 500.0 * 1e6);
            let t = Instant::now();
            for _ in 0..500 { let _ = hidden_layer(&net, x, &batches[0], 100); }
            println!("forward hot: {:.1} us per batch", t.elapsed().as_secs_f64() / 500.0 * 1e6);
            let labels = vec![3usize; 100];
            let t = Instant::now();
            for _ in 0..500 { let _ = backprop_parts(&net, x, &batches[0], &labels); }
            println!("backprop_parts hot: {:.1} us per batch", t.elapsed().as_secs_f64() / 500.0 * 1e6);
            let t = Instant::now();
            for _ in 0..500 { let _ = batch_loss(&net, x, &batches[0], &labels); }
            println!("batch_loss hot: {:.1} us per batch", t.elapsed().as_secs_f64() / 500.0 * 1e6);
            ws.columns(x, &batches[0]);
            let w1 = net.params.w1.as_slice().unwrap();
            let mut a = vec![0.0; 100 * 50];
            let t = Instant::now();
            for _ in 0..500 {
                a.fill(0.0);
                for c in 0..784 {
                    let range = ws.starts[c]..ws.starts[c + 1];

                }
            }
            println!("scatter forward hot: {:.1} us per batch", t.elapsed().as_secs_f64() / 500.0 * 1e6);
            let mut bb = vec![0.0; 100 * 50];
            let t = Instant::now();
            for _ in 0..500 {
                bb.fill(0.0);
                for (o, &r) in bb.chunks_mut(50).zip(&batches[0]) { x.row(r).times(w1, o); }
            }
            println!("gather forward hot: {:.1} us per batch, same {}", t.elapsed().as_secs_f64() / 500.0 * 1e6, a == bb);
            let parts = backprop_parts(&net, x, &batches[0], &labels);
            ws.columns(x, &batches[0]);
            let mut n2 = net.clone();
            let t = Instant::now();
            for _ in 0..500 { sparse_step(&mut n2, parts.clone(), &ws, 0.0); }
            println!("sparse_step hot: {:.1} us per batch", t.elapsed().as_secs_f64() / 500.0 * 1e6);
        }
    }
}
