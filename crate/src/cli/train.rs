//! `dlfs train`: the book's training run (4.5.2-4.5.3) from the command line, and the hidden
//! `dlfs bench-numgrad` that times one numerical gradient for the benchmark.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use dlfs::fast::TrainingData;
use dlfs::mnist::{CLASSES, IMAGE_PIXELS};
use dlfs::net::TwoLayerNet;
use dlfs::train::{epoch_line, GradientMethod, TrainSettings, WEIGHT_INIT_STD};
use indicatif::{ProgressBar, ProgressStyle};

use super::output::out;

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
    #[arg(long, value_enum, default_value_t = GradientMethod::Backprop)]
    pub gradient: GradientMethod,
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
            gradient: self.gradient,
        }
    }
}

/// Reads MNIST's bytes once ([`RawMnist`]) and puts them in the fast trainer's form: the same
/// numbers as the book's `load_mnist(normalize=True, flatten=True)`, without the `f64` images.
/// Files found nowhere are downloaded first, as by `dlfs download`.
fn load(data_dir: Option<PathBuf>) -> dlfs::Result<TrainingData> {
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
    let trained = dlfs::fast::train_with(
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

/// Arguments of the hidden `dlfs bench-numgrad`.
#[derive(clap::Args, Debug)]
pub struct BenchNumgradArgs {
    /// Rows of the batch: the first N training images.
    #[arg(long, default_value_t = 100)]
    pub batch: usize,
    /// Units in the hidden layer.
    #[arg(long, default_value_t = 50)]
    pub hidden: usize,
    /// Seed of the weights.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Directory with the four MNIST files (default: $DLFS_DATA_DIR, then the user's cache).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// Runs `dlfs bench-numgrad`: one `dlfs::fast::numerical_gradient` of
/// `TwoLayerNet(784, hidden, 10)` on the first `batch` training images, and prints
/// `numerical_gradient: seconds=S.SSSS evaluations=E` (E: the loss evaluations the book's
/// loop would make, `2 * params`).
pub fn run_bench_numgrad(args: BenchNumgradArgs) -> dlfs::Result<()> {
    // The sizes are checked before MNIST is loaded.
    TrainSettings {
        hidden_size: args.hidden,
        seed: args.seed,
        ..TrainSettings::default()
    }
    .validate()?;
    let data = load(args.data_dir)?;
    if args.batch == 0 || args.batch > data.x_train.nrows() {
        return Err(dlfs::Error::InvalidArgument(format!(
            "bench-numgrad: --batch {} must be between 1 and {}",
            args.batch,
            data.x_train.nrows()
        )));
    }
    let rows: Vec<usize> = (0..args.batch).collect();
    let x = data.x_train.dense_rows(&rows);
    let t = data.t_train[..args.batch].to_vec();
    drop(data);
    let net = TwoLayerNet::with_seed(
        IMAGE_PIXELS,
        args.hidden,
        CLASSES,
        WEIGHT_INIT_STD,
        args.seed,
    )?;
    let start = Instant::now();
    let grads = dlfs::fast::numerical_gradient(&net, &x, &t)?;
    let seconds = start.elapsed().as_secs_f64();
    let norm = grads
        .arrays()
        .iter()
        .map(|(_, g)| g.iter().map(|v| v * v).sum::<f64>())
        .sum::<f64>()
        .sqrt();
    out!(
        "numerical_gradient: seconds={seconds:.4} evaluations={} grad_norm={norm:.6}",
        2 * grads.len()
    );
    Ok(())
}
