//! One `use dlfs::prelude::*;` brings in what a notebook cell needs.

pub use crate::activation::{sigmoid, softmax};
pub use crate::descent::{gradient_descent, Descent};
pub use crate::error::{Error, Result};
pub use crate::gradient::{numerical_diff, numerical_gradient};
pub use crate::train::{EpochRecord, GradientMethod, History, TrainSettings};
pub use ndarray::{array, s, Array, Array1, Array2, ArrayView1, ArrayView2, Axis};
