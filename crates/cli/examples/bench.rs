//! The Rust side of `bench/bench.py` (not part of the `dlfs` command line):
//!
//! - `bench book-loop [--iters N] [--data-dir DIR]`: the prelude's `train`, the book's dense
//!   loop (`dlfs::train::train`), with the book's settings, on `load_mnist(true, true, true)`;
//!   prints `final: train_acc=... test_acc=... seconds=S` (the loop's seconds, loading
//!   excluded, the final accuracies included, as NumPy's `bench/numpy_train.py train`).
//! - `bench numgrad [--batch N] [--hidden N] [--seed N] [--data-dir DIR]`: one
//!   `dlfs_fast::numerical_gradient` of `TwoLayerNet(784, hidden, 10)` on the first `batch`
//!   training images; prints `numerical_gradient: seconds=S evaluations=E grad_norm=G`.
//!
//! `cargo run --release -p dlfs-cli --example bench -- book-loop`

use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};
use dlfs::mnist::{CLASSES, IMAGE_PIXELS};
use dlfs::net::TwoLayerNet;
use dlfs::train::{TrainSettings, WEIGHT_INIT_STD};

#[derive(Parser, Debug)]
struct Bench {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The book's loop, `dlfs::train::train`, with the book's settings.
    BookLoop {
        /// Training iterations (book: 10000).
        #[arg(long, default_value_t = 10_000)]
        iters: usize,
        /// Directory with the four MNIST files.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// One `dlfs_fast::numerical_gradient` of TwoLayerNet(784, hidden, 10).
    Numgrad {
        /// Rows of the batch: the first N training images.
        #[arg(long, default_value_t = 100)]
        batch: usize,
        /// Units in the hidden layer.
        #[arg(long, default_value_t = 50)]
        hidden: usize,
        /// Seed of the weights.
        #[arg(long, default_value_t = dlfs::net::DEFAULT_SEED)]
        seed: u64,
        /// Directory with the four MNIST files.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

fn book_loop(iters: usize, data_dir: Option<PathBuf>) -> dlfs::Result<()> {
    let settings = TrainSettings {
        iters_num: iters,
        ..TrainSettings::default()
    };
    settings.validate()?;
    let raw = dlfs_cli::cli::data::load_raw(data_dir.as_deref())?;
    let mnist = raw.to_mnist(true, true, true)?;
    drop(raw);
    let start = Instant::now();
    let trained = dlfs::train::train(&mnist, &settings)?;
    let seconds = start.elapsed().as_secs_f64();
    let h = &trained.history;
    println!(
        "final: train_acc={:.4} test_acc={:.4} seconds={seconds:.2}",
        h.final_train_acc, h.final_test_acc
    );
    // Every digit, to compare runs bit for bit (other thread counts, other versions).
    let sum: f64 = h.train_loss.iter().sum();
    println!(
        "exact: loss[0]={:?} loss[last]={:?} loss_sum={sum:?} final=({:?}, {:?})",
        h.train_loss[0],
        h.train_loss[h.train_loss.len() - 1],
        h.final_train_acc,
        h.final_test_acc
    );
    Ok(())
}

fn numgrad(batch: usize, hidden: usize, seed: u64, data_dir: Option<PathBuf>) -> dlfs::Result<()> {
    TrainSettings {
        hidden_size: hidden,
        seed,
        ..TrainSettings::default()
    }
    .validate()?;
    let data = dlfs_cli::cli::train::load(data_dir)?;
    if batch == 0 || batch > data.x_train.nrows() {
        return Err(dlfs::Error::InvalidArgument(format!(
            "numgrad: --batch {batch} must be between 1 and {}",
            data.x_train.nrows()
        )));
    }
    let rows: Vec<usize> = (0..batch).collect();
    let x = data.x_train.dense_rows(&rows);
    let t = data.t_train[..batch].to_vec();
    drop(data);
    let net = TwoLayerNet::with_seed(IMAGE_PIXELS, hidden, CLASSES, WEIGHT_INIT_STD, seed)?;
    let start = Instant::now();
    let grads = dlfs_fast::numerical_gradient(&net, &x, &t)?;
    let seconds = start.elapsed().as_secs_f64();
    let norm = grads
        .arrays()
        .iter()
        .map(|(_, g)| g.iter().map(|v| v * v).sum::<f64>())
        .sum::<f64>()
        .sqrt();
    println!(
        "numerical_gradient: seconds={seconds:.4} evaluations={} grad_norm={norm:.6}",
        2 * grads.len()
    );
    Ok(())
}

fn main() {
    let result = match Bench::parse().command {
        Command::BookLoop { iters, data_dir } => book_loop(iters, data_dir),
        Command::Numgrad {
            batch,
            hidden,
            seed,
            data_dir,
        } => numgrad(batch, hidden, seed, data_dir),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
