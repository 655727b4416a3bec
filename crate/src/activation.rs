//! Activation functions: the sigmoid of the hidden layer and the softmax of the output (3.2, 3.5).

use ndarray::{Array, ArrayBase, Axis, Data, Dimension};

/// The sigmoid function, element by element: `h(x) = 1 / (1 + exp(-x))` (3.2.4; used in 4.5.1).
///
/// ```
/// use dlfs::prelude::*;
/// let y = sigmoid(&array![-1.0, 0.0, 1.0]);
/// assert!((y[1] - 0.5).abs() < 1e-12);
/// assert!((y[0] + y[2] - 1.0).abs() < 1e-12);
/// ```
pub fn sigmoid<S, D>(x: &ArrayBase<S, D>) -> Array<f64, D>
where
    S: Data<Elem = f64>,
    D: Dimension,
{
    x.mapv(sigmoid_value)
}

/// `h(v) = 1 / (1 + exp(-v))` of one value: what [`sigmoid`] computes for every element.
pub fn sigmoid_value(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

/// The softmax along the last axis: a single vector, or each row of a batch (3.5.2; 4.4.2, 4.5.1).
///
/// `y_k = exp(a_k - c) / sum_i exp(a_i - c)` with `c = max_i a_i`, subtracted from every
/// exponent (and *only* there: the notes' `np.sum(exp_x - c)` subtracts it again from the
/// sum, which is wrong). Subtracting `c` does not change the result but keeps `exp` finite,
/// so `softmax((1000, 1001, 1002)) == softmax((0, 1, 2))`.
///
/// ```
/// use dlfs::prelude::*;
/// let y = softmax(&array![0.3, 2.9, 4.0]);
/// assert!((y.sum() - 1.0).abs() < 1e-12);
/// let big = softmax(&array![[1000.0, 1001.0, 1002.0]]);
/// let small = softmax(&array![[0.0, 1.0, 2.0]]);
/// assert!((&big - &small).iter().all(|d| d.abs() < 1e-15));
/// ```
pub fn softmax<S, D>(x: &ArrayBase<S, D>) -> Array<f64, D>
where
    S: Data<Elem = f64>,
    D: Dimension,
{
    let mut y = x.to_owned();
    if y.ndim() == 0 {
        return y.mapv(|_| 1.0);
    }
    let last = Axis(y.ndim() - 1);
    for mut row in y.lanes_mut(last) {
        let c = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        row.mapv_inplace(|v| (v - c).exp());
        let sum = row.sum();
        row /= sum;
    }
    y
}
