//! The numbers the book and the lecture notes print, reproduced by the crate (4.2-4.5.1).

use dlfs::prelude::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

fn assert_all_close<'a>(got: impl IntoIterator<Item = &'a f64>, want: &[f64], tol: f64) {
    let got: Vec<f64> = got.into_iter().copied().collect();
    assert_eq!(got.len(), want.len(), "lengths of {got:?} and {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            close(*g, *w, tol),
            "got {got:?}, want {want:?} (tolerance {tol})"
        );
    }
}

/// The book's output with the right answer (class 2) at 0.6.
fn y_right() -> Array1<f64> {
    array![0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
}

/// The same output with the 0.6 on class 7.
fn y_wrong() -> Array1<f64> {
    array![0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]
}

fn t_two() -> Array1<f64> {
    one_hot(&[2], 10).unwrap().row(0).to_owned()
}

// ---------------------------------------------------------------- 4.2 losses

#[test]
fn sum_squares_error_one_hot() {
    assert!(close(
        sum_squares_error(&y_right(), &t_two()).unwrap(),
        0.0975,
        1e-12
    ));
    assert!(close(
        sum_squares_error(&y_wrong(), &t_two()).unwrap(),
        0.5975,
        1e-12
    ));
}

#[test]
fn sum_squares_error_label() {
    assert!(close(
        sum_squares_error(&y_right(), 2).unwrap(),
        0.0975,
        1e-12
    ));
    assert!(close(
        sum_squares_error(&y_wrong(), 2).unwrap(),
        0.5975,
        1e-12
    ));
}

#[test]
fn sum_squares_error_batch_is_the_mean_of_the_rows() {
    let y = ndarray::stack(Axis(0), &[y_right().view(), y_wrong().view()]).unwrap();
    let t = one_hot(&[2, 2], 10).unwrap();
    let mean = (0.0975 + 0.5975) / 2.0;
    assert!(close(sum_squares_error(&y, &t).unwrap(), mean, 1e-12));
    assert!(close(sum_squares_error(&y, &[2, 2]).unwrap(), mean, 1e-12));
    assert!(close(
        sum_squares_error(&y, vec![2usize, 2]).unwrap(),
        mean,
        1e-12
    ));
}

#[test]
fn cross_entropy_error_one_hot() {
    assert!(close(
        cross_entropy_error(&y_right(), &t_two()).unwrap(),
        0.510825457099338,
        1e-12
    ));
    assert!(close(
        cross_entropy_error(&y_wrong(), &t_two()).unwrap(),
        2.302584092994546,
        1e-12
    ));
}

#[test]
fn cross_entropy_error_label() {
    assert!(close(
        cross_entropy_error(&y_right(), 2).unwrap(),
        0.510825457099338,
        1e-12
    ));
    assert!(close(
        cross_entropy_error(&y_wrong(), 2).unwrap(),
        2.302584092994546,
        1e-12
    ));
}

#[test]
fn cross_entropy_error_batch_is_the_mean_of_the_rows() {
    let y = ndarray::stack(Axis(0), &[y_right().view(), y_wrong().view()]).unwrap();
    let mean = (0.510825457099338 + 2.302584092994546) / 2.0;
    let t = one_hot(&[2, 2], 10).unwrap();
    assert!(close(cross_entropy_error(&y, &t).unwrap(), mean, 1e-12));
    assert!(close(
        cross_entropy_error(&y, &[2, 2]).unwrap(),
        mean,
        1e-12
    ));
    assert!(close(
        cross_entropy_error(&y, &vec![2, 2]).unwrap(),
        mean,
        1e-12
    ));
    // One row as a 1x10 batch gives the one-sample value.
    let one = y_right().insert_axis(Axis(0));
    assert!(close(
        cross_entropy_error(&one, &[2]).unwrap(),
        0.510825457099338,
        1e-12
    ));
}

// ---------------------------------------------------------------- 4.3 numerical differentiation

fn function_1(x: f64) -> f64 {
    0.01 * x.powi(2) + 0.1 * x // as the book: 0.01 * (x * x), not (0.01 * x) * x
}

#[test]
fn numerical_diff_of_function_1() {
    // The book prints these digits: the central difference with h = 1e-4 in f64.
    assert!(close(
        numerical_diff(function_1, 5.0),
        0.1999999999990898,
        1e-15
    ));
    assert!(close(
        numerical_diff(function_1, 10.0),
        0.2999999999986347,
        1e-15
    ));
}

#[test]
fn partial_derivatives_of_function_2() {
    // 4.3.3: fix the other variable and differentiate in one.
    let d0 = numerical_diff(|x0| x0 * x0 + 4.0_f64 * 4.0, 3.0);
    let d1 = numerical_diff(|x1| 3.0_f64 * 3.0 + x1 * x1, 4.0);
    assert!(close(d0, 6.0, 1e-9) && close(d1, 8.0, 1e-9), "{d0} {d1}");
}

// ---------------------------------------------------------------- 4.4 gradient and descent

use dlfs::gradient::function_2;

#[test]
fn numerical_gradient_of_function_2() {
    for (point, want) in [
        ([3.0, 4.0], [6.0, 8.0]),
        ([0.0, 2.0], [0.0, 4.0]),
        ([3.0, 0.0], [6.0, 0.0]),
    ] {
        let mut x = Array1::from(point.to_vec());
        let g = numerical_gradient(function_2, &mut x);
        assert_all_close(&g, &want, 1e-6);
        assert_eq!(x, Array1::from(point.to_vec()), "x is put back as it was");
    }
}

#[test]
fn numerical_gradient_of_a_matrix_function() {
    // f(W) = sum(W^2 * c): the gradient is 2 c W, element by element, for a 2-D argument.
    let c = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let mut w = array![[0.5, -1.0, 2.0], [1.5, 0.0, -0.25]];
    let g = numerical_gradient(|w: &ArrayView2<f64>| (w.mapv(|v| v * v) * &c).sum(), &mut w);
    let want = &w * &c * 2.0;
    assert_eq!(g.shape(), &[2, 3]);
    assert_all_close(&g, want.as_slice().unwrap(), 1e-6);
}

#[test]
fn gradient_descent_reaches_the_minimum() {
    let d = gradient_descent(function_2, &array![-3.0, 4.0], 0.1, 100);
    assert!(d.x.iter().all(|v| v.abs() < 1e-8), "{:?}", d.x);
    assert_eq!(d.trajectory.len(), 101);
    assert_eq!(d.trajectory[0], array![-3.0, 4.0]);
    assert_eq!(d.trajectory[100], d.x);
    // Each step shrinks x by (1 - 2 * 0.1) = 0.8, up to the central difference's rounding.
    assert_all_close(&d.trajectory[1], &[-2.4, 3.2], 1e-9);
}

#[test]
fn gradient_descent_runs_away_with_too_large_a_rate() {
    let d = gradient_descent(function_2, &array![-3.0, 4.0], 10.0, 100);
    let want = [-2.58983747e13, -1.29524862e12];
    for (g, w) in d.x.iter().zip(want) {
        assert!(((g - w) / w).abs() < 1e-6, "got {:?}, want {want:?}", d.x);
    }
}

#[test]
fn gradient_descent_barely_moves_with_too_small_a_rate() {
    let d = gradient_descent(function_2, &array![-3.0, 4.0], 1e-10, 100);
    assert_all_close(&d.x, &[-2.99999994, 3.99999992], 1e-8);
}

// ---------------------------------------------------------------- 4.4.2 SimpleNet

fn book_simple_net() -> SimpleNet {
    SimpleNet::from_weights(array![
        [0.47355232, 0.9977393, 0.84668094],
        [0.85557411, 0.03563661, 0.69422093]
    ])
    .unwrap()
}

#[test]
fn simple_net_predict_and_loss() {
    let net = book_simple_net();
    let x = array![0.6, 0.9];
    let p = net.predict(&x).unwrap();
    assert_eq!(p.shape(), &[3]);
    assert_all_close(&p, &[1.05414809, 0.63071653, 1.1328074], 1e-8);
    assert_eq!(argmax(&p), 2);
    let t = array![0.0, 0.0, 1.0];
    assert!(close(net.loss(&x, &t).unwrap(), 0.928068286, 1e-8));
    assert!(close(net.loss(&x, 2).unwrap(), 0.928068286, 1e-8));
}

#[test]
fn simple_net_numerical_gradient() {
    let net = book_simple_net();
    let x = array![0.6, 0.9];
    let dw = net.numerical_gradient(&x, &array![0.0, 0.0, 1.0]).unwrap();
    let want = [
        0.21924757, 0.14356243, -0.36281, 0.32887136, 0.21534364, -0.544215,
    ];
    assert_eq!(dw.shape(), &[2, 3]);
    assert_all_close(&dw, &want, 1e-6);
    assert_eq!(
        net,
        book_simple_net(),
        "the net is unchanged by its gradient"
    );
}

#[test]
fn simple_net_from_a_seed_is_reproducible() {
    assert_eq!(SimpleNet::new(3), SimpleNet::new(3));
    assert_ne!(SimpleNet::new(3), SimpleNet::new(4));
    assert_eq!(SimpleNet::new(3).w.shape(), &[2, 3]);
}

// ---------------------------------------------------------------- 4.5.1 TwoLayerNet

#[test]
fn two_layer_net_shapes_and_rows_summing_to_one() {
    let net = TwoLayerNet::new(784, 100, 10, 0.01).unwrap();
    let shapes: Vec<(&str, Vec<usize>)> = net
        .params
        .arrays()
        .iter()
        .map(|(name, a)| (*name, a.shape().to_vec()))
        .collect();
    assert_eq!(
        shapes,
        vec![
            ("W1", vec![784, 100]),
            ("b1", vec![100]),
            ("W2", vec![100, 10]),
            ("b2", vec![10])
        ]
    );
    assert!(net.params.b1.iter().all(|&b| b == 0.0) && net.params.b2.iter().all(|&b| b == 0.0));
    // W1 ~ 0.01 * N(0, 1): its standard deviation is close to 0.01.
    let std = (net.params.w1.mapv(|v| v * v).mean().unwrap()).sqrt();
    assert!((std - 0.01).abs() < 0.0005, "std of W1 = {std}");

    let x = ndarray::Array2::from_shape_fn((100, 784), |(i, j)| {
        ((i * 31 + j * 17) % 255) as f64 / 255.0
    });
    let y = net.predict(&x).unwrap();
    assert_eq!(y.shape(), &[100, 10]);
    for row in y.rows() {
        assert!(close(row.sum(), 1.0, 1e-12));
        assert!(row.iter().all(|&p| p > 0.0));
    }
    assert_eq!(
        TwoLayerNet::new(784, 100, 10, 0.01).unwrap(),
        net,
        "the same seed, the same net"
    );
}

/// Relative error `||a - b|| / (||a|| + ||b||)` of two arrays.
fn relative_error(a: &ndarray::ArrayViewD<f64>, b: &ndarray::ArrayViewD<f64>) -> f64 {
    let diff = (a - b).mapv(|v| v * v).sum().sqrt();
    let norm = a.mapv(|v| v * v).sum().sqrt() + b.mapv(|v| v * v).sum().sqrt();
    if norm == 0.0 {
        0.0
    } else {
        diff / norm
    }
}

fn small_problem() -> (TwoLayerNet, Array2<f64>, Array2<f64>) {
    let net = TwoLayerNet::with_seed(5, 4, 3, 1.0, 7).unwrap();
    let x = array![
        [0.1, -0.4, 0.7, 0.2, -0.9],
        [0.5, 0.3, -0.2, 0.8, 0.1],
        [-0.6, 0.9, 0.4, -0.1, 0.3]
    ];
    let t = one_hot(&[2, 0, 1], 3).unwrap();
    (net, x, t)
}

#[test]
fn backprop_agrees_with_the_numerical_gradient() {
    let (net, x, t) = small_problem();
    let numerical = net.numerical_gradient(&x, &t).unwrap();
    let backprop = net.gradient(&x, &t).unwrap();
    for ((name, n), (_, b)) in numerical.arrays().iter().zip(backprop.arrays().iter()) {
        let err = relative_error(n, b);
        assert!(err < 1e-6, "{name}: relative error {err:e}");
    }
    // With labels instead of one-hot rows, the same gradients.
    let by_label = net.gradient(&x, &[2, 0, 1]).unwrap();
    assert_eq!(by_label, backprop);
}

#[test]
fn one_step_with_either_gradient_lowers_the_loss() {
    let (net, x, t) = small_problem();
    let before = net.loss(&x, &t).unwrap();
    for grads in [
        net.gradient(&x, &t).unwrap(),
        net.numerical_gradient(&x, &t).unwrap(),
    ] {
        let mut stepped = net.clone();
        stepped.update(&grads, 0.1).unwrap();
        let after = stepped.loss(&x, &t).unwrap();
        assert!(after < before, "loss {before} -> {after}");
    }
}

#[test]
fn accuracy_with_labels_or_one_hot() {
    let (net, x, t) = small_problem();
    let predicted: Vec<usize> = net
        .predict(&x)
        .unwrap()
        .rows()
        .into_iter()
        .map(argmax)
        .collect();
    assert_eq!(net.accuracy(&x, &predicted).unwrap(), 1.0);
    let wrong: Vec<usize> = predicted.iter().map(|p| (p + 1) % 3).collect();
    assert_eq!(net.accuracy(&x, &wrong).unwrap(), 0.0);
    let mixed = vec![predicted[0], wrong[1], wrong[2]];
    assert!(close(
        net.accuracy(&x, &one_hot(&mixed, 3).unwrap()).unwrap(),
        1.0 / 3.0,
        1e-15
    ));
    let _ = t;
}
