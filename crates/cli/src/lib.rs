//! The `dlfs` command line (`crates/cli`, package `dlfs-cli`): `dlfs train`, `dlfs download`,
//! `dlfs figures` and `dlfs where`, with the hardened MNIST downloader ([`download`]), the
//! diagnostics of the data directories ([`datadir`]), the strict gzip reader ([`idx`]) and the
//! progress bars. It depends on `dlfs` (the book's code), `dlfs-fast` (the speed path) and
//! `dlfs-plot` (the figures); nothing depends on it.

pub mod cli;
pub mod datadir;
pub mod download;
pub mod idx;
