//! Where the MNIST files are looked for, and what each place holds, for the command line's
//! messages (`dlfs where`, `dlfs train`, `dlfs download`). In order:
//! 1. the directory the caller gives (`--data-dir`);
//! 2. the directory in the environment variable `DLFS_DATA_DIR`;
//! 3. the user's cache directory, `dlfs/mnist` inside it (`~/.cache/dlfs/mnist` on Linux,
//!    `~/Library/Caches/dlfs/mnist` on macOS, `%LOCALAPPDATA%\dlfs\mnist` on Windows).
//!
//! The last two are the library's own ([`dlfs::mnist::data_dirs`]). The first directory that
//! holds all four files is used; `dlfs download` downloads into the first of the list. Where
//! the library's reader says only where it looked, [`find`] says what each directory holds or
//! lacks, and why it cannot be read.

use std::path::{Path, PathBuf};

pub use dlfs::mnist::{ENV_VAR, FILES};
use dlfs::{Error, Result};

/// Why a directory is on the list of places to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirSource {
    /// Given by the caller (`--data-dir`).
    Explicit,
    /// From the environment variable `DLFS_DATA_DIR`.
    EnvVar,
    /// The user's cache directory.
    UserCache,
}

impl std::fmt::Display for DirSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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

/// The directories where MNIST is looked for, in order: `explicit` if given, then the library's
/// [`dlfs::mnist::data_dirs`] (`DLFS_DATA_DIR` if set, the user's cache directory).
pub fn search_dirs(explicit: Option<&Path>) -> Vec<SearchDir> {
    let [env, cache] = dlfs::mnist::data_dirs();
    let named = [
        (explicit.map(Path::to_path_buf), DirSource::Explicit),
        (env, DirSource::EnvVar),
        (cache, DirSource::UserCache),
    ];
    let found = named.into_iter().filter_map(|(path, source)| {
        Some(SearchDir {
            path: path?,
            source,
        })
    });
    found.collect()
}

/// The paths of the four MNIST files found in one directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MnistFiles {
    /// The directory that holds them.
    pub dir: PathBuf,
    /// The four files in the order of [`FILES`], each `name.gz` or the raw `name`.
    pub paths: [PathBuf; 4],
}

impl MnistFiles {
    /// The four files in `dir` ([`dlfs::mnist::files_in`]), or the names of those missing.
    pub fn in_dir(dir: &Path) -> std::result::Result<MnistFiles, Vec<&'static str>> {
        match dlfs::mnist::files_in(dir) {
            Some(paths) => Ok(MnistFiles {
                dir: dir.to_path_buf(),
                paths,
            }),
            None => Err(FILES
                .into_iter()
                .filter(|n| find_file(dir, n).is_none())
                .collect()),
        }
    }

    /// The files, read and checked ([`RawMnist::load`](dlfs::mnist::RawMnist::load) of their directory).
    pub fn read(&self) -> Result<dlfs::mnist::RawMnist> {
        dlfs::mnist::RawMnist::load(Some(&self.dir))
    }
}

/// How to provide the files, for error messages (one line).
pub const HOW_TO_PROVIDE: &str =
    "to provide them, run `cargo run --release -p dlfs-cli -- download` \
    (`--data-dir DIR` to choose where), or set DLFS_DATA_DIR to a folder that holds the four \
    files (gzip or raw)";

/// The four file names as distributed, for messages.
const GZ_NAMES: &str = "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, \
    t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz";

/// What is in a directory at the place of one MNIST file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// A file, `name.gz` or the raw `name` (the first that exists).
    Found(PathBuf),
    /// Neither `name.gz` nor `name`.
    Missing,
    /// A directory where the file should be (and no file of the other name).
    IsDir(PathBuf),
    /// The place cannot be looked at (the directory is not readable, say).
    Unreadable(PathBuf, std::io::ErrorKind),
}

/// What `dir` holds at the place of MNIST file `name` (one of [`FILES`]): `name.gz` if it is
/// a file, else the raw `name`; else what stands in the way.
pub fn file_state(dir: &Path, name: &str) -> FileState {
    let mut state = FileState::Missing;
    for path in [dir.join(format!("{name}.gz")), dir.join(name)] {
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                if state == FileState::Missing {
                    state = FileState::IsDir(path);
                }
            }
            Ok(_) => return FileState::Found(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                if !matches!(state, FileState::Unreadable(..)) {
                    state = FileState::Unreadable(path, e.kind());
                }
            }
        }
    }
    state
}

/// The path of MNIST file `name` (one of [`FILES`]) in `dir`: `name.gz` if it exists, else the
/// raw `name` if it exists (directories do not count).
pub fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    match file_state(dir, name) {
        FileState::Found(path) => Some(path),
        _ => None,
    }
}

/// An I/O error kind in words, for messages.
fn kind_words(kind: std::io::ErrorKind) -> String {
    match kind {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        other => other.to_string(),
    }
}

/// What one directory holds, in a few words: "holds all four files", "does not exist",
/// "cannot be read (permission denied)", "lacks t10k-labels-idx1-ubyte", ...
pub fn describe_dir(dir: &Path) -> String {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return "does not exist".into(),
        Err(e) => return format!("cannot be read ({})", kind_words(e.kind())),
        Ok(m) if !m.is_dir() => return "is not a directory".into(),
        Ok(_) => {}
    }
    if let Err(e) = std::fs::read_dir(dir) {
        return format!("cannot be read ({})", kind_words(e.kind()));
    }
    let states: Vec<(&str, FileState)> = FILES.iter().map(|n| (*n, file_state(dir, n))).collect();
    let mut problems = Vec::new();
    let mut missing = Vec::new();
    for (name, state) in &states {
        match state {
            FileState::Found(_) => {}
            FileState::Missing => missing.push(*name),
            FileState::IsDir(p) => problems.push(format!(
                "{} is a directory, not a file",
                p.file_name().unwrap_or_default().to_string_lossy()
            )),
            FileState::Unreadable(p, kind) => problems.push(format!(
                "{} cannot be read ({})",
                p.file_name().unwrap_or_default().to_string_lossy(),
                kind_words(*kind)
            )),
        }
    }
    if problems.is_empty() && missing.is_empty() {
        return "holds all four files".into();
    }
    if problems.is_empty() && missing.len() == FILES.len() {
        return "holds none of the four files".into();
    }
    if !missing.is_empty() {
        problems.push(format!("lacks {}", missing.join(", ")));
    }
    problems.join("; ")
}

/// What was found in each of `dirs`, one line each (indented by two spaces), for messages.
pub fn describe_search(dirs: &[SearchDir]) -> String {
    if dirs.is_empty() {
        return "  nowhere: no directory was given, DLFS_DATA_DIR is not set and the system has \
                no cache directory"
            .into();
    }
    dirs.iter()
        .map(|d| {
            format!(
                "  {} ({}): {}",
                d.path.display(),
                d.source,
                describe_dir(&d.path)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks the directories that were named (by the caller or `DLFS_DATA_DIR`): each must exist
/// and be a directory. A mistyped name is an error that names it, rather than a directory
/// silently skipped (or created and downloaded into). The user's cache directory may be absent.
pub fn check_named_dirs(dirs: &[SearchDir]) -> Result<()> {
    for d in dirs.iter().filter(|d| d.source != DirSource::UserCache) {
        let problem = match std::fs::metadata(&d.path) {
            Ok(m) if m.is_dir() => continue,
            Ok(_) => "is not a directory".to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist".to_string(),
            Err(e) => format!("cannot be read ({})", kind_words(e.kind())),
        };
        return Err(Error::NotFound(format!(
            "the data directory {} ({}) {problem}; check its spelling, or create it and run \
             `cargo run --release -p dlfs-cli -- download --data-dir {}`",
            d.path.display(),
            d.source,
            d.path.display()
        )));
    }
    Ok(())
}

/// The message of [`Error::NotFound`] when no directory of `dirs` holds the four files: one
/// line per directory and what it holds, then how to provide them (`extra`, when not empty, is
/// put before that, e.g. why a download failed).
pub fn not_found_message(dirs: &[SearchDir], extra: &str) -> String {
    let mut m = format!(
        "no directory holds the four files ({GZ_NAMES}):\n{}",
        describe_search(dirs)
    );
    if !extra.is_empty() {
        m.push('\n');
        m.push_str(extra);
    }
    m.push_str("\n  ");
    m.push_str(HOW_TO_PROVIDE);
    m
}

/// The first of `dirs` that holds all four files, and the files. Errors: a named directory
/// that does not exist ([`check_named_dirs`]), or [`Error::NotFound`] saying, in a few lines,
/// where it looked (every directory, and what each lacks) and how to provide the files.
/// Never creates anything.
pub fn find(dirs: &[SearchDir]) -> Result<(SearchDir, MnistFiles)> {
    check_named_dirs(dirs)?;
    dirs.iter()
        .find_map(|d| MnistFiles::in_dir(&d.path).ok().map(|f| (d.clone(), f)))
        .ok_or_else(|| Error::NotFound(not_found_message(dirs, "")))
}
