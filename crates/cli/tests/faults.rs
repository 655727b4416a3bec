//! Faults the library meets from a notebook cell: odd inputs to the figures and to MNIST
//! loading return `Err` (or draw), never panic; a figure saved on a full disk (a stand-in
//! writer that fails after a few bytes) leaves the previous file whole and no temporary file.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use dlfs::descent::Descent;
use dlfs::mnist::RawMnist;
use dlfs::prelude::*;
use dlfs::Error;
use dlfs_plot::export::write_atomic_via;
use dlfs_plot::*;
use ndarray::Array2;

use dlfs_testkit::TempDir;

use dlfs::gradient::function_2;

/// Renders `fig` small (PNG and SVG) and returns the PNG's result; a panic fails the test
/// with the case's name.
fn render(name: &str, fig: impl FnOnce() -> Figure) -> dlfs::Result<Vec<u8>> {
    match catch_unwind(AssertUnwindSafe(|| {
        let fig = fig();
        let svg = fig.clone().size(320, 180).svg_string();
        let png = fig.size(320, 180).png_bytes();
        assert_eq!(svg.is_ok(), png.is_ok(), "{name}: SVG and PNG disagree");
        png
    })) {
        Ok(r) => r,
        Err(_) => panic!("{name} panicked"),
    }
}

fn expect_err(name: &str, fig: impl FnOnce() -> Figure, needle: &str) {
    match render(name, fig) {
        Ok(_) => panic!("{name}: drawn, expected an error containing {needle:?}"),
        Err(e) => {
            let m = e.to_string();
            assert!(m.contains(needle), "{name}: {m:?} lacks {needle:?}");
        }
    }
}

#[test]
fn odd_figure_inputs_give_errors_not_panics() {
    let img = Array2::from_elem((3, 784), 0.5);
    expect_err(
        "digits of no image",
        || digits(Array2::zeros((0, 784)).view(), &[], None, 5),
        "nothing to draw",
    );
    expect_err(
        "digits without labels",
        || digits(img.view(), &[], None, 3),
        "nothing to draw",
    );
    expect_err(
        "digits of count 0",
        || digits(img.view(), &[1, 2, 3], None, 0),
        "nothing to draw",
    );
    expect_err(
        "digits of 27 pixels",
        || digits(Array2::zeros((2, 27)).view(), &[1, 2], None, 2),
        "784 columns",
    );
    expect_err(
        "digits with too few predictions",
        || digits(img.view(), &[1, 2, 3], Some(&[1]), 3),
        "1 predictions for 3 images",
    );
    // More labels than images, NaN pixels: drawn.
    let mut nan = img.clone();
    nan[[0, 5]] = f64::NAN;
    assert!(render("digits with NaN", || digits(
        nan.view(),
        &[1, 2, 3, 4, 5],
        None,
        10
    ))
    .is_ok());
    expect_err(
        "weights of no unit",
        || weights(Array2::zeros((784, 0)).view()),
        "hidden > 0",
    );
    expect_err(
        "weights of NaN",
        || weights(Array2::from_elem((784, 2), f64::NAN).view()),
        "non-finite",
    );
    expect_err("an empty grid", || Figure::grid(vec![], 2), "no figures");
    assert!(render("a grid of 0 columns", || Figure::grid(vec![log_curve()], 0)).is_ok());
    expect_err(
        "a grid holding a failed figure",
        || Figure::grid(vec![log_curve(), Figure::grid(vec![], 1)], 2),
        "no figures",
    );
    for (name, scale, needle) in [
        (
            "scale NaN",
            f64::NAN,
            "scale must be positive and finite, got NaN",
        ),
        ("scale -1", -1.0, "got -1"),
        ("scale inf", f64::INFINITY, "got inf"),
        ("scale 1e-9", 1e-9, "figure too small"),
        ("scale 1e9", 1e9, "figure too large"),
    ] {
        expect_err(name, || log_curve().scale(scale), needle);
    }
    let e = log_curve().size(0, 0).png_bytes().unwrap_err().to_string();
    assert!(e.contains("figure too small: 0x0"), "{e}");
    let e = log_curve()
        .size(u32::MAX, u32::MAX)
        .png_bytes()
        .unwrap_err()
        .to_string();
    assert!(e.contains("figure too large"), "{e}");
    expect_err(
        "tangents on a reversed range",
        || tangent_lines(|x| x, (1.0, 0.0), &[0.5]),
        "start < end",
    );
    expect_err(
        "tangents on NaN",
        || tangent_lines(|x| x, (f64::NAN, 1.0), &[]),
        "finite",
    );
    expect_err(
        "tangents of a NaN function",
        || tangent_lines(|_| f64::NAN, (0.0, 1.0), &[0.5]),
        "not finite",
    );
    expect_err(
        "tangents of log at 0",
        || tangent_lines(f64::ln, (0.0, 1.0), &[0.5]),
        "not finite",
    );
    assert!(render("tangents at no point", || tangent_lines(
        |x| x * x,
        (0.0, 1.0),
        &[]
    ))
    .is_ok());
    expect_err(
        "a surface of NaN",
        || surface(|_, _| f64::NAN, (-1.0, 1.0)),
        "",
    );
    expect_err(
        "a surface on an empty range",
        || surface(|a, b| a + b, (1.0, 1.0)),
        "start < end",
    );
    expect_err(
        "a field of step 0",
        || gradient_field(function_2, (-1.0, 1.0), 0.0),
        "step must be positive",
    );
    expect_err(
        "a field of step NaN",
        || gradient_field(function_2, (-1.0, 1.0), f64::NAN),
        "step must be positive",
    );
    // Drawn or refused, but no panic (render fails the test on one).
    let _ = render("a field of a tiny step", || {
        gradient_field(function_2, (-1.0, 1.0), 1e-9)
    });
    let empty = Descent {
        x: array![0.0, 0.0],
        trajectory: vec![],
    };
    expect_err(
        "a descent of no point",
        || descent_path(function_2, &empty),
        "no finite start point",
    );
    let three = gradient_descent(function_2, &array![1.0, 2.0, 3.0], 0.1, 3);
    expect_err(
        "a descent in 3-D",
        || descent_path(function_2, &three),
        "2-D points",
    );
    let nan = Descent {
        x: array![f64::NAN, 0.0],
        trajectory: vec![array![f64::NAN, 0.0]],
    };
    expect_err(
        "a descent from NaN",
        || descent_path(function_2, &nan),
        "no finite start point",
    );
    expect_err(
        "rates from a 1-D point",
        || learning_rates(function_2, &array![1.0], &[0.1], 5),
        "2-D point",
    );
    expect_err(
        "no rates",
        || learning_rates(function_2, &array![1.0, 1.0], &[], 5),
        "no learning rates",
    );
    expect_err(
        "rates from NaN",
        || learning_rates(function_2, &array![f64::NAN, 1.0], &[0.1], 5),
        "not finite",
    );
    let _ = render("rates of NaN and 0 steps", || {
        learning_rates(function_2, &array![1.0, 1.0], &[f64::NAN, 0.1], 0)
    });
    let h = History::default();
    expect_err("an empty loss history", || loss_curve(&h), "no losses");
    expect_err(
        "an empty epoch history",
        || accuracy_curve(&h),
        "no epoch records",
    );
    let h = History {
        train_loss: vec![1.0, f64::NAN],
        ..History::default()
    };
    expect_err(
        "a NaN loss",
        || loss_curve(&h),
        "train_loss[1] = NaN is not finite",
    );
}

#[test]
fn saving_to_a_bad_path_names_it() {
    let dir = TempDir::new("save-bad");
    let fig = log_curve().size(320, 180);
    let e = fig.save_png(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains(&dir.path().display().to_string()) && e.contains("is a directory"),
        "{e}"
    );
    let missing = dir.path().join("no-such-dir").join("f.png");
    let e = fig.save_svg(&missing).unwrap_err().to_string();
    assert!(e.contains(&missing.display().to_string()), "{e}");
    let e = fig.save_png("").unwrap_err().to_string();
    assert!(e.contains("not a file name"), "{e}");
    assert_eq!(dir.entries(), Vec::<String>::new());
}

/// A writer that takes `left` bytes, then fails as a full disk does.
struct FullDisk<W> {
    inner: W,
    left: usize,
}

impl<W: Write> Write for FullDisk<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "No space left on device",
            ));
        }
        let n = buf.len().min(self.left);
        self.left -= n;
        self.inner.write(&buf[..n])
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[test]
fn a_full_disk_leaves_the_last_good_file_whole() {
    let dir = TempDir::new("full-disk");
    let path: PathBuf = dir.path().join("fig4-3_log.svg");
    let good = log_curve().svg_string().unwrap();
    dlfs_plot::write_atomic(&path, good.as_bytes()).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), good);
    assert_eq!(dir.entries(), vec!["fig4-3_log.svg"]);
    // A new version that does not fit: the old one stays, nothing else is left.
    let new = log_curve().title("a new title").svg_string().unwrap();
    let err = write_atomic_via(&path, new.as_bytes(), |f| FullDisk {
        inner: f,
        left: 1000,
    })
    .unwrap_err();
    let m = err.to_string();
    assert!(m.contains(&path.display().to_string()), "{m}");
    assert!(m.contains("No space left on device"), "{m}");
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), good);
    assert_eq!(dir.entries(), vec!["fig4-3_log.svg"]);
    // A first version that does not fit: no file at all.
    let other = dir.path().join("other.png");
    write_atomic_via(&other, &[7u8; 5000], |f| FullDisk { inner: f, left: 10 }).unwrap_err();
    assert_eq!(dir.entries(), vec!["fig4-3_log.svg"]);
    // The figure's own save goes through the same door: whole files, no temporary left.
    let png = dir.path().join("f.png");
    log_curve().size(320, 180).save_png(&png).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    assert_eq!(bytes, log_curve().size(320, 180).png_bytes().unwrap());
    assert_eq!(dir.entries(), vec!["f.png", "fig4-3_log.svg"]);
}

#[test]
fn odd_mnist_inputs_give_errors_not_panics() {
    let dir = TempDir::new("mnist-odd");
    // A directory that does not exist, a file instead of a directory, an empty directory.
    let e = RawMnist::load(Some(&dir.path().join("nope")))
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not exist"), "{e}");
    std::fs::write(dir.path().join("a-file"), b"x").unwrap();
    let e = RawMnist::load(Some(&dir.path().join("a-file")))
        .unwrap_err()
        .to_string();
    assert!(e.contains("is not a directory"), "{e}");
    // Bytes of the wrong shape, built by hand.
    let raw = RawMnist {
        train_images: Array2::zeros((2, 100)),
        train_labels: array![1, 2],
        test_images: Array2::zeros((1, 784)),
        test_labels: array![3],
    };
    let e = raw.to_mnist(true, true, false).unwrap_err().to_string();
    assert!(e.contains("train_images has shape [2, 100]"), "{e}");
    let raw = RawMnist {
        train_images: Array2::zeros((2, 784)),
        train_labels: array![1, 12],
        ..raw
    };
    let e = raw.to_mnist(true, true, false).unwrap_err().to_string();
    assert!(e.contains("label 12 at index 1"), "{e}");
    let e = raw.to_mnist(true, true, true).unwrap_err().to_string();
    assert!(e.contains("label 12 at index 1"), "{e}");
}
