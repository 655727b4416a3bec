//! The speed path: the book's training loop and numerical gradient, computed the fast way.
//!
//! Nothing here is needed to follow chapter 4: [`dlfs::train::train`] is the book's loop and
//! [`TwoLayerNet::numerical_gradient`] the book's per-element loop. This module computes the
//! same numbers in a small fraction of the time, so that the command line, the benchmark and
//! a lecture's full MNIST run finish in seconds:
//!
//! - [`train`] / [`train_with`]: the book's mini-batch SGD (4.5.2-4.5.3) with backpropagation
//!   on sparse rows, the same history as [`dlfs::train::train`] to rounding (the pixels are
//!   added in another order), the same history bit for bit from run to run and on any number
//!   of threads;
//! - [`numerical_gradient`]: the central differences of [`TwoLayerNet::numerical_gradient`]
//!   (4.5.1), recomputing only what each perturbed parameter changes.
//!
//! ## Reading order
//!
//! 1. this file: the doors ([`train`], [`train_with`], [`numerical_gradient`]) and the loop,
//!    which has the book's shape (draw a mini-batch, step, record);
//! 2. `data.rs`: [`TrainingData`] and [`SparseRows`], MNIST as the trainer holds it;
//! 3. `passes.rs`: the forward pass, the accuracy, and `Trainer::step`, one step of SGD;
//! 4. `output.rs`: the second layer (scores, softmax, loss, backpropagation to `da1`);
//! 5. `kernels.rs`: the innermost loops, compiled for AVX2 and AVX-512 too;
//! 6. `numerical.rs`: the incremental numerical gradient.
//!
//! ## The data layout
//!
//! ```text
//! image r (784 bytes) --from_raw--> row r of SparseRows: only the non-zero pixels
//!
//!   indices  u16  [ 152 153 154 ... 406 | 407 408 ... 711 ]   the pixel (column) of each
//!   codes    u8   [  18 126 136 ... 253 |  30 175 ...  66 ]   its byte, a code into
//!   levels   f64  [ 0/255, 1/255, ..., 255/255 ]               one table of 256 values
//!                  '------- part 0 -----' '---- part 1 ----'
//!   cuts[r] = [start, start of part 1, end]
//! ```
//!
//! Three bytes per non-zero pixel (about 19% of MNIST's pixels), read 100 random rows per
//! step. The pixels are split in two parts (0-406 and 407-783 for MNIST) holding about half
//! of the ink each: every sum over a row is the sum of part 0, then part 1 added. On two
//! threads each part keeps its rows of `W1` on one thread; on more, a step's work is cut in
//! as many tasks as there are threads, each never splitting a sum.
//!
//! ## Why each special case exists
//!
//! - **Sparse rows**: MNIST is 81% zeros; multiplying only the non-zero pixels skips most of
//!   the work of `x · W1` and `xᵀ · da1`.
//! - **Two parts**: every sum over a row's pixels is computed in two parts (two ranges of
//!   pixels holding about half of the ink each) and the parts added in order. This fixes the
//!   order of every sum, so the bits of a run; the work is shared out among the threads rayon
//!   has (`rayon::current_num_threads`), and one thread or three give the same history.
//! - **`h == 50`**: the book's hidden layer; a fused kernel keeps all 50 sums (48 in vector
//!   registers and a tail of 2) while a row of pixels goes by once. Other widths take blocks
//!   of columns and give the same numbers.
//! - **10 classes**: the second layer (100 x 50 x 10 per mini-batch) is written with the ten
//!   scores of a row in registers; the fast trainer's nets have MNIST's 784 inputs and 10
//!   outputs.
//! - **The pipeline**: a step also computes the next mini-batch's forward pass and its
//!   gradients under the updated weights (the same numbers as doing it in turn), while the
//!   rows of the mini-batch after that are fetched from memory.
//!
//! ```no_run
//! use dlfs::prelude::*;
//! let mnist = load_mnist(true, true, true)?;
//! let trained = dlfs_fast::train(&mnist, &TrainSettings::default())?; // one line per epoch
//! println!("test accuracy {:.4}", trained.history.final_test_acc);
//! # Ok::<(), dlfs::Error>(())
//! ```

use std::time::Instant;

use ndarray::{ArrayBase, Data, Dimension};

use dlfs::batch::{random_choice, rng};
use dlfs::error::{Error, Result};
use dlfs::loss::IntoTarget;
use dlfs::mnist::Mnist;
use dlfs::net::{Params, TwoLayerNet};
use dlfs::train::{
    at_iteration, check_weights, initial_net, non_finite, EpochRecord, GradientMethod, History,
    TrainSettings, Trained, Watch,
};
use dlfs_plot::live::Stoppable;

mod data;
mod kernels;
mod numerical;
mod output;
mod passes;

pub use data::{SparseRows, TrainingData};
use passes::{batch_loss, Batch, Step, Trainer};

/// Trains `TwoLayerNet(784, settings.hidden_size, 10)` on MNIST with the book's mini-batch
/// SGD (4.5.2-4.5.3), printing its epoch lines as `dlfs_plot::live::EpochLines` does: the history of
/// [`dlfs::train::train`] on the same `data`, to rounding, computed the fast way (see the
/// module's front page). `data` is checked once, as the book's loop checks it.
pub fn train(data: &Mnist, settings: &TrainSettings) -> Result<Trained> {
    settings.validate()?;
    let data = TrainingData::from_mnist(data)?;
    let mut live = dlfs_plot::live::LiveTraining::start();
    let lines = live.epoch_lines();
    train_watched(
        &data,
        settings,
        move |record, last_epoch| lines.print(record, last_epoch),
        |_, _| {},
        &mut live,
    )
}

/// [`train`] on data already in the trainer's form, calling `on_epoch(record, last_epoch)`
/// for each epoch record and `on_iteration(iterations_done, loss)` after every update (for a
/// progress bar), instead of printing.
///
/// The loop runs on one of rayon's threads (so the callbacks must be `Send`); the same
/// settings give the same history, bit for bit, whatever the number of threads.
pub fn train_with(
    data: &TrainingData,
    settings: &TrainSettings,
    on_epoch: impl FnMut(&EpochRecord, usize) + Send,
    on_iteration: impl FnMut(usize, f64) + Send,
) -> Result<Trained> {
    train_watched(
        data,
        settings,
        on_epoch,
        on_iteration,
        &mut Stoppable::start(),
    )
}

/// [`train_with`] followed by `watch` after every update ([`Watch`]): it may draw the run as
/// it goes, and end it early (with the net and the history so far). [`train`] uses
/// `dlfs_plot::live::LiveTraining` (the curves drawn live in JupyterLab, Interrupt stops),
/// [`train_with`] [`Stoppable`] (Interrupt stops).
pub fn train_watched(
    data: &TrainingData,
    settings: &TrainSettings,
    on_epoch: impl FnMut(&EpochRecord, usize) + Send,
    on_iteration: impl FnMut(usize, f64) + Send,
    watch: &mut (dyn Watch + Send),
) -> Result<Trained> {
    settings.validate()?;
    let net = initial_net(settings)?;
    // Inside the pool, the passes' parallel parts start without waking a thread from outside.
    rayon::scope(|_| train_in_pool(data, settings, net, on_epoch, on_iteration, watch))
}

/// [`train_with`]'s loop from the net `net`, run on one of rayon's threads.
fn train_in_pool(
    data: &TrainingData,
    settings: &TrainSettings,
    mut net: TwoLayerNet,
    mut on_epoch: impl FnMut(&EpochRecord, usize),
    mut on_iteration: impl FnMut(usize, f64),
    watch: &mut (dyn Watch + Send),
) -> Result<Trained> {
    let start = Instant::now();
    let train_size = data.x_train.nrows();
    let iter_per_epoch = settings.iter_per_epoch(train_size);
    let last_epoch = settings.iters_num / iter_per_epoch;
    let mut batches = rng(settings.seed.wrapping_add(1));
    let mut history = History {
        train_loss: Vec::with_capacity(settings.iters_num),
        epochs: Vec::with_capacity(last_epoch + 1),
        iter_per_epoch,
        ..History::default()
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
    let mut draw = || -> Result<Drawn> {
        let rows = random_choice(&mut batches, train_size, settings.batch_size)?;
        let labels = rows.iter().map(|&r| data.t_train[r]).collect();
        Ok(Drawn { rows, labels })
    };
    // The mini-batches are drawn two steps ahead, in the book's order: with backpropagation,
    // each step also computes the next mini-batch's forward pass and gradients (all but dW1
    // and dW2) under the updated weights, while the rows of the one after are fetched from
    // memory.
    let mut batch = draw()?;
    let mut next = (settings.iters_num > 1).then(&mut draw).transpose()?;
    record(
        &net,
        0,
        batch_loss(&net, x, &batch.rows, &batch.labels),
        &mut history.epochs,
    )?;
    let mut trainer = Trainer::new(x);
    for i in 0..settings.iters_num {
        let after = (i + 2 < settings.iters_num).then(&mut draw).transpose()?;
        let loss = match settings.gradient {
            GradientMethod::Backprop => {
                if i == 0 {
                    trainer.start(&net, x, batch.batch());
                }
                let step = Step {
                    x,
                    batch: batch.batch(),
                    next: next.as_ref().map(Drawn::batch),
                    after: after.as_ref().map(|after| &after.rows[..]),
                    lr: settings.learning_rate,
                };
                trainer.step(&mut net, &step)
            }
            GradientMethod::Numerical => {
                let x_batch = x.dense_rows(&batch.rows);
                let grads = at_iteration(i, numerical_gradient(&net, &x_batch, &batch.labels))?;
                net.update(&grads, settings.learning_rate)?;
                batch_loss(&net, x, &batch.rows, &batch.labels)
            }
        };
        if !loss.is_finite() {
            return Err(non_finite(i, &format!("the loss is {loss}")));
        }
        history.train_loss.push(loss);
        on_iteration(i + 1, loss);
        if (i + 1) % iter_per_epoch == 0 {
            check_weights(&net, i)?;
            record(&net, (i + 1) / iter_per_epoch, loss, &mut history.epochs)?;
        }
        if let Some(drawn) = std::mem::replace(&mut next, after) {
            batch = drawn;
        }
        if watch.after_update(&history) {
            break;
        }
    }
    let done = history.train_loss.len();
    check_weights(&net, done - 1)?;
    (history.final_train_acc, history.final_test_acc) = match history.epochs.last() {
        Some(last) if last.iteration == done => (last.train_acc, last.test_acc),
        _ => data.accuracies(&net)?,
    };
    history.seconds = start.elapsed().as_secs_f64();
    watch.finish(&history);
    Ok(Trained { net, history })
}

/// A mini-batch drawn by the fast loop: its rows (the book's `batch_mask`) and their labels.
struct Drawn {
    rows: Vec<usize>,
    labels: Vec<usize>,
}

impl Drawn {
    fn batch(&self) -> Batch<'_> {
        Batch {
            rows: &self.rows,
            labels: &self.labels,
        }
    }
}

/// The gradient of `net`'s loss for every parameter by central differences (4.5.1): the
/// numbers of the book's per-element loop, [`TwoLayerNet::numerical_gradient`] (to rounding),
/// in a small fraction of the time.
///
/// Every parameter `p` still gets its own central difference `(L(p + h) - L(p - h)) / (2h)`,
/// `h = 1e-4` ([`H`](dlfs::gradient::H)), of the same loss (the batch mean of
/// `-ln(min(y + 1e-7, 1))` at the answer, or `sum_k t_k` times that for one-hot rows). What
/// changes is that only what a perturbation touches is recomputed:
///
/// - `W1[i, j]`: only hidden unit `j`, and only in the rows where `x[n, i] != 0` (most MNIST
///   pixels are 0), whose pre-activation moves by `±h x[n, i]`; its new sigmoid changes the
///   output scores by the rank-1 term `(z1'[n, j] - z1[n, j]) W2[j, :]`;
/// - `b1[j]`: hidden unit `j` in every row, by `±h`;
/// - `W2[j, k]`: the score `a2[n, k]` by `±h z1[n, j]`; `b2[k]`: `a2[n, k]` by `±h`.
///
/// Rows that a perturbation does not touch have the same loss at `p + h` and `p - h`, so
/// they cancel in the difference and are skipped; the softmax of a touched row is updated
/// from its exponentials (`exp(a + u) = exp(a) (1 + expm1(u))`). The rows of `W1` are shared
/// out among threads (rayon).
pub fn numerical_gradient<S, D>(
    net: &TwoLayerNet,
    x: &ArrayBase<S, D>,
    t: impl IntoTarget,
) -> Result<Params>
where
    S: Data<Elem = f64>,
    D: Dimension,
{
    let (x2, target) = net.checked(x, &t, "dlfs_fast::numerical_gradient")?;
    Ok(numerical::gradient(&net.params, &x2, &target))
}

#[cfg(test)]
mod tests {
    use super::{initial_net, train_in_pool, TrainingData};
    use dlfs::mnist::{RawMnist, CLASSES, IMAGE_PIXELS};
    use dlfs::train::{GradientMethod, TrainSettings};
    use ndarray::{Array1, Array2};

    /// Made-up MNIST: `n` images with every seventh pixel inked, labels 0-9 in turn.
    fn random_raw(train: usize, test: usize) -> RawMnist {
        let images = |n| {
            Array2::from_shape_fn((n, IMAGE_PIXELS), |(r, c)| {
                ((r * 31 + c * 7) % 256) as u8 * u8::from(c % 7 == 0)
            })
        };
        let labels = |n| Array1::from_shape_fn(n, |i| (i % CLASSES) as u8);
        RawMnist {
            train_images: images(train),
            train_labels: labels(train),
            test_images: images(test),
            test_labels: labels(test),
        }
    }

    #[test]
    fn a_nan_weight_stops_the_fast_trainer_at_the_first_iteration() {
        let raw = random_raw(200, 20);
        let data = TrainingData::from_raw(&raw).unwrap();
        for gradient in [GradientMethod::Backprop, GradientMethod::Numerical] {
            let settings = TrainSettings {
                iters_num: 3,
                batch_size: 10,
                hidden_size: 5,
                gradient,
                ..TrainSettings::default()
            };
            for (name, poison) in [("W2", 0), ("b1", 1)] {
                let mut net = initial_net(&settings).unwrap();
                match poison {
                    0 => net.params.w2[[2, 3]] = f64::INFINITY,
                    _ => net.params.b1[4] = f64::NAN,
                }
                let e = train_in_pool(
                    &data,
                    &settings,
                    net,
                    |_, _| {},
                    |_, _| {},
                    &mut super::Stoppable::start(),
                )
                .unwrap_err();
                let e = e.to_string();
                assert!(
                    e.contains("at iteration 0") && e.contains("smaller"),
                    "{gradient:?}, {name}: {e}"
                );
            }
        }
    }
}
