//! `dlfs figures` (SKELETON: filled in by its issue).

/// Arguments of `dlfs figures`.
#[derive(clap::Args, Debug)]
pub struct FiguresArgs {}

/// Runs `dlfs figures`.
pub fn run(_args: FiguresArgs) -> dlfs::Result<()> {
    Err(dlfs::Error::InvalidArgument(
        "`figures` is not implemented yet".into(),
    ))
}
