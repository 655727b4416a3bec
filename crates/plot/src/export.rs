//! The full set of chapter-4 figures, named for files, as `dlfs figures` writes them.

use crate::lang::{say, tr};
use std::path::{Path, PathBuf};

use ndarray::{array, Axis};

use super::{
    accuracy_curve, descent_path, digits, function_1_tangents, function_2_gradient_field,
    function_2_surface, learning_rates, log_curve, loss_curve, weights, Figure,
};
use dlfs::descent::gradient_descent;
use dlfs::gradient::function_2;
use dlfs::mnist::Mnist;
use dlfs::net::argmax;
use dlfs::train::Trained;
use dlfs::{Error, Result};

/// The names of the figures that need MNIST and a trained network, in export order.
pub const MNIST_FIGURE_NAMES: [&str; 5] = [
    "fig4-11_loss",
    "fig4-12_accuracy",
    "mnist_digits",
    "mnist_predictions",
    "tlnet_weights",
];

/// Figures 4-3 to 4-10 (no data needed), as (file stem, figure):
/// `fig4-3_log`, `fig4-6_tangents`, `fig4-8_surface`, `fig4-9_gradient_field`,
/// `fig4-10_gradient_descent` (from (-3, 4), lr 0.1, 20 steps) and
/// `fig4-10b_learning_rates` (lr 10, 0.1, 1e-10, 100 steps, the book's discussion).
pub fn book_figures() -> Vec<(String, Figure)> {
    let init = array![-3.0, 4.0];
    let descent = gradient_descent(function_2, &init, 0.1, 20);
    vec![
        ("fig4-3_log".into(), log_curve()),
        ("fig4-6_tangents".into(), function_1_tangents()),
        ("fig4-8_surface".into(), function_2_surface()),
        ("fig4-9_gradient_field".into(), function_2_gradient_field()),
        (
            "fig4-10_gradient_descent".into(),
            descent_path(function_2, &descent).title(tr(
                "Gradient descent on x0² + x1² from (−3, 4), lr = 0.1, 20 steps  (fig. 4-10)",
                "(−3, 4)에서 x0² + x1²의 경사 하강법, 학습률 0.1, 20단계  (그림 4-10)",
            )),
        ),
        (
            "fig4-10b_learning_rates".into(),
            learning_rates(function_2, &init, &[10.0, 0.1, 1e-10], 100),
        ),
    ]
}

/// The figures that need MNIST (flattened, as `load_mnist(true, true, false)` gives it) and a
/// trained network, as (file stem, figure), named as in [`MNIST_FIGURE_NAMES`]:
/// the loss and accuracy of the run (4-11, 4-12), the first 40 training digits, 40 test
/// digits with the net's predictions (the first 12 misclassified among the first 2000 test
/// images and the first 28 right ones), and the weights `W1`.
pub fn mnist_figures(mnist: &Mnist, trained: &Trained) -> Result<Vec<(String, Figure)>> {
    let (x_train, x_test) = (mnist.x_train.view(), mnist.x_test.view());
    let t_train = mnist.t_train.classes();
    let t_test = mnist.t_test.classes();

    let pool = x_test.nrows().min(t_test.len()).min(2000);
    let y = trained
        .net
        .predict(&x_test.slice(ndarray::s![..pool, ..]))?;
    let pred: Vec<usize> = y.rows().into_iter().map(|r| argmax(r.iter())).collect();
    let wrong: Vec<usize> = (0..pool)
        .filter(|&i| pred[i] != t_test[i])
        .take(12)
        .collect();
    let right: Vec<usize> = (0..pool)
        .filter(|&i| pred[i] == t_test[i])
        .take(28)
        .collect();
    let mut pick: Vec<usize> = wrong.iter().chain(right.iter()).copied().collect();
    pick.sort_unstable();
    let x_pick = x_test.select(Axis(0), &pick);
    let t_pick: Vec<usize> = pick.iter().map(|&i| t_test[i]).collect();
    let p_pick: Vec<usize> = pick.iter().map(|&i| pred[i]).collect();
    let predictions = digits(x_pick.view(), &t_pick, Some(&p_pick), pick.len()).title(say!(
        "Trained net on test digits: {} misclassified (orange frame) and {} right, from the first {pool}",
        "학습한 신경망의 시험 데이터 예측: 처음 {pool}장 중 틀린 {}장(주황 테두리)과 맞힌 {}장",
        wrong.len(),
        right.len()
    ));

    let h = &trained.history;
    Ok(vec![
        (MNIST_FIGURE_NAMES[0].into(), loss_curve(h)),
        (MNIST_FIGURE_NAMES[1].into(), accuracy_curve(h)),
        (
            MNIST_FIGURE_NAMES[2].into(),
            digits(x_train, &t_train, None, 40).title(tr(
                "The first 40 MNIST training images with their labels",
                "MNIST 훈련 데이터의 처음 40장과 정답 레이블",
            )),
        ),
        (MNIST_FIGURE_NAMES[3].into(), predictions),
        (
            MNIST_FIGURE_NAMES[4].into(),
            weights(trained.net.params.w1.view()),
        ),
    ])
}

/// Writes `bytes` to `path` without ever leaving a partial file there: they go to a temporary
/// file in the same directory (`.NAME.PID.tmp`), which is flushed to disk and then renamed over
/// `path`. If anything fails (a full disk, say), the temporary file is removed, `path` keeps
/// its previous content (or stays absent), and the error names `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_via(path, bytes, |file| file)
}

/// [`write_atomic`], writing through `wrap(file)` (a test passes a writer that fails after a
/// few bytes, as a full disk does).
pub fn write_atomic_via<W: std::io::Write>(
    path: &Path,
    bytes: &[u8],
    wrap: impl FnOnce(std::fs::File) -> W,
) -> Result<()> {
    let name = path.file_name().ok_or_else(|| {
        Error::InvalidArgument(format!("{} is not a file name to write to", path.display()))
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if path.is_dir() {
        return Err(Error::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory, cannot write a file there",
            ),
        ));
    }
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(path, e))?;
    let mut writer = wrap(file);
    let done = writer
        .write_all(bytes)
        .and_then(|()| writer.flush())
        .map(|()| drop(writer))
        .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    done.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// Writes one figure as `DIR/NAME.png` (at `scale`) and `DIR/NAME.svg` (see
/// [`write_atomic`]); returns the two paths.
pub fn export_figure(name: &str, fig: &Figure, dir: &Path, scale: f64) -> Result<[PathBuf; 2]> {
    let png = dir.join(format!("{name}.png"));
    fig.clone().scale(scale).save_png(&png)?;
    let svg = dir.join(format!("{name}.svg"));
    fig.save_svg(&svg)?;
    Ok([png, svg])
}

/// Writes each figure as `DIR/NAME.png` (at `scale`) and `DIR/NAME.svg`, creating `dir`, and
/// calls `on_file` after each file. Figures whose name does not start with `only` (when
/// given) are left out. Returns the files written; stops at the first error.
pub fn export_figures(
    figures: &[(String, Figure)],
    dir: &Path,
    scale: f64,
    only: Option<&str>,
    mut on_file: impl FnMut(&Path),
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = Vec::new();
    for (name, fig) in figures {
        if only.is_some_and(|p| !name.starts_with(p)) {
            continue;
        }
        for path in export_figure(name, fig, dir, scale)? {
            on_file(&path);
            written.push(path);
        }
    }
    Ok(written)
}
