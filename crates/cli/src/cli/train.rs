//! `dlfs train`: the book's training run (4.5.2-4.5.3) from the command line. (The benchmark's
//! timings are the `bench` example's, crates/cli/examples/bench.rs, not the product's.)

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use dlfs::train::{epoch_line, GradientMethod, TrainSettings};
use dlfs_fast::TrainingData;
use indicatif::{ProgressBar, ProgressStyle};

use super::output::out;

/// `--gradient`: [`GradientMethod`] on the command line.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gradient {
    /// Backpropagation (`TwoLayerNet::gradient`), what the book's training code uses.
    Backprop,
    /// Central differences (`TwoLayerNet::numerical_gradient`), the method of chapter 4.
    Numerical,
}

/// Arguments of `dlfs train`; the defaults are the book's settings (4.5.2).
#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Number of mini-batch updates (`iters_num`).
    #[arg(long, default_value_t = TrainSettings::default().iters_num, allow_negative_numbers = true, value_parser = super::parse_count)]
    pub iters: usize,
    /// Rows per mini-batch (`batch_size`).
    #[arg(long, default_value_t = TrainSettings::default().batch_size, allow_negative_numbers = true, value_parser = super::parse_count)]
    pub batch: usize,
    /// Learning rate (`learning_rate`).
    #[arg(long, allow_negative_numbers = true, default_value_t = TrainSettings::default().learning_rate)]
    pub lr: f64,
    /// Units in the hidden layer (`hidden_size`).
    #[arg(long, default_value_t = TrainSettings::default().hidden_size, allow_negative_numbers = true, value_parser = super::parse_count)]
    pub hidden: usize,
    /// Seed of the initial weights and of the mini-batches.
    #[arg(long, default_value_t = TrainSettings::default().seed, allow_negative_numbers = true, value_parser = super::parse_seed)]
    pub seed: u64,
    /// How the gradient is computed.
    #[arg(long, value_enum, default_value_t = Gradient::Backprop)]
    pub gradient: Gradient,
    /// Directory with the four MNIST files (default: $DLFS_DATA_DIR, then the user's cache).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

impl TrainArgs {
    fn settings(&self) -> TrainSettings {
        TrainSettings {
            iters_num: self.iters,
            batch_size: self.batch,
            learning_rate: self.lr,
            hidden_size: self.hidden,
            seed: self.seed,
            gradient: match self.gradient {
                Gradient::Backprop => GradientMethod::Backprop,
                Gradient::Numerical => GradientMethod::Numerical,
            },
        }
    }
}

/// Reads MNIST's bytes once ([`RawMnist`](dlfs::mnist::RawMnist)) and puts them in the fast trainer's form: the same
/// numbers as the book's `load_mnist(normalize=True, flatten=True)`, without the `f64` images.
/// Files found nowhere are downloaded first, as by `dlfs download`.
pub fn load(data_dir: Option<PathBuf>) -> dlfs::Result<TrainingData> {
    TrainingData::from_raw(&super::data::load_raw(data_dir.as_deref())?)
}

/// Runs `dlfs train`: one line per epoch (above a progress bar on a terminal), and last
/// `final: train_acc=0.XXXX test_acc=0.XXXX seconds=S.SS` (seconds of training, loading
/// excluded).
pub fn run(args: TrainArgs) -> dlfs::Result<()> {
    let settings = args.settings();
    settings.validate()?;
    let data = load(args.data_dir)?;
    let terminal = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    let bar = if terminal {
        let bar = ProgressBar::new(settings.iters_num as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40.cyan/blue} {pos}/{len} iterations  loss {msg}  [{elapsed_precise} < {eta_precise}]",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        Some(bar)
    } else {
        None
    };
    let start = Instant::now();
    let trained = dlfs_fast::train_with(
        &data,
        &settings,
        |record, last_epoch| {
            let line = epoch_line(record, last_epoch);
            match &bar {
                Some(bar) => bar.println(line),
                None => out!("{line}"),
            }
        },
        |done, loss| {
            if let Some(bar) = &bar {
                if done % 50 == 0 || done == settings.iters_num {
                    bar.set_message(format!("{loss:.3}"));
                    bar.set_position(done as u64);
                }
            }
        },
    )?;
    let (train_acc, test_acc) = (
        trained.history.final_train_acc,
        trained.history.final_test_acc,
    );
    let seconds = start.elapsed().as_secs_f64();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    out!("final: train_acc={train_acc:.4} test_acc={test_acc:.4} seconds={seconds:.2}");
    Ok(())
}
