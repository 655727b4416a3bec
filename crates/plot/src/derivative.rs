//! The error of a numerical derivative against the step `h` (4.3.1): why the book picks
//! `h = 1e-4`.

use crate::canvas::plot_error;
use crate::lang::{say, tr};
use plotters::prelude::*;

use super::draw::{chart, draw_clipped, draw_note, Aspect, Axes, Legend, Mark};
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

/// The errors as a log plot can draw them: a 0 becomes infinite, so that [`best`] passes it by.
fn drawable(err: &[f64]) -> Vec<f64> {
    err.iter()
        .map(|&e| if e > 0.0 { e } else { f64::INFINITY })
        .collect()
}

fn best(h: &[f64], err: &[f64]) -> (f64, f64) {
    h.iter()
        .zip(err)
        .map(|(&h, &e)| (h, e))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((f64::NAN, f64::NAN))
}

/// The points `(log10 h, log10 error)` of one error curve, cut into the pieces a log plot can
/// draw: an error of exactly 0 has no logarithm, so it is left out and breaks the line. Also
/// the number of such zeros.
fn log_pieces(h: &[f64], err: &[f64]) -> (Vec<Vec<(f64, f64)>>, usize) {
    let (mut pieces, mut current, mut zeros) = (Vec::new(), Vec::new(), 0);
    for (&h, &e) in h.iter().zip(err) {
        if e > 0.0 {
            current.push((h.log10(), e.log10()));
        } else {
            zeros += 1;
            if !current.is_empty() {
                pieces.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    (pieces, zeros)
}

/// The error of the forward and the central difference of `f` at `x` against the step `h`, on
/// log-log axes (4.3.1; not a figure of the book): two V shapes, truncation error falling to
/// the right (forward ∝ h, central ∝ h²), rounding error rising to the left (∝ ε/h), with the
/// book's `h = 1e-4` marked. `exact` is `f'(x)`; `name` describes the function in the title,
/// e.g. `"sin x at x = 1"`. Take a function whose third derivative is not 0 at `x`: for a
/// quadratic the central difference has no truncation error and only the left arm shows.
/// An error of exactly 0 (the rounding happened to cancel) has no logarithm: it is left out,
/// the line breaks there, and a note gives how many steps that was.
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
    let series = [
        (
            tr(
                "forward (f(x+h) − f(x)) / h",
                "전방 차분 (f(x+h) − f(x)) / h",
            ),
            log_pieces(&data.h, &data.forward),
            best(&data.h, &drawable(&data.forward)),
        ),
        (
            tr(
                "central (f(x+h) − f(x−h)) / 2h",
                "중심 차분 (f(x+h) − f(x−h)) / 2h",
            ),
            log_pieces(&data.h, &data.central),
            best(&data.h, &drawable(&data.central)),
        ),
    ];
    let (_, fwd, cen) = data.at(BOOK_H);
    Figure::from_fn(title, move |area, theme| {
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
        let mut legend = Legend::default();
        let mut zero_notes = Vec::new();
        for (i, (label, (pieces, zeros), (bh, be))) in series.iter().enumerate() {
            let color = theme.color(i);
            let style = theme.line(color);
            for piece in pieces {
                draw_clipped(&mut c, theme, piece, Mark::Line(style))?;
            }
            // The smallest error drawn: a 0 has no logarithm, so the legend names no point
            // the plot leaves out.
            let smallest = if *zeros > 0 {
                say!(
                    "{label}: smallest above 0 {} at h = {}",
                    "{label}: 0을 빼면 최소 {} (h = {})",
                    sci(*be),
                    sci(*bh)
                )
            } else {
                say!(
                    "{label}: smallest {} at h = {}",
                    "{label}: 최소 {} (h = {})",
                    sci(*be),
                    sci(*bh)
                )
            };
            legend.add(smallest, Mark::Line(style));
            if be.is_finite() {
                c.draw_series(std::iter::once(Circle::new(
                    (bh.log10(), be.log10()),
                    theme.px(7.0),
                    color.filled(),
                )))
                .map_err(plot_error)?;
            }
            if *zeros > 0 {
                let which = tr("forward", "전방");
                let which = if i == 0 {
                    which
                } else {
                    tr("central", "중심")
                };
                zero_notes.push(say!(
                    "{which}: error exactly 0 at {zeros} of {} steps (left out: no logarithm)",
                    "{which}: h {}개 중 {zeros}개에서 오차가 정확히 0 (로그가 없어 생략)",
                    data.h.len()
                ));
            }
        }
        let mark = theme.thin(INK);
        draw_clipped(
            &mut c,
            theme,
            &[(BOOK_H.log10(), yr.start), (BOOK_H.log10(), yr.end)],
            Mark::Dash(mark),
        )?;
        legend.add(
            say!(
                "the book's h = 1e−4: forward {}, central {}",
                "책의 h = 1e−4: 전방 {}, 중심 {}",
                sci(fwd),
                sci(cen)
            ),
            Mark::Dash(mark),
        );
        legend.draw(&c, theme, SeriesLabelPosition::UpperMiddle)?;
        let mut note: Vec<String> = vec![
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
        ];
        note.extend(zero_notes);
        draw_note(&mut c, theme, super::draw::Corner::BottomLeft, &note)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_errors_are_left_out_of_the_log_plot() {
        // function_1 at x = 5: the central difference of a quadratic has no truncation error,
        // and at some steps its rounding error is exactly 0.
        let d = DifferenceErrors::measure(|x| 0.01 * x * x + 0.1 * x, 5.0, 0.2).unwrap();
        let zero = d.central.iter().filter(|&&e| e == 0.0).count();
        assert!(zero > 0, "expected some exact zeros in {:?}", d.central);
        let (pieces, zeros) = log_pieces(&d.h, &d.central);
        assert_eq!(zeros, zero);
        let drawn: usize = pieces.iter().map(Vec::len).sum();
        assert_eq!(drawn + zero, d.h.len());
        for p in pieces.iter().flatten() {
            assert!(
                p.1.is_finite() && p.1 > -17.0,
                "point {p:?} drawn at or below the floor"
            );
        }
        // sin at 1 has no exact zeros: one unbroken line.
        let s = DifferenceErrors::measure(f64::sin, 1.0, 1f64.cos()).unwrap();
        let (pieces, zeros) = log_pieces(&s.h, &s.forward);
        assert_eq!((pieces.len(), zeros), (1, 0));
    }
}
