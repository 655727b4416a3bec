//! The `dlfs` command line: `train`, `download`, `figures` and `where`.

use dlfs_cli::cli;

use clap::{Parser, Subcommand};

/// Chapter 4 of Deep Learning from Scratch, from the command line.
#[derive(Parser, Debug)]
#[command(name = "dlfs", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train TwoLayerNet on MNIST with mini-batch SGD (4.5.2-4.5.3).
    Train(cli::train::TrainArgs),
    /// Download the four MNIST files and verify their SHA-256.
    Download(cli::download::DownloadArgs),
    /// Write every chapter-4 figure as PNG and SVG.
    Figures(cli::figures::FiguresArgs),
    /// Print the directory that holds MNIST (exit 1, saying where it looked, if none does).
    Where(cli::data::WhereArgs),
}

fn main() {
    // Ctrl-C removes the temporary file of a download in progress and exits with 130.
    dlfs_cli::download::remove_partial_on_interrupt();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => cli::train::run(args),
        Command::Download(args) => cli::download::run(args),
        Command::Figures(args) => cli::figures::run(args),
        Command::Where(args) => cli::data::run_where(args),
    };
    if let Err(e) = result {
        cli::output::note_line(format_args!("error: {e}"));
        std::process::exit(1);
    }
}
