//! The notebooks' first cell: one line saying what is ready.
//!
//! ```text
//! :dep dlfs = { path = "../crate", default-features = false }
//! use dlfs::prelude::*;
//! dlfs::setup::status()
//! ```
//!
//! shows `dlfs 0.1.0 ready · MNIST: 4 files (from DLFS_DATA_DIR)`, or where
//! MNIST was looked for and how to get it.

use std::fmt;
use std::path::PathBuf;

use crate::mnist::{search_dirs, MnistFiles, SearchDir};

/// What the first cell of a notebook reports: the crate's version and where MNIST is.
#[derive(Debug, Clone)]
pub struct Status {
    /// The crate's version (`CARGO_PKG_VERSION`).
    pub version: &'static str,
    /// The first searched directory holding all four MNIST files, if any.
    pub mnist: Option<SearchDir>,
    /// Every directory searched, in order.
    pub searched: Vec<SearchDir>,
}

/// The crate's version and where MNIST was found (the directories of
/// [`crate::mnist::search_dirs`], first `DLFS_DATA_DIR`, then the user's cache directory).
/// Reads nothing but directory listings; creates nothing.
pub fn status() -> Status {
    let searched = search_dirs(None);
    let mnist = searched
        .iter()
        .find(|d| MnistFiles::in_dir(&d.path).is_ok())
        .cloned();
    Status {
        version: env!("CARGO_PKG_VERSION"),
        mnist,
        searched,
    }
}

impl Status {
    /// The directory holding MNIST, if found.
    pub fn data_dir(&self) -> Option<PathBuf> {
        self.mnist.as_ref().map(|d| d.path.clone())
    }

    /// Shows the status line as the cell's output in evcxr.
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/plain\n{self}\nEVCXR_END_CONTENT");
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dlfs {} ready · ", self.version)?;
        match &self.mnist {
            // The folder is `data_dir()`: a machine path does not belong on a lecture slide.
            Some(d) => write!(f, "MNIST: 4 files ({})", d.source),
            None => {
                let places: Vec<String> = self
                    .searched
                    .iter()
                    .map(|d| d.path.display().to_string())
                    .collect();
                let places = if places.is_empty() {
                    "nowhere: DLFS_DATA_DIR unset, no cache directory".to_string()
                } else {
                    places.join(", ")
                };
                write!(
                    f,
                    "MNIST not found (looked in {places}): 4.2.3 and 4.5 need it; \
                     run `cargo run --release -p dlfs-cli -- download` or set DLFS_DATA_DIR, \
                     then restart the kernel"
                )
            }
        }
    }
}
