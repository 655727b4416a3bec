//! # dlfs: chapter 4 of *Deep Learning from Scratch*, neural network learning, in Rust
//!
//! (Front page: written with the core; see README.)

pub mod activation;
pub mod batch;
pub mod descent;
pub mod error;
pub mod gradient;
pub mod loss;
pub mod mnist;
pub mod net;
pub mod plot;
pub mod prelude;
pub mod train;

pub use error::{Error, Result};
