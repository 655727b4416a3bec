//! One regression test per bug of the lecture notes: the crate does the right thing.

use dlfs::prelude::*;

/// Notes 4.3.1: `(f(x+h) - f(x-h) / (2 * h))` divides only `f(x-h)`.
#[test]
fn numerical_diff_divides_the_whole_difference() {
    let f = |x: f64| 0.01 * x * x + 0.1 * x;
    let h = 1e-4;
    let notes = f(5.0 + h) - f(5.0 - h) / (2.0 * h);
    assert!(
        (notes - -3749.15).abs() < 0.01,
        "the notes' formula gives {notes}"
    );
    assert!((numerical_diff(f, 5.0) - 0.2).abs() < 1e-9);
}

/// Notes 4.4.2: `np.sum(exp_x - c)` subtracts the maximum again from every term of the sum.
#[test]
fn softmax_subtracts_the_maximum_only_in_the_exponent() {
    let a = array![0.3, 2.9, 4.0];
    let c = 4.0;
    let exp_a = a.mapv(|v: f64| (v - c).exp());
    let notes = &exp_a / (exp_a.mapv(|v| v - c).sum());
    assert!(
        notes.sum() < 0.0,
        "the notes' softmax does not even sum to 1: {notes}"
    );
    let y = softmax(&a);
    assert!((y.sum() - 1.0).abs() < 1e-12);
    // The book's values for softmax(0.3, 2.9, 4.0).
    for (got, want) in y.iter().zip([0.01821127, 0.24519181, 0.73659691]) {
        assert!((got - want).abs() < 1e-8, "{y}");
    }
}

/// Notes 4.2.4: `y_pred = y.reshape(...)` scores the target against itself, so a one-sample
/// loss comes out as `-log(1 + 1e-7) = -1e-7` whatever the network says. That is the
/// `-9.999999505838704e-08` the notes print for simpleNet.
#[test]
fn batch_cross_entropy_keeps_the_prediction() {
    let t = array![0.0, 0.0, 1.0];
    let notes = -(&t * &t.mapv(|v: f64| (v + 1e-7).ln())).sum();
    assert!((notes - -9.999999505838704e-08).abs() < 1e-20, "{notes}");

    let net = SimpleNet::from_weights(array![
        [-2.50093784, 0.60734283, -0.40662738],
        [0.86203722, 1.5465298, -1.42010576]
    ])
    .unwrap();
    let x = array![0.6, 0.9];
    assert_eq!(
        argmax(&net.predict(&x).unwrap()),
        1,
        "the notes print argmax 1 for these weights"
    );
    let loss = net.loss(&x, &t).unwrap();
    let y = softmax(&net.predict(&x).unwrap());
    assert!((loss - -(y[2] + 1e-7).ln()).abs() < 1e-12);
    assert!(
        loss > 2.0,
        "a wrong answer costs a large loss, not -1e-7: {loss}"
    );
}

/// Notes 4.5.1: `accuracy` compares with `t`, which does not exist (`y` holds the answers).
#[test]
fn accuracy_compares_with_the_given_answers() {
    let net = TwoLayerNet::with_seed(4, 3, 2, 1.0, 1).unwrap();
    let x = array![
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0]
    ];
    let predicted: Vec<usize> = net
        .predict(&x)
        .unwrap()
        .rows()
        .into_iter()
        .map(argmax)
        .collect();
    let t = one_hot(&predicted, 2).unwrap();
    assert_eq!(net.accuracy(&x, &t).unwrap(), 1.0);
    let flipped: Vec<usize> = predicted.iter().map(|p| 1 - p).collect();
    assert_eq!(
        net.accuracy(&x, &one_hot(&flipped, 2).unwrap()).unwrap(),
        0.0
    );
}

/// Notes 4.5.1: `ouput_size` is misspelt; the crate's net reports its output size.
#[test]
fn two_layer_net_has_an_output_size() {
    let net = TwoLayerNet::new(784, 100, 10, 0.01).unwrap();
    assert_eq!((net.input_size(), net.output_size()), (784, 10));
}

/// Notes 4.5.1: `y = np.random.rand(100, 10)` is not one-hot; the crate refuses such a target.
#[test]
fn random_targets_are_refused() {
    let net = TwoLayerNet::new(784, 100, 10, 0.01).unwrap();
    let x = Array2::from_elem((2, 784), 0.5);
    let t = array![
        [0.3, 0.9, 0.1, 0.5, 0.2, 0.8, 0.4, 0.7, 0.6, 0.0],
        [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
    ];
    let err = net.numerical_gradient(&x, &t).unwrap_err().to_string();
    assert!(
        err.contains("not one-hot") && err.contains("row 0"),
        "{err}"
    );
    let err = net.loss(&x, &t).unwrap_err().to_string();
    assert!(err.contains("sums to 4.5"), "{err}");
    // With one-hot targets it works.
    assert!(net.loss(&x, &one_hot(&[3, 7], 10).unwrap()).is_ok());
}

/// The notes' `softmax` as written: `np.max(x)` and `np.sum(exp_x - c)` without an axis, so for
/// a 2-D batch one maximum and one sum are taken over ALL entries.
fn softmax_notes(a: &Array2<f64>) -> Array2<f64> {
    let c = a.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let exp_a = a.mapv(|v| (v - c).exp());
    let sum_exp_a = exp_a.mapv(|v| v - c).sum();
    exp_a / sum_exp_a
}

/// Notes 4.4.2/4.5.1: for 2-D input the notes' `softmax` normalises over the whole batch, so
/// `TwoLayerNet.predict` of 100 images divides by a sum over all 1000 entries: every row sums
/// to about 1/100, not 1. Even with the `- c` bug fixed, only the whole batch sums to 1.
#[test]
fn softmax_of_a_batch_normalises_each_row() {
    let net = TwoLayerNet::with_seed(784, 100, 10, 0.01, 7).unwrap();
    let x = Array2::from_shape_fn((100, 784), |(i, j)| {
        ((i * 31 + j * 17) % 256) as f64 / 255.0
    });
    let a2 = {
        let p = &net.params;
        sigmoid(&(x.dot(&p.w1) + &p.b1)).dot(&p.w2) + &p.b2
    };
    let notes = softmax_notes(&a2);
    let row_sum = notes.row(0).sum();
    assert!(
        (0.005..0.02).contains(&row_sum),
        "a row of the notes' softmax sums to {row_sum}, about 1/100"
    );
    // Only the -c fixed: the whole batch sums to 1, a row to 1/100.
    let c = a2.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let half_fixed = a2.mapv(|v| (v - c).exp()) / a2.mapv(|v| (v - c).exp()).sum();
    assert!((half_fixed.sum() - 1.0).abs() < 1e-12);
    assert!(half_fixed.row(0).sum() < 0.02);

    let y = softmax(&a2);
    for row in y.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12, "{row}");
    }
    let predicted = net.predict(&x).unwrap();
    assert!((&predicted - &y).iter().all(|d| d.abs() < 1e-15));
}

/// Notes 4.4.2: fixing only the reshape bug of `cross_entropy_error1` is not enough: the notes'
/// `softmax` gives simpleNet a negative sum (`np.sum(exp_x - c)` with c = 1.13 over 3 entries),
/// so the right class's "probability" is negative and its log is NaN. Both must be fixed.
#[test]
fn fixing_only_the_reshape_bug_gives_nan() {
    let w = array![
        [0.47355232, 0.9977393, 0.84668094],
        [0.85557411, 0.03563661, 0.69422093]
    ];
    let x = array![0.6, 0.9];
    let t = array![0.0, 0.0, 1.0];
    let z = x.dot(&w); // the book's [1.05414809, 0.63071653, 1.1328074]
    let c = z.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let exp_z = z.mapv(|v| (v - c).exp());
    let y_notes = &exp_z / exp_z.mapv(|v| v - c).sum();
    assert!(y_notes[2] < 0.0, "a negative probability: {y_notes}");
    // cross_entropy_error1 with the reshape fixed: -sum(t * log(y + 1e-7))
    let loss_half_fixed = -(&t * &y_notes.mapv(|v| (v + 1e-7).ln())).sum();
    assert!(loss_half_fixed.is_nan(), "{loss_half_fixed}");

    // Both fixed: the crate's loss, the book's 0.92806853663411326 up to the 1e-7 delta.
    let net = SimpleNet::from_weights(w).unwrap();
    let loss = net.loss(&x, &t).unwrap();
    assert!((loss - 0.928068286).abs() < 1e-9, "{loss}");
    assert!((loss - 0.928_068_536_634_113_3).abs() < 1e-6);
    // The crate refuses the notes' non-probabilities instead of returning NaN.
    assert!(cross_entropy_error(&y_notes, &t).is_err());
}

/// Notes 4.4.1: `x = init_x` binds a second name to the caller's array and `x -= lr * grad`
/// changes it in place: after the call the caller's `init_x` is the end point, so a second run
/// "from init_x" (as for the book's learning-rate comparison) starts somewhere else.
#[test]
fn gradient_descent_leaves_the_callers_array_alone() {
    use dlfs::gradient::function_2;
    // The notes' version: Python's `x = init_x` is a `&mut` to the caller's array.
    fn gradient_descent_notes(
        f: impl Fn(&ArrayView1<f64>) -> f64,
        init_x: &mut Array1<f64>,
        lr: f64,
        step_num: usize,
    ) -> Array1<f64> {
        let x = init_x; // x = init_x: the same array
        for _ in 0..step_num {
            let grad = numerical_gradient(&f, x);
            *x -= &(lr * &grad); // x -= lr * grad: in place
        }
        x.clone()
    }
    let mut init_x = array![-3.0, 4.0];
    let first = gradient_descent_notes(function_2, &mut init_x, 0.1, 100);
    assert!(
        init_x[0].abs() < 1e-8 && init_x[1].abs() < 1e-8,
        "the caller's init_x was moved to the end point: {init_x}"
    );
    assert_eq!(init_x, first);
    // The next run "from init_x" (the book's lr = 1e-10) starts at the minimum, not at (-3, 4):
    // it ends near 0 instead of the book's [-2.99999994, 3.99999992].
    let second = gradient_descent_notes(function_2, &mut init_x, 1e-10, 100);
    assert!(
        second[0].abs() < 1e-8,
        "lr = 1e-10 after lr = 0.1: {second}"
    );

    // The crate's `gradient_descent` borrows `init_x` (`&`), so a second run starts from it.
    let start = array![-3.0, 4.0];
    let _ = gradient_descent(function_2, &start, 0.1, 100);
    let small = gradient_descent(function_2, &start, 1e-10, 100).x;
    assert!(
        (small[0] - -2.99999994).abs() < 1e-8 && (small[1] - 3.99999992).abs() < 1e-8,
        "the book's lr = 1e-10 result: {small}"
    );
}

/// Notes 4.5.1: `loss_W = lambda W: self.loss(X, y)` ignores `W`. It works only because
/// `numerical_gradient` changes `self.params['W1']` in place (the same array object), so
/// `self.loss` sees each perturbation. Handed a copy, as any function of its argument may be,
/// the same lambda gives a gradient of zeros.
#[test]
fn loss_w_uses_its_argument() {
    use std::cell::RefCell;
    let x = array![0.6, 0.9];
    let t = array![0.0, 0.0, 1.0];
    let w0 = array![
        [0.47355232, 0.9977393, 0.84668094],
        [0.85557411, 0.03563661, 0.69422093]
    ];
    // The notes' numerical_gradient on an array shared with the net (Python's aliasing).
    fn numerical_gradient_shared(f: impl Fn() -> f64, w: &RefCell<Array2<f64>>) -> Array2<f64> {
        let h = 1e-4;
        let shape = w.borrow().raw_dim();
        let mut grad = Array2::zeros(shape);
        for idx in ndarray::indices(shape) {
            let tmp = w.borrow()[idx];
            w.borrow_mut()[idx] = tmp + h;
            let fxh1 = f();
            w.borrow_mut()[idx] = tmp - h;
            let fxh2 = f();
            grad[idx] = (fxh1 - fxh2) / (2.0 * h);
            w.borrow_mut()[idx] = tmp;
        }
        grad
    }
    let params_w = RefCell::new(w0.clone()); // self.params['W'], the net's own array
    let loss = |w: &Array2<f64>| {
        SimpleNet::from_weights(w.clone())
            .unwrap()
            .loss(&x, &t)
            .unwrap()
    };
    // loss_W = lambda W: self.loss(X, y): reads the net's array, not W
    let aliased = numerical_gradient_shared(|| loss(&params_w.borrow()), &params_w);
    let right = SimpleNet::from_weights(w0.clone())
        .unwrap()
        .numerical_gradient(&x, &t)
        .unwrap();
    assert!((&aliased - &right).iter().all(|d| d.abs() < 1e-12));

    // The same lambda when numerical_gradient perturbs a copy: every entry 0.
    let net_w = w0.clone();
    let mut copy = w0.clone();
    let ignoring = numerical_gradient(|_w: &ArrayView2<f64>| loss(&net_w), &mut copy);
    assert!(ignoring.iter().all(|&g| g == 0.0), "{ignoring}");
    // A loss of its argument gives the gradient whatever array it is handed.
    let using = numerical_gradient(|w: &ArrayView2<f64>| loss(&w.to_owned()), &mut copy);
    assert!((&using - &right).iter().all(|d| d.abs() < 1e-12));
    // The book's dW: [[0.21924763, 0.14356247, -0.36281009], ...] (printed without the 1e-7)
    assert!((right[[0, 0]] - 0.21924763).abs() < 1e-6, "{right}");
}

/// Notes 4.5.1, `__init__`: W1 and W2 are `weight_init_std * np.random.randn(..)`, the biases
/// zeros; `TwoLayerNet::with_seed` draws them the same way from `rng(seed)`.
#[test]
fn two_layer_net_init_draws_the_weights_and_zeroes_the_biases() {
    let mut r = rng(dlfs::net::DEFAULT_SEED);
    let w1 = 0.01 * randn(&mut r, 784, 100).unwrap();
    let w2 = 0.01 * randn(&mut r, 100, 10).unwrap();
    let net = TwoLayerNet::new(784, 100, 10, 0.01).unwrap();
    assert_eq!(net.params.w1, w1);
    assert_eq!(net.params.w2, w2);
    assert!(net
        .params
        .b1
        .iter()
        .chain(&net.params.b2)
        .all(|&b| b == 0.0));
    let std = (w1.mapv(|v| v * v).mean().unwrap()).sqrt();
    assert!(
        (std - 0.01).abs() < 0.0005,
        "W1's spread is weight_init_std: {std}"
    );
}
