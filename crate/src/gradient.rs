//! Numerical differentiation (4.3) and the numerical gradient (4.4).

use ndarray::{Array, ArrayBase, ArrayD, ArrayView, ArrayView1, DataMut, Dimension};

/// The step `h` of the central difference: 1e-4, as in the book (4.3.1).
///
/// Smaller is not better: with `h = 1e-50`, `x + h == x` in floating point and the
/// difference is 0 (a rounding error), while 1e-4 balances rounding against truncation.
pub const H: f64 = 1e-4;

/// The derivative of `f` at `x` by the central difference (4.3.1):
///
/// `df/dx ≈ (f(x + h) - f(x - h)) / (2h)`, `h = 1e-4`.
///
/// The notes write `(f(x+h) - f(x-h) / (2*h))`, dividing only `f(x-h)` by `2h`; here the
/// whole difference is divided.
///
/// ```
/// use dlfs::prelude::*;
/// let f = |x: f64| 0.01 * x * x + 0.1 * x;
/// assert!((numerical_diff(f, 5.0) - 0.2).abs() < 1e-9);   // true slope 0.2
/// ```
pub fn numerical_diff(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    (f(x + H) - f(x - H)) / (2.0 * H)
}

/// The book's `function_2` (4.3.3, 4.4): `f(x0, x1) = x0² + x1²`, the sum of the squares of
/// `x`'s elements. Its gradient is `2x`, its minimum 0 at the origin.
///
/// ```
/// use dlfs::gradient::function_2;
/// assert_eq!(function_2(&ndarray::array![3.0, 4.0].view()), 25.0);
/// ```
pub fn function_2(x: &ArrayView1<f64>) -> f64 {
    x.mapv(|v| v * v).sum()
}

/// The gradient of a scalar function `f` at `x` by central differences, for an array of any
/// shape (4.4):
///
/// `∂f/∂x_i ≈ (f(x + h e_i) - f(x - h e_i)) / (2h)`, `h = 1e-4`.
///
/// The loop is the lesson: each element of `x` in turn is raised by `h`, lowered by `h`, and
/// put back, so `x` is the same after the call as before (it is borrowed mutably only to
/// perturb it in place, as the book does). The result has the shape of `x`.
///
/// ```
/// use dlfs::prelude::*;
/// let function_2 = |x: &ArrayView1<f64>| x.mapv(|v| v * v).sum();
/// let g = numerical_gradient(function_2, &mut array![3.0, 4.0]);
/// assert!((g[0] - 6.0).abs() < 1e-6 && (g[1] - 8.0).abs() < 1e-6);
/// ```
pub fn numerical_gradient<S, D, F>(mut f: F, x: &mut ArrayBase<S, D>) -> Array<f64, D>
where
    S: DataMut<Elem = f64>,
    D: Dimension,
    F: FnMut(&ArrayView<f64, D>) -> f64,
{
    let mut grad = ArrayD::<f64>::zeros(x.shape());
    for idx in ndarray::indices(x.shape()) {
        let i = idx.slice();
        let tmp_val = x.view().into_dyn()[i];
        x.view_mut().into_dyn()[i] = tmp_val + H;
        let fxh1 = f(&x.view());
        x.view_mut().into_dyn()[i] = tmp_val - H;
        let fxh2 = f(&x.view());
        grad[i] = (fxh1 - fxh2) / (2.0 * H);
        x.view_mut().into_dyn()[i] = tmp_val; // put it back
    }
    grad.into_dimensionality::<D>()
        .expect("the gradient has the shape of x")
}
