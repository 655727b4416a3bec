//! `dlfs figures`: every chapter-4 figure as PNG and SVG, for slides.

use std::path::PathBuf;

use dlfs::train::{epoch_line, TrainSettings};
use dlfs_fast::TrainingData;
use dlfs_plot::{
    book_figures, export_figure, log_curve, mnist_figures, Figure, MNIST_FIGURE_NAMES,
};

use super::output::{note, out};

/// Arguments of `dlfs figures`.
#[derive(clap::Args, Debug)]
pub struct FiguresArgs {
    /// Directory to write into (created if missing). Each file is written to a temporary name
    /// and renamed into place, so a failure never leaves a half-written figure.
    #[arg(long, default_value = "out/figures")]
    pub out: PathBuf,
    /// Where the MNIST files are (default: $DLFS_DATA_DIR, then the user's cache directory;
    /// `dlfs download` fetches them). Without them the MNIST figures are not made, and the
    /// command fails after making the others.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Pixel scale of the PNGs (2 for HiDPI slides); SVGs keep 1280x720.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true,
          value_parser = super::parse_positive)]
    pub scale: f64,
    /// Only the figures whose name starts with this (e.g. `fig4-10`, `mnist`).
    #[arg(long)]
    pub only: Option<String>,
    /// Training iterations for the MNIST figures (default: the book's 10000).
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_count)]
    pub iters: Option<usize>,
}

/// Runs `dlfs figures`: checks every option (and that a given `--data-dir` exists) before
/// making anything; writes figures 4-3 to 4-10, then, when MNIST is found and training
/// succeeds, the loss, accuracy, digit and weight figures. Each file's path is printed on
/// stdout. If any figure asked for could not be made, one line per figure says so on stderr
/// and the command fails.
pub fn run(args: FiguresArgs) -> dlfs::Result<()> {
    // 1. Every option, before any data is loaded or any file written.
    log_curve().scale(args.scale).validate()?;
    let only = args.only.as_deref();
    let book = book_figures();
    let names: Vec<&str> = book
        .iter()
        .map(|(n, _)| n.as_str())
        .chain(MNIST_FIGURE_NAMES)
        .collect();
    let wanted = |n: &str| only.is_none_or(|p| n.starts_with(p));
    if !names.iter().any(|n| wanted(n)) {
        return Err(dlfs::Error::InvalidArgument(format!(
            "--only {:?} matches no figure; the figures are: {}",
            only.unwrap_or_default(),
            names.join(", ")
        )));
    }
    let mnist_wanted: Vec<&str> = MNIST_FIGURE_NAMES
        .iter()
        .copied()
        .filter(|n| wanted(n))
        .collect();
    let mut settings = TrainSettings::default();
    if let Some(n) = args.iters {
        settings.iters_num = n;
    }
    settings.validate()?;
    let dirs = crate::datadir::search_dirs(args.data_dir.as_deref());
    crate::datadir::check_named_dirs(&dirs)?;
    std::fs::create_dir_all(&args.out).map_err(|e| dlfs::Error::io(&args.out, e))?;

    // 2. The figures that need no data.
    let mut count = 0;
    let mut missing: Vec<(String, String)> = Vec::new();
    let mut save =
        |name: &str, fig: &Figure, missing: &mut Vec<(String, String)>| match export_figure(
            name, fig, &args.out, args.scale,
        ) {
            Ok(paths) => {
                for p in paths {
                    out!("{}", p.display());
                    count += 1;
                }
            }
            Err(e) => missing.push((name.to_string(), e.to_string())),
        };
    for (name, fig) in book.iter().filter(|(n, _)| wanted(n)) {
        save(name, fig, &mut missing);
    }

    // 3. The figures that need MNIST and a trained network.
    if !mnist_wanted.is_empty() {
        match mnist_set(&args, &settings) {
            Ok(figs) => {
                for (name, fig) in figs.iter().filter(|(n, _)| wanted(n)) {
                    save(name, fig, &mut missing);
                }
            }
            Err(e) => {
                note!("{e}");
                let why = match e {
                    dlfs::Error::NotFound(_) => "needs MNIST, not found".to_string(),
                    other => other.to_string().lines().next().unwrap_or("").to_string(),
                };
                for name in &mnist_wanted {
                    missing.push((name.to_string(), why.clone()));
                }
            }
        }
    }
    out!("{count} files in {}", args.out.display());
    if missing.is_empty() {
        return Ok(());
    }
    for (name, why) in &missing {
        note!("not made: {name}: {why}");
    }
    let asked = names.iter().filter(|n| wanted(n)).count();
    Err(dlfs::Error::Plot(format!(
        "{} of the {asked} figures asked for were not made (listed above)",
        missing.len()
    )))
}

/// Loads MNIST (never downloading), trains TwoLayerNet with `settings`, and builds the MNIST
/// figures.
fn mnist_set(args: &FiguresArgs, settings: &TrainSettings) -> dlfs::Result<Vec<(String, Figure)>> {
    let files = super::data::find_local(args.data_dir.as_deref())?;
    let raw = files.read()?;
    note!(
        "training TwoLayerNet(784, {}, 10): {} iterations, batch {}, lr {} (for the loss, accuracy and weight figures)",
        settings.hidden_size, settings.iters_num, settings.batch_size, settings.learning_rate
    );
    let data = TrainingData::from_raw(&raw)?;
    let trained = dlfs_fast::train_with(
        &data,
        settings,
        |record, last_epoch| note!("{}", epoch_line(record, last_epoch)),
        |_, _| {},
    )?;
    drop(data);
    let mnist = raw.to_mnist(true, true, false)?;
    mnist_figures(&mnist, &trained)
}
