//! Mini-batch stochastic gradient descent on MNIST, as in the book's 4.5.2-4.5.3.
//!
//! SKELETON: the types below are the contract that `plot` and the notebooks use.
//! The training loop itself is filled in by the training work (issue 3).

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

/// What is measured at the end of each epoch (and once at iteration 0, as the book does).
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRecord {
    /// 0 for the record taken before any update, then 1, 2, ...
    pub epoch: usize,
    /// The iteration at which it was taken (0, iter_per_epoch, 2 * iter_per_epoch, ...).
    pub iteration: usize,
    /// Training loss of the mini-batch of that iteration.
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

/// Trains `TwoLayerNet(784, settings.hidden_size, 10)` on `data` with mini-batch SGD,
/// printing one line per epoch (SKELETON).
pub fn train(data: &crate::mnist::Mnist, settings: &TrainSettings) -> crate::Result<Trained> {
    let _ = (data, settings);
    Err(crate::Error::InvalidArgument(
        "train: not implemented yet".into(),
    ))
}
