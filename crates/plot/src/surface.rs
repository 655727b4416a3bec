//! A function of two variables as a 3-D surface (fig. 4-8).

use crate::canvas::plot_error;
use plotters::prelude::*;

use super::draw::tick;
use super::figure::Figure;
use super::theme::{sequential, GRID, INK};

/// Grid points per axis of the surface.
const N: usize = 41;

/// `f(x0, x1)` over `range` x `range` as a 3-D surface (fig. 4-8, 4.3.3), coloured by height
/// (dark blue low, yellow high), with a wire mesh, on a 41 x 41 grid.
pub fn surface(f: impl Fn(f64, f64) -> f64, range: (f64, f64)) -> Figure {
    surface_figure(f, range, "f(x0, x1) as a surface")
}

/// [`surface`] of the book's `function_2`, `f(x0, x1) = x0² + x1²`, on [-3, 3]² (fig. 4-8).
pub fn function_2_surface() -> Figure {
    surface_figure(
        |a, b| a * a + b * b,
        (-3.0, 3.0),
        "f(x0, x1) = x0² + x1²  (fig. 4-8)",
    )
}

fn surface_figure(f: impl Fn(f64, f64) -> f64, (r0, r1): (f64, f64), title: &str) -> Figure {
    if !(r0.is_finite() && r1.is_finite() && r1 > r0) {
        return Figure::failed(format!(
            "surface: range must be finite with start < end, got ({r0}, {r1})"
        ));
    }
    let step = (r1 - r0) / (N - 1) as f64;
    let coords: Vec<f64> = (0..N).map(|i| r0 + step * i as f64).collect();
    // z[i][j] = f(coords[i], coords[j]).
    let z: Vec<Vec<f64>> = coords
        .iter()
        .map(|&a| coords.iter().map(|&b| f(a, b)).collect())
        .collect();
    if let Some((i, j)) = (0..N)
        .flat_map(|i| (0..N).map(move |j| (i, j)))
        .find(|&(i, j)| !z[i][j].is_finite())
    {
        return Figure::failed(format!(
            "surface: f({}, {}) = {} is not finite",
            coords[i], coords[j], z[i][j]
        ));
    }
    let lo = z.iter().flatten().copied().fold(f64::INFINITY, f64::min);
    let hi = z
        .iter()
        .flatten()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let hi = if hi > lo { hi } else { lo + 1.0 };
    Figure::from_fn(title, move |area, theme| {
        let index = |v: f64| (((v - r0) / step).round() as usize).min(N - 1);
        let mut c = ChartBuilder::on(area)
            .margin_top(theme.px(4.0))
            .margin_bottom(theme.px(48.0))
            .margin_left(theme.px(10.0))
            .margin_right(theme.px(10.0))
            .build_cartesian_3d(r0..r1, lo..hi, r0..r1)
            .map_err(plot_error)?;
        c.with_projection(|mut p| {
            p.pitch = 0.42;
            p.yaw = 0.62;
            p.scale = 0.8;
            p.into_matrix()
        });
        c.configure_axes()
            .label_style(theme.tick_font())
            .tick_size(theme.px(8.0))
            .x_labels(7)
            .z_labels(7)
            .y_labels(5)
            .x_formatter(&tick)
            .y_formatter(&tick)
            .z_formatter(&tick)
            .bold_grid_style(GRID.stroke_width(theme.px(1.0)))
            .light_grid_style(TRANSPARENT)
            .axis_panel_style(RGBColor(0xF4, 0xF4, 0xF4).filled())
            .draw()
            .map_err(plot_error)?;
        let style = |v: &f64| sequential((*v - lo) / (hi - lo)).filled();
        c.draw_series(
            SurfaceSeries::xoz(coords.iter().copied(), coords.iter().copied(), |a, b| {
                z[index(a)][index(b)]
            })
            .style_func(&style),
        )
        .map_err(plot_error)?;
        // A wire mesh every other grid line, to show the shape.
        let wire = INK.mix(0.35).stroke_width(theme.px(1.0));
        for i in (0..N).step_by(4) {
            c.draw_series(LineSeries::new(
                (0..N).map(|j| (coords[i], z[i][j], coords[j])),
                wire,
            ))
            .map_err(plot_error)?;
            c.draw_series(LineSeries::new(
                (0..N).map(|j| (coords[j], z[j][i], coords[i])),
                wire,
            ))
            .map_err(plot_error)?;
        }
        let font = theme.label_font();
        let mid = (r0 + r1) / 2.0;
        let out = r1 + (r1 - r0) * 0.3;
        c.draw_series([
            Text::new("x0", (mid, lo, out), font.clone()),
            Text::new("x1", (out, lo, mid), font.clone()),
            Text::new("f(x0, x1)", (r0, hi * 1.08, r1), font),
        ])
        .map_err(plot_error)?;
        Ok(())
    })
}
