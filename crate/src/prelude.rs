//! One `use dlfs::prelude::*;` brings in what a notebook cell needs.

pub use crate::activation::{sigmoid, softmax};
pub use crate::batch::{one_hot, rand, randn, random_choice, rng};
pub use crate::descent::{gradient_descent, Descent};
pub use crate::error::Error;
// `Result` stays out: evcxr's generated code uses the two-parameter `std::result::Result`.
pub use crate::gradient::{numerical_diff, numerical_gradient};
pub use crate::loss::{cross_entropy_error, sum_squares_error, IntoTarget, Labels, Target};
pub use crate::mnist::{load_mnist, Mnist, RawMnist};
pub use crate::net::{argmax, Params, SimpleNet, TwoLayerNet};
pub use crate::train::{
    train, train_with, EpochRecord, GradientMethod, History, TrainSettings, Trained,
};
pub use ndarray::{array, s, Array, Array1, Array2, ArrayD, ArrayView1, ArrayView2, Axis};
