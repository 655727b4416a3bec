//! Downloading the four MNIST files (feature `download`), verified by SHA-256.
//!
//! Each file is fetched as `<mirror><name>.gz` from the mirrors in turn until one succeeds. The
//! body is written to a hidden temporary file in the target directory (`.<name>.gz.part`),
//! which is renamed into place only once the SHA-256 of its *decompressed* content matches
//! [`SHA256SUMS`], so that any mirror's compression (and ours in `../shared/mnist`) passes. A
//! failed or cut-off download removes the temporary file: nothing is left behind. Files
//! already present and valid are not fetched again.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::datadir::{describe_search, locate, DirSource, SearchDir, HOW_TO_PROVIDE};
use super::{idx, RawMnist};
use crate::error::{Error, Result};

/// Public mirrors of the MNIST files, tried in this order. The original host,
/// `yann.lecun.com`, answers 403 today; it is kept last in case it comes back.
pub const MIRRORS: [&str; 3] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
];

/// The SHA-256 of each MNIST file's decompressed content (the raw IDX file), by name.
pub const SHA256SUMS: [(&str, &str); 4] = [
    (
        "train-images-idx3-ubyte",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    (
        "train-labels-idx1-ubyte",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    (
        "t10k-images-idx3-ubyte",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    (
        "t10k-labels-idx1-ubyte",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
];

/// What to download from where, and how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadConfig {
    /// Base URLs, tried in turn; each file is fetched as `<mirror><name>.gz`.
    pub mirrors: Vec<String>,
    /// The files: (name without `.gz`, lowercase hex SHA-256 of the decompressed content).
    pub files: Vec<(String, String)>,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// How long to wait for the answer's headers.
    pub response_timeout: Duration,
    /// How long a whole body may take.
    pub body_timeout: Duration,
}

impl Default for DownloadConfig {
    /// The real MNIST files from [`MIRRORS`], verified against [`SHA256SUMS`].
    fn default() -> Self {
        DownloadConfig {
            mirrors: MIRRORS.iter().map(|m| m.to_string()).collect(),
            files: SHA256SUMS
                .iter()
                .map(|(name, sum)| (name.to_string(), sum.to_string()))
                .collect(),
            connect_timeout: Duration::from_secs(15),
            response_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(15 * 60),
        }
    }
}

/// What the download is doing, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// `file` is already at `path` and its checksum matches: it is not fetched.
    Present {
        /// The file's name (without `.gz`).
        file: &'a str,
        /// Where it is.
        path: &'a Path,
    },
    /// Asking a mirror for a file.
    Requesting {
        /// The file's name (without `.gz`).
        file: &'a str,
        /// The URL asked.
        url: &'a str,
    },
    /// Bytes of a file received so far, out of `total` when the server said (Content-Length).
    Bytes {
        /// The file's name (without `.gz`).
        file: &'a str,
        /// Bytes received.
        received: u64,
        /// Bytes announced.
        total: Option<u64>,
    },
    /// A mirror failed for this file; the next one is tried.
    MirrorFailed {
        /// The file's name (without `.gz`).
        file: &'a str,
        /// The URL asked.
        url: &'a str,
        /// What went wrong.
        reason: &'a str,
    },
    /// The file passed its checksum and is in place.
    Saved {
        /// The file's name (without `.gz`).
        file: &'a str,
        /// Where it is.
        path: &'a Path,
        /// Bytes downloaded.
        bytes: u64,
        /// Where from.
        url: &'a str,
    },
}

/// Where a file came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchSource {
    /// It was already there, with the right checksum.
    AlreadyPresent,
    /// Downloaded from `url`: `bytes` bytes as sent.
    Downloaded {
        /// The URL it came from.
        url: String,
        /// Bytes received.
        bytes: u64,
    },
}

/// One file in place and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The file's name (without `.gz`).
    pub file: String,
    /// Where it is (`<dir>/<name>.gz`, or `<dir>/<name>` if a mirror sent it uncompressed).
    pub path: PathBuf,
    /// The SHA-256 of its decompressed content (lowercase hex).
    pub sha256: String,
    /// Where it came from.
    pub source: FetchSource,
}

/// Downloads the four MNIST files into `dir` (created if need be) from [`MIRRORS`], verified
/// against [`SHA256SUMS`]; files already there and valid are kept. `progress` sees every
/// [`Event`]. An error ([`Error::Download`]) names the file and what every mirror answered.
pub fn download(dir: &Path, progress: impl FnMut(Event<'_>)) -> Result<Vec<Fetched>> {
    download_with(dir, &DownloadConfig::default(), progress)
}

/// The SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The SHA-256 of a file's decompressed content (its content if it is not gzip).
fn content_sha256(path: &Path) -> Result<String> {
    Ok(sha256_hex(&idx::read_decoded(path)?))
}

/// The file `name` in `dir` if it is there (as `name.gz` or raw) with checksum `sum`.
fn present(dir: &Path, name: &str, sum: &str) -> Option<PathBuf> {
    [dir.join(format!("{name}.gz")), dir.join(name)]
        .into_iter()
        .filter(|p| p.is_file())
        .find(|p| content_sha256(p).is_ok_and(|s| s.eq_ignore_ascii_case(sum)))
}

/// As [`download`], with the mirrors, the files and their checksums, and the timeouts of
/// `config` (tests point it at a server on 127.0.0.1).
pub fn download_with(
    dir: &Path,
    config: &DownloadConfig,
    mut progress: impl FnMut(Event<'_>),
) -> Result<Vec<Fetched>> {
    if config.mirrors.is_empty() {
        return Err(Error::InvalidArgument(
            "download: the list of mirrors is empty".into(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(config.connect_timeout))
        .timeout_recv_response(Some(config.response_timeout))
        .timeout_recv_body(Some(config.body_timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let mut fetched = Vec::with_capacity(config.files.len());
    for (name, sum) in &config.files {
        if let Some(path) = present(dir, name, sum) {
            progress(Event::Present {
                file: name,
                path: &path,
            });
            fetched.push(Fetched {
                file: name.clone(),
                path,
                sha256: sum.to_ascii_lowercase(),
                source: FetchSource::AlreadyPresent,
            });
            continue;
        }
        fetched.push(fetch(
            &agent,
            dir,
            name,
            sum,
            &config.mirrors,
            &mut progress,
        )?);
    }
    Ok(fetched)
}

/// Fetches one file from the first mirror that delivers it intact.
fn fetch(
    agent: &ureq::Agent,
    dir: &Path,
    name: &str,
    sum: &str,
    mirrors: &[String],
    progress: &mut dyn FnMut(Event<'_>),
) -> Result<Fetched> {
    let mut failures = Vec::with_capacity(mirrors.len());
    for mirror in mirrors {
        let sep = if mirror.ends_with('/') { "" } else { "/" };
        let url = format!("{mirror}{sep}{name}.gz");
        progress(Event::Requesting {
            file: name,
            url: &url,
        });
        match fetch_from(agent, &url, dir, name, sum, progress) {
            Ok(fetched) => return Ok(fetched),
            Err(reason) => {
                progress(Event::MirrorFailed {
                    file: name,
                    url: &url,
                    reason: &reason,
                });
                failures.push(format!("{url}: {reason}"));
            }
        }
    }
    Err(Error::Download(format!(
        "{name}.gz: no mirror delivered it ({} tried): {}; nothing was saved in {}; copy the \
         files there yourself or set DLFS_DATA_DIR to a folder that holds the four MNIST files",
        failures.len(),
        failures.join("; "),
        dir.display()
    )))
}

/// A temporary file that is deleted when dropped unless it was renamed into place.
struct PartFile {
    path: PathBuf,
    file: Option<File>,
}

impl PartFile {
    fn create(path: PathBuf) -> std::result::Result<PartFile, String> {
        let file = File::create(&path)
            .map_err(|e| format!("cannot create the temporary file {}: {e}", path.display()))?;
        Ok(PartFile {
            path,
            file: Some(file),
        })
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::result::Result<(), String> {
        self.file
            .as_mut()
            .expect("open until committed")
            .write_all(bytes)
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }

    /// Flushes the file to disk and renames it to `to`.
    fn commit(mut self, to: &Path) -> std::result::Result<(), String> {
        let file = self.file.take().expect("open until committed");
        file.sync_all()
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        drop(file);
        std::fs::rename(&self.path, to).map_err(|e| {
            format!(
                "cannot rename {} to {}: {e}",
                self.path.display(),
                to.display()
            )
        })?;
        self.path = PathBuf::new();
        Ok(())
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        self.file.take();
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Fetches one file from one URL; the error is what went wrong, for the list of mirrors tried.
fn fetch_from(
    agent: &ureq::Agent,
    url: &str,
    dir: &Path,
    name: &str,
    sum: &str,
    progress: &mut dyn FnMut(Event<'_>),
) -> std::result::Result<Fetched, String> {
    let response = agent.get(url).call().map_err(|e| e.to_string())?;
    let status = response.status();
    if status != ureq::http::StatusCode::OK {
        return Err(format!(
            "HTTP {} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_string());
    }
    let total = response.body().content_length();
    let mut part = PartFile::create(dir.join(format!(".{name}.gz.part")))?;
    let mut reader = response.into_body().into_reader();
    let mut data = Vec::with_capacity(total.unwrap_or(0).min(64 << 20) as usize);
    let mut buf = vec![0u8; 64 << 10];
    progress(Event::Bytes {
        file: name,
        received: 0,
        total,
    });
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(format!(
                    "connection failed after {} of {} bytes: {e}",
                    data.len(),
                    total.map_or("?".to_string(), |t| t.to_string())
                ))
            }
        };
        part.write_all(&buf[..n])?;
        data.extend_from_slice(&buf[..n]);
        progress(Event::Bytes {
            file: name,
            received: data.len() as u64,
            total,
        });
    }
    let received = data.len() as u64;
    if let Some(total) = total.filter(|&t| t != received) {
        return Err(format!("cut short: received {received} of {total} bytes"));
    }
    let gzip = idx::is_gzip(&data);
    let digest = if gzip {
        sha256_hex(&idx::gunzip(Path::new(url), &data).map_err(|e| e.to_string())?)
    } else {
        sha256_hex(&data)
    };
    if !digest.eq_ignore_ascii_case(sum) {
        return Err(format!(
            "checksum mismatch: the SHA-256 of the decompressed content is {digest}, expected {sum}"
        ));
    }
    let (path, other) = if gzip {
        (dir.join(format!("{name}.gz")), dir.join(name))
    } else {
        (dir.join(name), dir.join(format!("{name}.gz")))
    };
    part.commit(&path)?;
    // The other form of the file, if there, failed its checksum: the loader must not pick it.
    if other.is_file() {
        let _ = std::fs::remove_file(&other);
    }
    progress(Event::Saved {
        file: name,
        path: &path,
        bytes: received,
        url,
    });
    Ok(Fetched {
        file: name.to_string(),
        path,
        sha256: digest,
        source: FetchSource::Downloaded {
            url: url.to_string(),
            bytes: received,
        },
    })
}

/// The first of `dirs` that holds the four files, read; if none does, the files of `config`
/// downloaded into `target` first (see [`download_with`]), then read from there. If the download
/// fails, an [`Error::NotFound`] says where it looked, what each mirror answered and how to
/// provide the files. [`RawMnist::load`] is this with [`super::search_dirs`], [`super::data_dir`]
/// and [`DownloadConfig::default`].
pub fn load_or_download(
    dirs: &[SearchDir],
    target: &Path,
    config: &DownloadConfig,
    progress: impl FnMut(Event<'_>),
) -> Result<RawMnist> {
    if let Ok(files) = locate(dirs) {
        return RawMnist::read(&files);
    }
    let looked = describe_search(dirs);
    download_with(target, config, progress).map_err(|e| {
        Error::NotFound(format!(
            "looked in {looked}; downloading into {} failed: {e}; {HOW_TO_PROVIDE}",
            target.display()
        ))
    })?;
    RawMnist::read(&locate(&[SearchDir {
        path: target.to_path_buf(),
        source: DirSource::Explicit,
    }])?)
}

/// Prints the download's main steps on stderr (for [`super::Mnist::load`]).
pub fn print_event(event: Event<'_>) {
    match event {
        Event::Requesting { url, .. } => eprintln!("dlfs: downloading {url}"),
        Event::MirrorFailed { url, reason, .. } => eprintln!("dlfs: {url} failed: {reason}"),
        Event::Saved { path, bytes, .. } => {
            eprintln!(
                "dlfs: saved {} ({bytes} bytes, SHA-256 verified)",
                path.display()
            )
        }
        Event::Present { .. } | Event::Bytes { .. } => {}
    }
}
