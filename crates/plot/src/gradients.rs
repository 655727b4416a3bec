//! The gradient as arrows (fig. 4-9) and gradient descent over contour lines (fig. 4-10).

use crate::canvas::plot_error;
use crate::lang::{say, tr};
use std::ops::Range;

use ndarray::{array, Array1, ArrayView1, Ix1};
use plotters::prelude::*;

use super::canvas::Area;
use super::draw::{
    chart, draw_arrow, draw_clipped, draw_contours, draw_note, fmt_lr, fmt_num, Aspect, Axes,
    Chart2d, Corner, Field, Mark,
};
use super::figure::Figure;
use super::theme::{Theme, INK};
use dlfs::descent::{gradient_descent, Descent};
use dlfs::gradient::{function_2, numerical_gradient};

/// At most this many grid points per axis in [`gradient_field`].
const MAX_FIELD_POINTS: usize = 81;

fn pair(p: (f64, f64)) -> String {
    format!("({}, {})", fmt_num(p.0), fmt_num(p.1))
}

/// The field of `-∇f` as arrows on the grid `range` x `range` with spacing `step` (fig. 4-9,
/// 4.4): at each grid point an arrow along `-numerical_gradient(f, x)`, its length
/// proportional to `|∇f|` (the longest one step long). The arrows point downhill, towards
/// the minimum; the longer the arrow, the steeper the slope.
pub fn gradient_field(f: impl Fn(&ArrayView1<f64>) -> f64, range: (f64, f64), step: f64) -> Figure {
    let title = tr(
        "The negative gradient −∇f as arrows",
        "기울기에 마이너스를 붙인 벡터 −∇f",
    );
    field_figure(f, range, step, title)
}

/// [`gradient_field`] of `f(x0, x1) = x0² + x1²` on [-2, 2]² with step 0.25 (fig. 4-9).
pub fn function_2_gradient_field() -> Figure {
    field_figure(
        function_2,
        (-2.0, 2.0),
        0.25,
        tr(
            "−∇f for f(x0, x1) = x0² + x1²  (fig. 4-9)",
            "x0² + x1²의 음의 기울기 −∇f  (그림 4-9)",
        ),
    )
}

fn field_figure(
    f: impl Fn(&ArrayView1<f64>) -> f64,
    (r0, r1): (f64, f64),
    step: f64,
    title: &str,
) -> Figure {
    if !(r0.is_finite() && r1.is_finite() && r1 > r0) {
        return Figure::failed(format!(
            "gradient_field: range must be finite with start < end, got ({r0}, {r1})"
        ));
    }
    if !(step.is_finite() && step > 0.0) {
        return Figure::failed(format!("gradient_field: step must be positive, got {step}"));
    }
    let n = ((r1 - r0) / step + 1e-9).floor() as usize + 1;
    if n > MAX_FIELD_POINTS {
        return Figure::failed(format!(
            "gradient_field: step {step} gives {n} points per axis over ({r0}, {r1}); at most {MAX_FIELD_POINTS}"
        ));
    }
    let coords: Vec<f64> = (0..n).map(|i| r0 + step * i as f64).collect();
    // (x0, x1, -df/dx0, -df/dx1)
    let mut arrows = Vec::with_capacity(n * n);
    for &a in &coords {
        for &b in &coords {
            let g = numerical_gradient(|v: &ArrayView1<f64>| f(v), &mut array![a, b]);
            arrows.push((a, b, -g[0], -g[1]));
        }
    }
    let longest = arrows.iter().map(|a| a.2.hypot(a.3)).fold(0.0f64, f64::max);
    if !longest.is_finite() {
        return Figure::failed("gradient_field: the gradient is not finite somewhere on the grid");
    }
    Figure::from_fn(title, move |area, theme| {
        let pad = step * 0.9;
        let mut c = chart(
            area,
            theme,
            &Axes {
                x: r0 - pad..r1 + pad,
                y: r0 - pad..r1 + pad,
                x_desc: "x0",
                y_desc: "x1",
                aspect: Aspect::EqualShrink,
            },
        )?;
        let (pw, _) = c.plotting_area().dim_in_pixel();
        let px_per_unit = pw as f64 / (r1 - r0 + 2.0 * pad);
        let scale = if longest > 0.0 {
            step * 0.95 * px_per_unit / longest
        } else {
            0.0
        };
        for &(a, b, ga, gb) in &arrows {
            draw_arrow(
                &mut c,
                theme,
                (a, b),
                (ga * scale, -gb * scale),
                theme.color(0),
            )?;
        }
        Ok(())
    })
}

/// The view of a descent plot: the square around `centre` reaching `radius` in each direction.
fn view(centre: (f64, f64), radius: f64) -> (Range<f64>, Range<f64>) {
    (
        centre.0 - radius..centre.0 + radius,
        centre.1 - radius..centre.1 + radius,
    )
}

fn points(trajectory: &[Array1<f64>]) -> Option<Vec<(f64, f64)>> {
    trajectory
        .iter()
        .map(|p| (p.len() == 2).then(|| (p[0], p[1])))
        .collect()
}

fn inside(p: (f64, f64), x: &Range<f64>, y: &Range<f64>) -> bool {
    x.contains(&p.0) && y.contains(&p.1)
}

/// Draws contour lines of `f` and the path, clipped to the view; returns the index of the
/// first point outside the view, if any.
/// The (x0, x1) plane around `centre`, with the contour lines of `field` and `path` drawn on
/// it; also the step at which the path leaves the view, if it does.
fn path_chart<'a, 'b>(
    area: &'a Area<'b>,
    theme: &Theme,
    centre: (f64, f64),
    radius: f64,
    field: &Field,
    path: &[(f64, f64)],
) -> dlfs::Result<(Chart2d<'a, 'b>, Option<usize>)> {
    let (x, y) = view(centre, radius);
    let axes = Axes {
        x,
        y,
        x_desc: "x0",
        y_desc: "x1",
        aspect: Aspect::EqualExtend,
    };
    let mut c = chart(area, theme, &axes)?;
    let left = draw_path(&mut c, theme, field, path)?;
    Ok((c, left))
}

fn draw_path(
    c: &mut Chart2d<'_, '_>,
    theme: &Theme,
    field: &Field,
    path: &[(f64, f64)],
) -> dlfs::Result<Option<usize>> {
    let area = c.plotting_area();
    let (xr, yr) = (area.get_x_range(), area.get_y_range());
    draw_contours(c, theme, field, &xr, &yr, 9)?;
    let color = theme.color(1);
    // Stop at the first point outside the view: the path up to its exit through the edge.
    let exit = path.iter().position(|p| !inside(*p, &xr, &yr));
    let shown = &path[..exit.map_or(path.len(), |k| k + 1)];
    // Each step its own segment (draw_clipped): a thick polyline's mitred joins spike far out
    // of the panel where the path turns back on itself (lr = 1 on x0² + x1²).
    let stroke = color.stroke_width(theme.px(2.0));
    draw_clipped(c, theme, shown, Mark::Line(stroke))?;
    let r = theme.px(5.5);
    c.draw_series(
        path.iter()
            .filter(|p| inside(**p, &xr, &yr))
            .map(|&p| Circle::new(p, r, color.filled())),
    )
    .map_err(plot_error)?;
    // Start: a black ring; end: a filled black dot.
    if let Some(&s) = path.first().filter(|p| inside(**p, &xr, &yr)) {
        c.draw_series(std::iter::once(Circle::new(
            s,
            theme.px(10.0),
            INK.stroke_width(theme.px(2.5)),
        )))
        .map_err(plot_error)?;
    }
    if let Some(&e) = path.last().filter(|p| inside(**p, &xr, &yr)) {
        c.draw_series(std::iter::once(Circle::new(e, theme.px(6.0), INK.filled())))
            .map_err(plot_error)?;
    }
    Ok(exit)
}

/// The trajectory of a gradient descent over the contour lines of `f` (fig. 4-10, 4.4.1):
/// each point visited joined in order, the start ringed, the end a black dot. The view is
/// centred on the end point (the minimum found) and reaches just past the start, one unit
/// as long on both axes; a path that leaves the view is drawn up to the edge and a note says so.
///
/// ```
/// use dlfs::prelude::*;
/// use dlfs_plot::descent_path;
/// let f = |x: &ArrayView1<f64>| x.mapv(|v| v * v).sum();
/// let d = gradient_descent(f, &array![-3.0, 4.0], 0.1, 20);
/// let png = descent_path(f, &d).size(640, 360).png_bytes()?;
/// # Ok::<(), dlfs::Error>(())
/// ```
pub fn descent_path(f: impl Fn(&ArrayView1<f64>) -> f64, descent: &Descent<Ix1>) -> Figure {
    let Some(path) = points(&descent.trajectory) else {
        return Figure::failed(
            "descent_path: the trajectory must be of 2-D points (x0, x1) to be drawn",
        );
    };
    if path.is_empty() || !(path[0].0.is_finite() && path[0].1.is_finite()) {
        return Figure::failed("descent_path: the trajectory has no finite start point");
    }
    let start = path[0];
    let end = *path.last().unwrap_or(&start);
    let reach = 10.0 * start.0.abs().max(start.1.abs()).max(1.0);
    let near = |p: &(f64, f64)| (p.0 - start.0).abs().max((p.1 - start.1).abs()) <= reach;
    let centre = if near(&end) { end } else { start };
    let radius = path
        .iter()
        .filter(|p| near(p))
        .map(|p| (p.0 - centre.0).abs().max((p.1 - centre.1).abs()))
        .fold(0.0f64, f64::max);
    let radius = (radius * 1.15).max(1.0);
    let contour = contour_field(&f, centre, radius);
    let steps = path.len() - 1;
    let title = tr(
        "Gradient descent over the contour lines of f",
        "f의 등고선 위에서 경사 하강법의 경로",
    );
    Figure::from_fn(title, move |area, theme| {
        let (mut c, left) = path_chart(area, theme, centre, radius, &contour, &path)?;
        let mut note = vec![
            say!(
                "start {} (ring), {steps} steps",
                "시작 {} (고리), {steps}단계",
                pair(start)
            ),
            say!("end {} (dot)", "끝 {} (점)", pair(end)),
        ];
        if let Some(k) = left {
            note.push(say!(
                "leaves the view at step {k} (not drawn beyond)",
                "{k}단계에서 그림 밖으로 나감 (그 뒤는 그리지 않음)"
            ));
        }
        draw_note(&mut c, theme, Corner::TopRight, &note)?;
        Ok(())
    })
}

/// The smallest `p > 0` with the path back exactly at its start every `p` steps
/// (`path[k] == path[k % p]` for every `k`), if it returns at all.
fn period(path: &[(f64, f64)]) -> Option<usize> {
    let p = (1..path.len()).find(|&k| path[k] == path[0])?;
    (0..path.len()).all(|k| path[k] == path[k % p]).then_some(p)
}

/// `f` sampled for contour lines around the square view `centre ± radius`: three times as
/// far each way, since a wide or tall chart extends the view to keep the axes equal.
fn contour_field(f: &impl Fn(&ArrayView1<f64>) -> f64, centre: (f64, f64), radius: f64) -> Field {
    let g = |a: f64, b: f64| f(&array![a, b].view());
    let (x, y) = view(centre, 3.0 * radius);
    Field::sample(&g, x, y, 361)
}

/// Gradient descent from `init` for `steps` steps at each learning rate of `lrs`, side by
/// side over the contour lines of `f` (small multiples, 4.4.1; the book compares lr = 10,
/// 0.1 and 1e-10 from (-3, 4)). All panels share one view: around the best end point,
/// reaching past the start. A path that runs away (lr too large) is drawn up to the edge of the view
/// and its panel notes the step where it leaves and where it ends; one that barely moves
/// (lr too small) notes how far it went.
pub fn learning_rates(
    f: impl Fn(&ArrayView1<f64>) -> f64,
    init: &Array1<f64>,
    lrs: &[f64],
    steps: usize,
) -> Figure {
    if init.len() != 2 {
        return Figure::failed(format!(
            "learning_rates: init must be a 2-D point (x0, x1), got {} values",
            init.len()
        ));
    }
    if lrs.is_empty() {
        return Figure::failed("learning_rates: no learning rates given");
    }
    let start = (init[0], init[1]);
    if !(start.0.is_finite() && start.1.is_finite()) {
        return Figure::failed(format!(
            "learning_rates: init {} is not finite",
            pair(start)
        ));
    }
    let runs: Vec<(f64, Vec<(f64, f64)>)> = lrs
        .iter()
        .map(|&lr| {
            let d = gradient_descent(&f, init, lr, steps);
            (lr, points(&d.trajectory).unwrap_or_default())
        })
        .collect();
    let reach = 10.0 * start.0.abs().max(start.1.abs()).max(1.0);
    let near = |p: &(f64, f64)| {
        p.0.is_finite()
            && p.1.is_finite()
            && (p.0 - start.0).abs().max((p.1 - start.1).abs()) <= reach
    };
    let value = |p: (f64, f64)| f(&array![p.0, p.1].view());
    // The view centres on the lowest end point that stayed near the start.
    let centre = runs
        .iter()
        .filter_map(|(_, path)| path.last().copied().filter(|p| near(p)))
        .min_by(|a, b| value(*a).total_cmp(&value(*b)))
        .unwrap_or(start);
    let radius = ((start.0 - centre.0).abs().max((start.1 - centre.1).abs()) * 1.25).max(1.0);
    let contour = contour_field(&f, centre, radius);
    let panels: Vec<Figure> = runs
        .into_iter()
        .map(|(lr, path)| {
            let contour = contour.clone();
            let end = *path.last().unwrap_or(&start);
            Figure::from_fn(
                say!("lr = {}", "학습률 {}", fmt_lr(lr)),
                move |area, theme| {
                    let (mut c, left) = path_chart(area, theme, centre, radius, &contour, &path)?;
                    let moved = (end.0 - start.0).hypot(end.1 - start.1);
                    let mut note = Vec::new();
                    if let Some(k) = left {
                        note.push(say!(
                            "leaves the view at step {k}",
                            "{k}단계에서 그림 밖으로"
                        ));
                        note.push(tr("(not drawn beyond)", "(그 뒤는 그리지 않음)").into());
                    } else if let Some(p) = period(&path) {
                        note.push(say!(
                            "back at the start every {p} steps",
                            "{p}단계마다 출발점으로 돌아옴"
                        ));
                    } else if moved < radius * 0.01 {
                        note.push(say!("moved only {}", "{}만큼만 움직임", fmt_num(moved)));
                    }
                    note.push(say!("after {steps} steps:", "{steps}단계 뒤:"));
                    note.push(format!("x = {}", pair(end)));
                    draw_note(&mut c, theme, Corner::BottomLeft, &note)?;
                    Ok(())
                },
            )
        })
        .collect();
    let cols = panels.len();
    Figure::grid(panels, cols).title(say!(
        "Gradient descent from {} for {steps} steps: the learning rate matters",
        "{}에서 {steps}단계 경사 하강법: 학습률에 따라 결과가 달라짐",
        pair(start)
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_path_that_returns_to_its_start_has_a_period() {
        let (a, b) = ((-3.0, 4.0), (3.0, -4.0));
        assert_eq!(super::period(&[a, b, a, b, a]), Some(2));
        assert_eq!(super::period(&[a, b, (0.0, 0.0)]), None);
        assert_eq!(super::period(&[a, b, a, (1.0, 1.0)]), None);
        assert_eq!(super::period(&[a]), None);
    }
}
