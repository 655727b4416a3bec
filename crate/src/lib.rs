//! # dlfs: chapter 4 of *Deep Learning from Scratch*, neural network learning, in Rust
//!
//! The support crate of the chapter-4 notebooks: the losses, the numerical derivative and
//! gradient, gradient descent, the book's `simpleNet` and `TwoLayerNet`, MNIST and mini-batch
//! training, under the book's names so that the book and a notebook read side by side. The
//! figures are the crate `dlfs-plot` (crates/plot), the speed path `dlfs-fast` (crates/fast),
//! the command line `dlfs-cli` (crates/cli); each depends on this one, never the reverse.
//!
//! ## From a notebook (evcxr)
//!
//! The first cell of each notebook (one definition: `notebooks/src/setup.evcxr`) builds the
//! crate, brings its names in and says in one line what is ready ([`setup::status`]):
//!
//! ```text
//! :dep dlfs = { path = "../crate" }
//! :dep dlfs-plot = { path = "../crates/plot" }
//! use dlfs::prelude::*;
//! use dlfs_plot::*;
//! dlfs::setup::status()
//! ```
//!
//! evcxr's build cache (`:cache 2000`) is switched on by `notebooks/evcxr.toml`, which the
//! kernel reads when it starts, so the cell prints nothing but the status line.
//!
//! After that, cells read like the book:
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
//! A figure from `dlfs_plot` is shown inline when it is the last expression of a cell, and saved
//! for slides with `save_png` / `save_svg`. Calls that can fail return [`Result`], whose
//! [`Error`] names the shape, value or file at fault: in a notebook, end a line with `?`
//! rather than `unwrap()`, since a panic loses the kernel's state.
//!
//! ## The chapter, module by module
//!
//! The data flows one way: data ([`mnist`], [`batch`]) -> net ([`net`], [`activation`]) ->
//! loss ([`loss`]) -> gradient ([`gradient`], backpropagation in [`net`]) -> update
//! ([`descent`], [`train`]) -> history ([`train::History`]) -> figures (`dlfs_plot`).
//!
//! | section | module | what |
//! | --- | --- | --- |
//! | 4.2 | [`loss`] | `sum_squares_error`, `cross_entropy_error` (one sample or a batch; one-hot or labels) |
//! | 4.2.3 | [`batch`], [`mnist`] | `one_hot`, `random_choice`, `rand`, `load_mnist` (MNIST's bytes, `RawMnist`, read once) |
//! | 4.3 | [`gradient`] | `numerical_diff` (central difference, h = 1e-4) |
//! | 4.4 | [`gradient`], [`descent`] | `numerical_gradient`, `gradient_descent` with its trajectory |
//! | 4.4.2 | [`net`], [`activation`] | `SimpleNet`, `softmax` |
//! | 4.5.1 | [`net`] | `TwoLayerNet`: `predict`, `loss`, `accuracy`, `numerical_gradient` (the book's per-element loop), `gradient` |
//! | 4.5.2-4.5.3 | [`train`] | mini-batch SGD on MNIST with test accuracy per epoch: the book's loop |
//!
//! ## The speed path
//!
//! `dlfs_fast` (crates/fast) computes the same training and numerical gradient much faster
//! (sparse rows, in parallel): `dlfs_fast::train(&mnist, &settings)` on the same [`Mnist`](mnist::Mnist)
//! as [`train::train`], and `dlfs_fast::numerical_gradient(&net, x, t)`. Its front page gives a
//! reading order.
//!
//! Random numbers come from seeded generators ([`batch::rng`]), so a lecture shows the same
//! numbers as its slides.

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
pub mod setup;
pub mod train;

pub use error::{Error, Result};

/// ndarray, re-exported so that a notebook can name its types (`dlfs::ndarray::Ix1`) without a
/// `:dep` of its own.
pub use ndarray;
