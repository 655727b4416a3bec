//! Fixtures shared by the tests of the dlfs crates: a temporary directory, gzip, IDX files, a
//! small MNIST, data directories that lack it, and assertions on messages.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory under the system's temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "dlfs-test-{}-{}-{tag}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    #[allow(dead_code)] // not every test file lists entries
    /// The names of the entries in the directory, hidden ones included, sorted.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The gzip stream of `bytes` (default compression), as MNIST's files are distributed.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// The IDX label file (magic `0x00000801`) holding `labels`.
pub fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0x0801u32.to_be_bytes());
    out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    out
}

/// The IDX image file (magic `0x00000803`) of `n` images of `rows` x `cols`, pixel `p` of
/// image `i` being `pixel(i, p)`.
pub fn idx_images(n: u32, rows: u32, cols: u32, pixel: impl Fn(usize, usize) -> u8) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [0x0803, n, rows, cols] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    for i in 0..n as usize {
        for p in 0..(rows * cols) as usize {
            out.push(pixel(i, p));
        }
    }
    out
}

/// The standard names of the four MNIST files without `.gz`, in the order of
/// `dlfs::mnist::FILES` (a test checks that they agree).
pub const MNIST_FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// The labels of the small MNIST of [`mnist_contents`]: 3 training images, 2 test images.
pub const TRAIN_LABELS: [u8; 3] = [5, 0, 9];
/// See [`TRAIN_LABELS`].
pub const TEST_LABELS: [u8; 2] = [7, 2];

/// The test pattern of [`mnist_contents`]: pixel `p` of image `i` of set `set` (0 training, 1
/// test), covering 0 and 255.
pub fn mnist_pixel(set: usize, i: usize, p: usize) -> u8 {
    ((set * 101 + i * 31 + p * 7) % 256) as u8
}

/// A small MNIST, the four files' contents raw in the order of [`MNIST_FILES`]: 28x28 images
/// of [`mnist_pixel`], labels [`TRAIN_LABELS`] and [`TEST_LABELS`].
pub fn mnist_contents() -> [Vec<u8>; 4] {
    [
        idx_images(3, 28, 28, |i, p| mnist_pixel(0, i, p)),
        idx_labels(&TRAIN_LABELS),
        idx_images(2, 28, 28, |i, p| mnist_pixel(1, i, p)),
        idx_labels(&TEST_LABELS),
    ]
}

/// Writes `contents` (in the order of [`MNIST_FILES`]) into `dir`, gzip-compressed as
/// `name.gz` where `gz[k]`, raw as `name` otherwise.
pub fn write_mnist(dir: &Path, contents: &[Vec<u8>; 4], gz: [bool; 4]) {
    for ((name, bytes), gz) in MNIST_FILES.iter().zip(contents).zip(gz) {
        if gz {
            std::fs::write(dir.join(format!("{name}.gz")), gzip(bytes)).unwrap();
        } else {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

/// The directory of the full MNIST, from `DLFS_DATA_DIR`, for the tests marked
/// `#[ignore = "needs MNIST"]` (run with `--include-ignored`): with the variable unset or empty
/// such a test fails, naming it, rather than passing without testing.
#[track_caller]
pub fn full_mnist_dir() -> PathBuf {
    std::env::var_os("DLFS_DATA_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .expect("DLFS_DATA_DIR names the directory with the full MNIST")
}

/// Three data directories of which none holds all four MNIST files, for what a failed search
/// says: `empty` holds nothing, `partial` holds [`mnist_contents`] gzip-compressed but for
/// `t10k-labels-idx1-ubyte`, and `absent` (inside `empty`) does not exist.
pub struct ThreeDirs {
    pub empty: TempDir,
    pub partial: TempDir,
    pub absent: PathBuf,
}

impl ThreeDirs {
    pub fn new() -> ThreeDirs {
        let (empty, partial) = (TempDir::new("empty"), TempDir::new("partial"));
        write_mnist(partial.path(), &mnist_contents(), [true; 4]);
        std::fs::remove_file(partial.path().join("t10k-labels-idx1-ubyte.gz")).unwrap();
        let absent = empty.path().join("no-such-dir");
        ThreeDirs {
            empty,
            partial,
            absent,
        }
    }

    /// Writes the missing file into `partial` (raw, [`TEST_LABELS`]), which then holds all four.
    pub fn complete(&self) {
        std::fs::write(
            self.partial.path().join("t10k-labels-idx1-ubyte"),
            idx_labels(&TEST_LABELS),
        )
        .unwrap();
    }
}

impl Default for ThreeDirs {
    fn default() -> Self {
        ThreeDirs::new()
    }
}

/// Asserts that `text` contains every one of `needles`, naming the one it lacks and quoting
/// `text` (a message under test).
#[track_caller]
pub fn assert_contains<S: AsRef<str>>(text: &str, needles: impl IntoIterator<Item = S>) {
    for needle in needles {
        let needle = needle.as_ref();
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

/// Asserts that `text` contains none of `needles`, naming the one it holds and quoting `text`.
#[track_caller]
pub fn assert_lacks<S: AsRef<str>>(text: &str, needles: impl IntoIterator<Item = S>) {
    for needle in needles {
        let needle = needle.as_ref();
        assert!(!text.contains(needle), "unexpected {needle:?} in:\n{text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assert_contains_passes_on_every_needle_and_fails_on_a_missing_one() {
        assert_contains("a mirror failed: HTTP 404", ["mirror", "HTTP 404"]);
        assert_lacks("a mirror failed: HTTP 404", ["panicked", "HTTP 500"]);
        let missing = std::panic::catch_unwind(|| assert_contains("abc", ["b", "x"]));
        let text = *missing.unwrap_err().downcast::<String>().unwrap();
        assert!(text.starts_with("missing \"x\" in:\nabc"), "{text}");
        let present = std::panic::catch_unwind(|| assert_lacks("abc", ["x", "c"]));
        let text = *present.unwrap_err().downcast::<String>().unwrap();
        assert!(text.starts_with("unexpected \"c\" in:\nabc"), "{text}");
    }

    #[test]
    fn three_dirs_hold_none_of_the_set_until_completed() {
        let three = ThreeDirs::new();
        assert!(three.empty.entries().is_empty());
        assert!(!three.absent.exists());
        let mut expected: Vec<String> = MNIST_FILES.iter().map(|n| format!("{n}.gz")).collect();
        expected.retain(|n| n != "t10k-labels-idx1-ubyte.gz");
        expected.sort();
        assert_eq!(three.partial.entries(), expected);
        three.complete();
        let labels = std::fs::read(three.partial.path().join("t10k-labels-idx1-ubyte")).unwrap();
        assert_eq!(labels, idx_labels(&TEST_LABELS));
    }
}
