//! Wrong input gets an error that names it; properties that hold for any input.

use dlfs::batch::rng;
use dlfs::prelude::*;
use dlfs::Result;
use ndarray_rand::rand::Rng;

fn message<T: std::fmt::Debug>(r: Result<T>) -> String {
    r.expect_err("an error").to_string()
}

#[test]
fn a_target_of_9_classes_for_10_outputs() {
    let y = Array1::from_elem(10, 0.1);
    let t = one_hot(&[2], 9).unwrap().row(0).to_owned();
    let m = message(cross_entropy_error(&y, &t));
    assert!(m.contains("[9]") && m.contains("[10]"), "{m}");
    let m = message(sum_squares_error(&y, &t));
    assert!(m.contains("[9]") && m.contains("[10]"), "{m}");
}

#[test]
fn three_labels_for_four_rows() {
    let y = Array2::from_elem((4, 10), 0.1);
    let m = message(cross_entropy_error(&y, &[1, 2, 3]));
    assert!(m.contains("3 labels for 4 rows"), "{m}");
}

#[test]
fn a_label_of_12_among_10_classes() {
    let y = Array2::from_elem((2, 10), 0.1);
    let m = message(cross_entropy_error(&y, &[1, 12]));
    assert!(
        m.contains("label 12") && m.contains("10 classes") && m.contains("index 1"),
        "{m}"
    );
    let m = message(one_hot(&[12], 10));
    assert!(m.contains("label 12"), "{m}");
}

#[test]
fn an_empty_batch() {
    let y = Array2::<f64>::zeros((0, 10));
    let m = message(cross_entropy_error(&y, &Vec::<usize>::new()));
    assert!(m.contains("empty") && m.contains("[0, 10]"), "{m}");
    let net = TwoLayerNet::new(4, 3, 2, 0.01).unwrap();
    let m = message(net.predict(&Array2::<f64>::zeros((0, 4))));
    assert!(m.contains("no rows"), "{m}");
}

#[test]
fn non_finite_inputs() {
    let y = array![0.1, f64::NAN, 0.9];
    let m = message(cross_entropy_error(&y, 2));
    assert!(m.contains("NaN") && m.contains("column 1"), "{m}");
    let net = TwoLayerNet::new(3, 2, 2, 0.01).unwrap();
    let m = message(net.loss(&array![[0.0, f64::INFINITY, 1.0]], 0));
    assert!(m.contains("inf") && m.contains("column 1"), "{m}");
    assert!(TwoLayerNet::new(3, 2, 2, f64::NAN).is_err());
}

#[test]
fn scores_instead_of_probabilities() {
    let m = message(cross_entropy_error(&array![2.0, -1.0, 0.5], 0));
    assert!(m.contains("softmax") && m.contains("2"), "{m}");
}

#[test]
fn wrong_input_width_and_rank() {
    let net = TwoLayerNet::new(784, 10, 10, 0.01).unwrap();
    let m = message(net.predict(&Array2::<f64>::zeros((5, 783))));
    assert!(m.contains("[5, 783]") && m.contains("784"), "{m}");
    let m = message(net.predict(&ndarray::Array4::<f64>::zeros((5, 1, 28, 28))));
    assert!(m.contains("[5, 1, 28, 28]"), "{m}");
    let m = message(TwoLayerNet::new(784, 0, 10, 0.01));
    assert!(m.contains("hidden 0"), "{m}");
}

#[test]
fn softmax_rows_sum_to_one_and_are_stable() {
    let mut r = rng(11);
    for _ in 0..200 {
        let scale = 10f64.powi(r.random_range(-2..4));
        let a = Array2::from_shape_fn((3, 7), |_| (r.random::<f64>() - 0.5) * scale);
        let y = softmax(&a);
        for row in y.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12, "{row}");
            assert!(row.iter().all(|&p| (0.0..=1.0).contains(&p)));
        }
        // Adding a constant to a row does not change its softmax.
        let shifted = softmax(&(&a + 1000.0));
        assert!((&shifted - &y).iter().all(|d| d.abs() < 1e-12));
    }
    let big = softmax(&array![1000.0, 1001.0, 1002.0]);
    assert!(big.iter().all(|p| p.is_finite()));
    assert!((&big - &softmax(&array![0.0, 1.0, 2.0]))
        .iter()
        .all(|d| d.abs() < 1e-15));
}

#[test]
fn a_loss_never_goes_negative() {
    let mut r = rng(12);
    for _ in 0..200 {
        let scale = 10f64.powi(r.random_range(-1..4));
        let a = Array2::from_shape_fn((4, 5), |_| (r.random::<f64>() - 0.5) * scale);
        let y = softmax(&a);
        let labels: Vec<usize> = (0..4).map(|_| r.random_range(0..5)).collect();
        let t = one_hot(&labels, 5).unwrap();
        let cee = cross_entropy_error(&y, &labels).unwrap();
        assert!(cee >= 0.0, "{cee}");
        assert_eq!(cee, cross_entropy_error(&y, &t).unwrap());
        assert!(sum_squares_error(&y, &labels).unwrap() >= 0.0);
    }
    // A sure and right answer costs nothing, not -1e-7.
    assert_eq!(cross_entropy_error(&array![0.0, 1.0, 0.0], 1).unwrap(), 0.0);
    // A sure and wrong answer costs -log(1e-7), finite.
    let worst = cross_entropy_error(&array![0.0, 1.0, 0.0], 0).unwrap();
    assert!((worst - -(1e-7f64).ln()).abs() < 1e-12);
}

#[test]
fn sigmoid_is_between_zero_and_one() {
    let y = sigmoid(&array![-1000.0, -1.0, 0.0, 1.0, 1000.0]);
    assert_eq!(y[0], 0.0);
    assert_eq!(y[4], 1.0);
    assert!((y[1] + y[3] - 1.0).abs() < 1e-15);
}

#[test]
fn random_choice_is_seeded_and_in_range() {
    let a = random_choice(&mut rng(5), 60000, 100).unwrap();
    assert_eq!(a, random_choice(&mut rng(5), 60000, 100).unwrap());
    assert_ne!(a, random_choice(&mut rng(6), 60000, 100).unwrap());
    assert!(a.iter().all(|&i| i < 60000));
    // Nothing to draw from: an error naming n; drawing nothing from nothing is fine.
    let e = random_choice(&mut rng(5), 0, 3).unwrap_err().to_string();
    assert!(e.contains("n is 0"), "{e}");
    assert_eq!(
        random_choice(&mut rng(5), 0, 0).unwrap(),
        Vec::<usize>::new()
    );
}

#[test]
fn a_sure_right_answer_costs_plus_zero_never_minus_zero() {
    // -ln(min(1 + 1e-7, 1)) = -0.0 once; the loss is +0.0.
    let y = array![0.0, 1.0, 0.0];
    for e in [
        cross_entropy_error(&y, 1).unwrap(),
        cross_entropy_error(&y, &array![0.0, 1.0, 0.0]).unwrap(),
        cross_entropy_error(&array![[0.0, 1.0], [1.0, 0.0]], &[1, 0]).unwrap(),
    ] {
        assert_eq!(e, 0.0);
        assert!(e.is_sign_positive(), "{e}");
    }
}

#[test]
fn sizes_that_do_not_fit_in_memory_are_errors_not_aborts() {
    let m = message(TwoLayerNet::new(784, 1 << 40, 10, 0.01));
    assert!(
        m.contains("TwoLayerNet(784, 1099511627776, 10)") && m.contains("bytes"),
        "{m}"
    );
    let m = message(TwoLayerNet::new(usize::MAX, usize::MAX, 10, 0.01));
    assert!(m.contains("64-bit"), "{m}");
    let m = message(one_hot(&[0, 1], usize::MAX));
    assert!(
        m.contains("2 labels of 18446744073709551615 classes"),
        "{m}"
    );
    let m = message(one_hot(&[0; 1000], 1 << 40));
    assert!(m.contains("bytes"), "{m}");
}

#[test]
fn parameters_that_do_not_fit_together_are_errors() {
    let mut net = TwoLayerNet::new(4, 3, 2, 0.1).unwrap();
    let x = Array2::<f64>::zeros((5, 4));
    // A gradient of another net.
    let other = TwoLayerNet::new(4, 5, 2, 0.1).unwrap();
    let m = message(net.update(&other.params, 0.1));
    assert!(
        m.contains("W1") && m.contains("[4, 5]") && m.contains("[4, 3]"),
        "{m}"
    );
    // A parameter replaced by a cell.
    net.params.b1 = Array1::zeros(7);
    let m = message(net.predict(&x));
    assert!(m.contains("b1 [7]"), "{m}");
    let m = message(net.gradient(&x, &[0, 1, 0, 1, 0]));
    assert!(m.contains("do not fit together"), "{m}");
    let m = message(net.numerical_gradient(&x, &[0, 1, 0, 1, 0]));
    assert!(m.contains("do not fit together"), "{m}");
}

#[test]
fn a_descent_of_very_many_steps_reserves_no_more_than_it_needs() {
    // Zero steps: the start alone, whatever the capacity; the reservation is capped so that
    // usize::MAX does not overflow it (the loop itself would run for ever, so it is not run).
    let d = gradient_descent(|x: &ArrayView1<f64>| x.sum(), &array![1.0], 0.1, 0);
    assert_eq!(d.trajectory.len(), 1);
}

#[test]
fn a_nan_weight_gives_an_error_not_a_nan_gradient() {
    let mut net = TwoLayerNet::new(4, 3, 2, 0.1).unwrap();
    net.params.w2[[1, 0]] = f64::NAN;
    let x = Array2::<f64>::ones((5, 4));
    let m = message(net.gradient(&x, &[0, 1, 0, 1, 0]));
    assert!(m.contains("not finite") && m.contains("NaN"), "{m}");
}

#[test]
fn seeded_draws_repeat_and_stay_in_range() {
    use dlfs::batch::{rand, randn};
    let (a, b): (f64, f64) = (rng(7).random(), rng(7).random());
    assert_eq!(a, b);
    let x = rand(&mut rng(0), 100, 784).unwrap();
    assert_eq!(x.shape(), &[100, 784]);
    assert!(x.iter().all(|&v| (0.0..1.0).contains(&v)));
    assert_eq!(x, rand(&mut rng(0), 100, 784).unwrap());
    let w = randn(&mut rng(0), 784, 50).unwrap();
    assert!(w.mean().unwrap().abs() < 0.01);
    assert_eq!(w, randn(&mut rng(0), 784, 50).unwrap());
    let idx = random_choice(&mut rng(0), 60000, 10).unwrap();
    assert!(idx.len() == 10 && idx.iter().all(|&i| i < 60000));
    // Sizes that do not fit are errors naming the call, not aborts.
    let m = message(rand(&mut rng(0), usize::MAX, 2));
    assert!(m.contains("rand(rng, 18446744073709551615, 2)"), "{m}");
    let m = message(randn(&mut rng(0), 1 << 40, 1 << 40));
    assert!(
        m.contains("randn(rng, 1099511627776, 1099511627776)"),
        "{m}"
    );
    assert!(one_hot(&[12], 10).is_err());
}
