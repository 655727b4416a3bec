//! Mini-batch stochastic gradient descent on MNIST, as in the book's 4.5.2-4.5.3.
//!
//! The book's loop, which [`train_reference`] is written as, line for line:
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
//! [`train`] (and [`train_with`], [`train_prepared`]) compute the same history, to rounding
//! (tested against [`train_reference`]), much faster: MNIST images are mostly blank (about 81%
//! of the pixels are 0), so they keep the images as sparse rows ([`SparseRows`]) and multiply
//! only the non-zero pixels, in parallel. A 10,000-iteration run takes a few seconds. How is
//! in the private modules `fast` (the passes), `kernels` (the inner loops) and `output` (the
//! second layer).
//!
//! The modules: this one holds the settings and the records of a run and the loops; [`data`]
//! the data in the trainer's form ([`TrainingData`]).
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

use ndarray::{Array1, Axis};

use crate::batch::{random_choice, rng};
use crate::error::{Error, Result};
use crate::mnist::Mnist;
use crate::net::TwoLayerNet;

pub mod data;
mod fast;
mod kernels;
mod output;

pub use data::{SparseRows, TrainingData};
#[doc(hidden)]
pub use fast::sparse_backprop;
use fast::{batch_loss, Trainer};

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
    pub net: TwoLayerNet,
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

/// Trains `TwoLayerNet(784, settings.hidden_size, 10)` on `data` with mini-batch SGD (4.5.2,
/// 4.5.3), printing one line per epoch ([`epoch_line`]): the book's loop, see [`train_with`].
pub fn train(data: &Mnist, settings: &TrainSettings) -> Result<Trained> {
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
/// bit. `last_epoch` is `iters_num / iter_per_epoch`. The history is that of
/// [`train_reference`], the loop as the book writes it, to rounding (about 1e-15 relative).
pub fn train_with(
    data: &Mnist,
    settings: &TrainSettings,
    on_epoch: impl FnMut(&EpochRecord, usize) + Send,
) -> Result<Trained> {
    settings.validate()?;
    let prepared = TrainingData::from_mnist(data)?;
    train_prepared(&prepared, settings, on_epoch, |_, _| {})
}

/// [`train_with`] on data already in the trainer's form, calling also
/// `on_iteration(iterations_done, loss)` after every update (for a progress bar).
///
/// This is the fast loop: backpropagation on sparse rows, in parallel on rayon's threads
/// (the loop itself runs on one of them, so the callbacks must be `Send`). Each step also
/// computes the next mini-batch's forward pass and gradients under the updated weights,
/// which gives the same numbers as doing it in turn; the same settings give the same
/// history, bit for bit, whatever the number of threads (see the private module `fast`).
pub fn train_prepared(
    data: &TrainingData,
    settings: &TrainSettings,
    on_epoch: impl FnMut(&EpochRecord, usize) + Send,
    on_iteration: impl FnMut(usize, f64) + Send,
) -> Result<Trained> {
    // Inside the pool, the passes' parallel parts start without waking a thread from outside.
    rayon::scope(|_| train_in_pool(data, settings, on_epoch, on_iteration))
}

/// [`train_prepared`]'s loop, run on one of rayon's threads.
fn train_in_pool(
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
    let mut batch_mask = random_choice(&mut batches, train_size, settings.batch_size);
    let mut labels = labels_of(&batch_mask);
    let loss = batch_loss(&net, x, &batch_mask, &labels);
    record(&net, 0, loss, &mut history.epochs)?;
    // With backpropagation, each step also computes the next mini-batch's forward pass and
    // its gradients (all but dW1 and dW2) under the updated weights, and the mini-batches are
    // drawn two steps ahead (in the same order), so that the rows of the one after the next
    // are fetched from memory while a step runs.
    let mut trainer = Trainer::new(x);
    let mut draw = |i: usize| {
        (i < settings.iters_num)
            .then(|| random_choice(&mut batches, train_size, settings.batch_size))
    };
    let mut next = draw(1);
    for i in 0..settings.iters_num {
        let after = draw(i + 2);
        let loss = match settings.gradient {
            GradientMethod::Backprop => {
                if i == 0 {
                    trainer.start(&net, x, (&batch_mask, &labels));
                }
                let next_labels = next.as_deref().map(labels_of);
                let next_batch = next.as_deref().zip(next_labels.as_deref());
                trainer.step(
                    &mut net,
                    x,
                    (&batch_mask, &labels),
                    next_batch,
                    after.as_deref(),
                    settings.learning_rate,
                )
            }
            GradientMethod::Numerical => {
                let x_batch = x.dense_rows(&batch_mask);
                let grads = net.numerical_gradient(&x_batch, &labels)?;
                net.update(&grads, settings.learning_rate);
                batch_loss(&net, x, &batch_mask, &labels)
            }
        };
        history.train_loss.push(loss);
        on_iteration(i + 1, loss);
        if (i + 1) % iter_per_epoch == 0 {
            record(&net, (i + 1) / iter_per_epoch, loss, &mut history.epochs)?;
        }
        if let Some(next) = std::mem::replace(&mut next, after) {
            labels = labels_of(&next);
            batch_mask = next;
        }
    }
    history.seconds = start.elapsed().as_secs_f64();
    Ok(Trained { net, history })
}

/// The book's loop (4.5.2, 4.5.3) as it is written there, on dense rows: the reference that
/// [`train_prepared`] is tested against, and the code to read first. It gives the same
/// history as [`train_prepared`] with the same settings (to rounding: the fast trainer adds
/// the pixels in another order), more slowly: every step multiplies all 784 pixels of a row,
/// zeros included. On the full MNIST with the book's settings (10,000 iterations, two cores) it
/// took 17 s against 4.3 s for [`train_prepared`], with the same accuracy at every epoch and
/// losses within 2e-15 relative.
///
/// As in [`train_with`], the weights come from `settings.seed`, the mini-batches from
/// `settings.seed + 1`, and the record of epoch 0 holds the loss of the first mini-batch
/// before the first update.
pub fn train_reference(data: &TrainingData, settings: &TrainSettings) -> Result<Trained> {
    settings.validate()?;
    let start = Instant::now();
    let (x_train, t_train) = (data.x_train.to_dense(), Array1::from(data.t_train.clone()));
    let (x_test, t_test) = (data.x_test.to_dense(), Array1::from(data.t_test.clone()));
    let train_size = x_train.nrows();
    let iter_per_epoch = settings.iter_per_epoch(train_size);
    let mut network = TwoLayerNet::with_seed(
        INPUT_SIZE,
        settings.hidden_size,
        CLASSES,
        WEIGHT_INIT_STD,
        settings.seed,
    )?;
    let mut batches = rng(settings.seed.wrapping_add(1));
    let mut history = History {
        iter_per_epoch,
        ..History::default()
    };
    // The accuracies on the whole training and test sets, as the record of `epoch`.
    let record = |network: &TwoLayerNet, epoch: usize, loss: f64| -> Result<EpochRecord> {
        Ok(EpochRecord {
            epoch,
            iteration: epoch * iter_per_epoch,
            loss,
            train_acc: network.accuracy(&x_train, &t_train)?,
            test_acc: network.accuracy(&x_test, &t_test)?,
        })
    };
    for i in 0..settings.iters_num {
        let batch_mask = random_choice(&mut batches, train_size, settings.batch_size);
        let x_batch = x_train.select(Axis(0), &batch_mask);
        let t_batch = t_train.select(Axis(0), &batch_mask);
        if i == 0 {
            // Epoch 0: before any update, with the loss of the first mini-batch.
            history
                .epochs
                .push(record(&network, 0, network.loss(&x_batch, &t_batch)?)?);
        }
        let grad = match settings.gradient {
            GradientMethod::Backprop => network.gradient(&x_batch, &t_batch)?,
            GradientMethod::Numerical => network.numerical_gradient(&x_batch, &t_batch)?,
        };
        network.update(&grad, settings.learning_rate);
        let loss = network.loss(&x_batch, &t_batch)?;
        history.train_loss.push(loss);
        if (i + 1) % iter_per_epoch == 0 {
            history
                .epochs
                .push(record(&network, (i + 1) / iter_per_epoch, loss)?);
        }
    }
    history.seconds = start.elapsed().as_secs_f64();
    Ok(Trained {
        net: network,
        history,
    })
}
