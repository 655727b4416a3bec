//! The crate's error type: every fallible call names what was wrong with its input.
//!
//! `Display` and `std::error::Error` are written out by hand rather than derived with
//! `thiserror`: thiserror's build script writes a file that its library `include!`s from
//! `OUT_DIR`, and evcxr's build cache (`~/.cache/evcxr`) hands the next kernel thiserror's
//! compiled files together with a dependency list naming the `OUT_DIR` of the kernel that first
//! built it. That file is gone, so cargo rebuilt thiserror and then this crate in every
//! notebook cell (README, "The notebooks").

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

#[cfg(test)]
mod tests {
    use super::Error;
    use std::error::Error as _;
    use std::io;

    #[test]
    fn every_message_names_its_kind_and_keeps_the_detail() {
        let cases = [
            (
                Error::Shape("t is (2, 9), y is (2, 10)".into()),
                "shape mismatch: t is (2, 9), y is (2, 10)",
            ),
            (
                Error::Label("label 12 for 10 classes".into()),
                "bad label: label 12 for 10 classes",
            ),
            (
                Error::Empty("a batch of 0 rows".into()),
                "empty input: a batch of 0 rows",
            ),
            (
                Error::NonFinite("loss NaN at iteration 3".into()),
                "not finite: loss NaN at iteration 3",
            ),
            (
                Error::InvalidArgument("lr = 0".into()),
                "invalid argument: lr = 0",
            ),
            (
                Error::NotFound("looked in /data".into()),
                "MNIST not found: looked in /data",
            ),
            (
                Error::Download("no mirror answered".into()),
                "download failed: no mirror answered",
            ),
            (Error::Plot("empty series".into()), "plot: empty series"),
            (
                Error::Data {
                    path: "/d/t10k.gz".into(),
                    message: "bad magic 0x0000".into(),
                },
                "/d/t10k.gz: bad magic 0x0000",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
            assert!(error.source().is_none(), "{message}: no source expected");
        }
    }

    #[test]
    fn an_io_error_names_the_file_and_keeps_the_os_error_as_its_source() {
        let os = io::Error::new(io::ErrorKind::NotFound, "No such file or directory");
        let error = Error::io("/d/train.gz", os);
        assert_eq!(error.to_string(), "/d/train.gz: No such file or directory");
        let source = error.source().expect("the io::Error as source");
        assert_eq!(source.to_string(), "No such file or directory");
        let io = source.downcast_ref::<io::Error>().expect("an io::Error");
        assert_eq!(io.kind(), io::ErrorKind::NotFound);
    }
}
