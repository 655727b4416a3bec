//! The figures of chapter 4, drawn with plotters.
//!
//! Every function returns a [`Figure`]: a value that knows how to draw itself and is rendered
//! only when asked, as PNG ([`Figure::save_png`], [`Figure::png_bytes`]) or SVG
//! ([`Figure::save_svg`], [`Figure::svg_string`]). As the last expression of an evcxr cell a
//! figure shows inline ([`Figure::evcxr_display`]): PNG by default, SVG after [`Figure::svg`].
//!
//! | function | book figure |
//! |---|---|
//! | [`log_curve`] | 4-3, `y = log x` behind the cross-entropy (4.2.2) |
//! | [`tangent_lines`], [`function_1_tangents`] | 4-6, 4-7, numerical differentiation (4.3) |
//! | [`difference_errors`] | error of forward and central differences against h, log-log (4.3.1; not in the book) |
//! | [`surface`], [`function_2_surface`] | 4-8, a function of two variables (4.3.3) |
//! | [`gradient_field`], [`function_2_gradient_field`] | 4-9, the gradient (4.4) |
//! | [`descent_path`], [`learning_rates`] | 4-10, gradient descent (4.4.1) |
//! | [`loss_curve`], [`loss_curves`] | 4-11, training loss (4.5.2); several runs on one y axis |
//! | [`accuracy_curve`] | 4-12, train and test accuracy (4.5.3) |
//! | [`digits`], [`weights`] | MNIST digits and predictions, first-layer weights (4.5) |
//!
//! All figures share one [`Theme`]: the Okabe-Ito colour-blind-safe palette, a white
//! background, and font sizes made for a projector at 1280x720. Text uses DejaVu Sans, and text
//! with Hangul a subset of NanumGothic, both embedded in the crate, so a machine without fonts
//! draws the same pixels. The figures' own words are English or Korean ([`set_language`]). [`Figure::grid`] puts
//! several figures into one (evcxr shows one rich output per cell).
//!
//! ```
//! use dlfs_plot::*;
//! let fig = log_curve().size(640, 360);
//! let png = fig.png_bytes()?;
//! assert_eq!(&png[1..4], b"PNG");
//! # Ok::<(), dlfs::Error>(())
//! ```

mod canvas;
mod derivative;
mod draw;
pub mod export;
mod figure;
mod functions;
mod gradients;
mod lang;
pub mod live;
mod mnist;
pub mod setup;
mod surface;
mod text;
mod theme;
mod training;

pub use canvas::{Area, Canvas, CanvasError};
pub use derivative::{difference_errors, DifferenceErrors, BOOK_H};
pub use export::{
    book_figures, export_figure, export_figures, mnist_figures, write_atomic, MNIST_FIGURE_NAMES,
};
pub use figure::Figure;
pub use functions::{function_1_tangents, log_curve, tangent_lines};
pub use gradients::{descent_path, function_2_gradient_field, gradient_field, learning_rates};
pub use lang::{language, set_language, Language, LANGUAGE_VARIABLE};
pub use live::LiveFigure;
pub use mnist::{digits, weights};
pub use setup::status;
pub use surface::{function_2_surface, surface};
pub use text::wrap;
pub use theme::{Theme, FONT_FAMILY, HANGUL_FONT_FAMILY, PALETTE};
pub use training::{accuracy_curve, loss_curve, loss_curve_first, loss_curves};
