//! The notebooks' first cell (`notebooks/src/setup.evcxr`) ends with [`status()`], one line
//! saying what is ready: `dlfs 0.1.0 준비 완료 · MNIST 파일 4개 (DLFS_DATA_DIR)`, or
//! where MNIST was looked for and how to get it (in Korean, the notebooks' language).

use std::fmt;
use std::path::PathBuf;

use dlfs::mnist::{data_dirs, files_in};

/// What the first cell of a notebook reports: the crate's version and where MNIST is.
#[derive(Debug, Clone)]
pub struct Status {
    /// The workspace's version (`CARGO_PKG_VERSION`), `dlfs`'s.
    pub version: &'static str,
    /// The places searched ([`data_dirs`]: `DLFS_DATA_DIR`, the user's cache directory), each
    /// with whether it holds the four files.
    pub searched: Vec<(PathBuf, &'static str, bool)>,
}

/// The crate's version and where MNIST was found. Reads directory listings only.
pub fn status() -> Status {
    let names = ["DLFS_DATA_DIR", "사용자 캐시 디렉터리"];
    let places = data_dirs().into_iter().zip(names);
    let searched = places.filter_map(|(dir, name)| {
        let dir = dir?;
        let found = files_in(&dir).is_some();
        Some((dir, name, found))
    });
    Status {
        version: env!("CARGO_PKG_VERSION"),
        searched: searched.collect(),
    }
}

impl Status {
    /// The directory holding MNIST, if found.
    pub fn data_dir(&self) -> Option<PathBuf> {
        self.searched.iter().find(|d| d.2).map(|d| d.0.clone())
    }

    /// Shows the status line as the cell's output in evcxr.
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/plain\n{self}\nEVCXR_END_CONTENT");
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dlfs {} 준비 완료 · ", self.version)?;
        // Where, not the folder (`data_dir()`): a machine path does not belong on a slide.
        if let Some((_, name, _)) = self.searched.iter().find(|d| d.2) {
            return write!(f, "MNIST 파일 4개 ({name})");
        }
        let places: Vec<String> = self
            .searched
            .iter()
            .map(|d| d.0.display().to_string())
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
