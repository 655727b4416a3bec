//! MNIST pictures: digits with labels and predictions, first-layer weights as tiles (4.5).

use crate::canvas::plot_error;
use crate::lang::{say, tr};
use ndarray::ArrayView2;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{Area, Raster};
use super::figure::Figure;
use super::theme::{diverging, Theme, ALERT, GRID, INK, MUTED};

const SIDE: usize = 28;
const PIXELS: usize = SIDE * SIDE;

/// Chooses columns for `n` square tiles, each with `caption` design pixels of text under it,
/// so that the tiles are as large as possible in `w x h`. Returns (cols, rows, tile side).
fn layout(n: usize, w: u32, h: u32, caption: u32, gap: u32) -> (usize, usize, u32) {
    let mut best = (1, n.max(1), 0u32);
    for cols in 1..=n.max(1) {
        let rows = n.div_ceil(cols).max(1);
        let sw = (w / cols as u32).saturating_sub(gap);
        let sh = (h / rows as u32).saturating_sub(gap + caption);
        let s = sw.min(sh);
        if s > best.2 {
            best = (cols, rows, s);
        }
    }
    best
}

/// A 28x28 image as RGB bytes, from values in [0, 1] through `color`.
fn tile_rgb(values: impl Iterator<Item = f64>, color: impl Fn(f64) -> RGBColor) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(PIXELS * 3);
    for v in values {
        let c = color(v);
        rgb.extend_from_slice(&[c.0, c.1, c.2]);
    }
    rgb
}

fn draw_text(
    area: &Area<'_>,
    text: &str,
    at: (i32, i32),
    style: TextStyle<'_>,
) -> dlfs::Result<()> {
    let style = style.pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(text.to_string(), at, style))
        .map_err(plot_error)?;
    Ok(())
}

/// A frame `width` pixels wide centred on the rectangle's edges, as four filled bars (the SVG
/// backend ignores the stroke width of rectangles, and thick closed paths fill badly).
fn draw_frame(
    area: &Area<'_>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    width: i32,
    color: RGBColor,
) -> dlfs::Result<()> {
    let (a, b) = (width / 2, width - width / 2);
    for bar in [
        [(x0 - a, y0 - a), (x1 + b, y0 + b)],
        [(x0 - a, y1 - a), (x1 + b, y1 + b)],
        [(x0 - a, y0 - a), (x0 + b, y1 + b)],
        [(x1 - a, y0 - a), (x1 + b, y1 + b)],
    ] {
        area.draw(&Rectangle::new(bar, color.filled()))
            .map_err(plot_error)?;
    }
    Ok(())
}

/// The first `count` images of `images` (rows of 784 pixels, in [0, 1] or 0-255) as 28x28
/// tiles in a grid, each captioned with its label (4.5). With `predictions`, a wrong
/// prediction gets an orange frame and the caption "label, pred p" (in Korean "정답, 예측 p").
/// Dark ink on white.
pub fn digits(
    images: ArrayView2<f64>,
    labels: &[usize],
    predictions: Option<&[usize]>,
    count: usize,
) -> Figure {
    if images.ncols() != PIXELS {
        return Figure::failed(format!(
            "digits: images must have {PIXELS} columns (28x28 pixels), got shape {:?}",
            images.shape()
        ));
    }
    let n = count.min(images.nrows()).min(labels.len());
    if n == 0 {
        return Figure::failed(format!(
            "digits: nothing to draw ({} images, {} labels, count {count})",
            images.nrows(),
            labels.len()
        ));
    }
    if let Some(p) = predictions {
        if p.len() < n {
            return Figure::failed(format!("digits: {} predictions for {n} images", p.len()));
        }
    }
    let max = images
        .rows()
        .into_iter()
        .take(n)
        .flat_map(|r| r.into_iter().copied())
        .fold(0.0f64, f64::max);
    let div = if max > 1.0 { 255.0 } else { 1.0 };
    let tiles: Vec<(Vec<u8>, usize, Option<usize>)> = (0..n)
        .map(|i| {
            let rgb = tile_rgb(images.row(i).iter().map(|v| v / div), |v| {
                let g = (255.0 * (1.0 - v.clamp(0.0, 1.0))).round() as u8;
                RGBColor(g, g, g)
            });
            (rgb, labels[i], predictions.map(|p| p[i]))
        })
        .collect();
    let title = match predictions {
        None => say!(
            "MNIST digits with their labels ({n} images)",
            "MNIST 숫자와 정답 레이블 ({n}장)"
        ),
        Some(p) => {
            let wrong = (0..n).filter(|&i| p[i] != labels[i]).count();
            say!(
                "Predictions: {wrong} of {n} wrong (orange frame: label, pred)",
                "예측: {n}장 중 {wrong}장 틀림 (주황 테두리: 정답, 예측)"
            )
        }
    };
    // The word for a prediction under a wrong tile, in the language of the figure when made.
    let pred_word = tr("pred", "예측");
    Figure::from_fn(title, move |area, theme| {
        let (w, h) = area.dim_in_pixel();
        let margin = theme.px(16.0);
        let caption = theme.px(30.0);
        let gap = theme.px(10.0);
        let (cols, _rows, s) = layout(
            tiles.len(),
            w.saturating_sub(2 * margin),
            h.saturating_sub(2 * margin),
            caption,
            gap,
        );
        let (cw, ch) = (s + gap, s + gap + caption);
        let used_w = cw * cols as u32;
        let x0 = (w.saturating_sub(used_w) / 2) as i32;
        let y0 = margin as i32;
        for (i, (rgb, label, pred)) in tiles.iter().enumerate() {
            let (col, row) = ((i % cols) as i32, (i / cols) as i32);
            let x = x0 + col * cw as i32 + (gap / 2) as i32;
            let y = y0 + row * ch as i32;
            area.draw(&Raster {
                pos: (x, y),
                extent: (s, s),
                size: (SIDE as u32, SIDE as u32),
                rgb: rgb.clone(),
            })
            .map_err(plot_error)?;
            let wrong = matches!(pred, Some(p) if p != label);
            let (frame, width) = if wrong { (ALERT, 4.0) } else { (GRID, 1.0) };
            let fw = theme.off(width / 2.0);
            let (x0, y0, x1, y1) = (x - fw, y - fw, x + s as i32 + fw, y + s as i32 + fw);
            draw_frame(area, (x0, y0), (x1, y1), theme.px(width) as i32, frame)?;
            let (text, style) = match pred {
                Some(p) if wrong => (
                    format!("{label}, {pred_word} {p}"),
                    theme.tick_font().color(&ALERT),
                ),
                _ => (format!("{label}"), theme.tick_font().color(&INK)),
            };
            let cy = y + s as i32 + (caption / 2) as i32 + theme.off(4.0);
            draw_text(area, &text, (x + s as i32 / 2, cy), style)?;
        }
        Ok(())
    })
}

/// The first-layer weights `W1` (784 x hidden) of a trained `TwoLayerNet` as one 28x28 tile
/// per hidden unit (4.5): column `j` of `W1` is the pattern unit `j` responds to. Each tile is
/// scaled by its own largest |weight| to [-1, 1]; blue negative, white 0, red positive.
pub fn weights(w1: ArrayView2<f64>) -> Figure {
    if w1.nrows() != PIXELS || w1.ncols() == 0 {
        return Figure::failed(format!(
            "weights: W1 must have shape (784, hidden) with hidden > 0, got {:?}",
            w1.shape()
        ));
    }
    if w1.iter().any(|v| !v.is_finite()) {
        return Figure::failed("weights: W1 has non-finite values");
    }
    let hidden = w1.ncols();
    let tiles: Vec<Vec<u8>> = w1
        .columns()
        .into_iter()
        .map(|col| {
            let m = col.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let m = if m > 0.0 { m } else { 1.0 };
            tile_rgb(col.iter().map(|v| v / m), diverging)
        })
        .collect();
    let title = say!(
        "First-layer weights W1 (784 × {hidden}): one 28 × 28 tile per hidden unit",
        "1층 가중치 W1 (784 × {hidden}): 은닉 뉴런마다 28 × 28 타일 하나"
    );
    Figure::from_fn(title, move |area, theme| {
        let (w, h) = area.dim_in_pixel();
        let bar_w = theme.px(180.0);
        let (grid, bar) = area.split_horizontally(w.saturating_sub(bar_w));
        let (gw, _) = grid.dim_in_pixel();
        let margin = theme.px(16.0);
        let gap = theme.px(6.0);
        let (cols, rows, s) = layout(
            tiles.len(),
            gw.saturating_sub(2 * margin),
            h.saturating_sub(2 * margin),
            0,
            gap,
        );
        let c = s + gap;
        let x0 = (gw.saturating_sub(c * cols as u32) / 2) as i32;
        let y0 = (h.saturating_sub(c * rows as u32) / 2) as i32;
        for (i, rgb) in tiles.iter().enumerate() {
            let x = x0 + (i % cols) as i32 * c as i32;
            let y = y0 + (i / cols) as i32 * c as i32;
            grid.draw(&Raster {
                pos: (x, y),
                extent: (s, s),
                size: (SIDE as u32, SIDE as u32),
                rgb: rgb.clone(),
            })
            .map_err(plot_error)?;
            grid.draw(&Rectangle::new(
                [(x, y), (x + s as i32, y + s as i32)],
                GRID.stroke_width(theme.px(1.0)),
            ))
            .map_err(plot_error)?;
        }
        colour_bar(&bar, theme, h)
    })
}

/// The key of the weight colours: a vertical bar from -1 (bottom) to +1 (top).
fn colour_bar(area: &Area<'_>, theme: &Theme, h: u32) -> dlfs::Result<()> {
    let bar_h = (h as f64 * 0.6) as u32;
    let steps = 64u32;
    let rgb = tile_rgb(
        (0..steps).map(|i| 1.0 - 2.0 * i as f64 / (steps - 1) as f64),
        diverging,
    );
    let (x, y) = (theme.off(20.0), ((h - bar_h) / 2) as i32);
    let bw = theme.px(28.0);
    area.draw(&Raster {
        pos: (x, y),
        extent: (bw, bar_h),
        size: (1, steps),
        rgb,
    })
    .map_err(plot_error)?;
    area.draw(&Rectangle::new(
        [(x, y), (x + bw as i32, y + bar_h as i32)],
        MUTED.stroke_width(theme.px(1.0)),
    ))
    .map_err(plot_error)?;
    let font = theme.tick_font();
    let tx = x + bw as i32 + theme.off(8.0);
    for (t, label) in [(0.0, "+max|w|"), (0.5, "0"), (1.0, "\u{2212}max|w|")] {
        let ty = y + (bar_h as f64 * t) as i32;
        area.draw(&Text::new(
            label,
            (tx, ty),
            font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(plot_error)?;
    }
    area.draw(&Text::new(
        tr("per tile", "타일마다"),
        (x, y + bar_h as i32 + theme.off(24.0)),
        font.pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(plot_error)?;
    Ok(())
}
