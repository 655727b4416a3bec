//! The notebooks' first cell: one line saying what is ready.
//!
//! ```text
//! :dep dlfs = { path = "../crate", default-features = false }
//! use dlfs::prelude::*;
//! dlfs::setup::status()
//! ```
//!
//! shows `dlfs 0.1.0 준비 완료 · MNIST 파일 4개 (DLFS_DATA_DIR)`, or where MNIST was
//! looked for and how to get it (in Korean, the notebooks' language).

use std::fmt;
use std::path::PathBuf;

use crate::mnist::{search_dirs, DirSource, MnistFiles, SearchDir};

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
    /// The line in Korean, the notebooks' language.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dlfs {} 준비 완료 · ", self.version)?;
        match &self.mnist {
            // The folder is `data_dir()`: a machine path does not belong on a lecture slide.
            Some(d) => write!(f, "MNIST 파일 4개 ({})", where_korean(d.source)),
            None => {
                let places: Vec<String> = self
                    .searched
                    .iter()
                    .map(|d| d.path.display().to_string())
                    .collect();
                let places = if places.is_empty() {
                    "없음: DLFS_DATA_DIR도, 캐시 디렉터리도 없습니다".to_string()
                } else {
                    places.join(", ")
                };
                write!(
                    f,
                    "MNIST를 찾지 못했습니다(찾아본 곳: {places}). 4.2.3과 4.5에 필요합니다: \
                     `cargo run --release -p dlfs-cli -- download`를 실행하거나 DLFS_DATA_DIR을 \
                     지정한 뒤 커널을 다시 시작하세요"
                )
            }
        }
    }
}

/// Where MNIST was found, as the status line says it.
fn where_korean(source: DirSource) -> &'static str {
    match source {
        DirSource::Explicit => "지정한 디렉터리",
        DirSource::EnvVar => "DLFS_DATA_DIR",
        DirSource::UserCache => "사용자 캐시 디렉터리",
    }
}
