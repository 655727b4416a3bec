//! The crate's error type: every fallible call names what was wrong with its input.

use std::path::PathBuf;

/// What went wrong, with a message that names the shape, value, file or URL at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Two arrays whose shapes must agree do not, e.g. a target of 9 classes for 10 outputs.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// A class label outside `0..classes`.
    #[error("bad label: {0}")]
    Label(String),
    /// An empty batch or array where at least one element is needed.
    #[error("empty input: {0}")]
    Empty(String),
    /// A NaN or infinite value where a finite one is needed.
    #[error("not finite: {0}")]
    NonFinite(String),
    /// A setting out of range (a learning rate of 0, a hidden size of 0, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A data file is not what it should be (bad magic number, truncated, ...).
    #[error("{}: {message}", path.display())]
    Data {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The MNIST files are not where they were looked for.
    #[error("MNIST not found: {0}")]
    NotFound(String),
    /// A download failed; the message lists the mirrors that were tried.
    #[error("download failed: {0}")]
    Download(String),
    /// A figure could not be drawn or encoded.
    #[error("plot: {0}")]
    Plot(String),
}

/// `Result` with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
