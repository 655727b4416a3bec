//! The crate's error type: every fallible call names what was wrong with its input.
//! (Written by hand, not with `thiserror`, whose build script defeats evcxr's build cache.)

use std::fmt;
use std::path::PathBuf;

/// What went wrong, with a message that names the shape, value, file or URL at fault.
#[derive(Debug)]
pub enum Error {
    /// Two arrays whose shapes must agree do not, e.g. a target of 9 classes for 10 outputs.
    Shape(String),
    /// A class label outside `0..classes`.
    Label(String),
    /// An empty batch or array where at least one element is needed.
    Empty(String),
    /// A NaN or infinite value where a finite one is needed.
    NonFinite(String),
    /// A setting out of range (a learning rate of 0, a hidden size of 0, ...).
    InvalidArgument(String),
    /// A file could not be read or written.
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A data file is not what it should be (bad magic number, truncated, ...).
    Data {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The MNIST files are not where they were looked for.
    NotFound(String),
    /// A download failed; the message lists the mirrors that were tried.
    Download(String),
    /// A figure could not be drawn or encoded.
    Plot(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Shape(m) => write!(f, "shape mismatch: {m}"),
            Error::Label(m) => write!(f, "bad label: {m}"),
            Error::Empty(m) => write!(f, "empty input: {m}"),
            Error::NonFinite(m) => write!(f, "not finite: {m}"),
            Error::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Data { path, message } => write!(f, "{}: {message}", path.display()),
            Error::NotFound(m) => write!(f, "MNIST not found: {m}"),
            Error::Download(m) => write!(f, "download failed: {m}"),
            Error::Plot(m) => write!(f, "plot: {m}"),
        }
    }
}

impl std::error::Error for Error {
    /// The operating system's error behind [`Error::Io`]; `None` for the others, whose
    /// message says everything.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `Ok` if every value of `a` is a number; else [`Error::NonFinite`]: `<what> has <value> at
/// row <r>, column <c>`.
pub(crate) fn finite(a: ndarray::ArrayView2<'_, f64>, what: impl fmt::Display) -> Result<()> {
    match a.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((r, c), v)) => Err(Error::NonFinite(format!(
            "{what} has {v} at row {r}, column {c}"
        ))),
        None => Ok(()),
    }
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
