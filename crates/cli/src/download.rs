//! Downloading the four MNIST files, verified by SHA-256 (the `dlfs download` command).
//!
//! Each file is fetched as `<mirror><name>.gz` from the mirrors in turn until one succeeds. The
//! body is written to a hidden temporary file in the target directory (`.<name>.gz.part`),
//! which is renamed into place only once the SHA-256 of its *decompressed* content matches
//! [`SHA256SUMS`], so that any mirror's compression (and ours in `../shared/mnist`) passes. A
//! failed or cut-off download removes the temporary file: nothing is left behind. Files
//! already present and valid are not fetched again.
//!
//! Faults are bounded (see [`DownloadConfig`]): a mirror that does not connect within 5 s,
//! does not answer within 8 s, or stops sending for 10 s in the middle of a body is given up
//! for the next one, so that three dead mirrors fail in well under a minute; a body longer
//! than its file can be ([`RemoteFile::max_body`]) is cut there and dropped. A `.part` file
//! left by a killed run is removed at the next start, and [`remove_partial_on_interrupt`]
//! (called by the command line) removes the current one on Ctrl-C.
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::datadir::{
    check_named_dirs, find, find_file, not_found_message, MnistFiles, SearchDir, HOW_TO_PROVIDE,
};
use crate::idx;
use dlfs::error::{Error, Result};
use dlfs::mnist::RawMnist;

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

/// The size in bytes of each MNIST file's decompressed content (the raw IDX file), by name:
/// 16 + N x 784 for images, 8 + N for labels.
pub const FILE_SIZES: [(&str, u64); 4] = [
    ("train-images-idx3-ubyte", 47_040_016),
    ("train-labels-idx1-ubyte", 60_008),
    ("t10k-images-idx3-ubyte", 7_840_016),
    ("t10k-labels-idx1-ubyte", 10_008),
];

/// One file to download: its name, the SHA-256 of its decompressed content, and the size of
/// that content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// The name without `.gz`; fetched as `<mirror><name>.gz`.
    pub name: String,
    /// Lowercase hex SHA-256 of the decompressed content.
    pub sha256: String,
    /// Bytes of the decompressed content.
    pub size: u64,
}

impl RemoteFile {
    /// A file to download.
    pub fn new(name: impl Into<String>, sha256: impl Into<String>, size: u64) -> RemoteFile {
        RemoteFile {
            name: name.into(),
            sha256: sha256.into(),
            size,
        }
    }

    /// The most bytes a body may have: the decompressed size (a mirror may send the file
    /// uncompressed) plus 1% and 1 KiB (gzip of data that does not compress grows a little).
    /// A longer body cannot be the file: it is cut at this size and dropped.
    pub fn max_body(&self) -> u64 {
        self.size
            .saturating_add(self.size / 100)
            .saturating_add(1024)
    }
}

/// What to download from where, and how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadConfig {
    /// Base URLs, tried in turn; each file is fetched as `<mirror><name>.gz`.
    pub mirrors: Vec<String>,
    /// The files, with their checksums and sizes.
    pub files: Vec<RemoteFile>,
    /// How long to wait for a connection (and, apart, for the name lookup).
    pub connect_timeout: Duration,
    /// How long to wait for the answer's headers once the request is sent (first byte).
    pub response_timeout: Duration,
    /// How long a body may stall: no byte for this long gives the mirror up for the next one.
    pub stall_timeout: Duration,
    /// How long a whole body may take.
    pub body_timeout: Duration,
}

/// Seconds without a byte after which a mirror is given up ([`DownloadConfig::stall_timeout`]
/// by default, `dlfs download --stall-timeout`).
pub const STALL_TIMEOUT_SECS: u64 = 10;

impl Default for DownloadConfig {
    /// The real MNIST files from [`MIRRORS`], verified against [`SHA256SUMS`] and capped by
    /// [`FILE_SIZES`]; connect 5 s, first byte 8 s, stall [`STALL_TIMEOUT_SECS`], body 10 min.
    fn default() -> Self {
        DownloadConfig {
            mirrors: MIRRORS.iter().map(|m| m.to_string()).collect(),
            files: SHA256SUMS
                .iter()
                .zip(FILE_SIZES)
                .map(|((name, sum), (_, size))| RemoteFile::new(*name, *sum, size))
                .collect(),
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(8),
            stall_timeout: Duration::from_secs(STALL_TIMEOUT_SECS),
            body_timeout: Duration::from_secs(10 * 60),
        }
    }
}

/// What the download is doing, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A temporary file left by an earlier run that was killed was removed.
    RemovedPartial {
        /// The temporary file.
        path: &'a Path,
    },
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
/// [`Event`]. An error ([`Error::Download`]) names the file, what every mirror answered, and
/// which files are in `dir` now.
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

/// The temporary file a download of `name` is written to, in `dir`.
pub fn part_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.gz.part"))
}

/// Which of `names` are in `dir` (as `name.gz` or raw), and which are not, in one line:
/// `present: a.gz, b; missing: c, d` (checksums are not checked here).
pub fn presence(dir: &Path, names: &[&str]) -> String {
    let (mut here, mut absent) = (Vec::new(), Vec::new());
    for name in names {
        match find_file(dir, name) {
            Some(path) => here.push(
                path.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
            ),
            None => absent.push(name.to_string()),
        }
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    format!("present: {}; missing: {}", list(&here), list(&absent))
}

/// As [`download`], with the mirrors, the files, their checksums and sizes, and the timeouts of
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
    // Temporary files of a run that was killed (power cut, SIGKILL) go first.
    for file in &config.files {
        let part = part_path(dir, &file.name);
        if part.is_file() && std::fs::remove_file(&part).is_ok() {
            progress(Event::RemovedPartial { path: &part });
        }
    }
    let session = Session {
        agent: ureq::Agent::config_builder()
            .timeout_resolve(Some(config.connect_timeout))
            .timeout_connect(Some(config.connect_timeout))
            .timeout_recv_response(Some(config.response_timeout))
            .timeout_per_read(Some(config.stall_timeout))
            .timeout_recv_body(Some(config.body_timeout))
            .http_status_as_error(false)
            .build()
            .into(),
        dir,
        config,
    };
    let mut fetched = Vec::with_capacity(config.files.len());
    for file in &config.files {
        if let Some(path) = present(dir, &file.name, &file.sha256) {
            progress(Event::Present {
                file: &file.name,
                path: &path,
            });
            fetched.push(Fetched {
                file: file.name.clone(),
                path,
                sha256: file.sha256.to_ascii_lowercase(),
                source: FetchSource::AlreadyPresent,
            });
            continue;
        }
        match fetch(&session, file, &mut progress) {
            Ok(f) => fetched.push(f),
            Err(failure) => {
                let names: Vec<&str> = config.files.iter().map(|f| f.name.as_str()).collect();
                return Err(Error::Download(format!(
                    "{failure}\n  in {} now: {}",
                    dir.display(),
                    presence(dir, &names)
                )));
            }
        }
    }
    Ok(fetched)
}

/// A reason cut to `max` characters, for one line of a message.
fn shorten(reason: &str, max: usize) -> String {
    let line = reason.lines().next().unwrap_or("");
    if line.chars().count() <= max {
        line.to_string()
    } else {
        let cut: String = line.chars().take(max).collect();
        format!("{cut}...")
    }
}

/// What the fetches of one download share: the HTTP agent (with the timeouts of `config`), the
/// directory the files go to, and the settings.
struct Session<'a> {
    agent: ureq::Agent,
    dir: &'a Path,
    config: &'a DownloadConfig,
}

/// Fetches one file from the first mirror that delivers it intact; the error lists each
/// mirror and its answer, one per line.
fn fetch(
    session: &Session<'_>,
    file: &RemoteFile,
    progress: &mut dyn FnMut(Event<'_>),
) -> std::result::Result<Fetched, String> {
    let (name, config) = (file.name.as_str(), session.config);
    let mut failures = Vec::with_capacity(config.mirrors.len());
    for mirror in &config.mirrors {
        let sep = if mirror.ends_with('/') { "" } else { "/" };
        let url = format!("{mirror}{sep}{name}.gz");
        progress(Event::Requesting {
            file: name,
            url: &url,
        });
        match fetch_from(session, &url, file, progress) {
            Ok(fetched) => return Ok(fetched),
            Err(reason) => {
                progress(Event::MirrorFailed {
                    file: name,
                    url: &url,
                    reason: &reason,
                });
                failures.push(format!("    {url}: {}", shorten(&reason, 250)));
            }
        }
    }
    Err(format!(
        "{name}.gz: no mirror delivered it ({} tried), so it was not saved:\n{}",
        failures.len(),
        failures.join("\n")
    ))
}

/// The temporary file being written now, as a C string for the interrupt handler (which may
/// only make async-signal-safe calls). The strings are never freed: a handler may be reading
/// one while the next download starts. A few short strings per run.
#[cfg(unix)]
static CURRENT_PART: std::sync::atomic::AtomicPtr<std::ffi::c_char> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

#[cfg(unix)]
fn set_current_part(path: Option<&Path>) {
    use std::os::unix::ffi::OsStrExt;
    let ptr = path
        .and_then(|p| std::ffi::CString::new(p.as_os_str().as_bytes()).ok())
        .map_or(std::ptr::null_mut(), |c| c.into_raw());
    CURRENT_PART.store(ptr, std::sync::atomic::Ordering::SeqCst);
}

#[cfg(not(unix))]
fn set_current_part(_path: Option<&Path>) {}

/// Removes the temporary file of the download in progress, if any (for a program that must
/// exit at once, e.g. when its output pipe is closed). Nothing else is touched.
pub fn remove_partial_file() {
    #[cfg(unix)]
    {
        let ptr = CURRENT_PART.swap(std::ptr::null_mut(), std::sync::atomic::Ordering::SeqCst);
        if !ptr.is_null() {
            // SAFETY: a pointer stored by `set_current_part`, from `CString::into_raw`, never
            // freed.
            let path = unsafe { std::ffi::CStr::from_ptr(ptr) };
            use std::os::unix::ffi::OsStrExt;
            let _ = std::fs::remove_file(std::ffi::OsStr::from_bytes(path.to_bytes()));
        }
    }
}

#[cfg(unix)]
extern "C" fn on_interrupt(signal: libc::c_int) {
    const REMOVED: &[u8] = b"\ndlfs: interrupted; no partial download is left behind\n";
    const PLAIN: &[u8] = b"\ndlfs: interrupted\n";
    let ptr = CURRENT_PART.load(std::sync::atomic::Ordering::SeqCst);
    // SAFETY: unlink, write and _exit are async-signal-safe; `ptr` is null or a C string that
    // is never freed.
    unsafe {
        let message = if ptr.is_null() {
            PLAIN
        } else {
            libc::unlink(ptr);
            REMOVED
        };
        libc::write(2, message.as_ptr().cast(), message.len());
        libc::_exit(128 + signal);
    }
}

/// Installs a handler for Ctrl-C (SIGINT) and SIGTERM that removes the temporary file of the
/// download in progress, if any, and exits with status 128 + the signal (130 for Ctrl-C), as a
/// process killed by it would. For programs (the `dlfs` command line), not libraries. Does
/// nothing where there are no signals (Windows: the file is removed at the next start).
pub fn remove_partial_on_interrupt() {
    #[cfg(unix)]
    {
        let handler = on_interrupt as extern "C" fn(libc::c_int);
        // SAFETY: installs a handler that makes only async-signal-safe calls.
        unsafe {
            libc::signal(libc::SIGINT, handler as libc::sighandler_t);
            libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
        }
    }
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
        set_current_part(Some(&path));
        Ok(PartFile {
            path,
            file: Some(file),
        })
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::result::Result<(), String> {
        let path = &self.path;
        match self.file.as_mut() {
            Some(file) => file
                .write_all(bytes)
                .map_err(|e| format!("cannot write {}: {e}", path.display())),
            None => Err(format!("{} is already closed", path.display())),
        }
    }

    /// Flushes the file to disk and renames it to `to`.
    fn commit(mut self, to: &Path) -> std::result::Result<(), String> {
        let file = self
            .file
            .take()
            .ok_or_else(|| format!("{} is already closed", self.path.display()))?;
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
        set_current_part(None);
        self.path = PathBuf::new();
        Ok(())
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        self.file.take();
        if !self.path.as_os_str().is_empty() {
            set_current_part(None);
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Fetches one file from one URL; the error is what went wrong, for the list of mirrors tried.
fn fetch_from(
    session: &Session<'_>,
    url: &str,
    file: &RemoteFile,
    progress: &mut dyn FnMut(Event<'_>),
) -> std::result::Result<Fetched, String> {
    let Session { agent, dir, config } = session;
    let name = file.name.as_str();
    let stall = config.stall_timeout.as_secs_f64();
    let response = agent.get(url).call().map_err(|e| match e {
        ureq::Error::Timeout(t) => format!("no answer in time ({t} timeout)"),
        e => e.to_string(),
    })?;
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
    let cap = file.max_body();
    let total = response.body().content_length();
    if let Some(total) = total.filter(|&t| t > cap) {
        return Err(format!(
            "the server announces {total} bytes, more than the file can be ({cap} at most): \
             not fetched"
        ));
    }
    let mut part = PartFile::create(part_path(dir, name))?;
    let mut reader = response.into_body().into_reader();
    let mut data = Vec::with_capacity(total.unwrap_or(0).min(cap).min(64 << 20) as usize);
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
                let of = total.map_or("?".to_string(), |t| t.to_string());
                let got = data.len();
                let inner = e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>());
                return Err(match inner {
                    Some(ureq::Error::Timeout(ureq::Timeout::PerRead)) => format!(
                        "stalled: no data for {stall} s after {got} of {of} bytes; given up"
                    ),
                    Some(ureq::Error::Timeout(t)) => {
                        format!("timed out ({t}) after {got} of {of} bytes")
                    }
                    _ => format!("connection failed after {got} of {of} bytes: {e}"),
                });
            }
        };
        if (data.len() + n) as u64 > cap {
            return Err(format!(
                "the body goes on past {cap} bytes, more than the file can be: cut off there, \
                 nothing kept"
            ));
        }
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
    let limit = usize::try_from(file.size).unwrap_or(usize::MAX);
    let digest = if gzip {
        sha256_hex(&idx::gunzip_at_most(Path::new(url), &data, limit).map_err(|e| e.to_string())?)
    } else {
        sha256_hex(&data)
    };
    let sum = &file.sha256;
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

/// The first of `dirs` that holds the four files, and the files; if none does, the files of
/// `config` downloaded into `target` first (see [`download_with`]). A named directory that
/// does not exist is an error before anything is downloaded ([`check_named_dirs`]). If the
/// download fails, an [`Error::NotFound`] says in a few lines where it looked, what each mirror
/// answered and how to provide the files.
pub fn find_or_download(
    dirs: &[SearchDir],
    target: &SearchDir,
    config: &DownloadConfig,
    progress: impl FnMut(Event<'_>),
) -> Result<(SearchDir, MnistFiles)> {
    check_named_dirs(dirs)?;
    if let Ok(found) = find(dirs) {
        return Ok(found);
    }
    let before = not_found_message(dirs, "");
    download_with(&target.path, config, progress).map_err(|e| {
        let why = match &e {
            Error::Download(m) => m.clone(),
            other => other.to_string(),
        };
        let mut lines = before.lines();
        let first = lines.next().unwrap_or_default().to_string();
        let looked: Vec<&str> = lines.filter(|l| !l.contains("to provide them")).collect();
        Error::NotFound(format!(
            "{first}\n{}\n  downloading into {} failed: {}\n  {}",
            looked.join("\n"),
            target.path.display(),
            why.replace('\n', "\n  "),
            HOW_TO_PROVIDE
        ))
    })?;
    find(std::slice::from_ref(target))
}

/// [`find_or_download`], then the files read. [`RawMnist::load`] is this with
/// `search_dirs`, `download_target` and [`DownloadConfig::default`].
pub fn load_or_download(
    dirs: &[SearchDir],
    target: &Path,
    config: &DownloadConfig,
    progress: impl FnMut(Event<'_>),
) -> Result<RawMnist> {
    let target = SearchDir {
        path: target.to_path_buf(),
        source: dirs
            .iter()
            .find(|d| d.path == target)
            .map_or(crate::datadir::DirSource::Explicit, |d| d.source),
    };
    let (_, files) = find_or_download(dirs, &target, config, progress)?;
    files.read()
}

/// Prints the download's main steps on stderr (for the command line's loading); a closed stderr
/// is ignored.
pub fn print_event(event: Event<'_>) {
    let line = match event {
        Event::Requesting { url, .. } => format!("dlfs: downloading {url}"),
        Event::MirrorFailed { url, reason, .. } => format!("dlfs: {url} failed: {reason}"),
        Event::Saved { path, bytes, .. } => format!(
            "dlfs: saved {} ({bytes} bytes, SHA-256 verified)",
            path.display()
        ),
        Event::RemovedPartial { path } => {
            format!("dlfs: removed {}, left by an earlier run", path.display())
        }
        Event::Present { .. } | Event::Bytes { .. } => return,
    };
    let _ = writeln!(std::io::stderr(), "{line}");
}
