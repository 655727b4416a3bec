//! The error of a numerical derivative against the step `h` (4.3.1): why the book picks
//! `h = 1e-4`.

use crate::canvas::plot_error;
use crate::lang::{say, tr};
use plotters::prelude::*;

use super::draw::{chart, dash_mark, draw_legend, draw_note, line_mark, Aspect, Axes};
use super::figure::Figure;
use super::theme::INK;
use dlfs::{Error, Result};

/// The step of the book's `numerical_diff` (4.3.1), marked in [`difference_errors`]: `h = 1e-4`.
pub use dlfs::gradient::H as BOOK_H;

/// The errors of the forward and the central difference of one function at one point, for
/// steps `h` from `1e-16` to `1` (4.3.1).
///
/// - forward difference `(f(x+h) - f(x)) / h`: truncation error about `h |f''(x)| / 2`;
/// - central difference `(f(x+h) - f(x-h)) / 2h` (the book's `numerical_diff`): truncation
///   error about `h² |f'''(x)| / 6`;
/// - both: rounding error about `ε |f(x)| / h` (`ε = 2.2e-16` for f64), which grows as `h`
///   shrinks.
///
/// On log-log axes each error is a V: truncation falls to the right, rounding rises to the left.
#[derive(Debug, Clone, PartialEq)]
pub struct DifferenceErrors {
    /// The steps, from `1e-16` to `1`, evenly spaced in `log10 h` (10 per decade).
    pub h: Vec<f64>,
    /// `|(f(x+h) - f(x)) / h - f'(x)|` for each step.
    pub forward: Vec<f64>,
    /// `|(f(x+h) - f(x-h)) / 2h - f'(x)|` for each step.
    pub central: Vec<f64>,
}

impl DifferenceErrors {
    /// Measures both errors of `f` at `x`, against the exact derivative `exact = f'(x)`.
    /// An error if `x` or `exact` is not finite, or if `f` is not finite near `x`.
    pub fn measure(f: impl Fn(f64) -> f64, x: f64, exact: f64) -> Result<DifferenceErrors> {
        if !x.is_finite() || !exact.is_finite() {
            return Err(Error::NonFinite(format!(
                "difference errors need a finite point and derivative, got x = {x}, f'(x) = {exact}"
            )));
        }
        let h: Vec<f64> = (0..=160)
            .map(|k| 10f64.powf(-16.0 + k as f64 / 10.0))
            .collect();
        let (mut forward, mut central) = (Vec::new(), Vec::new());
        for &s in &h {
            let (fp, f0, fm) = (f(x + s), f(x), f(x - s));
            if !(fp.is_finite() && f0.is_finite() && fm.is_finite()) {
                return Err(Error::NonFinite(format!(
                    "f is not finite near x = {x} (h = {s:e}): f(x-h) = {fm}, f(x) = {f0}, f(x+h) = {fp}"
                )));
            }
            forward.push(((fp - f0) / s - exact).abs());
            central.push(((fp - fm) / (2.0 * s) - exact).abs());
        }
        Ok(DifferenceErrors {
            h,
            forward,
            central,
        })
    }

    /// The step with the smallest forward-difference error, and that error.
    pub fn best_forward(&self) -> (f64, f64) {
        best(&self.h, &self.forward)
    }

    /// The step with the smallest central-difference error, and that error.
    pub fn best_central(&self) -> (f64, f64) {
        best(&self.h, &self.central)
    }

    /// Both errors at the step closest to `h` in `log10`: `(step, forward, central)`.
    pub fn at(&self, h: f64) -> (f64, f64, f64) {
        let i = (0..self.h.len())
            .min_by(|&a, &b| {
                let da = (self.h[a].log10() - h.log10()).abs();
                let db = (self.h[b].log10() - h.log10()).abs();
                da.total_cmp(&db)
            })
            .unwrap_or(0);
        (self.h[i], self.forward[i], self.central[i])
    }
}

/// `6.4e−13`: two digits, a true minus (errors go far below what the tick labels show).
fn sci(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    format!("{v:.1e}")
        .replace(".0e", "e")
        .replace('-', "\u{2212}")
}

fn best(h: &[f64], err: &[f64]) -> (f64, f64) {
    h.iter()
        .zip(err)
        .map(|(&h, &e)| (h, e))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((f64::NAN, f64::NAN))
}

/// Errors below this are drawn at this value (an error of exactly 0 has no logarithm).
const FLOOR: f64 = 1e-17;

/// The error of the forward and the central difference of `f` at `x` against the step `h`, on
/// log-log axes (4.3.1; not a figure of the book): two V shapes, truncation error falling to
/// the right (forward ∝ h, central ∝ h²), rounding error rising to the left (∝ ε/h), with the
/// book's `h = 1e-4` marked. `exact` is `f'(x)`; `name` describes the function in the title,
/// e.g. `"sin x at x = 1"`. Take a function whose third derivative is not 0 at `x`: for a
/// quadratic the central difference has no truncation error and only the left arm shows.
///
/// ```
/// let fig = dlfs_plot::difference_errors(f64::sin, 1.0, 1f64.cos(), "sin x at x = 1");
/// assert!(fig.png_bytes().is_ok());
/// ```
pub fn difference_errors(f: impl Fn(f64) -> f64, x: f64, exact: f64, name: &str) -> Figure {
    let data = match DifferenceErrors::measure(f, x, exact) {
        Ok(d) => d,
        Err(e) => return Figure::failed(format!("difference_errors: {e}")),
    };
    let title = say!(
        "error of numerical differentiation against h: {name}",
        "h에 따른 수치 미분의 오차: {name}"
    );
    Figure::from_fn(title, move |area, theme| {
        let log = |v: f64| v.max(FLOOR).log10();
        let (xr, yr) = (-16.2..0.2, -17.2..1.0);
        let mut c = chart(
            area,
            theme,
            &Axes {
                x: xr.clone(),
                y: yr.clone(),
                x_desc: "log₁₀ h",
                y_desc: tr("log₁₀ |error|", "log₁₀ |오차|"),
                aspect: Aspect::Free,
            },
        )?;
        let series = [
            (
                tr(
                    "forward (f(x+h) − f(x)) / h",
                    "전방 차분 (f(x+h) − f(x)) / h",
                ),
                &data.forward,
                data.best_forward(),
            ),
            (
                tr(
                    "central (f(x+h) − f(x−h)) / 2h",
                    "중심 차분 (f(x+h) − f(x−h)) / 2h",
                ),
                &data.central,
                data.best_central(),
            ),
        ];
        for (i, (label, err, (bh, be))) in series.into_iter().enumerate() {
            let color = theme.color(i);
            let style = theme.line(color);
            let pts: Vec<(f64, f64)> = data
                .h
                .iter()
                .zip(err)
                .map(|(&h, &e)| (h.log10(), log(e)))
                .collect();
            c.draw_series(LineSeries::new(pts, style))
                .map_err(plot_error)?
                .label(say!(
                    "{label}: smallest {} at h = {}",
                    "{label}: 최소 {} (h = {})",
                    sci(be),
                    sci(bh)
                ))
                .legend(line_mark(theme, style));
            c.draw_series(std::iter::once(Circle::new(
                (bh.log10(), log(be)),
                theme.px(7.0),
                color.filled(),
            )))
            .map_err(plot_error)?;
        }
        let mark = theme.thin(INK);
        let (_, fwd, cen) = data.at(BOOK_H);
        c.draw_series(DashedLineSeries::new(
            [(BOOK_H.log10(), yr.start), (BOOK_H.log10(), yr.end)],
            theme.px(10.0),
            theme.px(7.0),
            mark,
        ))
        .map_err(plot_error)?
        .label(say!(
            "the book's h = 1e-4: forward {}, central {}",
            "책의 h = 1e-4: 전방 {}, 중심 {}",
            sci(fwd),
            sci(cen)
        ))
        .legend(dash_mark(theme, mark));
        draw_legend(&mut c, theme, SeriesLabelPosition::UpperMiddle)?;
        draw_note(
            &mut c,
            theme,
            super::draw::Corner::BottomLeft,
            &[
                tr(
                    "left arm: rounding error ≈ ε·|f(x)| / h",
                    "왼쪽: 반올림 오차 ≈ ε·|f(x)| / h",
                )
                .into(),
                tr("right arm: truncation error", "오른쪽: 절단 오차").into(),
                tr(
                    "  forward ≈ h·|f''| / 2, central ≈ h²·|f'''| / 6",
                    "  전방 ≈ h·|f''| / 2, 중심 ≈ h²·|f'''| / 6",
                )
                .into(),
            ],
        )?;
        Ok(())
    })
}
