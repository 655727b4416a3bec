//! Where the MNIST files are looked for (4.5.2's `load_mnist` reads them from `dataset/`).
//!
//! In order:
//! 1. the directory the caller gives (`MnistOptions::data_dir`, `--data-dir`);
//! 2. the directory in the environment variable `DLFS_DATA_DIR`;
//! 3. the user's cache directory, `dlfs/mnist` inside it (`~/.cache/dlfs/mnist` on Linux,
//!    `~/Library/Caches/dlfs/mnist` on macOS, `%LOCALAPPDATA%\dlfs\mnist` on Windows).
//!
//! The first directory that holds all four files is used. Downloads go into the first
//! directory of the list ([`data_dir`]).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The environment variable naming a directory with the four MNIST files.
pub const ENV_VAR: &str = "DLFS_DATA_DIR";

/// The four MNIST files, by their standard names without `.gz`: training images, training
/// labels, test images, test labels. Each may be present gzip-compressed (`name.gz`) or raw.
pub const FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// How to provide the files, for error messages.
pub const HOW_TO_PROVIDE: &str = "to provide them, run `cargo run --release -p dlfs -- download` \
    (add `--data-dir DIR` to choose where), or set DLFS_DATA_DIR to a folder holding the four files \
    train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and \
    t10k-labels-idx1-ubyte.gz (gzip or raw, without .gz), or pass that folder as `data_dir`";

/// Why a directory is on the list of places to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirSource {
    /// Given by the caller (`MnistOptions::data_dir`, `--data-dir`).
    Explicit,
    /// From the environment variable `DLFS_DATA_DIR`.
    EnvVar,
    /// The user's cache directory.
    UserCache,
}

impl fmt::Display for DirSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DirSource::Explicit => "given by the caller",
            DirSource::EnvVar => "from DLFS_DATA_DIR",
            DirSource::UserCache => "the user's cache directory",
        })
    }
}

/// A directory where the MNIST files are looked for, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDir {
    /// The directory.
    pub path: PathBuf,
    /// Why it is looked at.
    pub source: DirSource,
}

/// The user's cache directory for MNIST: `dirs::cache_dir()/dlfs/mnist` (`~/.cache/dlfs/mnist`
/// on Linux), or `None` where the system has no such directory (no `HOME`, say).
pub fn cache_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("dlfs").join("mnist"))
}

/// The directories where MNIST is looked for, in order: `explicit` if given, `DLFS_DATA_DIR`
/// if set and not empty, the user's cache directory if the system has one.
pub fn search_dirs(explicit: Option<&Path>) -> Vec<SearchDir> {
    let mut dirs = Vec::new();
    if let Some(path) = explicit {
        dirs.push(SearchDir {
            path: path.to_path_buf(),
            source: DirSource::Explicit,
        });
    }
    if let Some(value) = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
        dirs.push(SearchDir {
            path: PathBuf::from(value),
            source: DirSource::EnvVar,
        });
    }
    if let Some(path) = cache_dir() {
        dirs.push(SearchDir {
            path,
            source: DirSource::UserCache,
        });
    }
    dirs
}

/// The data directory: the first of [`search_dirs`], where downloads go. Where the system has
/// no cache directory and neither of the others is given, `dlfs/mnist` in the temporary directory.
pub fn data_dir(explicit: Option<&Path>) -> PathBuf {
    search_dirs(explicit)
        .into_iter()
        .next()
        .map(|d| d.path)
        .unwrap_or_else(|| std::env::temp_dir().join("dlfs").join("mnist"))
}

/// The paths of the four MNIST files found in one directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MnistFiles {
    /// `train-images-idx3-ubyte(.gz)`.
    pub train_images: PathBuf,
    /// `train-labels-idx1-ubyte(.gz)`.
    pub train_labels: PathBuf,
    /// `t10k-images-idx3-ubyte(.gz)`.
    pub test_images: PathBuf,
    /// `t10k-labels-idx1-ubyte(.gz)`.
    pub test_labels: PathBuf,
}

/// The path of MNIST file `name` (one of [`FILES`]) in `dir`: `name.gz` if it exists, else the
/// raw `name` if it exists.
pub fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [dir.join(format!("{name}.gz")), dir.join(name)]
        .into_iter()
        .find(|p| p.is_file())
}

impl MnistFiles {
    /// The four files in `dir`, or the names of those missing.
    pub fn in_dir(dir: &Path) -> std::result::Result<MnistFiles, Vec<&'static str>> {
        let found: Vec<Option<PathBuf>> = FILES.iter().map(|name| find_file(dir, name)).collect();
        let missing: Vec<&'static str> = FILES
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(name, _)| *name)
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        let mut found = found.into_iter().map(|f| f.expect("none missing"));
        Ok(MnistFiles {
            train_images: found.next().expect("4 files"),
            train_labels: found.next().expect("4 files"),
            test_images: found.next().expect("4 files"),
            test_labels: found.next().expect("4 files"),
        })
    }

    /// The four paths, in the order of [`FILES`].
    pub fn paths(&self) -> [&Path; 4] {
        [
            &self.train_images,
            &self.train_labels,
            &self.test_images,
            &self.test_labels,
        ]
    }
}

/// What was found in each of `dirs`, one line each, for error messages.
pub fn describe_search(dirs: &[SearchDir]) -> String {
    if dirs.is_empty() {
        return "nowhere: no directory was given, DLFS_DATA_DIR is not set and the system has \
                no cache directory"
            .into();
    }
    dirs.iter()
        .map(|d| {
            let found = if !d.path.is_dir() {
                "does not exist".to_string()
            } else {
                match MnistFiles::in_dir(&d.path) {
                    Ok(_) => "holds all four files".to_string(),
                    Err(missing) if missing.len() == FILES.len() => {
                        "holds none of the four files".to_string()
                    }
                    Err(missing) => format!("lacks {}", missing.join(", ")),
                }
            };
            format!("{} ({}): {found}", d.path.display(), d.source)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The first of `dirs` that holds all four files, or [`Error::NotFound`] saying where it
/// looked (every directory, and what each lacks) and how to provide the files.
pub fn locate(dirs: &[SearchDir]) -> Result<MnistFiles> {
    dirs.iter()
        .find_map(|d| MnistFiles::in_dir(&d.path).ok())
        .ok_or_else(|| {
            Error::NotFound(format!(
                "looked in {}; {HOW_TO_PROVIDE}",
                describe_search(dirs)
            ))
        })
}
