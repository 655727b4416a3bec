//! `dlfs download [--data-dir DIR]`: fetches the four MNIST files and verifies their SHA-256.

use std::path::PathBuf;

use dlfs::mnist::{self, Event};
use indicatif::{ProgressBar, ProgressStyle};

/// `println!` that ignores a closed stdout (`dlfs download | head -1`) instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Arguments of `dlfs download`.
#[derive(clap::Args, Debug)]
pub struct DownloadArgs {
    /// Directory to download into [default: $DLFS_DATA_DIR, else the user's cache directory,
    /// ~/.cache/dlfs/mnist on Linux]
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A mirror to fetch from instead of the built-in list (a base URL; `<URL><name>.gz` is
    /// fetched); repeat to give several, tried in turn
    #[arg(long, value_name = "URL")]
    pub mirror: Vec<String>,
}

/// Runs `dlfs download`: one line per file, a progress bar while one is coming (on a terminal).
pub fn run(args: DownloadArgs) -> dlfs::Result<()> {
    let dir = mnist::data_dir(args.data_dir.as_deref());
    say!("MNIST directory: {}", dir.display());
    let style = ProgressStyle::with_template(
        "{msg:25} [{bar:30}] {bytes:>10}/{total_bytes:10} {bytes_per_sec:>12} eta {eta}",
    )
    .expect("a valid template")
    .progress_chars("=> ");
    let mut bar: Option<ProgressBar> = None;
    let mut config = mnist::DownloadConfig::default();
    if !args.mirror.is_empty() {
        config.mirrors = args.mirror;
    }
    let fetched = mnist::download_with(&dir, &config, |event| match event {
        Event::Requesting { file, .. } => {
            let b = ProgressBar::new(0).with_style(style.clone());
            b.set_message(format!("{file}.gz"));
            bar = Some(b);
        }
        Event::Bytes {
            received, total, ..
        } => {
            if let Some(b) = &bar {
                if let Some(total) = total {
                    b.set_length(total);
                }
                b.set_position(received);
            }
        }
        Event::MirrorFailed { url, reason, .. } => {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
            eprintln!("  {url}: {reason}");
        }
        Event::Saved {
            file,
            path,
            bytes,
            url,
        } => {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
            say!(
                "{file:<24} downloaded {bytes} bytes from {url}, SHA-256 verified: {}",
                path.display()
            );
        }
        Event::Present { file, path } => {
            say!(
                "{file:<24} already present, SHA-256 verified: {}",
                path.display()
            );
        }
    });
    if let Some(b) = bar.take() {
        b.finish_and_clear();
    }
    let fetched = fetched?;
    say!("{} files in place in {}", fetched.len(), dir.display());
    Ok(())
}
