//! The fast trainer's passes: the forward pass and the accuracy on sparse rows, the gradient
//! by backpropagation (`sparse_backprop`, the reference the tests hold a step to), and one step
//! of SGD ([`Trainer::step`]).
//!
//! - a sum over a row's pixels is computed in [`PARTS`] ranges of pixels (two halves of the
//!   image, each holding about half of the ink), the second added to the first
//!   ([`pre_activation`]). Every sum is split the same way whatever the number of threads, so
//!   a run gives the same numbers, bit for bit, on one thread or eight;
//! - a step ([`Trainer::step`]) with no more threads than parts gives each part, with its rows
//!   of `W1`, to one thread, which updates those rows and then adds up its part of both
//!   forward passes while they are in its core's cache (the fastest on two cores). With more
//!   threads, it shares its work out among as many tasks as rayon has
//!   (`rayon::current_num_threads`): each task updates its range of rows of `W1`
//!   (`W1 <- W1 + (-lr) dW1`, row by row as each row of `dW1` is computed from the
//!   mini-batch's columns, [`Columns`]; rows of pixels blank in the whole mini-batch are left
//!   alone) and computes its rows of `dW2`; then the parts' sums of this mini-batch's new
//!   forward pass (for its loss) and of the next mini-batch's are computed, their rows shared
//!   out, while the next mini-batch's pixels are sorted by column. No sum is split between
//!   tasks, so the number of threads changes no bit;
//! - the second layers of the two mini-batches (the sigmoid, the scores, the softmax, the loss,
//!   `dy`, `da1`) are computed row by row, the rows shared out among the threads; the rows of
//!   the mini-batch after the next are fetched from memory while a step runs.

use rayon::prelude::*;

use super::data::{Row, Segment, SparseRows, TrainingData, PARTS};
use super::kernels::{self, Finish};
use super::output;
use dlfs::error::{Error, Result};
use dlfs::mnist::{CLASSES, IMAGE_PIXELS};
use dlfs::net::{argmax, TwoLayerNet};

/// Rows per parallel task in the forward passes.
const CHUNK: usize = 256;

/// `out = x[r] · W1` (`w1` row-major), part by part: `out` is the sum over the pixels of the
/// first part, then the sum over the second part is added to it, and so on.
fn pre_activation(row: Row<'_>, w1: &[f64], out: &mut [f64]) {
    for k in 0..PARTS {
        let finish = if k == 0 { Finish::Store } else { Finish::Add };
        row.part(k).times(w1, 0, out, finish);
    }
}

/// `out[r, :] = sigmoid(x[rows[r]] · W1 + b1)`: the hidden layer, in parallel over the rows,
/// as rows x hidden values.
fn hidden_layer(net: &TwoLayerNet, x: &SparseRows, rows: &[usize], chunk: usize) -> Vec<f64> {
    let p = &net.params;
    let h = p.w1.ncols();
    let w1 = p.w1.as_slice().expect("W1 is in standard layout");
    let b1 = p.b1.as_slice().expect("b1 is contiguous");
    let mut out = vec![0.0; rows.len() * h];
    out.par_chunks_mut(chunk * h)
        .zip(rows.par_chunks(chunk))
        .for_each(|(out, rows)| {
            for (o, &r) in out.chunks_mut(h).zip(rows) {
                pre_activation(x.row(r), w1, o);
            }
            kernels::add_sigmoid(out, b1);
        });
    out
}

impl TrainingData {
    /// The accuracy of `net` on the whole training set and on the whole test set (4.5.3); the
    /// net must take 784 inputs and give 10 outputs.
    pub fn accuracies(&self, net: &TwoLayerNet) -> Result<(f64, f64)> {
        if net.input_size() != IMAGE_PIXELS || net.output_size() != CLASSES {
            return Err(Error::Shape(format!(
                "accuracies: the net takes {} inputs and gives {} outputs, MNIST needs \
                 {IMAGE_PIXELS} and {CLASSES}",
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

/// The share of `rows` whose highest score is the label, computed in parallel chunks.
fn accuracy(net: &TwoLayerNet, x: &SparseRows, labels: &[usize]) -> f64 {
    const EVAL_CHUNK: usize = 250;
    let c = net.output_size();
    let all: Vec<usize> = (0..x.nrows()).collect();
    let right: usize = all
        .par_chunks(EVAL_CHUNK)
        .map(|rows| {
            let z1 = hidden_layer(net, x, rows, EVAL_CHUNK);
            let a2 = output::scores(&z1, &net.params);
            a2.chunks(c)
                .zip(rows)
                .filter(|(row, &r)| argmax(row.iter()) == labels[r])
                .count()
        })
        .sum();
    right as f64 / x.nrows() as f64
}

/// The hidden layer of the mini-batch `rows`, `sigmoid(x · W1 + b1)`, its rows shared out
/// among the threads.
fn batch_hidden(net: &TwoLayerNet, x: &SparseRows, rows: &[usize]) -> Vec<f64> {
    let chunk = rows
        .len()
        .div_ceil(rayon::current_num_threads().max(1))
        .clamp(1, CHUNK);
    hidden_layer(net, x, rows, chunk)
}

/// The loss of the mini-batch `rows` (the book's `network.loss(x_batch, t_batch)`): the
/// softmax of the scores, cross-entropy with the labels.
pub(super) fn batch_loss(
    net: &TwoLayerNet,
    x: &SparseRows,
    rows: &[usize],
    labels: &[usize],
) -> f64 {
    let z1 = batch_hidden(net, x, rows);
    output::loss(&output::softmax(&z1, &net.params), labels)
}

/// A mini-batch by columns, for the pixels `lo..hi`: for each pixel, the (batch row, value)
/// pairs where it is not 0, the rows in order. Buffers kept from one step to the next.
#[derive(Debug, Default)]
pub(super) struct Columns {
    lo: usize,
    /// Pixel `lo + c` is entries `starts[c]..starts[c + 1]`.
    starts: Vec<u32>,
    fill: Vec<u32>,
    entries: Entries,
}

/// The (batch row, value) pairs of [`Columns`]: packed in 32 bits when the values are codes
/// (the rows' values are [`Coded`](kernels::Coded)), else in two arrays.
#[derive(Debug)]
enum Entries {
    /// `row << 8 | code`.
    Packed(Vec<kernels::Packed>),
    /// The rows and the values.
    Exact(Vec<u32>, Vec<f64>),
}

impl Default for Entries {
    fn default() -> Self {
        Entries::Packed(Vec::new())
    }
}

impl Columns {
    /// Sorts the non-zero pixels of the mini-batch `rows` by pixel (a counting sort): all of
    /// them, or those of one part ([`SparseRows::parts`]).
    pub(super) fn build(&mut self, x: &SparseRows, rows: &[usize], part: Option<usize>) {
        self.reset(x, part);
        for &r in rows {
            self.count(segment(x, r, part));
        }
        self.fill(x, rows, part);
    }

    /// Starts the columns of a mini-batch: no pixels counted yet.
    fn reset(&mut self, x: &SparseRows, part: Option<usize>) {
        let (lo, hi) = match part {
            Some(k) => (x.parts()[k], x.parts()[k + 1]),
            None => (0, x.ncols()),
        };
        self.lo = lo;
        self.starts.clear();
        self.starts.resize(hi - lo + 1, 0);
    }

    /// Counts the pixels of one row (of the pixels the columns are for).
    #[inline]
    fn count(&mut self, segment: Segment<'_>) {
        for &c in segment.columns() {
            self.starts[usize::from(c) - self.lo + 1] += 1;
        }
    }

    /// Puts the rows' pixels in place, all the rows counted.
    fn fill(&mut self, x: &SparseRows, rows: &[usize], part: Option<usize>) {
        let (lo, width) = (self.lo, self.starts.len() - 1);
        for c in 0..width {
            self.starts[c + 1] += self.starts[c];
        }
        self.fill.clear();
        self.fill.extend_from_slice(&self.starts[..width]);
        let nnz = self.starts[width] as usize;
        let packable = rows.len() <= kernels::Packed::MAX_ROWS && x.is_coded();
        match (&mut self.entries, packable) {
            (Entries::Packed(_), true) | (Entries::Exact(..), false) => {}
            (entries, true) => *entries = Entries::Packed(Vec::new()),
            (entries, false) => *entries = Entries::Exact(Vec::new(), Vec::new()),
        }
        let fill = &mut self.fill[..];
        match &mut self.entries {
            Entries::Packed(entries) => {
                entries.resize(nnz, kernels::Packed::default());
                let entries = &mut entries[..];
                for (b, &r) in rows.iter().enumerate() {
                    if let Segment::Coded(idx, vals) = segment(x, r, part) {
                        for (&c, &code) in idx.iter().zip(vals.codes) {
                            let slot = &mut fill[usize::from(c) - lo];
                            let at = *slot;
                            *slot = at + 1;
                            entries[at as usize] = kernels::Packed::new(b, code);
                        }
                    }
                }
            }
            Entries::Exact(brows, values) => {
                brows.resize(nnz, 0);
                values.resize(nnz, 0.0);
                for (b, &r) in rows.iter().enumerate() {
                    segment(x, r, part).for_each(|c, v| {
                        let at = &mut fill[c - lo];
                        brows[*at as usize] = b as u32;
                        values[*at as usize] = v;
                        *at += 1;
                    });
                }
            }
        }
    }

    /// `g = xᵀ da1` for pixel `c` (a row of `dW1`), `finish`ed into `out`; `x` is the data the
    /// columns were built from.
    fn w1_row(&self, x: &SparseRows, c: usize, da1: &[f64], out: &mut [f64], finish: Finish) {
        let range = self.starts[c - self.lo] as usize..self.starts[c - self.lo + 1] as usize;
        match &self.entries {
            Entries::Packed(entries) => {
                let entries = &entries[range];
                let weights = kernels::Coded {
                    codes: entries,
                    levels: x.levels().expect("packed columns come from coded rows"),
                };
                kernels::row_sum(entries, weights, da1, 0, out, finish);
            }
            Entries::Exact(rows, values) => {
                let values: &[f64] = &values[range.clone()];
                kernels::row_sum(&rows[range], values, da1, 0, out, finish);
            }
        }
    }

    /// True when pixel `c` is 0 in every row of the mini-batch (its row of `dW1` is 0).
    fn blank(&self, c: usize) -> bool {
        self.starts[c - self.lo] == self.starts[c - self.lo + 1]
    }
}

/// Row `r`'s pixels: all of them, or those of one part.
fn segment(x: &SparseRows, r: usize, part: Option<usize>) -> Segment<'_> {
    match part {
        Some(k) => x.row(r).part(k),
        None => x.row(r).all(),
    }
}

/// What one range of pixels keeps from one step to the next: its columns of this mini-batch
/// and of the next, and its parts of their forward passes.
#[derive(Debug, Default)]
struct Part {
    k: usize,
    /// The part's pixels, `lo..hi`.
    lo: usize,
    hi: usize,
    columns: Columns,
    next_columns: Columns,
    /// This mini-batch's sums over the part's pixels under the updated `W1` (rows x hidden).
    this: Vec<f64>,
    /// The next mini-batch's.
    next: Vec<f64>,
}

/// A mini-batch: its rows and their labels.
#[derive(Debug, Clone, Copy)]
pub(super) struct Batch<'a> {
    /// The rows of the training images (the book's `batch_mask`).
    pub(super) rows: &'a [usize],
    /// Their labels.
    pub(super) labels: &'a [usize],
}

/// What a step of SGD works on: the training images, the mini-batch, the next one (none at
/// the last step), the rows of the one after (to prefetch), and the learning rate.
#[derive(Debug, Clone, Copy)]
pub(super) struct Step<'a> {
    pub(super) x: &'a SparseRows,
    pub(super) batch: Batch<'a>,
    pub(super) next: Option<Batch<'a>>,
    pub(super) after: Option<&'a [usize]>,
    pub(super) lr: f64,
}

impl Part {
    /// Phase 1 of a step for one part, on one thread (when rayon has no more threads than
    /// there are parts): its rows `dw2` of `dW2`; `W1 <- W1 + (-lr) dW1` on its rows `w1` of
    /// `W1`, row by row (pixels blank in the whole mini-batch left alone); its sums `x · W1`
    /// for this mini-batch and the next under the new `W1`, while those rows are in this
    /// core's cache; the next mini-batch's columns. The same numbers as the shared-out path.
    fn whole_phase(
        &mut self,
        w1: &mut [f64],
        dw2: &mut [f64],
        step: &Step<'_>,
        now: &Layer,
        h: usize,
    ) {
        let (x, k) = (step.x, self.k);
        if let Some(rows) = step.after {
            x.prefetch(rows, k);
        }
        output::second_grads_rows(&now.z, &now.y, h, k * h / PARTS, dw2);
        for (c, w) in (self.lo..self.hi).zip(w1.chunks_mut(h)) {
            if !self.columns.blank(c) {
                let finish = Finish::AddScaled(-step.lr);
                self.columns.w1_row(x, c, &now.da1, w, finish);
            }
        }
        self.this.resize(step.batch.rows.len() * h, 0.0);
        for (o, &r) in self.this.chunks_mut(h).zip(step.batch.rows) {
            x.row(r).part(k).times(w1, self.lo, o, Finish::Store);
        }
        if let Some(next) = step.next {
            // The next mini-batch's sums and columns: its pixels counted while its rows are
            // at hand, then put in place.
            self.next.resize(next.rows.len() * h, 0.0);
            self.next_columns.reset(x, Some(k));
            for (o, &r) in self.next.chunks_mut(h).zip(next.rows) {
                let segment = x.row(r).part(k);
                segment.times(w1, self.lo, o, Finish::Store);
                self.next_columns.count(segment);
            }
            self.next_columns.fill(x, next.rows, Some(k));
        }
    }

    /// The part's share of phase 1b of a step, its rows shared out in `tasks` tasks: its
    /// sums `x · W1` over its pixels for this mini-batch and the next under the updated `W1`
    /// (the whole of it, row-major), and the next mini-batch's columns.
    fn forward(&mut self, w1: &[f64], step: &Step<'_>, h: usize, tasks: usize) {
        let (x, k) = (step.x, self.k);
        // The mini-batch after the next one, on its way from memory while this step runs.
        if let Some(rows) = step.after {
            x.prefetch(rows, k);
        }
        let sums = |out: &mut Vec<f64>, rows: &[usize]| {
            out.resize(rows.len() * h, 0.0);
            let chunk = rows.len().div_ceil(tasks).max(1);
            out.par_chunks_mut(chunk * h)
                .zip(rows.par_chunks(chunk))
                .for_each(|(out, rows)| {
                    for (o, &r) in out.chunks_mut(h).zip(rows) {
                        x.row(r).part(k).times(w1, 0, o, Finish::Store);
                    }
                });
        };
        let Part {
            next_columns,
            this,
            next,
            ..
        } = self;
        rayon::join(
            || {
                sums(this, step.batch.rows);
                if let Some(batch) = step.next {
                    sums(next, batch.rows);
                }
            },
            || {
                if let Some(batch) = step.next {
                    next_columns.build(x, batch.rows, Some(k));
                }
            },
        );
    }
}

/// `0..n` cut in `tasks` consecutive ranges as even as can be, as their `tasks + 1` bounds.
fn even_bounds(n: usize, tasks: usize) -> Vec<usize> {
    (0..=tasks).map(|t| t * n / tasks).collect()
}

/// `slice` cut in consecutive pieces of the given lengths.
fn split_lengths<T>(
    mut slice: &mut [T],
    lengths: impl IntoIterator<Item = usize>,
) -> Vec<&mut [T]> {
    lengths
        .into_iter()
        .map(|n| {
            let (piece, rest) = std::mem::take(&mut slice).split_at_mut(n);
            slice = rest;
            piece
        })
        .collect()
}

/// A mini-batch's second layer, row by row: the hidden layer `z`, the scores (then the softmax,
/// then `dy`) `y`, `da1`, and each row's loss.
#[derive(Debug, Default)]
struct Layer {
    z: Vec<f64>,
    y: Vec<f64>,
    da1: Vec<f64>,
    losses: Vec<f64>,
}

/// Some rows of a [`Layer`], from row `start`: one thread's share of the third phase of a step.
struct LayerRows<'a> {
    start: usize,
    z: &'a mut [f64],
    y: &'a mut [f64],
    da1: &'a mut [f64],
    losses: &'a mut [f64],
}

impl Layer {
    /// Room for `n` rows of `h` hidden units.
    fn resize(&mut self, n: usize, h: usize) {
        self.z.resize(n * h, 0.0);
        self.y.resize(n * CLASSES, 0.0);
        self.da1.resize(n * h, 0.0);
        self.losses.resize(n, 0.0);
    }

    /// The rows split in `shares` shares (one per thread); none when the layer has no rows.
    fn shares(&mut self, h: usize, shares: usize) -> impl Iterator<Item = LayerRows<'_>> {
        let n = self.losses.len();
        let share = n.div_ceil(shares.max(1)).max(1);
        self.z
            .chunks_mut(share * h)
            .zip(self.y.chunks_mut(share * CLASSES))
            .zip(self.da1.chunks_mut(share * h))
            .zip(self.losses.chunks_mut(share))
            .enumerate()
            .map(move |(t, (((z, y), da1), losses))| LayerRows {
                start: t * share,
                z,
                y,
                da1,
                losses,
            })
    }
}

/// The fast loop's state between steps of backpropagation: the ranges of pixels (those of the
/// training images, [`SparseRows::parts`]) and what each keeps, and the second layer of the
/// mini-batch the next step is on, with its gradients all but `dW1` and `dW2` (`dW2` is
/// computed in the step, by the threads).
#[derive(Debug)]
pub(super) struct Trainer {
    parts: Vec<Part>,
    /// The mini-batch the next step is on: its second layer, `dy` in `y`, `da1`.
    current: Layer,
    /// `db1` and `db2` of the mini-batch the next step is on.
    db1: Vec<f64>,
    db2: Vec<f64>,
    /// The loss of the mini-batch just updated (its rows' losses; its `z` and `y`).
    this: Layer,
    /// The next mini-batch's second layer, computed by the step.
    next: Layer,
    dw2: Vec<f64>,
}

impl Trainer {
    /// The state for training on `x`.
    pub(super) fn new(x: &SparseRows) -> Trainer {
        let bounds = x.parts();
        Trainer {
            parts: (0..PARTS)
                .map(|k| Part {
                    k,
                    lo: bounds[k],
                    hi: bounds[k + 1],
                    ..Part::default()
                })
                .collect(),
            current: Layer::default(),
            db1: Vec::new(),
            db2: Vec::new(),
            this: Layer::default(),
            next: Layer::default(),
            dw2: Vec::new(),
        }
    }

    /// Gets ready for the first step on `batch`: its columns, its forward pass and its
    /// gradients (all but `dW1` and `dW2`).
    pub(super) fn start(&mut self, net: &TwoLayerNet, x: &SparseRows, batch: Batch<'_>) {
        for part in &mut self.parts {
            part.columns.build(x, batch.rows, Some(part.k));
        }
        let h = net.params.w1.ncols();
        let n = batch.rows.len();
        let layer = &mut self.current;
        layer.resize(n, h);
        layer.z = batch_hidden(net, x, batch.rows);
        output::softmax_into(&layer.z, &net.params, &mut layer.y);
        let w2t = output::transpose_w2(&net.params);
        output::backprop_rows(
            &layer.z,
            &mut layer.y,
            batch.labels,
            n,
            &w2t,
            &mut layer.da1,
        );
        self.sum_rows_of_current(h);
    }

    /// `db1` and `db2` of the mini-batch the next step is on: its rows of `da1` and `dy` added.
    fn sum_rows_of_current(&mut self, h: usize) {
        self.db1 = output::sum_rows(&self.current.da1, h);
        self.db2 = output::sum_rows(&self.current.y, CLASSES);
    }

    /// One step of SGD by backpropagation on `batch` (after [`Trainer::start`] on it, or a
    /// step with it as `next`): the same numbers as `net.update(&sparse_backprop(..), lr)`.
    /// Returns the loss of `batch` under the updated weights. With a `next` mini-batch, gets
    /// ready for the step on it; the rows `after` (the mini-batch after) are prefetched.
    ///
    /// The work, in three phases:
    /// 1. [`Trainer::first_layer`]: `dW2` and `W1`'s update, then the parts' sums `x · W1`
    ///    ([`Part::forward`]), the work shared out among the threads;
    /// 2. [`Trainer::update_rest`]: `b1`, `W2`, `b2` updated;
    /// 3. [`Trainer::second_layers`]: the second layers of `batch` (its loss) and `next` (its
    ///    `dy` and `da1`), row by row, the rows shared out among the threads; then `db1`,
    ///    `db2` and the loss.
    pub(super) fn step(&mut self, net: &mut TwoLayerNet, step: &Step<'_>) -> f64 {
        self.first_layer(net, step);
        self.update_rest(net, step.lr);
        self.second_layers(net, step.batch, step.next)
    }

    /// Phase 1 of [`Trainer::step`], on as many tasks as rayon has threads: (a) `dW2`, and
    /// `W1 <- W1 + (-lr) dW1` row by row as each row of `dW1` is computed from the columns
    /// (pixels blank in the whole mini-batch left alone), each task on its range of pixels and
    /// of hidden units; then (b) each part's sums `x · W1` for this mini-batch and the next
    /// ([`Part::forward`]). No value is summed across tasks, so the bits do not depend on
    /// how many there are.
    fn first_layer(&mut self, net: &mut TwoLayerNet, step: &Step<'_>) {
        let tasks = rayon::current_num_threads().max(1);
        let (inputs, h) = net.params.w1.dim();
        self.dw2.resize(h * CLASSES, 0.0);
        let w1 = net
            .params
            .w1
            .as_slice_mut()
            .expect("W1 is in standard layout");
        if tasks <= PARTS {
            // Each part on one thread, its rows of `W1` kept in that core's cache.
            let w1_rows = split_lengths(w1, self.parts.iter().map(|p| (p.hi - p.lo) * h));
            let units = (0..PARTS).map(|k| ((k + 1) * h / PARTS - k * h / PARTS) * CLASSES);
            let dw2_rows = split_lengths(&mut self.dw2, units);
            let now = &self.current;
            self.parts
                .par_iter_mut()
                .zip(w1_rows)
                .zip(dw2_rows)
                .with_max_len(1)
                .for_each(|((part, w1), dw2)| part.whole_phase(w1, dw2, step, now, h));
            return;
        }
        let (pixels, units) = (even_bounds(inputs, tasks), even_bounds(h, tasks));
        let w1_rows = split_lengths(w1, pixels.windows(2).map(|b| (b[1] - b[0]) * h));
        let dw2_rows = split_lengths(
            &mut self.dw2,
            units.windows(2).map(|b| (b[1] - b[0]) * CLASSES),
        );
        let (parts, current, x) = (&self.parts, &self.current, step.x);
        w1_rows
            .into_par_iter()
            .zip(dw2_rows)
            .enumerate()
            .with_max_len(1)
            .for_each(|(t, (w1, dw2))| {
                output::second_grads_rows(&current.z, &current.y, h, units[t], dw2);
                for (c, w) in (pixels[t]..pixels[t + 1]).zip(w1.chunks_mut(h)) {
                    let part = parts.iter().find(|p| c < p.hi).expect("parts cover W1");
                    if !part.columns.blank(c) {
                        // W1[c] += (-lr) * dW1[c], as `scaled_add` in `TwoLayerNet::update`.
                        let finish = Finish::AddScaled(-step.lr);
                        part.columns.w1_row(x, c, &current.da1, w, finish);
                    }
                }
            });
        let w1 = net.params.w1.as_slice().expect("W1 is in standard layout");
        self.parts
            .par_iter_mut()
            .for_each(|part| part.forward(w1, step, h, tasks));
    }

    /// Phase 2 of [`Trainer::step`]: `b1`, `W2`, `b2` <- themselves + (-lr) grad, as
    /// `scaled_add` in `TwoLayerNet::update`.
    fn update_rest(&self, net: &mut TwoLayerNet, lr: f64) {
        let p = &mut net.params;
        for (param, grad) in [
            (p.b1.as_slice_mut(), &self.db1),
            (p.w2.as_slice_mut(), &self.dw2),
            (p.b2.as_slice_mut(), &self.db2),
        ] {
            let param = param.expect("the parameters are in standard layout");
            for (v, &g) in param.iter_mut().zip(grad) {
                *v += (-lr) * g;
            }
        }
    }

    /// Phase 3 of [`Trainer::step`]: the second layers of `batch` (for its loss) and of
    /// `next` (its `dy` and `da1`, for the next step) from the parts' sums, row by row, the
    /// rows shared out among the threads. Returns the loss of `batch`.
    fn second_layers(
        &mut self,
        net: &TwoLayerNet,
        batch: Batch<'_>,
        next: Option<Batch<'_>>,
    ) -> f64 {
        let p = &net.params;
        let h = p.w1.ncols();
        let b1 = p.b1.as_slice().expect("b1 is contiguous");
        let w2t = output::transpose_w2(p);
        let threads = rayon::current_num_threads().max(1);
        let parts = &self.parts;
        self.this.resize(batch.rows.len(), h);
        self.next.resize(next.map_or(0, |next| next.rows.len()), h);
        let n_next = self.next.losses.len();
        // The hidden layer from the parts' sums (added in order, as `pre_activation` does,
        // plus b1, then the sigmoid), the scores and their softmax, for some rows.
        let layer = |rows: &mut LayerRows<'_>, sums: fn(&Part) -> &[f64]| {
            let range = rows.start * h..rows.start * h + rows.z.len();
            rows.z.copy_from_slice(&sums(&parts[0])[range.clone()]);
            for part in &parts[1..] {
                for (z, &s) in rows.z.iter_mut().zip(&sums(part)[range.clone()]) {
                    *z += s;
                }
            }
            kernels::add_sigmoid(rows.z, b1);
            output::softmax_into(rows.z, p, rows.y);
        };
        // Each thread's rows of `batch`, with its rows of `next` (none when there is no next).
        let shares: Vec<(LayerRows<'_>, Option<LayerRows<'_>>)> = {
            let mut next_rows = self.next.shares(h, threads);
            let this_rows = self.this.shares(h, threads);
            this_rows.map(|this| (this, next_rows.next())).collect()
        };
        shares
            .into_par_iter()
            .with_max_len(1)
            .for_each(|(mut this, next_share)| {
                layer(&mut this, |part| &part.this);
                let labels = &batch.labels[this.start..this.start + this.losses.len()];
                output::row_losses(this.y, labels, this.losses);
                if let (Some(mut rows), Some(next)) = (next_share, next) {
                    layer(&mut rows, |part| &part.next);
                    let labels = &next.labels[rows.start..rows.start + rows.losses.len()];
                    output::backprop_rows(rows.z, rows.y, labels, n_next, &w2t, rows.da1);
                }
            });
        let loss = output::mean_loss(&self.this.losses);
        if next.is_some() {
            std::mem::swap(&mut self.current, &mut self.next);
            self.sum_rows_of_current(h);
            for part in &mut self.parts {
                std::mem::swap(&mut part.columns, &mut part.next_columns);
            }
        }
        loss
    }
}

#[cfg(test)]
mod tests {
    use super::output::Grads;
    use super::{batch_hidden, output, Batch, Columns, Finish, SparseRows, Step, Trainer};
    use dlfs::batch::{random_choice, rng};
    use dlfs::net::{Params, TwoLayerNet};
    use ndarray::{Array1, Array2};
    use ndarray_rand::rand::Rng;
    use rayon::prelude::*;

    /// The gradient of the mini-batch loss by backpropagation, with the sparse input, all but
    /// `dW1` (`Grads::backprop`); `dW1 = xᵀ da1` is left to the caller, which adds up only the
    /// non-zero pixels ([`Columns::w1_row`]).
    fn backprop_parts(
        net: &TwoLayerNet,
        x: &SparseRows,
        rows: &[usize],
        labels: &[usize],
    ) -> Grads {
        let z1 = batch_hidden(net, x, rows);
        let mut y = output::softmax(&z1, &net.params);
        Grads::backprop(&z1, &mut y, labels, &net.params)
    }

    /// Pixels (rows of `W1`) per parallel task in [`sparse_backprop`].
    const PIXELS_PER_TASK: usize = 64;

    /// The whole gradient of the mini-batch loss by backpropagation on sparse rows, `dW1` built row
    /// by row in parallel: the same as [`TwoLayerNet::gradient`] on `x.dense_rows(rows)` up to
    /// rounding, and what [`Trainer::step`] subtracts (both tested below).
    fn sparse_backprop(
        net: &TwoLayerNet,
        x: &SparseRows,
        rows: &[usize],
        labels: &[usize],
    ) -> Params {
        let grads = backprop_parts(net, x, rows, labels);
        let (inputs, h) = (net.params.w1.nrows(), net.params.w1.ncols());
        let mut columns = Columns::default();
        columns.build(x, rows, None);
        let da1s = &grads.da1;
        let mut w1 = vec![0.0; inputs * h];
        w1.par_chunks_mut(PIXELS_PER_TASK * h)
            .enumerate()
            .for_each(|(task, out)| {
                for (k, o) in out.chunks_mut(h).enumerate() {
                    columns.w1_row(x, task * PIXELS_PER_TASK + k, da1s, o, Finish::Store);
                }
            });
        Params {
            w1: Array2::from_shape_vec((inputs, h), w1).expect("inputs x hidden values"),
            b1: Array1::from(grads.b1),
            w2: Array2::from_shape_vec(net.params.w2.raw_dim(), grads.w2)
                .expect("hidden x classes"),
            b2: Array1::from(grads.b2),
        }
    }

    /// 200 rows of 784 values, a fifth of them not 0 (in [0, 1)), drawn from `seed`.
    fn sparse_images(seed: u64) -> ndarray::Array2<f64> {
        let mut r = rng(seed);
        ndarray::Array2::from_shape_fn((200, 784), |_| {
            if r.random_bool(0.2) {
                r.random_range(0.0..1.0)
            } else {
                0.0
            }
        })
    }

    #[test]
    fn sparse_backprop_is_the_nets_gradient() {
        let x = SparseRows::from_dense(&sparse_images(7).view(), "x").unwrap();
        let rows = random_choice(&mut rng(8), 200, 40).unwrap();
        let labels = random_choice(&mut rng(9), 10, 40).unwrap();
        let dense = x.dense_rows(&rows);
        // 50 (the book's) takes a one-pass kernel, the others blocks of columns.
        for hidden in [50, 30, 3, 100] {
            let net = TwoLayerNet::with_seed(784, hidden, 10, 0.3, 7).unwrap();
            let sparse = sparse_backprop(&net, &x, &rows, &labels);
            let by_net = net.gradient(&dense, &labels).unwrap();
            for ((name, a), (_, b)) in sparse.arrays().into_iter().zip(by_net.arrays()) {
                let d = a
                    .iter()
                    .zip(b.iter())
                    .fold(0.0_f64, |m, (u, v)| m.max((u - v).abs()));
                let scale = b.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
                assert!(
                    d <= 1e-13 * scale.max(1e-3),
                    "{name}: {d:e} (scale {scale:e})"
                );
                assert!(scale > 1e-4, "{name} is not trivially zero");
            }
        }
    }

    #[test]
    fn a_step_is_update_with_the_sparse_gradient_bit_for_bit() {
        let mut r = rng(3);
        let dense = sparse_images(3);
        let exact = SparseRows::from_dense(&dense.view(), "x").unwrap();
        let coded =
            SparseRows::from_dense(&dense.mapv(|v| (v * 8.0).floor() / 8.0).view(), "x").unwrap();
        assert!(coded.is_coded() && !exact.is_coded());
        for (x, hidden, seed) in [
            (&exact, 50, 1),
            (&coded, 50, 4),
            (&exact, 7, 2),
            (&coded, 100, 3),
        ] {
            let mut a = TwoLayerNet::with_seed(784, hidden, 10, 0.1, seed).unwrap();
            let mut b = a.clone();
            let mut trainer = Trainer::new(x);
            let mut rows = random_choice(&mut r, 200, 30).unwrap();
            let mut labels = random_choice(&mut r, 10, 30).unwrap();
            trainer.start(
                &b,
                x,
                Batch {
                    rows: &rows,
                    labels: &labels,
                },
            );
            for i in 0..4 {
                let g = sparse_backprop(&a, x, &rows, &labels);
                a.update(&g, 0.1).unwrap();
                let next_rows = random_choice(&mut r, 200, 30).unwrap();
                let next_labels = random_choice(&mut r, 10, 30).unwrap();
                let next = (i < 3).then_some(Batch {
                    rows: &next_rows,
                    labels: &next_labels,
                });
                let batch = Batch {
                    rows: &rows,
                    labels: &labels,
                };
                let step = Step {
                    x,
                    batch,
                    next,
                    after: None,
                    lr: 0.1,
                };
                let loss = trainer.step(&mut b, &step);
                assert_eq!(a, b, "hidden {hidden}, step {i}");
                assert_eq!(loss, super::batch_loss(&a, x, &rows, &labels));
                (rows, labels) = (next_rows, next_labels);
            }
        }
    }
}
