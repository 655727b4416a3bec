//! Mini-batch stochastic gradient descent on MNIST, as in the book's 4.5.2-4.5.3.
//!
//! [`train`] is the book's loop, written line for line on dense rows:
//!
//! ```text
//! network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
//! for i in range(iters_num):
//!     batch_mask = np.random.choice(train_size, batch_size)
//!     x_batch = x_train[batch_mask]
//!     t_batch = t_train[batch_mask]
//!     grad = network.gradient(x_batch, t_batch)   # or network.numerical_gradient(...)
//!     for key in ('W1', 'b1', 'W2', 'b2'):
//!         network.params[key] -= learning_rate * grad[key]
//!     train_loss_list.append(network.loss(x_batch, t_batch))
//!     if i % iter_per_epoch == 0:
//!         train_acc_list.append(network.accuracy(x_train, t_train))
//!         test_acc_list.append(network.accuracy(x_test, t_test))
//! ```
//!
//! Here too is what every trainer shares: the settings, the records of a run, and the checks
//! of its data and settings, made once where they enter. The same loop computed the fast way
//! is `dlfs_fast::train` (crates/fast), on the same [`Mnist`].
//!
//! ```no_run
//! use dlfs::prelude::*;
//! let data = load_mnist(true, true, true)?;
//! let trained = train(&data, &TrainSettings::default())?; // prints one line per epoch
//! println!("test accuracy {:.4}", trained.history.final_test_acc);
//! # Ok::<(), dlfs::Error>(())
//! ```

use std::borrow::Cow;
use std::time::Instant;

use ndarray::{Array2, Axis};

use crate::batch::{random_choice, rng};
use crate::error::{finite, Error, Result};
use crate::loss::{Labels, Target};
use crate::memory;
use crate::mnist::{Mnist, CLASSES, IMAGE_PIXELS};
use crate::net::TwoLayerNet;

/// The standard deviation of the initial weights, as in the book's `TwoLayerNet` (4.5.1).
pub const WEIGHT_INIT_STD: f64 = 0.01;

/// How the gradient of the loss is computed in each step (`--gradient` of `dlfs train`).
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
            seed: crate::net::DEFAULT_SEED,
            gradient: GradientMethod::Backprop,
        }
    }
}

impl TrainSettings {
    /// Checks the settings: at least one iteration, a batch of at least one row, a hidden
    /// layer of at least one unit, a finite, positive learning rate, and sizes whose arrays
    /// fit in this machine's memory (checked before anything is allocated; the error names
    /// the setting and the bytes).
    pub fn validate(&self) -> Result<()> {
        let (h, b, iters) = (self.hidden_size, self.batch_size, self.iters_num);
        let invalid = |m: String| Err(Error::InvalidArgument(format!("train: {m}")));
        if iters == 0 {
            return invalid("iters_num is 0; at least one iteration is needed".into());
        }
        if b == 0 {
            return invalid("batch_size is 0; a mini-batch needs at least one row".into());
        }
        if h == 0 {
            return invalid("hidden_size is 0; the hidden layer needs at least one unit".into());
        }
        if !self.learning_rate.is_finite() || self.learning_rate <= 0.0 {
            return invalid(format!(
                "learning_rate is {}; it must be a finite number above 0 (the book uses 0.1)",
                self.learning_rate
            ));
        }
        // The memory of a run, by what sets it: the weights and biases of `TwoLayerNet(784,
        // h, 10)` with their gradients and copies (4 sets of `795 h + 10` values); a
        // mini-batch, twice (for the fast trainer's next one): per row its 784 pixels, its
        // hidden layer with its gradients (4 h) and its outputs (40); the history, a loss and
        // at most one epoch record (6 values) per iteration.
        let params = memory::product(&[h, 795, 4]).and_then(|v| v.checked_add(40));
        let per_row = memory::product(&[h, 4]).and_then(|v| v.checked_add(784 + 40));
        let batch = per_row.and_then(|v| v.checked_mul(b as u64)?.checked_mul(2));
        let history = memory::product(&[iters, 6]);
        memory::check(params, || format!("train: hidden_size {h}"))?;
        memory::check(batch, || {
            format!("train: batch_size {b} (rows of 784 pixels and {h} hidden units)")
        })?;
        memory::check(history, || format!("train: iters_num {iters}"))?;
        let total = [params, batch, history]
            .into_iter()
            .try_fold(0u64, |s, v| s.checked_add(v?));
        memory::check(total, || {
            format!("train: hidden_size {h}, batch_size {b} and iters_num {iters} together")
        })
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
    /// Accuracy of the final net (after the last update) on the whole training set: the last
    /// epoch record's when it was taken after the last update, else measured at the end.
    pub final_train_acc: f64,
    /// Accuracy of the final net on the whole test set.
    pub final_test_acc: f64,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

/// A trained network with the history of its training.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The network after the last update.
    pub net: TwoLayerNet,
    /// Loss per iteration, accuracies per epoch, time taken.
    pub history: History,
}

/// Follows a training run update by update, and may end it early: the live figures and the
/// Interrupt of `dlfs_plot::live`. `()` watches nothing (what [`train`] uses).
pub trait Watch {
    /// Called after every update with the history so far (`history.train_loss.len()` updates
    /// made, the epoch records taken); `true` ends the run there: the run then returns the net
    /// and the history as they are, with the final accuracies measured on that net.
    fn after_update(&mut self, history: &History) -> bool;
    /// Called once when the run ends (early or not), with its whole history.
    fn finish(&mut self, _history: &History) {}
}

impl Watch for () {
    fn after_update(&mut self, _history: &History) -> bool {
        false
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

/// The net a run starts from: `TwoLayerNet(784, hidden_size, 10)` with the book's
/// `weight_init_std` ([`WEIGHT_INIT_STD`]) and the weights drawn from `settings.seed`.
pub fn initial_net(settings: &TrainSettings) -> Result<TwoLayerNet> {
    TwoLayerNet::with_seed(
        IMAGE_PIXELS,
        settings.hidden_size,
        CLASSES,
        WEIGHT_INIT_STD,
        settings.seed,
    )
}

/// The error that stops a run whose loss or weights stopped being numbers at iteration `i`.
pub fn non_finite(i: usize, what: &str) -> Error {
    Error::NonFinite(format!(
        "training stopped at iteration {i}: {what}; the learning rate is probably too large, \
         try a smaller one"
    ))
}

/// An error naming iteration `i` if a weight or bias of `net` is NaN or infinite.
pub fn check_weights(net: &TwoLayerNet, i: usize) -> Result<()> {
    match net.params.non_finite() {
        Some((name, v)) => Err(non_finite(i, &format!("{name} holds {v}"))),
        None => Ok(()),
    }
}

/// A set of MNIST (training or test) as a trainer takes it, checked once where it enters:
/// rows of 784 finite values, as many labels as rows, labels 0-9 (class numbers, or one-hot
/// rows: a single 1, the rest 0). Errors name the set and what is wrong with it. Returns the
/// class numbers.
pub fn checked_set(x: &Array2<f64>, t: &Labels, what: &str) -> Result<Vec<usize>> {
    if let Target::OneHot(t) = t {
        if t.ncols() != CLASSES {
            return Err(Error::Shape(format!(
                "train: t_{what} has one-hot rows of {} values, not {CLASSES}",
                t.ncols()
            )));
        }
        let one_hot = |row: &ndarray::ArrayView1<f64>| {
            row.iter().filter(|&&v| v == 1.0).count() == 1
                && row.iter().filter(|&&v| v == 0.0).count() == CLASSES - 1
        };
        if let Some((i, row)) = t.outer_iter().enumerate().find(|(_, r)| !one_hot(r)) {
            return Err(Error::Label(format!(
                "train: t_{what} row {i} is {row}, not one-hot (a single 1, the rest 0)"
            )));
        }
    }
    let classes = t.classes();
    check_set(x.ncols(), x.nrows(), &classes, what)?;
    finite(x.view(), format_args!("train: x_{what}"))?;
    Ok(classes)
}

/// Checks one set of a trainer's data: rows of 784 values, at least one, as many labels as
/// rows, labels 0-9. `what` is "train" or "test".
pub fn check_set(cols: usize, rows: usize, labels: &[usize], what: &str) -> Result<()> {
    if cols != IMAGE_PIXELS {
        return Err(Error::Shape(format!(
            "train: the {what} images (x_{what}) have {cols} values per row, the net takes \
             {IMAGE_PIXELS} (28 x 28, flattened)"
        )));
    }
    if rows == 0 {
        return Err(Error::Empty(format!("train: the {what} set has no images")));
    }
    if rows != labels.len() {
        let m = format!(
            "train: {rows} {what} images but {} {what} labels",
            labels.len()
        );
        return Err(Error::Shape(m));
    }
    match labels.iter().enumerate().find(|(_, &l)| l >= CLASSES) {
        Some((i, l)) => Err(Error::Label(format!(
            "train: {what} label {l} at index {i} is not a digit 0-9"
        ))),
        None => Ok(()),
    }
}

/// Trains `TwoLayerNet(784, settings.hidden_size, 10)` on `data` (MNIST as
/// [`load_mnist`](crate::mnist::load_mnist)`(true, true, _)` gives it) with mini-batch SGD
/// (4.5.2, 4.5.3), printing one line per epoch ([`epoch_line`]); see [`train_with`].
pub fn train(data: &Mnist, settings: &TrainSettings) -> Result<Trained> {
    train_with(data, settings, |record, last_epoch| {
        println!("{}", epoch_line(record, last_epoch))
    })
}

/// [`train`], calling `on_epoch(record, last_epoch)` for each epoch record instead of printing.
///
/// The loop of the module's front page: the weights are drawn from `settings.seed` and the
/// mini-batches from `settings.seed + 1`, so the same settings give the same history, bit for
/// bit. Every `iter_per_epoch` updates the accuracies on the whole training and test sets are
/// recorded, and once before the first update (epoch 0, with the first mini-batch's loss);
/// `last_epoch` is `iters_num / iter_per_epoch`. A loss or weight that is no longer a number
/// stops the run with [`Error::NonFinite`], naming the iteration.
pub fn train_with(
    data: &Mnist,
    settings: &TrainSettings,
    on_epoch: impl FnMut(&EpochRecord, usize),
) -> Result<Trained> {
    train_watched(data, settings, on_epoch, &mut ())
}

/// [`train_with`] followed by `watch` after every update ([`Watch`]): it may draw the run as
/// it goes, and end it early (with the net and the history so far).
pub fn train_watched(
    data: &Mnist,
    settings: &TrainSettings,
    mut on_epoch: impl FnMut(&EpochRecord, usize),
    watch: &mut dyn Watch,
) -> Result<Trained> {
    settings.validate()?;
    let mut network = initial_net(settings)?;
    let start = Instant::now();
    // The data is checked once, here; the loop below reads it without checking it again.
    let t_train = checked_set(&data.x_train, &data.t_train, "train")?;
    let t_test = checked_set(&data.x_test, &data.t_test, "test")?;
    let (x_train, x_test) = (data.x_train.view(), data.x_test.view());
    let train_size = x_train.nrows();
    let iter_per_epoch = settings.iter_per_epoch(train_size);
    let last_epoch = settings.iters_num / iter_per_epoch;
    let mut batches = rng(settings.seed.wrapping_add(1));
    let mut history = History {
        iter_per_epoch,
        ..History::default()
    };
    // The accuracies on the whole training and test sets, as the record of `epoch`.
    let accuracies = |network: &TwoLayerNet| {
        (
            network.accuracy_of(&x_train, &t_train),
            network.accuracy_of(&x_test, &t_test),
        )
    };
    let mut record = |network: &TwoLayerNet, epoch: usize, loss: f64| {
        let (train_acc, test_acc) = accuracies(network);
        let record = EpochRecord {
            epoch,
            iteration: epoch * iter_per_epoch,
            loss,
            train_acc,
            test_acc,
        };
        on_epoch(&record, last_epoch);
        record
    };
    for i in 0..settings.iters_num {
        let batch_mask = random_choice(&mut batches, train_size, settings.batch_size)?;
        let x_batch = x_train.select(Axis(0), &batch_mask);
        let t_batch: Vec<usize> = batch_mask.iter().map(|&r| t_train[r]).collect();
        if i == 0 {
            // Epoch 0: before any update, with the loss of the first mini-batch.
            let loss = finite_loss(0, network.loss_of(&x_batch.view(), &t_batch))?;
            history.epochs.push(record(&network, 0, loss));
        }
        let grad = match settings.gradient {
            GradientMethod::Backprop => {
                network.backprop(&x_batch.view(), &Target::Labels(Cow::Borrowed(&t_batch)))
            }
            GradientMethod::Numerical => {
                at_iteration(i, network.numerical_gradient(&x_batch, &t_batch))?
            }
        };
        network.update(&grad, settings.learning_rate)?;
        let loss = finite_loss(i, network.loss_of(&x_batch.view(), &t_batch))?;
        history.train_loss.push(loss);
        if (i + 1) % iter_per_epoch == 0 {
            check_weights(&network, i)?;
            history
                .epochs
                .push(record(&network, (i + 1) / iter_per_epoch, loss));
        }
        if watch.after_update(&history) {
            break;
        }
    }
    let done = history.train_loss.len();
    check_weights(&network, done - 1)?;
    (history.final_train_acc, history.final_test_acc) = match history.epochs.last() {
        Some(last) if last.iteration == done => (last.train_acc, last.test_acc),
        _ => accuracies(&network),
    };
    history.seconds = start.elapsed().as_secs_f64();
    watch.finish(&history);
    Ok(Trained {
        net: network,
        history,
    })
}

/// The loss of iteration `i`, or the error that stops the run there if it is not a number.
fn finite_loss(i: usize, loss: f64) -> Result<f64> {
    if loss.is_finite() {
        Ok(loss)
    } else {
        Err(non_finite(i, &format!("the loss is {loss}")))
    }
}

/// A NaN or infinite output at iteration `i` (the net's checks find it in `y`) as the error
/// that stops the run there.
pub fn at_iteration<T>(i: usize, result: Result<T>) -> Result<T> {
    result.map_err(|e| match e {
        Error::NonFinite(what) => non_finite(i, &what),
        e => e,
    })
}
