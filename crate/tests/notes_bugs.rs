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
