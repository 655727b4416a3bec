//! Functions of one variable: `log x` (fig. 4-3) and tangent lines (figs. 4-6, 4-7).

use crate::canvas::plot_error;
use crate::lang::{say, tr};
use plotters::prelude::*;

use super::draw::{chart, draw_clipped, draw_note, fmt_num, Aspect, Axes, Corner, Legend, Mark};
use super::figure::Figure;
use super::theme::INK;
use dlfs::gradient::numerical_diff;

/// `y = log x` on (0, 1] (fig. 4-3, 4.2.2): the cross-entropy error is `-log y_k`, large when
/// the probability `y_k` of the right class is near 0 and 0 when it is 1. The curve is drawn
/// down to y = -5.5 (x ≈ 0.004); it goes to -∞ as x → 0.
pub fn log_curve() -> Figure {
    let n = 600;
    // Dense near 0, where the curve is steep: x = e^t for t evenly spaced.
    let (t0, t1) = ((0.003f64).ln(), 0.0);
    let pts: Vec<(f64, f64)> = (0..=n)
        .map(|i| {
            let x = (t0 + (t1 - t0) * i as f64 / n as f64).exp();
            (x, x.ln())
        })
        .collect();
    let title = tr(
        "y = log x on (0, 1]  (fig. 4-3)",
        "(0, 1]에서 y = log x  (그림 4-3)",
    );
    Figure::from_fn(title, move |area, theme| {
        let mut c = chart(
            area,
            theme,
            &Axes {
                x: 0.0..1.05,
                y: -5.5..0.6,
                x_desc: "x",
                y_desc: "y = log x",
                aspect: Aspect::Free,
            },
        )?;
        let style = theme.line(theme.color(0));
        draw_clipped(&mut c, theme, &pts, Mark::Line(style))?;
        c.draw_series(std::iter::once(Circle::new(
            (1.0, 0.0),
            theme.px(7.0),
            theme.color(1).filled(),
        )))
        .map_err(plot_error)?;
        c.draw_series(std::iter::once(Text::new(
            "log 1 = 0",
            (0.86, -0.45),
            theme.tick_font(),
        )))
        .map_err(plot_error)?;
        draw_note(
            &mut c,
            theme,
            Corner::BottomRight,
            &[
                tr(
                    "cross-entropy error E = −log x (x: the right class's output):",
                    "교차 엔트로피 오차 E = −log x (x: 정답 클래스의 출력):",
                )
                .into(),
                tr(
                    "x → 1 (right class sure): E → 0",
                    "x → 1 (정답을 확신): E → 0",
                )
                .into(),
                tr("x → 0: E grows without bound", "x → 0: E가 한없이 커짐").into(),
            ],
        )?;
        Ok(())
    })
}

/// `f` on `x_range` with its tangent line at each point of `at` (figs. 4-6, 4-7, 4.3.2): the
/// line through `(a, f(a))` with slope `numerical_diff(f, a)`, i.e.
/// `y = f(a) + f'(a) (x - a)`. The legend gives each slope.
pub fn tangent_lines(f: impl Fn(f64) -> f64, x_range: (f64, f64), at: &[f64]) -> Figure {
    tangents(
        f,
        x_range,
        at,
        "f(x)",
        tr(
            "f(x) with tangent lines, slopes by numerical_diff",
            "f(x)와 접선 (기울기는 numerical_diff로)",
        ),
    )
}

/// [`tangent_lines`] for the book's `function_1`, `f(x) = 0.01x² + 0.1x`, on [0, 20] with
/// tangents at x = 5 (slope 0.2) and x = 10 (slope 0.3) (figs. 4-6, 4-7).
pub fn function_1_tangents() -> Figure {
    tangents(
        |x| 0.01 * x * x + 0.1 * x,
        (0.0, 20.0),
        &[5.0, 10.0],
        "f(x) = 0.01x² + 0.1x",
        tr(
            "f(x) = 0.01x² + 0.1x and its tangents at x = 5, 10  (figs. 4-6, 4-7)",
            "f(x) = 0.01x² + 0.1x와 x = 5, 10에서의 접선  (그림 4-6, 4-7)",
        ),
    )
}

fn tangents(
    f: impl Fn(f64) -> f64,
    (x0, x1): (f64, f64),
    at: &[f64],
    f_label: &str,
    title: &str,
) -> Figure {
    if !(x0.is_finite() && x1.is_finite() && x1 > x0) {
        return Figure::failed(format!(
            "tangent_lines: x_range must be finite with start < end, got ({x0}, {x1})"
        ));
    }
    let n = 400;
    let xs: Vec<f64> = (0..=n)
        .map(|i| x0 + (x1 - x0) * i as f64 / n as f64)
        .collect();
    let curve: Vec<(f64, f64)> = xs.iter().map(|&x| (x, f(x))).collect();
    // (a, f(a), slope) for each tangent point.
    let lines: Vec<(f64, f64, f64)> = at
        .iter()
        .map(|&a| (a, f(a), numerical_diff(&f, a)))
        .collect();
    if let Some(bad) = curve.iter().find(|p| !p.1.is_finite()) {
        return Figure::failed(format!(
            "tangent_lines: f({}) = {} is not finite",
            bad.0, bad.1
        ));
    }
    if let Some(bad) = lines.iter().find(|l| !(l.1.is_finite() && l.2.is_finite())) {
        return Figure::failed(format!(
            "tangent_lines: f or its slope is not finite at x = {}",
            bad.0
        ));
    }
    // y range: the curve and the tangents over the x range, with 8% padding.
    let mut lo = curve.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let mut hi = curve.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    for &(a, fa, s) in &lines {
        for x in [x0, x1] {
            let y = fa + s * (x - a);
            lo = lo.min(y);
            hi = hi.max(y);
        }
    }
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let (ylo, yhi) = (lo - pad, hi + pad);
    let f_label = f_label.to_string();
    Figure::from_fn(title, move |area, theme| {
        let mut c = chart(
            area,
            theme,
            &Axes {
                x: x0..x1,
                y: ylo..yhi,
                x_desc: "x",
                y_desc: "f(x)",
                aspect: Aspect::Free,
            },
        )?;
        let style = theme.line(INK);
        draw_clipped(&mut c, theme, &curve, Mark::Line(style))?;
        let mut legend = Legend::default();
        legend.add(f_label.clone(), Mark::Line(style));
        let mut drawn = vec![curve.clone()];
        for (i, &(a, fa, s)) in lines.iter().enumerate() {
            let color = theme.color(i);
            let style = theme.line(color);
            let seg = [(x0, fa + s * (x0 - a)), (x1, fa + s * (x1 - a))];
            draw_clipped(&mut c, theme, &seg, Mark::Dash(style))?;
            drawn.push(seg.to_vec());
            legend.add(
                say!(
                    "tangent at x = {}: slope {:.4}",
                    "x = {}에서의 접선: 기울기 {:.4}",
                    fmt_num(a),
                    s
                ),
                Mark::Dash(style),
            );
            c.draw_series(std::iter::once(Circle::new(
                (a, fa),
                theme.px(7.0),
                color.filled(),
            )))
            .map_err(plot_error)?;
        }
        let drawn: Vec<&[(f64, f64)]> = drawn.iter().map(Vec::as_slice).collect();
        legend.draw_where_free(&c, theme, &drawn)?;
        Ok(())
    })
}
