//! What the command line says about the data directories (`datadir::find`: what each one
//! holds, lacks or why it cannot be read) and about a damaged gzip file (`idx::decode`, which
//! `dlfs download` checks files with), beyond the library's short messages.

use std::path::Path;

use dlfs::Error;
use dlfs_cli::datadir::{DirSource, MnistFiles, SearchDir};
use dlfs_cli::idx::decode;
use dlfs_testkit::{
    assert_contains, gzip, idx_images, mnist_contents, mnist_pixel, write_mnist, TempDir,
    ThreeDirs, TEST_LABELS,
};

/// The four files of the small MNIST, gzip-compressed, in `dir`.
fn write_set(dir: &Path) {
    write_mnist(dir, &mnist_contents(), [true; 4])
}

/// `path`, searched for the reason `source`.
fn at(path: &Path, source: DirSource) -> SearchDir {
    SearchDir {
        path: path.to_path_buf(),
        source,
    }
}

/// The files of the first of `dirs` that holds them, or the command line's message.
fn locate(dirs: &[SearchDir]) -> dlfs::Result<MnistFiles> {
    dlfs_cli::datadir::find(dirs).map(|(_, files)| files)
}

fn images(n: u32) -> Vec<u8> {
    idx_images(n, 28, 28, |i, p| mnist_pixel(0, i, p))
}

/// The message of `decode` on `bytes` read from a file named `name`.
fn decode_error(name: &str, bytes: &[u8]) -> String {
    let err = decode(Path::new(name), bytes.to_vec()).expect_err("bad gzip");
    assert!(matches!(err, Error::Data { .. }), "{err:?}");
    let m = err.to_string();
    assert!(m.contains(name), "{m}");
    m
}

#[test]
fn a_gz_name_without_gzip_inside_is_not_gzip_after_all() {
    let m = decode_error("train-images-idx3-ubyte.gz", &images(3));
    assert!(m.contains("not gzip after all"), "{m}");
    assert!(m.contains("starts with 00 00 08 03"), "{m}");
    assert!(m.contains("raw IDX file"), "{m}");
    let m = decode_error("t10k-images-idx3-ubyte.gz", b"<html>403 Forbidden</html>");
    assert!(
        m.contains("not gzip after all: it starts with 3c 68 74 6d"),
        "{m}"
    );
    // Under the raw name the bytes are taken as they are.
    assert_eq!(decode(Path::new("x"), images(1)).unwrap(), images(1));
}

#[test]
fn corrupt_gzip_is_reported() {
    let good = gzip(&images(3));
    let m = decode_error("a.gz", &good[..good.len() / 2]);
    assert!(m.contains("gzip stream cut short"), "{m}");
    assert!(m.contains("incomplete"), "{m}");
    let mut garbled = good.clone();
    for b in &mut garbled[20..60] {
        *b ^= 0x5a;
    }
    let m = decode_error("a.gz", &garbled);
    assert!(m.contains("corrupt gzip"), "{m}");
}

#[test]
fn trailing_bytes_after_a_gzip_stream_are_trailing_data_not_a_cut() {
    let good = gzip(&images(3));
    let mut long = good.clone();
    long.extend_from_slice(b"JUNK appended");
    let m = decode_error("a.gz", &long);
    assert!(
        m.contains(&format!(
            "13 bytes of trailing data after the end of the gzip stream (at byte {} of {})",
            good.len(),
            long.len()
        )),
        "{m}"
    );
    assert!(m.contains("starting with 4a 55 4e 4b"), "{m}");
    assert!(!m.contains("cut short"), "{m}");
    // Two gzip members one after the other are one file, as gzip itself reads them.
    let raw = images(3);
    let (a, b) = raw.split_at(1000);
    let mut two = gzip(a);
    two.extend_from_slice(&gzip(b));
    assert_eq!(decode(Path::new("a.gz"), two).unwrap(), raw);
}

#[test]
fn a_directory_named_like_a_data_file_is_reported_as_a_directory() {
    let dir = TempDir::new("dir-named-like-file");
    write_set(dir.path());
    std::fs::remove_file(dir.path().join("t10k-images-idx3-ubyte.gz")).unwrap();
    std::fs::create_dir(dir.path().join("t10k-images-idx3-ubyte.gz")).unwrap();
    let dirs = [at(dir.path(), DirSource::Explicit)];
    let m = locate(&dirs)
        .expect_err("a directory is not a file")
        .to_string();
    assert!(
        m.contains("t10k-images-idx3-ubyte.gz is a directory, not a file"),
        "{m}"
    );
    assert!(!m.contains("lacks"), "{m}");
    // A raw file next to it is used.
    std::fs::write(
        dir.path().join("t10k-images-idx3-ubyte"),
        idx_images(2, 28, 28, |i, p| mnist_pixel(1, i, p)),
    )
    .unwrap();
    let files = locate(&dirs).unwrap();
    assert_eq!(files.paths[2], dir.path().join("t10k-images-idx3-ubyte"));
}

#[cfg(unix)]
#[test]
fn an_unreadable_directory_is_reported_as_such() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("unreadable");
    write_set(dir.path());
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    write_set(&locked);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::read_dir(&locked).is_ok();
    let dirs = [at(&locked, DirSource::Explicit)];
    let result = locate(&dirs);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    if readable {
        // Root: permissions are not enforced. This test runs again, alone, as the
        // unprivileged user 65534 ("nobody"), for whom they are (as tests/cli.rs does).
        use std::os::unix::process::CommandExt;
        assert!(
            std::env::var_os("DLFS_TEST_AS_NOBODY").is_none(),
            "not enforced for 65534"
        );
        let name = "an_unreadable_directory_is_reported_as_such";
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([name, "--exact", "--include-ignored"])
            .env("DLFS_TEST_AS_NOBODY", "1")
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("1 passed"), "{text}");
        return;
    }
    let m = result.expect_err("unreadable").to_string();
    assert!(m.contains("cannot be read (permission denied)"), "{m}");
    assert!(!m.contains("holds none"), "{m}");
}

#[test]
fn missing_files_say_where_it_looked_and_how_to_provide_them() {
    let three = ThreeDirs::new();
    let dirs = [
        at(three.empty.path(), DirSource::Explicit),
        at(three.partial.path(), DirSource::EnvVar),
        at(&three.absent, DirSource::UserCache),
    ];
    let err = locate(&dirs).expect_err("no directory holds the four files");
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    let m = err.to_string();
    assert_contains(
        &m,
        [
            format!(
                "{} (given by the caller): holds none of the four files",
                three.empty.path().display()
            ),
            format!(
                "{} (from DLFS_DATA_DIR): lacks t10k-labels-idx1-ubyte",
                three.partial.path().display()
            ),
            format!(
                "{} (the user's cache directory): does not exist",
                three.absent.display()
            ),
            "cargo run --release -p dlfs-cli -- download".to_string(),
            "set DLFS_DATA_DIR to a folder".to_string(),
            "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz".to_string(),
        ],
    );
    // A few short lines: one per directory, one to say how to provide the files.
    assert_eq!(m.lines().count(), 5, "{m}");
    assert!(m.lines().all(|l| l.len() < 250), "{m}");
    // Completing the second directory makes it the one found.
    three.complete();
    let files = locate(&dirs).unwrap();
    assert_eq!(files, MnistFiles::in_dir(three.partial.path()).unwrap());
    assert_eq!(
        files.paths[3],
        three.partial.path().join("t10k-labels-idx1-ubyte")
    );
    let raw = files.read().unwrap();
    assert_eq!(raw.test_labels.to_vec(), TEST_LABELS.to_vec());
    assert_eq!(raw.train_images.shape(), &[3, 784]);
}
