//! `dlfs train` (SKELETON: filled in by its issue).

/// Arguments of `dlfs train`.
#[derive(clap::Args, Debug)]
pub struct TrainArgs {}

/// Runs `dlfs train`.
pub fn run(_args: TrainArgs) -> dlfs::Result<()> {
    Err(dlfs::Error::InvalidArgument(
        "`train` is not implemented yet".into(),
    ))
}
