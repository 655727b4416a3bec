//! Shared pieces: a themed 2-D chart, tick labels, clipping, contour lines, arrows, notes.

use crate::canvas::plot_error;
use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{Area, Canvas};
use super::theme::{Theme, GRID, INK};
use dlfs::Result;

/// A 2-D chart with f64 axes on a [`Canvas`].
pub(crate) type Chart2d<'a, 'b> =
    ChartContext<'a, Canvas<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// What a 2-D chart shows.
pub(crate) struct Axes<'s> {
    pub x: Range<f64>,
    pub y: Range<f64>,
    pub x_desc: &'s str,
    pub y_desc: &'s str,
    /// How the units of the two axes relate.
    pub aspect: Aspect,
}

/// How a chart relates its x and y units.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aspect {
    /// Each axis fills its side.
    Free,
    /// One unit is as long on both axes: the plotting area is shrunk to fit, centred.
    EqualShrink,
    /// One unit is as long on both axes: the shorter range is extended (about its centre) so
    /// the plotting area stays full.
    EqualExtend,
}

/// Space for tick labels and the axis description below the x axis, in design pixels.
const X_LABEL_AREA: f64 = 72.0;
/// Space for tick labels and the axis description left of the y axis, in design pixels.
const Y_LABEL_AREA: f64 = 92.0;
const MARGIN: f64 = 22.0;

/// Builds a chart with the theme's axes, grid and fonts, and draws its mesh.
pub(crate) fn chart<'a, 'b>(
    area: &'a Area<'b>,
    theme: &Theme,
    axes: &Axes<'_>,
) -> Result<Chart2d<'a, 'b>> {
    let (w, h) = area.dim_in_pixel();
    let (xl, yl, m) = (
        theme.px(X_LABEL_AREA),
        theme.px(Y_LABEL_AREA),
        theme.px(MARGIN),
    );
    let (mut ml, mut mr, mut mt, mut mb) = (m, m + theme.px(12.0), m, m);
    let (mut xr, mut yr) = (axes.x.clone(), axes.y.clone());
    let pw = w.saturating_sub(yl + ml + mr) as f64;
    let ph = h.saturating_sub(xl + mt + mb) as f64;
    let (sx, sy) = (xr.end - xr.start, yr.end - yr.start);
    let usable = pw > 0.0 && ph > 0.0 && sx > 0.0 && sy > 0.0;
    if usable && axes.aspect == Aspect::EqualExtend {
        let unit = (pw / sx).min(ph / sy);
        let (nx, ny) = (pw / unit, ph / unit);
        let (cx, cy) = ((xr.start + xr.end) / 2.0, (yr.start + yr.end) / 2.0);
        xr = cx - nx / 2.0..cx + nx / 2.0;
        yr = cy - ny / 2.0..cy + ny / 2.0;
    }
    if axes.aspect == Aspect::EqualShrink && usable {
        let unit = (pw / sx).min(ph / sy);
        let extra_w = (pw - unit * sx).max(0.0) as u32;
        let extra_h = (ph - unit * sy).max(0.0) as u32;
        ml += extra_w / 2;
        mr += extra_w - extra_w / 2;
        mt += extra_h / 2;
        mb += extra_h - extra_h / 2;
    }
    let mut chart = ChartBuilder::on(area)
        .margin_left(ml)
        .margin_right(mr)
        .margin_top(mt)
        .margin_bottom(mb)
        .x_label_area_size(xl)
        .y_label_area_size(yl)
        .build_cartesian_2d(xr, yr)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .axis_desc_style(theme.label_font())
        .label_style(theme.tick_font())
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .x_labels(9)
        .y_labels(7)
        .bold_line_style(GRID.stroke_width(theme.px(1.0)))
        .light_line_style(TRANSPARENT)
        .axis_style(INK.stroke_width(theme.px(1.5)))
        .set_all_tick_mark_size(theme.px(6.0))
        .draw()
        .map_err(plot_error)?;
    Ok(chart)
}

/// A tick label: as few decimals as needed, a true minus sign.
pub(crate) fn tick(v: &f64) -> String {
    fmt_num(*v)
}

/// A number for a label: `0`, `0.25`, `-3`, `1e-10`, `2.6e13`; minus as U+2212.
pub(crate) fn fmt_num(v: f64) -> String {
    let a = v.abs();
    let s = if a < 1e-12 {
        "0".to_string()
    } else if !(1e-3..1e6).contains(&a) {
        let e = a.log10().floor() as i32;
        let m = v / 10f64.powi(e);
        let m = format!("{m:.1}");
        let m = m.trim_end_matches(".0");
        format!("{m}e{e}")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    };
    s.replace('-', "\u{2212}")
}

/// A learning rate for a title: `10`, `0.1`, `1e-10`.
pub(crate) fn fmt_lr(v: f64) -> String {
    fmt_num(v)
}

/// Clips the segment `p`-`q` to the rectangle `x` x `y` (Liang-Barsky); `None` if it misses.
pub(crate) fn clip_segment(
    p: (f64, f64),
    q: (f64, f64),
    x: &Range<f64>,
    y: &Range<f64>,
) -> Option<((f64, f64), (f64, f64))> {
    if !(p.0.is_finite() && p.1.is_finite() && q.0.is_finite() && q.1.is_finite()) {
        return None;
    }
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (pk, qk) in [
        (-dx, p.0 - x.start),
        (dx, x.end - p.0),
        (-dy, p.1 - y.start),
        (dy, y.end - p.1),
    ] {
        if pk == 0.0 {
            if qk < 0.0 {
                return None;
            }
        } else {
            let r = qk / pk;
            if pk < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 <= t1).then_some((
        (p.0 + t0 * dx, p.1 + t0 * dy),
        (p.0 + t1 * dx, p.1 + t1 * dy),
    ))
}

/// Splits a polyline into the pieces inside the rectangle (points outside are cut off at its
/// edge; non-finite points break the line).
pub(crate) fn clip_polyline(
    points: &[(f64, f64)],
    x: &Range<f64>,
    y: &Range<f64>,
) -> Vec<Vec<(f64, f64)>> {
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for w in points.windows(2) {
        match clip_segment(w[0], w[1], x, y) {
            Some((a, b)) => {
                if current.last() != Some(&a) {
                    if current.len() > 1 {
                        pieces.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    current.push(a);
                }
                current.push(b);
                if b != w[1] {
                    pieces.push(std::mem::take(&mut current));
                }
            }
            None => {
                if current.len() > 1 {
                    pieces.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() > 1 {
        pieces.push(current);
    }
    pieces
}

/// `n` evenly spaced numbers from `a` to `b` inclusive.
pub(crate) fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    match n {
        0 => vec![],
        1 => vec![a],
        _ => (0..n)
            .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
            .collect(),
    }
}

/// The level set `f = level` on a grid, as segments, by marching squares: `z[j][i]` is the
/// value at `(xs[i], ys[j])`; each cell whose corners straddle the level gives one segment
/// (two for a saddle, split by the value at the centre).
pub(crate) fn contour_segments(
    xs: &[f64],
    ys: &[f64],
    z: &[Vec<f64>],
    level: f64,
) -> Vec<((f64, f64), (f64, f64))> {
    let mut out = Vec::new();
    let cross = |a: (f64, f64, f64), b: (f64, f64, f64)| -> Option<(f64, f64)> {
        let (da, db) = (a.2 - level, b.2 - level);
        if (da < 0.0) == (db < 0.0) || !(da.is_finite() && db.is_finite()) {
            return None;
        }
        let t = da / (da - db);
        Some((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)))
    };
    for j in 0..ys.len().saturating_sub(1) {
        for i in 0..xs.len().saturating_sub(1) {
            let c00 = (xs[i], ys[j], z[j][i]);
            let c10 = (xs[i + 1], ys[j], z[j][i + 1]);
            let c11 = (xs[i + 1], ys[j + 1], z[j + 1][i + 1]);
            let c01 = (xs[i], ys[j + 1], z[j + 1][i]);
            // Edges: bottom, right, top, left.
            let e = [
                cross(c00, c10),
                cross(c10, c11),
                cross(c11, c01),
                cross(c01, c00),
            ];
            let hits: Vec<(f64, f64)> = e.iter().flatten().copied().collect();
            match hits.len() {
                2 => out.push((hits[0], hits[1])),
                4 => {
                    let centre = (c00.2 + c10.2 + c11.2 + c01.2) / 4.0;
                    let (b, r, t, l) = (hits[0], hits[1], hits[2], hits[3]);
                    if (centre < level) == (c00.2 < level) {
                        // c00 and c11 joined through the centre: cut off c10 and c01.
                        out.push((b, r));
                        out.push((t, l));
                    } else {
                        out.push((b, l));
                        out.push((r, t));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Values of a function of two variables on a grid: `z[j][i] = f(xs[i], ys[j])`.
#[derive(Clone)]
pub(crate) struct Field {
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    pub z: Vec<Vec<f64>>,
}

impl Field {
    /// Samples `f` on an `n x n` grid over `x` x `y`.
    pub fn sample(f: &dyn Fn(f64, f64) -> f64, x: Range<f64>, y: Range<f64>, n: usize) -> Field {
        let xs = linspace(x.start, x.end, n);
        let ys = linspace(y.start, y.end, n);
        let z = ys
            .iter()
            .map(|&yv| xs.iter().map(|&xv| f(xv, yv)).collect())
            .collect();
        Field { xs, ys, z }
    }
}

/// Draws contour lines of a sampled function, clipped to `x` x `y`: `levels` levels spaced
/// quadratically between the smallest and largest value inside that view (evenly spaced rings
/// for a bowl such as x0² + x1²), darker for higher levels.
pub(crate) fn draw_contours(
    chart: &mut Chart2d<'_, '_>,
    theme: &Theme,
    field: &Field,
    x: &Range<f64>,
    y: &Range<f64>,
    levels: usize,
) -> Result<()> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (j, &yv) in field.ys.iter().enumerate() {
        for (i, &xv) in field.xs.iter().enumerate() {
            let v = field.z[j][i];
            if v.is_finite() && x.contains(&xv) && y.contains(&yv) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return Ok(());
    }
    for k in 1..=levels {
        let t = k as f64 / (levels + 1) as f64;
        let level = lo + (hi - lo) * t * t;
        let shade = super::theme::lighten(super::theme::PALETTE[0], 0.35 + 0.45 * (1.0 - t));
        let style = shade.stroke_width(theme.px(1.5));
        let segments: Vec<_> = contour_segments(&field.xs, &field.ys, &field.z, level)
            .into_iter()
            .filter_map(|(a, b)| clip_segment(a, b, x, y))
            .collect();
        chart
            .draw_series(
                segments
                    .into_iter()
                    .map(move |(a, b)| PathElement::new(vec![a, b], style)),
            )
            .map_err(plot_error)?;
    }
    Ok(())
}

/// Draws an arrow from `from` (data coordinates) along `(dx, dy)` pixels (y down), with a
/// filled head.
pub(crate) fn draw_arrow(
    chart: &mut Chart2d<'_, '_>,
    theme: &Theme,
    from: (f64, f64),
    (dx, dy): (f64, f64),
    color: RGBColor,
) -> Result<()> {
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1.0 {
        chart
            .draw_series(std::iter::once(Circle::new(
                from,
                theme.px(2.0),
                color.filled(),
            )))
            .map_err(plot_error)?;
        return Ok(());
    }
    let (ux, uy) = (dx / len, dy / len);
    let head = (theme.k * 12.0).min(0.45 * len);
    let half = head * 0.5;
    let base = (dx - ux * head, dy - uy * head);
    let p = |v: (f64, f64)| (v.0.round() as i32, v.1.round() as i32);
    let shaft = PathElement::new(vec![(0, 0), p(base)], color.stroke_width(theme.px(2.0)));
    let tip = Polygon::new(
        vec![
            p((dx, dy)),
            p((base.0 - uy * half, base.1 + ux * half)),
            p((base.0 + uy * half, base.1 - ux * half)),
        ],
        color.filled(),
    );
    chart
        .draw_series(std::iter::once(EmptyElement::at(from) + shaft + tip))
        .map_err(plot_error)?;
    Ok(())
}

/// Where a note box goes in the plotting area.
#[derive(Clone, Copy)]
pub(crate) enum Corner {
    TopRight,
    BottomLeft,
    BottomRight,
}

/// Draws lines of text in a white box with a thin frame in a corner of the plotting area.
pub(crate) fn draw_note(
    chart: &mut Chart2d<'_, '_>,
    theme: &Theme,
    corner: Corner,
    lines: &[String],
) -> Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let font = theme.note_font();
    let area = chart.plotting_area();
    let mut tw = 0u32;
    for l in lines {
        tw = tw.max(area.estimate_text_size(l, &font).map_err(plot_error)?.0);
    }
    let lh = theme.px(27.0) as i32;
    let pad = theme.px(10.0) as i32;
    let (bw, bh) = (tw as i32 + 2 * pad, lh * lines.len() as i32 + pad);
    let (xr, yr) = (area.get_x_range(), area.get_y_range());
    let inset = theme.off(10.0);
    let (anchor, dx, dy) = match corner {
        Corner::TopRight => ((xr.end, yr.end), -bw - inset, inset),
        Corner::BottomLeft => ((xr.start, yr.start), inset, -bh - inset),
        Corner::BottomRight => ((xr.end, yr.start), -bw - inset, -bh - inset),
    };
    let boxed = EmptyElement::at(anchor)
        + Rectangle::new([(dx, dy), (dx + bw, dy + bh)], WHITE.mix(0.92).filled())
        + Rectangle::new(
            [(dx, dy), (dx + bw, dy + bh)],
            GRID.stroke_width(theme.px(1.0)),
        );
    area.draw(&boxed).map_err(plot_error)?;
    for (i, l) in lines.iter().enumerate() {
        let style = font.clone().pos(Pos::new(HPos::Left, VPos::Center));
        let text = EmptyElement::at(anchor)
            + Text::new(
                l.clone(),
                (dx + pad, dy + pad / 2 + lh * i as i32 + lh / 2),
                style,
            );
        area.draw(&text).map_err(plot_error)?;
    }
    Ok(())
}

/// How a series is drawn, and shown in a legend: a solid or a dashed line of `style`.
#[derive(Clone, Copy)]
pub(crate) enum Mark {
    /// A solid line.
    Line(ShapeStyle),
    /// A dashed line: dashes of 14, gaps of 8 design pixels.
    Dash(ShapeStyle),
}

impl Mark {
    fn style(&self) -> ShapeStyle {
        match *self {
            Mark::Line(s) | Mark::Dash(s) => s,
        }
    }
}

/// Draws the polyline `points` (data coordinates) as `mark`, inside the plotting area only: the
/// line is cut where it leaves the area shrunk by half the stroke width, so no stroke crosses
/// an axis or the title (non-finite points break the line). Solid lines are drawn segment by
/// segment, with round joins from 3 pixels wide: plotters joins a thick polyline with mitres,
/// which spike out of the data where a jagged line (a mini-batch loss) turns back on itself.
pub(crate) fn draw_clipped(
    chart: &mut Chart2d<'_, '_>,
    theme: &Theme,
    points: &[(f64, f64)],
    mark: Mark,
) -> Result<()> {
    let area = chart.plotting_area();
    let (xr, yr) = (area.get_x_range(), area.get_y_range());
    let (pw, ph) = area.dim_in_pixel();
    let style = mark.style();
    let half = style.stroke_width as f64 / 2.0;
    // One more pixel: rounding to pixels may put a stroke edge one beyond its exact place.
    let inset = half + 1.0;
    let ix = inset * (xr.end - xr.start) / pw.max(1) as f64;
    let iy = inset * (yr.end - yr.start) / ph.max(1) as f64;
    let (x, y) = (xr.start + ix..xr.end - ix, yr.start + iy..yr.end - iy);
    for piece in clip_polyline(points, &x, &y) {
        match mark {
            Mark::Line(_) => {
                chart
                    .draw_series(
                        piece
                            .windows(2)
                            .map(|w| PathElement::new(w.to_vec(), style)),
                    )
                    .map_err(plot_error)?;
                if style.stroke_width >= 3 {
                    let r = (half.floor() as u32).max(1);
                    let dot = ShapeStyle {
                        color: style.color,
                        filled: true,
                        stroke_width: 0,
                    };
                    let joins = &piece[1..piece.len() - 1];
                    chart
                        .draw_series(joins.iter().map(|&p| Circle::new(p, r, dot)))
                        .map_err(plot_error)?;
                }
            }
            Mark::Dash(_) => {
                chart
                    .draw_series(DashedLineSeries::new(
                        piece,
                        theme.px(14.0),
                        theme.px(8.0),
                        style,
                    ))
                    .map_err(plot_error)?;
            }
        }
    }
    Ok(())
}

/// A legend: labels with the marks of their series, in a white box with a thin frame inside
/// the plotting area. The box is sized from the text as the [`Canvas`] draws it (Hangul in
/// dlfs Gothic, the rest in DejaVu Sans), so every label fits; plotters' own legend measures
/// every label in DejaVu Sans alone, which is narrower than Hangul.
#[derive(Default)]
pub(crate) struct Legend {
    entries: Vec<(String, Mark)>,
}

/// A legend laid out, in pixels: its font, box size, padding, room for the marks, line height.
struct LegendLayout {
    font: TextStyle<'static>,
    size: (i32, i32),
    pad: i32,
    mark_room: i32,
    line: i32,
}

/// The places a legend may go, in the order they are preferred on a tie.
const LEGEND_PLACES: [SeriesLabelPosition; 8] = [
    SeriesLabelPosition::UpperRight,
    SeriesLabelPosition::LowerRight,
    SeriesLabelPosition::UpperLeft,
    SeriesLabelPosition::LowerLeft,
    SeriesLabelPosition::UpperMiddle,
    SeriesLabelPosition::LowerMiddle,
    SeriesLabelPosition::MiddleRight,
    SeriesLabelPosition::MiddleLeft,
];

impl Legend {
    /// Adds a series of `label` drawn as `mark`.
    pub fn add(&mut self, label: impl Into<String>, mark: Mark) {
        self.entries.push((label.into(), mark));
    }

    /// Sizes the box: the legend font, made smaller if the longest label would not fit the
    /// plotting area.
    fn layout(&self, area: &Area<'_>, theme: &Theme) -> Result<LegendLayout> {
        let (aw, _) = area.dim_in_pixel();
        let widest = |font: &TextStyle<'static>| -> Result<i32> {
            let mut w = 0;
            for (label, _) in &self.entries {
                w = w.max(area.estimate_text_size(label, font).map_err(plot_error)?.0 as i32);
            }
            Ok(w)
        };
        let (pad, mark_room) = (theme.off(12.0), theme.off(54.0));
        let mut size = 23.0;
        let mut font = theme.font_px(size, false);
        let mut text = widest(&font)?;
        let room = aw as i32 - 2 * theme.off(8.0) - 2 * pad - mark_room;
        if text > room && room > 0 {
            size *= room as f64 / text as f64;
            font = theme.font_px(size, false);
            text = widest(&font)?;
        }
        let line = theme.off(size * 1.3);
        let n = self.entries.len() as i32;
        Ok(LegendLayout {
            font,
            size: (pad + mark_room + text + pad, n * line + pad),
            pad,
            mark_room,
            line,
        })
    }

    /// The upper left corner of a box of `size` at `place` in an area of `dim` pixels.
    fn origin(
        place: &SeriesLabelPosition,
        size: (i32, i32),
        dim: (u32, u32),
        inset: i32,
    ) -> (i32, i32) {
        use SeriesLabelPosition::*;
        let (w, h) = (dim.0 as i32, dim.1 as i32);
        let x = match place {
            UpperLeft | MiddleLeft | LowerLeft => inset,
            UpperMiddle | MiddleMiddle | LowerMiddle => (w - size.0) / 2,
            UpperRight | MiddleRight | LowerRight => w - size.0 - inset,
            Coordinate(x, _) => *x,
        };
        let y = match place {
            UpperLeft | UpperMiddle | UpperRight => inset,
            MiddleLeft | MiddleMiddle | MiddleRight => (h - size.1) / 2,
            LowerLeft | LowerMiddle | LowerRight => h - size.1 - inset,
            Coordinate(_, y) => *y,
        };
        (x, y)
    }

    /// Draws the legend at `place` in the plotting area of `chart`; returns its box as
    /// `(left, top, right, bottom)` in pixels of the plotting area.
    pub fn draw(
        &self,
        chart: &Chart2d<'_, '_>,
        theme: &Theme,
        place: SeriesLabelPosition,
    ) -> Result<(i32, i32, i32, i32)> {
        let area = chart.plotting_area().strip_coord_spec();
        if self.entries.is_empty() {
            return Ok((0, 0, 0, 0));
        }
        let l = self.layout(&area, theme)?;
        let (x, y) = Self::origin(&place, l.size, area.dim_in_pixel(), theme.off(8.0));
        let (x1, y1) = (x + l.size.0, y + l.size.1);
        area.draw(&Rectangle::new(
            [(x, y), (x1, y1)],
            WHITE.mix(0.92).filled(),
        ))
        .map_err(plot_error)?;
        area.draw(&Rectangle::new(
            [(x, y), (x1, y1)],
            GRID.stroke_width(theme.px(1.0)),
        ))
        .map_err(plot_error)?;
        let font = l.font.pos(Pos::new(HPos::Left, VPos::Center));
        let (d, g) = (theme.off(14.0), theme.off(8.0));
        for (i, (label, mark)) in self.entries.iter().enumerate() {
            let cy = y + l.pad / 2 + l.line * i as i32 + l.line / 2;
            let mx = x + l.pad;
            let dashes = match mark {
                Mark::Line(_) => vec![(mx, mx + 3 * d)],
                Mark::Dash(_) => vec![(mx, mx + d), (mx + d + g, mx + 2 * d + g)],
            };
            for (a, b) in dashes {
                area.draw(&PathElement::new(vec![(a, cy), (b, cy)], mark.style()))
                    .map_err(plot_error)?;
            }
            area.draw(&Text::new(
                label.clone(),
                (x + l.pad + l.mark_room, cy),
                font.clone(),
            ))
            .map_err(plot_error)?;
        }
        Ok((x, y, x1, y1))
    }

    /// Draws the legend where it covers the least of `series` (polylines in data coordinates:
    /// the number of their segments that cross the box), trying the corners first, then the
    /// middles of the sides ([`LEGEND_PLACES`]); returns its box as [`Legend::draw`] does.
    pub fn draw_where_free(
        &self,
        chart: &Chart2d<'_, '_>,
        theme: &Theme,
        series: &[&[(f64, f64)]],
    ) -> Result<(i32, i32, i32, i32)> {
        let area = chart.plotting_area();
        let base = area.get_base_pixel();
        let pixels: Vec<Vec<(f64, f64)>> = series
            .iter()
            .map(|s| {
                s.iter()
                    .filter(|p| p.0.is_finite() && p.1.is_finite())
                    .map(|p| {
                        let (px, py) = area.map_coordinate(p);
                        ((px - base.0) as f64, (py - base.1) as f64)
                    })
                    .collect()
            })
            .collect();
        let size = self.layout(&area.strip_coord_spec(), theme)?.size;
        let dim = area.dim_in_pixel();
        let covered = |place: &SeriesLabelPosition| {
            let (x, y) = Self::origin(place, size, dim, theme.off(8.0));
            let (bx, by) = (x as f64..(x + size.0) as f64, y as f64..(y + size.1) as f64);
            pixels
                .iter()
                .map(|s| match s.len() {
                    1 => usize::from(bx.contains(&s[0].0) && by.contains(&s[0].1)),
                    _ => s
                        .windows(2)
                        .filter(|w| clip_segment(w[0], w[1], &bx, &by).is_some())
                        .count(),
                })
                .sum::<usize>()
        };
        let best = LEGEND_PLACES
            .iter()
            .min_by_key(|p| covered(p))
            .cloned()
            .unwrap_or(SeriesLabelPosition::UpperRight);
        self.draw(chart, theme, best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::canvas::{dark_pixels, render_bitmap};
    use crate::theme::PALETTE;

    const W: u32 = 900;
    const H: u32 = 500;

    /// A box in pixels: left, top, right, bottom.
    type Rect = (i32, i32, i32, i32);

    /// A chart with empty axes 0..10 x 0..1 on a `W x H` canvas, handed to `draw`, which
    /// returns a box in pixels of the plotting area; returns the pixels, the box and the
    /// plotting area, both in pixels of the canvas.
    fn on_chart(draw: impl Fn(&mut Chart2d<'_, '_>, &Theme) -> Rect) -> (Vec<u8>, Rect, Rect) {
        let theme = Theme { k: 1.0 };
        let (mut boxed, mut plot) = ((0, 0, 0, 0), (0, 0, 0, 0));
        let axes = Axes {
            x: 0.0..10.0,
            y: 0.0..1.0,
            x_desc: "x",
            y_desc: "y",
            aspect: Aspect::Free,
        };
        let rgb = render_bitmap(W, H, |area| {
            let mut c = chart(area, &theme, &axes).unwrap();
            let (bx, by) = c.plotting_area().get_base_pixel();
            let (pw, ph) = c.plotting_area().dim_in_pixel();
            plot = (bx, by, bx + pw as i32, by + ph as i32);
            let b = draw(&mut c, &theme);
            boxed = (b.0 + bx, b.1 + by, b.2 + bx, b.3 + by);
        });
        (rgb, boxed, plot)
    }

    #[test]
    fn the_legend_box_holds_its_korean_labels() {
        let (rgb, (x0, y0, x1, y1), _) = on_chart(|c, theme| {
            let mut legend = Legend::default();
            let style = theme.line(PALETTE[0]);
            legend.add("미니배치 손실 (교차 엔트로피 오차)", Mark::Line(style));
            legend.add("이동 평균 (100회): 학습률 0.1", Mark::Dash(style));
            legend
                .draw(c, theme, SeriesLabelPosition::UpperLeft)
                .unwrap()
        });
        // The labels' ink in the box's rows: it ends inside the box, near its right edge.
        let ink: Vec<i32> = dark_pixels(&rgb, W)
            .into_iter()
            .filter(|p| (y0..=y1).contains(&p.1) && p.0 >= x0)
            .map(|p| p.0)
            .collect();
        let last = *ink.iter().max().expect("the labels drew");
        assert!(
            last < x1,
            "the label's ink reaches x = {last}, the box ends at {x1}"
        );
        assert!(
            last > x1 - 30,
            "the box (to {x1}) is far wider than its text (to {last})"
        );
    }

    #[test]
    fn strokes_stay_inside_the_plotting_area() {
        // A jagged line far beyond both y limits, thick: nothing of it outside the area.
        let color = PALETTE[1];
        let (rgb, _, (px0, py0, px1, py1)) = on_chart(|c, theme| {
            let pts: Vec<(f64, f64)> = (0..=40)
                .map(|i| (i as f64 * 0.3 - 1.0, if i % 2 == 0 { -0.5 } else { 1.5 }))
                .collect();
            let style = color.stroke_width(theme.px(6.0));
            draw_clipped(c, theme, &pts, Mark::Line(style)).unwrap();
            draw_clipped(c, theme, &pts, Mark::Dash(style)).unwrap();
            (0, 0, 0, 0)
        });
        let drawn: Vec<(i32, i32)> = rgb
            .chunks(3)
            .enumerate()
            .filter(|(_, p)| **p == [color.0, color.1, color.2])
            .map(|(i, _)| ((i as u32 % W) as i32, (i as u32 / W) as i32))
            .collect();
        assert!(
            drawn.len() > 1000,
            "only {} pixels of the line",
            drawn.len()
        );
        for (x, y) in drawn {
            assert!(
                (px0..px1).contains(&x) && (py0..py1).contains(&y),
                "a stroke at ({x}, {y}) outside the plotting area {px0}..{px1} x {py0}..{py1}"
            );
        }
    }

    #[test]
    fn a_legend_goes_where_the_data_is_not() {
        // A loss that stays high (lr = 0.01 for one epoch): the legend goes low, off the line.
        let high: Vec<(f64, f64)> = (0..=100)
            .map(|i| (i as f64 / 10.0, 0.9 - 0.001 * i as f64))
            .collect();
        let (_, (_, y0, _, _), (_, py0, _, py1)) = on_chart(|c, theme| {
            let mut legend = Legend::default();
            legend.add("미니배치 손실", Mark::Line(theme.line(PALETTE[0])));
            legend.add("이동 평균 (10회)", Mark::Line(theme.line(PALETTE[1])));
            legend
                .draw_where_free(c, theme, &[high.as_slice()])
                .unwrap()
        });
        assert!(y0 > (py0 + py1) / 2, "legend top {y0}, plot {py0}..{py1}");
    }

    #[test]
    fn clip_segment_cuts_at_the_edges() {
        let (x, y) = (0.0..1.0, 0.0..1.0);
        let (a, b) = clip_segment((-1.0, 0.5), (2.0, 0.5), &x, &y).unwrap();
        assert_eq!((a, b), ((0.0, 0.5), (1.0, 0.5)));
        assert!(clip_segment((2.0, 2.0), (3.0, 5.0), &x, &y).is_none());
        assert!(clip_segment((0.5, 0.5), (f64::INFINITY, 0.5), &x, &y).is_none());
        let inside = clip_segment((0.2, 0.2), (0.4, 0.8), &x, &y).unwrap();
        assert_eq!(inside, ((0.2, 0.2), (0.4, 0.8)));
    }

    #[test]
    fn clip_polyline_splits_where_the_line_leaves() {
        let pts = [(0.5, 0.5), (2.0, 0.5), (2.0, 0.7), (0.5, 0.7)];
        let pieces = clip_polyline(&pts, &(0.0..1.0), &(0.0..1.0));
        assert_eq!(
            pieces,
            vec![vec![(0.5, 0.5), (1.0, 0.5)], vec![(1.0, 0.7), (0.5, 0.7)]]
        );
    }

    #[test]
    fn contour_of_a_bowl_is_a_circle() {
        let xs = linspace(-2.0, 2.0, 81);
        let z: Vec<Vec<f64>> = xs
            .iter()
            .map(|&y| xs.iter().map(|&x| x * x + y * y).collect())
            .collect();
        let segs = contour_segments(&xs, &xs, &z, 1.0);
        assert!(segs.len() > 60, "{} segments", segs.len());
        for (a, b) in segs {
            for p in [a, b] {
                let r = p.0.hypot(p.1);
                assert!((r - 1.0).abs() < 0.01, "point {p:?} at radius {r}");
            }
        }
    }

    #[test]
    fn numbers_are_short_with_a_true_minus() {
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(0.25), "0.25");
        assert_eq!(fmt_num(-3.0), "\u{2212}3");
        assert_eq!(fmt_num(1e-10), "1e\u{2212}10");
        assert_eq!(fmt_num(-2.58e13), "\u{2212}2.6e13");
        assert_eq!(fmt_num(10000.0), "10000");
    }
}
