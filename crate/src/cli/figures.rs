//! `dlfs figures`: every chapter-4 figure as PNG and SVG, for slides.

use std::path::PathBuf;

use dlfs::mnist::RawMnist;
use dlfs::plot::{book_figures, export_figures, mnist_figures, MNIST_FIGURE_NAMES};
use dlfs::train::TrainSettings;

/// Arguments of `dlfs figures`.
#[derive(clap::Args, Debug)]
pub struct FiguresArgs {
    /// Directory to write into (created if missing).
    #[arg(long, default_value = "out/figures")]
    pub out: PathBuf,
    /// Where the MNIST files are (default: $DLFS_DATA_DIR, then the user's cache directory;
    /// `dlfs download` fetches them). Without them the MNIST figures are skipped.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Pixel scale of the PNGs (2 for HiDPI slides); SVGs keep 1280x720.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Only the figures whose name starts with this (e.g. `fig4-10`, `mnist`).
    #[arg(long)]
    pub only: Option<String>,
    /// Training iterations for the MNIST figures (default: the book's 10000).
    #[arg(long)]
    pub iters: Option<usize>,
}

/// Runs `dlfs figures`: figures 4-3 to 4-10 always; the loss, accuracy, digit and weight
/// figures when MNIST loads and training succeeds (else one line says why they were skipped).
pub fn run(args: FiguresArgs) -> dlfs::Result<()> {
    if !(args.scale.is_finite() && args.scale > 0.0) {
        return Err(dlfs::Error::InvalidArgument(format!(
            "--scale must be positive, got {}",
            args.scale
        )));
    }
    let only = args.only.as_deref();
    let print = |p: &std::path::Path| println!("{}", p.display());
    let mut count = export_figures(&book_figures(), &args.out, args.scale, only, print)?.len();

    let wanted: Vec<&str> = MNIST_FIGURE_NAMES
        .iter()
        .copied()
        .filter(|n| only.is_none_or(|p| n.starts_with(p)))
        .collect();
    if !wanted.is_empty() {
        match mnist_set(&args) {
            Ok(figs) => {
                count += export_figures(&figs, &args.out, args.scale, only, print)?.len();
            }
            Err(e) => println!("skipped {}: {e}", wanted.join(", ")),
        }
    }
    println!("{count} files in {}", args.out.display());
    Ok(())
}

/// Loads MNIST, trains TwoLayerNet with the book's settings, and builds the MNIST figures.
fn mnist_set(args: &FiguresArgs) -> dlfs::Result<Vec<(String, dlfs::plot::Figure)>> {
    // Never downloads: the error says where it looked and how to get the files.
    let raw = RawMnist::load_local(args.data_dir.as_deref())?;
    let mnist = raw.to_mnist(true, true, false)?;
    let mut settings = TrainSettings::default();
    if let Some(n) = args.iters {
        settings.iters_num = n;
    }
    eprintln!(
        "training TwoLayerNet(784, {}, 10): {} iterations, batch {}, lr {} (for the loss, accuracy and weight figures)",
        settings.hidden_size, settings.iters_num, settings.batch_size, settings.learning_rate
    );
    let trained = dlfs::fast::train(&raw, &settings)?;
    mnist_figures(&mnist, &trained)
}
