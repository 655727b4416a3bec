//! The fast numerical gradient (`dlfs_fast::numerical_gradient`) against the book's
//! per-element loop (`TwoLayerNet::numerical_gradient`) and against backpropagation (4.5.1).

use dlfs::activation::{sigmoid, softmax};
use dlfs::batch::{one_hot, random_choice, rng};
use dlfs::net::{Params, TwoLayerNet};
use dlfs_fast::numerical_gradient as fast_numgrad;
use ndarray::{Array2, Axis};
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use ndarray_rand::RandomExt;

/// A batch of `rows` inputs with `cols` features, about a third of them zero (like MNIST's
/// blank pixels), scaled by `scale`, and `rows` labels of `classes` classes.
fn batch(
    rows: usize,
    cols: usize,
    classes: usize,
    scale: f64,
    seed: u64,
) -> (Array2<f64>, Vec<usize>) {
    let mut r = rng(seed);
    let mut x = Array2::<f64>::random_using((rows, cols), StandardNormal, &mut r) * scale;
    x.mapv_inplace(|v| if v.abs() < 0.4 * scale { 0.0 } else { v });
    let labels = random_choice(&mut r, classes, rows).unwrap();
    (x, labels)
}

/// A net whose weights are large enough to give every gradient entry some size.
fn net(sizes: (usize, usize, usize), seed: u64) -> TwoLayerNet {
    let mut net = TwoLayerNet::with_seed(sizes.0, sizes.1, sizes.2, 0.8, seed).unwrap();
    let mut r = rng(seed + 1000);
    net.params.b1.mapv_inplace(|_| r.random_range(-0.5..0.5));
    net.params.b2.mapv_inplace(|_| r.random_range(-0.5..0.5));
    net
}

fn pairs<'a>(a: &'a Params, b: &'a Params) -> Vec<(&'static str, usize, f64, f64)> {
    a.arrays()
        .into_iter()
        .zip(b.arrays())
        .flat_map(|((name, x), (_, y))| {
            assert_eq!(x.shape(), y.shape(), "{name}");
            x.iter()
                .zip(y.iter())
                .enumerate()
                .map(|(i, (&u, &v))| (name, i, u, v))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The largest |a - b| over all parameters.
fn max_abs_diff(a: &Params, b: &Params) -> f64 {
    pairs(a, b)
        .into_iter()
        .fold(0.0, |m, (_, _, u, v)| m.max((u - v).abs()))
}

/// The largest relative error |a - b| / max(|a|, |b|, 1e-4) over all parameters (the floor
/// keeps gradients that are 0 up to rounding, 1e-11 or so, from dividing by nothing).
fn max_rel_err(a: &Params, b: &Params) -> (f64, String) {
    pairs(a, b)
        .into_iter()
        .map(|(name, i, u, v)| {
            (
                (u - v).abs() / u.abs().max(v.abs()).max(1e-4),
                format!("{name}[{i}]: {u} vs {v}"),
            )
        })
        .fold((0.0, String::new()), |m, e| if e.0 > m.0 { e } else { m })
}

const CASES: [((usize, usize, usize), usize); 2] = [((5, 4, 3), 3), ((7, 6, 4), 5)];

#[test]
fn fast_equals_generic_with_labels_and_one_hot() {
    for (seed, &(sizes, rows)) in CASES.iter().enumerate() {
        let seed = seed as u64;
        let net = net(sizes, seed);
        let (x, labels) = batch(rows, sizes.0, sizes.2, 1.0, seed);
        let fast = fast_numgrad(&net, &x, &labels).unwrap();
        let generic = net.numerical_gradient(&x, &labels).unwrap();
        let d = max_abs_diff(&fast, &generic);
        assert!(
            d < 1e-9,
            "{sizes:?} batch {rows}, labels: max |fast - generic| = {d:e}"
        );
        // Not trivially zero: the gradient has entries of some size.
        let largest = fast.w1.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        assert!(largest > 1e-3, "largest |dW1| = {largest}");

        let t = one_hot(&labels, sizes.2).unwrap();
        let fast_oh = fast_numgrad(&net, &x, &t).unwrap();
        let generic_oh = net.numerical_gradient(&x, &t).unwrap();
        let d = max_abs_diff(&fast_oh, &generic_oh);
        assert!(
            d < 1e-9,
            "{sizes:?} batch {rows}, one-hot: max |fast - generic| = {d:e}"
        );
        assert!(max_abs_diff(&fast_oh, &fast) < 1e-9);
    }
}

#[test]
fn fast_equals_generic_with_soft_targets_and_large_inputs() {
    // Soft targets (rows of probabilities) weigh several classes per row, and inputs of a few
    // hundred move the scores by more than the Taylor range: the full recomputation is used.
    let sizes = (5, 4, 3);
    let net = net(sizes, 7);
    let (x, _) = batch(4, sizes.0, sizes.2, 300.0, 7);
    let t = ndarray::array![
        [0.2, 0.5, 0.3],
        [1.0, 0.0, 0.0],
        [0.0, 0.25, 0.75],
        [0.5, 0.5, 0.0]
    ];
    let fast = fast_numgrad(&net, &x, &t).unwrap();
    let generic = net.numerical_gradient(&x, &t).unwrap();
    let d = max_abs_diff(&fast, &generic);
    assert!(d < 1e-9, "max |fast - generic| = {d:e}");
}

#[test]
fn a_single_input_row_is_a_batch_of_one() {
    let net = net((5, 4, 3), 3);
    let (x, labels) = batch(1, 5, 3, 1.0, 3);
    let row = x.row(0).to_owned();
    let a = fast_numgrad(&net, &row, labels[0]).unwrap();
    let b = net.numerical_gradient(&x, &labels).unwrap();
    assert!(max_abs_diff(&a, &b) < 1e-9);
}

/// Backpropagation of the loss as it is computed, `-ln(y + delta)` at the answer: with
/// `delta = 0` it is [`TwoLayerNet::gradient`]; with the loss's `delta = 1e-7` each row's
/// `y - t` is scaled by `y_answer / (y_answer + delta)`, which is what the numerical
/// gradient (of the loss with `delta`) measures.
fn backprop_with_delta(net: &TwoLayerNet, x: &Array2<f64>, labels: &[usize], delta: f64) -> Params {
    let p = &net.params;
    let z1 = sigmoid(&(x.dot(&p.w1) + &p.b1));
    let y = softmax(&(z1.dot(&p.w2) + &p.b2));
    let n = x.nrows() as f64;
    let mut dy = y.clone();
    for (i, &l) in labels.iter().enumerate() {
        dy[[i, l]] -= 1.0;
        let yl = y[[i, l]];
        assert!(yl + delta < 1.0);
        let scale = yl / (yl + delta);
        dy.row_mut(i).mapv_inplace(|v| v * scale / n);
    }
    let da1 = dy.dot(&p.w2.t()) * &z1.mapv(|z| z * (1.0 - z));
    Params {
        w1: x.t().dot(&da1),
        b1: da1.sum_axis(Axis(0)),
        w2: z1.t().dot(&dy),
        b2: dy.sum_axis(Axis(0)),
    }
}

#[test]
fn both_numerical_gradients_agree_with_backprop() {
    for (seed, &(sizes, rows)) in CASES.iter().enumerate() {
        for weight_std in [0.1, 1.0] {
            let seed = seed as u64 + 10;
            let net = TwoLayerNet::with_seed(sizes.0, sizes.1, sizes.2, weight_std, seed).unwrap();
            let (x, labels) = batch(rows, sizes.0, sizes.2, 1.0, seed);
            let bp = net.gradient(&x, &labels).unwrap();
            let bp0 = backprop_with_delta(&net, &x, &labels, 0.0);
            assert!(
                max_abs_diff(&bp, &bp0) < 1e-15,
                "the reference is the library's backprop"
            );
            let bp_delta = backprop_with_delta(&net, &x, &labels, 1e-7);
            for (what, g) in [
                ("fast", fast_numgrad(&net, &x, &labels).unwrap()),
                ("generic", net.numerical_gradient(&x, &labels).unwrap()),
            ] {
                // Against the derivative of the very loss that is differentiated: only the
                // central difference's own error (h^2/6 times the third derivative, and
                // rounding) remains.
                let (e, at) = max_rel_err(&g, &bp_delta);
                assert!(
                    e < 1e-6,
                    "{what} vs backprop, {sizes:?}, std {weight_std}: relative error {e:e} at {at}"
                );
                // Against plain backprop, which leaves out the 1e-7: about 1e-7 / y apart.
                if weight_std == 0.1 {
                    let (e, at) = max_rel_err(&g, &bp);
                    assert!(
                        e < 1e-5,
                        "{what} vs plain backprop, {sizes:?}: relative error {e:e} at {at}"
                    );
                }
            }
        }
    }
}

#[test]
fn fast_agrees_with_backprop_on_the_mnist_sized_net() {
    // TwoLayerNet(784, 50, 10) on 100 sparse rows in [0, 1], as MNIST is after normalising.
    let net = TwoLayerNet::with_seed(784, 50, 10, 0.01, 5).unwrap();
    let mut r = rng(5);
    let x = Array2::from_shape_fn((100, 784), |_| {
        if r.random_bool(0.2) {
            r.random_range(0.0..1.0)
        } else {
            0.0
        }
    });
    let labels = random_choice(&mut r, 10, 100).unwrap();
    let t = one_hot(&labels, 10).unwrap();
    let g = fast_numgrad(&net, &x, &t).unwrap();
    let bp = net.gradient(&x, &t).unwrap();
    let d = max_abs_diff(&g, &bp);
    // Backprop leaves out the 1e-7 inside the logarithm, which moves the numerical gradient
    // by about 1e-7 / y (y ~ 0.1 for ten classes) relative: a few 1e-8 here.
    assert!(d < 1e-7, "max |numerical - backprop| = {d:e}");
    let largest = bp.w1.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    assert!(largest > 1e-4, "largest |dW1| = {largest}");
}

#[test]
fn one_step_with_either_gradient_lowers_the_loss() {
    let sizes = (7, 6, 4);
    let net0 = net(sizes, 21);
    let (x, labels) = batch(5, sizes.0, sizes.2, 1.0, 21);
    let before = net0.loss(&x, &labels).unwrap();
    for (what, g) in [
        ("numerical", fast_numgrad(&net0, &x, &labels).unwrap()),
        ("generic", net0.numerical_gradient(&x, &labels).unwrap()),
        ("backprop", net0.gradient(&x, &labels).unwrap()),
    ] {
        let mut net = net0.clone();
        net.update(&g, 0.1).unwrap();
        let after = net.loss(&x, &labels).unwrap();
        assert!(after < before - 1e-3, "{what}: loss {before} -> {after}");
    }
}

#[test]
fn bad_inputs_are_errors_naming_the_shape() {
    let net = net((5, 4, 3), 1);
    let wide = Array2::<f64>::zeros((2, 6));
    let x = Array2::<f64>::zeros((2, 5));
    for (what, e) in [
        ("fast", fast_numgrad(&net, &wide, &[0usize, 1]).unwrap_err()),
        (
            "book",
            net.numerical_gradient(&wide, &[0usize, 1]).unwrap_err(),
        ),
    ] {
        let e = e.to_string();
        assert!(e.contains("[2, 6]") && e.contains('5'), "{what}: {e}");
    }
    for (what, e) in [
        ("fast", fast_numgrad(&net, &x, &[0usize, 3]).unwrap_err()),
        (
            "book",
            net.numerical_gradient(&x, &[0usize, 3]).unwrap_err(),
        ),
    ] {
        let e = e.to_string();
        assert!(e.contains("label 3"), "{what}: {e}");
    }
}
