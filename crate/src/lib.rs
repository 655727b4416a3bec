//! # dlfs: chapter 4 of *Deep Learning from Scratch*, neural network learning, in Rust
//!
//! The support crate of the chapter-4 notebooks, under the book's names so that the book and a
//! notebook read side by side. Figures are `dlfs-plot` (crates/plot), the speed path
//! `dlfs-fast` (crates/fast), the command line `dlfs-cli` (crates/cli); each depends on this
//! crate, never the reverse. A notebook's first cell (`notebooks/src/setup.evcxr`) brings in
//! `dlfs::prelude::*`; then cells read like the book:
//!
//! ```
//! use dlfs::prelude::*;
//!
//! let y = array![0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0];
//! let t = array![0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
//! let e = cross_entropy_error(&y, &t)?;                  // 0.510825457099338
//! # assert!((e - 0.510825457099338).abs() < 1e-12);
//!
//! let function_2 = |x: &ArrayView1<f64>| x.mapv(|v| v * v).sum();
//! let grad = numerical_gradient(function_2, &mut array![3.0, 4.0]);   // [6, 8]
//! let descent = gradient_descent(function_2, &array![-3.0, 4.0], 0.1, 100);
//! # assert!((grad[0] - 6.0).abs() < 1e-6 && descent.x[0].abs() < 1e-8);
//!
//! let net = TwoLayerNet::new(784, 50, 10, 0.01)?;
//! # Ok::<(), dlfs::Error>(())
//! ```
//!
//! Calls that can fail return [`Result`], whose [`Error`] names the shape, value or file at
//! fault: in a notebook, end a line with `?` rather than `unwrap()` (a panic loses the
//! kernel's state). Random numbers come from seeded generators ([`batch::rng`]).
//!
//! | section | module | what |
//! | --- | --- | --- |
//! | 4.2 | [`loss`] | `sum_squares_error`, `cross_entropy_error` |
//! | 4.2.3 | [`batch`], [`mnist`] | `one_hot`, `random_choice`, `load_mnist` |
//! | 4.3 | [`gradient`] | `numerical_diff` |
//! | 4.4 | [`gradient`], [`descent`] | `numerical_gradient`, `gradient_descent` |
//! | 4.4.2 | [`net`], [`activation`] | `SimpleNet`, `softmax` |
//! | 4.5.1 | [`net`] | `TwoLayerNet` |
//! | 4.5.2-4.5.3 | [`train`] | the book's mini-batch training loop |

pub mod activation;
pub mod batch;
pub mod descent;
pub mod error;
pub mod gradient;
pub mod loss;
mod memory;
pub mod mnist;
pub mod net;
pub mod prelude;
pub mod train;

pub use error::{Error, Result};

/// ndarray, re-exported so that a notebook can name its types (`dlfs::ndarray::Ix1`) without a
/// `:dep` of its own.
pub use ndarray;
