//! MNIST loading: IDX files written here (gzip and raw), every option, every kind of bad file,
//! the data directory search, and the full set from `DLFS_DATA_DIR`. What the command line
//! says about a directory in detail is tested in crates/cli/tests/datadir.rs.

use std::path::{Path, PathBuf};

use dlfs::loss::cross_entropy_error;
use dlfs::mnist::{data_dirs, files_in, Labels, Mnist, RawMnist, FILES};
use dlfs::Error;
use ndarray::Array2;

use dlfs_testkit::{
    gzip, idx_labels, mnist_contents, mnist_pixel, write_mnist, TempDir, MNIST_FILES, TEST_LABELS,
    TRAIN_LABELS,
};

fn pixel(set: usize, i: usize, p: usize) -> u8 {
    mnist_pixel(set, i, p)
}

fn idx_images(n: u32, rows: u32, cols: u32, set: usize) -> Vec<u8> {
    dlfs_testkit::idx_images(n, rows, cols, |i, p| pixel(set, i, p))
}

fn good_contents() -> [Vec<u8>; 4] {
    mnist_contents()
}

fn write_set(dir: &Path, contents: &[Vec<u8>; 4], gz: [bool; 4]) {
    write_mnist(dir, contents, gz)
}

#[test]
fn the_fixtures_name_the_files_as_the_crate_does() {
    assert_eq!(MNIST_FILES, FILES);
}

/// MNIST from `dir` as `load_mnist(normalize, flatten, one_hot_label)` gives it.
fn load(dir: &Path, normalize: bool, flatten: bool, one_hot_label: bool) -> dlfs::Result<Mnist> {
    RawMnist::load(Some(dir))?.to_mnist(normalize, flatten, one_hot_label)
}

fn check_loaded(m: &Mnist, normalize: bool, flatten: bool, one_hot: bool) {
    let scale = if normalize { 1.0 / 255.0 } else { 1.0 };
    for (set, x, n) in [(0, &m.x_train, 3), (1, &m.x_test, 2)] {
        assert!(flatten, "images are always rows of 784");
        assert_eq!(x.shape(), &[n, 784]);
        for i in 0..n {
            for p in [0, 1, 27, 28, 400, 783] {
                let v = x[[i, p]];
                assert_eq!(
                    v,
                    pixel(set, i, p) as f64 * scale,
                    "set {set} image {i} pixel {p}"
                );
            }
        }
        let max = x.iter().cloned().fold(f64::MIN, f64::max);
        assert_eq!(max, 255.0 * scale);
    }
    for (t, expected) in [
        (&m.t_train, &TRAIN_LABELS[..]),
        (&m.t_test, &TEST_LABELS[..]),
    ] {
        let classes: Vec<usize> = expected.iter().map(|&l| l as usize).collect();
        match t {
            Labels::Labels(c) => {
                assert!(!one_hot);
                assert_eq!(c.to_vec(), classes);
            }
            Labels::OneHot(h) => {
                assert!(one_hot);
                assert_eq!(h.shape(), &[classes.len(), 10]);
                for (row, &c) in h.outer_iter().zip(&classes) {
                    for (k, &v) in row.iter().enumerate() {
                        assert_eq!(v, if k == c { 1.0 } else { 0.0 });
                    }
                }
            }
        }
        assert_eq!(t.classes(), classes);
        assert_eq!(t.len(), classes.len());
    }
}

#[test]
fn loads_gzip_and_raw_files_with_every_option() {
    for (tag, gz) in [
        ("gz", [true; 4]),
        ("raw", [false; 4]),
        ("mixed", [true, false, false, true]),
    ] {
        let dir = TempDir::new(tag);
        write_set(dir.path(), &good_contents(), gz);
        for normalize in [false, true] {
            // flatten=false (the book's (N, 1, 28, 28)) is an error that says what to use.
            let e = load(dir.path(), normalize, false, false).unwrap_err();
            assert!(e.to_string().contains("flatten=true"), "{e}");
            for flatten in [true] {
                for one_hot in [false, true] {
                    let m = load(dir.path(), normalize, flatten, one_hot)
                        .unwrap_or_else(|e| panic!("{tag}: {e}"));
                    check_loaded(&m, normalize, flatten, one_hot);
                    // `load` finds the files and so never downloads.
                    let m = load(dir.path(), normalize, flatten, one_hot).unwrap();
                    check_loaded(&m, normalize, flatten, one_hot);
                }
            }
        }
    }
}

#[test]
fn gzip_is_preferred_to_raw_and_detected_by_its_magic() {
    let dir = TempDir::new("both");
    // Raw files holding other labels next to the gzip ones: the .gz win.
    write_set(dir.path(), &good_contents(), [true; 4]);
    std::fs::write(dir.path().join(FILES[1]), idx_labels(&[1, 1, 1])).unwrap();
    let m = load(dir.path(), true, true, false).unwrap();
    assert_eq!(m.t_train.classes(), vec![5, 0, 9]);
    // A gzip stream under the raw name is decompressed all the same.
    let dir = TempDir::new("gz-without-ext");
    let contents = good_contents();
    for (name, bytes) in FILES.iter().zip(&contents) {
        std::fs::write(dir.path().join(name), gzip(bytes)).unwrap();
    }
    let m = load(dir.path(), false, true, false).unwrap();
    check_loaded(&m, false, true, false);
}

/// Writes the good set with file `k` replaced by `bytes` (written as-is under `name`), loads it,
/// and returns the error, checking that it is a data error about that file.
fn load_error(k: usize, name: &str, bytes: &[u8]) -> String {
    let dir = TempDir::new("bad");
    let mut gz = [true; 4];
    gz[k] = false;
    write_set(dir.path(), &good_contents(), gz);
    let _ = std::fs::remove_file(dir.path().join(FILES[k]));
    std::fs::write(dir.path().join(name), bytes).unwrap();
    let err = load(dir.path(), true, true, false).expect_err("a bad file must not load");
    let message = err.to_string();
    match &err {
        Error::Data { path, .. } => {
            assert_eq!(path, &dir.path().join(name), "{message}");
        }
        other => panic!("expected a data error, got {other:?}"),
    }
    assert!(message.contains(name), "{message}");
    message
}

#[test]
fn wrong_magic_number_says_what_it_was_and_what_was_expected() {
    let m = load_error(
        0,
        "train-images-idx3-ubyte.gz",
        &gzip(&idx_labels(&[1, 2, 3])),
    );
    assert!(m.contains("wrong magic number 0x00000801"), "{m}");
    assert!(m.contains("expected 0x00000803 for images"), "{m}");
    let m = load_error(
        3,
        "t10k-labels-idx1-ubyte",
        b"PK\x03\x04 a zip file, not IDX",
    );
    assert!(m.contains("wrong magic number 0x504b0304"), "{m}");
    assert!(m.contains("expected 0x00000801"), "{m}");
}

#[test]
fn images_that_are_not_28_by_28_are_rejected() {
    let m = load_error(2, "t10k-images-idx3-ubyte", &idx_images(2, 28, 27, 1));
    assert!(m.contains("images are 28x27 pixels, expected 28x28"), "{m}");
}

#[test]
fn truncated_files_say_at_which_byte() {
    let full = idx_images(3, 28, 28, 0);
    let cut = &full[..16 + 784 * 2 + 100];
    let m = load_error(0, "train-images-idx3-ubyte", cut);
    let expected = format!(
        "truncated at byte {} of {}",
        16 + 784 * 2 + 100,
        16 + 784 * 3
    );
    assert!(m.contains(&expected), "{m}");
    assert!(m.contains("[3, 28, 28]"), "{m}");
    // Cut inside the header, and gzip-compressed.
    let m = load_error(
        1,
        "train-labels-idx1-ubyte.gz",
        &gzip(&idx_labels(&TRAIN_LABELS)[..6]),
    );
    assert!(m.contains("truncated at byte 6 of 8"), "{m}");
    // Empty.
    let m = load_error(3, "t10k-labels-idx1-ubyte", b"");
    assert!(m.contains("truncated at byte 0 of 8"), "{m}");
}

#[test]
fn trailing_bytes_are_rejected() {
    let mut long = idx_labels(&TEST_LABELS);
    long.extend_from_slice(&[1, 2, 3]);
    let m = load_error(3, "t10k-labels-idx1-ubyte", &long);
    assert!(m.contains("3 unexpected bytes after the end"), "{m}");
}

#[test]
fn image_and_label_counts_must_agree() {
    let m = load_error(1, "train-labels-idx1-ubyte", &idx_labels(&[5, 0, 9, 1]));
    assert!(m.contains("4 labels but 3 images"), "{m}");
    assert!(m.contains("train-images-idx3-ubyte.gz"), "{m}");
    assert!(m.contains("counts differ"), "{m}");
}

#[test]
fn labels_above_9_are_rejected() {
    let m = load_error(3, "t10k-labels-idx1-ubyte", &idx_labels(&[7, 12]));
    assert!(
        m.contains("label value 12 at index 1 is not a digit 0-9"),
        "{m}"
    );
}

#[test]
fn a_gz_name_without_gzip_inside_is_read_by_its_content() {
    // gzip is told by the first bytes, not the name: a raw IDX file named .gz loads.
    let dir = TempDir::new("raw-named-gz");
    write_set(dir.path(), &good_contents(), [true, true, true, true]);
    let raw_images = &good_contents()[0];
    std::fs::write(dir.path().join("train-images-idx3-ubyte.gz"), raw_images).unwrap();
    let m = load(dir.path(), false, true, false).unwrap();
    check_loaded(&m, false, true, false);
    // A web page saved under the name is not an IDX file.
    let m = load_error(
        2,
        "t10k-images-idx3-ubyte.gz",
        b"<html>403 Forbidden</html>",
    );
    assert!(m.contains("wrong magic number 0x3c68746d"), "{m}");
}

#[test]
fn corrupt_gzip_is_reported() {
    let good = gzip(&idx_images(3, 28, 28, 0));
    let mut garbled = good.clone();
    for b in &mut garbled[20..60] {
        *b ^= 0x5a;
    }
    let mut junk = good.clone();
    junk.extend_from_slice(b"JUNK appended");
    for bytes in [&good[..good.len() / 2], &garbled, &junk] {
        let m = load_error(0, "train-images-idx3-ubyte.gz", bytes);
        assert!(m.contains("corrupt or cut-short gzip"), "{m}");
    }
    // Two gzip members one after the other are one file, as gzip itself reads them.
    let raw = idx_images(3, 28, 28, 0);
    let (a, b) = raw.split_at(1000);
    let mut two = gzip(a);
    two.extend_from_slice(&gzip(b));
    let dir = TempDir::new("members");
    write_set(dir.path(), &good_contents(), [true; 4]);
    std::fs::write(dir.path().join("train-images-idx3-ubyte.gz"), &two).unwrap();
    let m = load(dir.path(), false, true, false).unwrap();
    check_loaded(&m, false, true, false);
}

#[test]
fn a_named_directory_that_does_not_exist_is_an_error_naming_it() {
    let dir = TempDir::new("named");
    write_set(dir.path(), &good_contents(), [true; 4]);
    let typo = dir.path().join("mnsit");
    let err = load(&typo, true, true, false).expect_err("a mistyped directory");
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    let m = err.to_string();
    let says = format!(
        "the data directory {} (given) does not exist",
        typo.display()
    );
    assert!(m.contains(&says) && m.contains("check its spelling"), "{m}");
    assert!(!typo.exists(), "nothing may be created");
    let file = dir.path().join("train-labels-idx1-ubyte.gz");
    let err = load(&file, true, true, false).expect_err("a file");
    assert!(err.to_string().contains("is not a directory"), "{err}");
}

#[test]
fn missing_files_say_where_it_looked_and_how_to_get_them() {
    let partial = TempDir::new("partial");
    write_set(partial.path(), &good_contents(), [true; 4]);
    std::fs::remove_file(partial.path().join("t10k-labels-idx1-ubyte.gz")).unwrap();
    assert_eq!(files_in(partial.path()), None);
    let err = RawMnist::load(Some(partial.path())).expect_err("a file is missing");
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    let m = err.to_string();
    for needle in [
        format!("looked in: {})", partial.path().display()),
        "cargo run --release -p dlfs-cli -- download".to_string(),
        "set DLFS_DATA_DIR".to_string(),
    ] {
        assert!(m.contains(&needle), "missing {needle:?} in {m}");
    }
    // The raw file completes the set.
    let raw_labels = partial.path().join("t10k-labels-idx1-ubyte");
    std::fs::write(&raw_labels, idx_labels(&TEST_LABELS)).unwrap();
    assert_eq!(files_in(partial.path()).unwrap()[3], raw_labels);
    let raw = RawMnist::load(Some(partial.path())).unwrap();
    assert_eq!(raw.test_labels.to_vec(), TEST_LABELS.to_vec());
    assert_eq!(raw.train_images.shape(), &[3, 784]);
    // A directory where a file should be is not a file: the raw file next to it is used.
    let dir = TempDir::new("dir-named-like-file");
    write_set(dir.path(), &good_contents(), [true; 4]);
    std::fs::remove_file(dir.path().join("t10k-images-idx3-ubyte.gz")).unwrap();
    std::fs::create_dir(dir.path().join("t10k-images-idx3-ubyte.gz")).unwrap();
    assert_eq!(files_in(dir.path()), None);
    let raw_images = dir.path().join("t10k-images-idx3-ubyte");
    std::fs::write(&raw_images, idx_images(2, 28, 28, 1)).unwrap();
    assert_eq!(files_in(dir.path()).unwrap()[2], raw_images);
}

#[test]
fn search_order_is_env_then_cache() {
    let [env, cache] = data_dirs();
    let set = std::env::var_os("DLFS_DATA_DIR").filter(|v| !v.is_empty());
    assert_eq!(env, set.map(PathBuf::from));
    let user = dirs::cache_dir().map(|c| c.join("dlfs").join("mnist"));
    assert_eq!(cache, user);
}

#[test]
fn labels_len_classes_select_and_target() {
    let class = Labels::Labels(vec![3, 1, 4, 1, 5].into());
    let hot = Labels::OneHot(dlfs::batch::one_hot(&[3, 1, 4, 1, 5], 10).unwrap().into());
    for t in [&class, &hot] {
        assert_eq!(t.len(), 5);
        assert!(!t.is_empty());
        assert_eq!(t.classes(), vec![3, 1, 4, 1, 5]);
        let picked = t.select(&[4, 0, 0]).unwrap();
        assert_eq!(picked.classes(), vec![5, 3, 3]);
        assert_eq!(
            std::mem::discriminant(&picked),
            std::mem::discriminant(t),
            "select keeps the kind"
        );
        assert!(t.select(&[]).unwrap().is_empty());
        // An index past the last label is an error naming it, not a panic.
        let err = t.select(&[0, 5]).unwrap_err().to_string();
        assert!(err.contains("index 5") && err.contains("5 labels"), "{err}");
    }
    // As a loss target: the same cross-entropy as the plain labels.
    let mut y = Array2::from_elem((5, 10), 0.05);
    for (i, &c) in [3usize, 1, 4, 0, 5].iter().enumerate() {
        y[[i, c]] = 0.55;
    }
    let expected = cross_entropy_error(&y, &[3usize, 1, 4, 1, 5]).unwrap();
    assert!(expected > 0.0);
    assert_eq!(cross_entropy_error(&y, &class).unwrap(), expected);
    assert!((cross_entropy_error(&y, &hot).unwrap() - expected).abs() < 1e-12);
    let wrong = Labels::Labels(vec![1, 2].into());
    assert!(cross_entropy_error(&y, &wrong).is_err());
}

/// The full set, from `DLFS_DATA_DIR` (`.ci/run` sets it to `../shared/mnist`).
#[test]
#[ignore = "needs MNIST"]
fn full_mnist_from_dlfs_data_dir() {
    let dir = std::env::var_os("DLFS_DATA_DIR")
        .filter(|v| !v.is_empty())
        .expect("DLFS_DATA_DIR names the directory with the full MNIST");
    let dir = PathBuf::from(dir);
    let start = std::time::Instant::now();
    let raw = RawMnist::load(Some(&dir)).unwrap();
    let raw_seconds = start.elapsed().as_secs_f64();
    assert_eq!(raw.train_images.shape(), &[60000, 784]);
    assert_eq!(raw.test_images.shape(), &[10000, 784]);
    let count = |t: &ndarray::Array1<u8>, d: u8| t.iter().filter(|&&l| l == d).count();
    assert_eq!(
        (count(&raw.train_labels, 0), count(&raw.train_labels, 1)),
        (5923, 6742)
    );
    assert_eq!(
        (count(&raw.test_labels, 0), count(&raw.test_labels, 1)),
        (980, 1135)
    );

    let start = std::time::Instant::now();
    let m = load(&dir, true, true, false).unwrap();
    let seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "full MNIST: bytes in {raw_seconds:.2} s, f64 (normalize, flatten) in {seconds:.2} s"
    );
    assert_eq!(m.x_train.shape(), &[60000, 784]);
    assert_eq!(m.x_test.shape(), &[10000, 784]);
    assert_eq!(&m.t_train.classes()[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert_eq!(&m.t_test.classes()[..10], &[7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    for x in [&m.x_train, &m.x_test] {
        let (lo, hi) = x
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        assert_eq!((lo, hi), (0.0, 1.0));
    }
    // The first training image (a 5): its pixels as bytes / 255.
    assert_eq!(
        m.x_train[[0, 152]],
        raw.train_images[[0, 152]] as f64 / 255.0
    );
    assert!(m.x_train.index_axis(ndarray::Axis(0), 0).sum() > 50.0);
    drop(m);

    let m = load(&dir, false, true, true).unwrap();
    assert_eq!(m.x_test.shape(), &[10000, 784]);
    let first = m.x_test.row(0).into_shape_with_order((28, 28)).unwrap();
    assert_eq!(first[[7, 10]], raw.test_images[[0, 7 * 28 + 10]] as f64);
    assert_eq!(m.x_test.iter().cloned().fold(f64::MIN, f64::max), 255.0);
    assert_eq!(&m.t_test.classes()[..10], &[7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    match &m.t_train {
        Labels::OneHot(t) => assert_eq!(t.column(0).sum(), 5923.0),
        other => panic!("expected one-hot labels, got {:?}", other.len()),
    }
}
