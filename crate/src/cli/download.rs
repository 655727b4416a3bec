//! `dlfs download` (SKELETON: filled in by its issue).

/// Arguments of `dlfs download`.
#[derive(clap::Args, Debug)]
pub struct DownloadArgs {}

/// Runs `dlfs download`.
pub fn run(_args: DownloadArgs) -> dlfs::Result<()> {
    Err(dlfs::Error::InvalidArgument(
        "`download` is not implemented yet".into(),
    ))
}
