//! Gradient descent, with the path it takes (4.4.1).

use ndarray::{Array, ArrayView, Dimension};

use crate::gradient::numerical_gradient;

/// Where gradient descent ended, and every point it visited on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Descent<D: Dimension> {
    /// The final point, after `step_num` updates.
    pub x: Array<f64, D>,
    /// Every point visited, the start first and `x` last: `step_num + 1` points.
    pub trajectory: Vec<Array<f64, D>>,
}

/// Gradient descent with the numerical gradient (4.4.1):
///
/// `x <- x - lr * ∇f(x)`, repeated `step_num` times from `init_x`.
///
/// Returns the final point and the trajectory, so it can be plotted (fig. 4-10). Too large a
/// learning rate runs away (lr = 10 from (-3, 4) reaches about (-2.6e13, -1.3e12)); too small
/// a one barely moves (lr = 1e-10).
///
/// ```
/// use dlfs::prelude::*;
/// let function_2 = |x: &ArrayView1<f64>| x.mapv(|v| v * v).sum();
/// let d = gradient_descent(function_2, &array![-3.0, 4.0], 0.1, 100);
/// assert!(d.x.iter().all(|v| v.abs() < 1e-8));
/// assert_eq!(d.trajectory.len(), 101);
/// ```
pub fn gradient_descent<D, F>(
    mut f: F,
    init_x: &Array<f64, D>,
    lr: f64,
    step_num: usize,
) -> Descent<D>
where
    D: Dimension,
    F: FnMut(&ArrayView<f64, D>) -> f64,
{
    let mut x = init_x.clone();
    // Room for the points up front, within reason: `step_num` is whatever a cell passes.
    let mut trajectory = Vec::with_capacity(step_num.saturating_add(1).min(1 << 16));
    trajectory.push(x.clone());
    for _ in 0..step_num {
        let grad = numerical_gradient(&mut f, &mut x);
        x.scaled_add(-lr, &grad);
        trajectory.push(x.clone());
    }
    Descent { x, trajectory }
}
