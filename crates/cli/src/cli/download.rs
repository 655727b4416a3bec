//! `dlfs download [--data-dir DIR]`: fetches the four MNIST files and verifies their SHA-256.

use std::path::PathBuf;

use super::data::download_target;
use crate::download::STALL_TIMEOUT_SECS;
use crate::download::{self as mnist, Event};
use indicatif::{ProgressBar, ProgressStyle};

use super::output::{note, out};

/// Arguments of `dlfs download`.
#[derive(clap::Args, Debug)]
pub struct DownloadArgs {
    /// Directory to download into, created if missing [default: $DLFS_DATA_DIR, which must
    /// exist, else the user's cache directory, ~/.cache/dlfs/mnist on Linux]
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A mirror to fetch from instead of the built-in list (a base URL; `<URL><name>.gz` is
    /// fetched); repeat to give several, tried in turn
    #[arg(long, value_name = "URL")]
    pub mirror: Vec<String>,
    /// Give a mirror up for the next one when no byte has come for this many seconds. A
    /// mirror also has 5 s to connect and 8 s to answer, so three dead mirrors fail within
    /// about 40 s
    #[arg(long, value_name = "SECONDS", default_value_t = STALL_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub stall_timeout: u64,
}

/// Runs `dlfs download`: one line per file, a progress bar while one is coming (on a
/// terminal), and last which files the directory now holds and which it lacks.
pub fn run(args: DownloadArgs) -> dlfs::Result<()> {
    let target = download_target(args.data_dir.as_deref());
    // A directory named on the command line is created; one named by DLFS_DATA_DIR must
    // exist, so that a mistyped variable is not silently created and downloaded into.
    if target.source == crate::datadir::DirSource::EnvVar {
        crate::datadir::check_named_dirs(std::slice::from_ref(&target))?;
    }
    let dir = target.path.clone();
    let existed = dir.is_dir();
    note!(
        "MNIST directory: {} ({}{})",
        dir.display(),
        target.source,
        if existed { "" } else { "; created" }
    );
    let style = ProgressStyle::with_template(
        "{msg:25} [{bar:30}] {bytes:>10}/{total_bytes:10} {bytes_per_sec:>12} eta {eta}",
    )
    .map_err(|e| dlfs::Error::InvalidArgument(format!("progress bar: {e}")))?
    .progress_chars("=> ");
    let mut bar: Option<ProgressBar> = None;
    let mut config = mnist::DownloadConfig::default();
    if !args.mirror.is_empty() {
        config.mirrors = args.mirror;
    }
    config.stall_timeout = std::time::Duration::from_secs(args.stall_timeout);
    let fetched = mnist::download_with(&dir, &config, |event| match event {
        Event::RemovedPartial { path } => {
            note!("removed {}, left by an earlier run", path.display());
        }
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
            note!("  {url}: {reason}");
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
            out!(
                "{file:<24} downloaded {bytes} bytes from {url}, SHA-256 verified: {}",
                path.display()
            );
        }
        Event::Present { file, path } => {
            out!(
                "{file:<24} already present, SHA-256 verified: {}",
                path.display()
            );
        }
    });
    if let Some(b) = bar.take() {
        b.finish_and_clear();
    }
    // On failure the error lists every mirror's answer, already printed above as each came,
    // and which files the directory holds: the answers are not repeated.
    let fetched = fetched.map_err(|e| match e {
        dlfs::Error::Download(m) => dlfs::Error::Download(
            m.lines()
                .filter(|l| !l.starts_with("    "))
                .map(|l| match l.strip_suffix(':') {
                    Some(first) => format!("{first} (each mirror's answer is above)"),
                    None => l.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        e => e,
    })?;
    out!("{} files in place in {}", fetched.len(), dir.display());
    Ok(())
}
