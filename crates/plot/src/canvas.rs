//! One drawing backend for PNG and SVG, so that each figure is written once.
//!
//! [`Canvas`] wraps plotters' bitmap and SVG backends. It adds one thing neither has without
//! extra crates: raster images (MNIST digits, weight tiles) that are pixels in the PNG and an
//! embedded `<image>` (a small PNG, scaled without smoothing) in the SVG.

use crate::lang::{for_hangul_font, has_hangul};
use crate::theme::{FONT_FAMILY, HANGUL_FONT_FAMILY};
use base64::Engine;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// The drawing area a figure draws on: the whole canvas, or one cell of a grid.
pub type Area<'a> = DrawingArea<Canvas<'a>, Shift>;

/// An error from the backend under a [`Canvas`], as text.
#[derive(Debug, Clone)]
pub struct CanvasError(pub String);

impl std::fmt::Display for CanvasError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CanvasError {}

/// A drawing error of plotters as the crate's error, [`dlfs::Error::Plot`] (the orphan rule
/// forbids a `From` between two foreign types): `.map_err(plot_error)?`.
pub(crate) fn plot_error<E: std::error::Error + Send + Sync>(
    e: DrawingAreaErrorKind<E>,
) -> dlfs::Error {
    dlfs::Error::Plot(e.to_string())
}

/// A plotters drawing backend that is either an RGB bitmap (for PNG) or an SVG document.
pub enum Canvas<'a> {
    /// Pixels, 3 bytes per pixel.
    Bitmap(BitMapBackend<'a>),
    /// SVG text, with the `<image>` tags of raster images kept aside until the end.
    Svg(SVGBackend<'a>, &'a std::cell::RefCell<Vec<String>>),
}

/// The text put in place of a raster image in the SVG and replaced by its `<image>` tag later.
pub(crate) fn raster_marker(i: usize) -> String {
    format!("@@dlfs-raster-{i}@@")
}

fn conv<E: std::error::Error + Send + Sync>(
    e: DrawingErrorKind<E>,
) -> DrawingErrorKind<CanvasError> {
    match e {
        DrawingErrorKind::DrawingError(e) => {
            DrawingErrorKind::DrawingError(CanvasError(e.to_string()))
        }
        DrawingErrorKind::FontError(f) => DrawingErrorKind::FontError(f),
    }
}

macro_rules! both {
    ($self:ident, $b:ident => $e:expr) => {
        match $self {
            Canvas::Bitmap($b) => $e.map_err(conv),
            Canvas::Svg($b, _) => $e.map_err(conv),
        }
    };
}

impl Canvas<'_> {
    /// Draws an `iw x ih` RGB image (`rgb.len() == 3 * iw * ih`) scaled to `w x h` pixels with its
    /// upper-left corner at `pos`, without smoothing (each source pixel becomes a block).
    fn raster(
        &mut self,
        pos: BackendCoord,
        (w, h): (u32, u32),
        (iw, ih): (u32, u32),
        rgb: &[u8],
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if w == 0 || h == 0 || iw == 0 || ih == 0 {
            return Ok(());
        }
        match self {
            Canvas::Bitmap(b) => {
                let (cw, ch) = b.get_size();
                // Clip to the canvas: blit_bitmap expects the image inside it.
                let x0 = pos.0.max(0);
                let y0 = pos.1.max(0);
                let x1 = (pos.0 + w as i32).min(cw as i32);
                let y1 = (pos.1 + h as i32).min(ch as i32);
                if x1 <= x0 || y1 <= y0 {
                    return Ok(());
                }
                let (bw, bh) = ((x1 - x0) as u32, (y1 - y0) as u32);
                let mut buf = Vec::with_capacity((bw * bh * 3) as usize);
                for y in y0..y1 {
                    let sy = ((y - pos.1) as u64 * ih as u64 / h as u64) as u32;
                    for x in x0..x1 {
                        let sx = ((x - pos.0) as u64 * iw as u64 / w as u64) as u32;
                        let i = ((sy * iw + sx) * 3) as usize;
                        buf.extend_from_slice(&rgb[i..i + 3]);
                    }
                }
                b.blit_bitmap((x0, y0), (bw, bh), &buf).map_err(conv)
            }
            Canvas::Svg(b, images) => {
                let png = encode_png(rgb, iw, ih)
                    .map_err(|e| DrawingErrorKind::DrawingError(CanvasError(e.to_string())))?;
                let data = base64::engine::general_purpose::STANDARD.encode(png);
                let mut images = images.borrow_mut();
                images.push(format!(
                    "<image x=\"{}\" y=\"{}\" width=\"{w}\" height=\"{h}\" preserveAspectRatio=\"none\" \
                     image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" \
                     href=\"data:image/png;base64,{data}\"/>",
                    pos.0, pos.1
                ));
                // A placeholder in drawing order; `Figure::svg_string` swaps in the tag.
                let style = TextStyle::from((super::theme::FONT_FAMILY, 10.0).into_font());
                let marker = raster_marker(images.len() - 1);
                drop(images);
                b.draw_text(&marker, &style, pos).map_err(conv)
            }
        }
    }
}

/// `text` cut into runs that need the Hangul font (`true`: Hangul, with the spaces and signs
/// around it that both fonts have) and runs that do not; the signs the Hangul font lacks are
/// replaced in its runs ([`for_hangul_font`]).
fn hangul_runs(text: &str) -> Vec<(String, bool)> {
    let mut runs: Vec<(String, bool)> = Vec::new();
    for c in text.chars() {
        let mut buf = [0u8; 4];
        let hangul = has_hangul(c.encode_utf8(&mut buf));
        let neutral = c == ' ' || c == ',' || c == ':' || c == '.';
        match runs.last_mut() {
            Some((run, h)) if *h == hangul || neutral => run.push(c),
            _ => runs.push((c.to_string(), hangul)),
        }
    }
    runs.into_iter()
        .map(|(run, h)| {
            if h {
                (for_hangul_font(&run), h)
            } else {
                (run, h)
            }
        })
        .collect()
}

/// One run's style: the Hangul font or the figure's own, anchored at the run's left end, with
/// the vertical anchor, size, weight, colour and turn of `style`.
fn run_style<S: BackendTextStyle>(style: &S, hangul: bool) -> TextStyle<'static> {
    let family = if hangul {
        HANGUL_FONT_FAMILY
    } else {
        FONT_FAMILY
    };
    let font = (family, style.size(), style.style()).into_font();
    TextStyle {
        font: font.transform(style.transform()),
        color: style.color(),
        pos: Pos::new(HPos::Left, style.anchor().v_pos),
    }
}

/// A run of text laid out: its text, its style and its advance along the line, in pixels.
type Run = (String, TextStyle<'static>, i32);

/// Encodes 8-bit RGB pixels as PNG (deterministic: fixed filter and compression settings).
pub(crate) fn encode_png(rgb: &[u8], w: u32, h: u32) -> dlfs::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Default);
        enc.set_filter(png::FilterType::Sub);
        enc.set_adaptive_filter(png::AdaptiveFilterType::NonAdaptive);
        let mut writer = enc
            .write_header()
            .map_err(|e| dlfs::Error::Plot(format!("PNG header ({w}x{h}): {e}")))?;
        writer
            .write_image_data(rgb)
            .map_err(|e| dlfs::Error::Plot(format!("PNG data ({w}x{h}): {e}")))?;
    }
    Ok(out)
}

impl Canvas<'_> {
    /// `text` with Hangul cut into runs ([`hangul_runs`]), each with its font and its advance
    /// measured by the backend in that font: what [`DrawingBackend::draw_text`] draws and
    /// [`DrawingBackend::estimate_text_size`] reports, so a box sized by one fits the other.
    fn layout_runs<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(Vec<Run>, u32), DrawingErrorKind<CanvasError>> {
        let mut runs = Vec::new();
        let mut height = 0;
        for (run, hangul) in hangul_runs(text) {
            let s = run_style(style, hangul);
            let (w, h) = match self {
                Canvas::Bitmap(b) => b.estimate_text_size(&run, &s).map_err(conv)?,
                Canvas::Svg(b, _) => b.estimate_text_size(&run, &s).map_err(conv)?,
            };
            height = height.max(h);
            runs.push((run, s, w as i32));
        }
        Ok((runs, height))
    }
}

impl DrawingBackend for Canvas<'_> {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        match self {
            Canvas::Bitmap(b) => b.get_size(),
            Canvas::Svg(b, _) => b.get_size(),
        }
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.ensure_prepared())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.present())
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.draw_pixel(point, color))
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.draw_line(from, to, style))
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.draw_rect(upper_left, bottom_right, style, fill))
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.draw_path(path, style))
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.draw_circle(center, radius, style, fill))
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.fill_polygon(vert, style))
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if !has_hangul(text) {
            return both!(self, b => b.draw_text(text, style, pos));
        }
        // Runs of Hangul in the Hangul font, the rest (x₀², −∇f, log₁₀) in DejaVu Sans, one
        // after the other along the line from its start, turned with the text (an axis label
        // written upwards is laid out as it would be flat, then turned): both fonts put the
        // baseline at the same height.
        let (runs, _) = self.layout_runs(text, style)?;
        let total: i32 = runs.iter().map(|r| r.2).sum();
        let mut along = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Center => -total / 2,
            HPos::Right => -total,
        };
        let turn = style.transform();
        for (run, run_style, w) in &runs {
            let (dx, dy) = turn.transform(along, 0);
            both!(self, b => b.draw_text(run, run_style, (pos.0 + dx, pos.1 + dy)))?;
            along += w;
        }
        Ok(())
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
        if has_hangul(text) {
            let (runs, height) = self.layout_runs(text, style)?;
            let width: i32 = runs.iter().map(|r| r.2).sum();
            return Ok((width.max(0) as u32, height));
        }
        match self {
            Canvas::Bitmap(b) => b.estimate_text_size(text, style).map_err(conv),
            Canvas::Svg(b, _) => b.estimate_text_size(text, style).map_err(conv),
        }
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.raster(pos, size, size, src)
    }
}

/// A raster image placed in pixel coordinates of an [`Area`]: `rgb` holds `size.0 x size.1`
/// pixels and is drawn scaled to `extent` pixels with its upper-left corner at `pos`.
pub(crate) struct Raster {
    pub pos: BackendCoord,
    pub extent: (u32, u32),
    pub size: (u32, u32),
    pub rgb: Vec<u8>,
}

impl<'b> plotters::element::PointCollection<'b, BackendCoord> for &'b Raster {
    type Point = &'b BackendCoord;
    type IntoIter = std::iter::Once<&'b BackendCoord>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.pos)
    }
}

impl<'a> plotters::element::Drawable<Canvas<'a>> for Raster {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut pos: I,
        backend: &mut Canvas<'a>,
        _parent_dim: (u32, u32),
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        match pos.next() {
            Some(p) => backend.raster(p, self.extent, self.size, &self.rgb),
            None => Ok(()),
        }
    }
}

/// Draws with `draw` on a white `w x h` bitmap [`Canvas`] with the embedded fonts, and returns
/// its RGB pixels (tests look at what was drawn, pixel by pixel).
#[cfg(test)]
pub(crate) fn render_bitmap(w: u32, h: u32, draw: impl FnOnce(&Area<'_>)) -> Vec<u8> {
    crate::theme::ensure_fonts();
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = Canvas::Bitmap(BitMapBackend::with_buffer(&mut buf, (w, h))).into_drawing_area();
        draw(&root);
        root.present().expect("the bitmap is written");
    }
    buf
}

/// The pixels of `rgb` (`w` wide) darker than mid-grey in every channel: text in the theme's ink.
#[cfg(test)]
pub(crate) fn dark_pixels(rgb: &[u8], w: u32) -> Vec<(i32, i32)> {
    rgb.chunks(3)
        .enumerate()
        .filter(|(_, p)| p.iter().all(|&c| c < 128))
        .map(|(i, _)| ((i as u32 % w) as i32, (i as u32 / w) as i32))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theme::Theme;
    use plotters::style::text_anchor::VPos;
    use plotters::style::FontTransform;

    const MIXED: &str = "log₁₀ |오차|, 학습률 0.01과 x₀²";

    #[test]
    fn the_width_measured_is_the_width_drawn() {
        let font = Theme { k: 1.0 }
            .legend_font()
            .pos(Pos::new(HPos::Left, VPos::Center));
        let mut width = 0;
        let rgb = render_bitmap(800, 100, |area| {
            width = area.estimate_text_size(MIXED, &font).unwrap().0 as i32;
            area.draw(&Text::new(MIXED, (10, 50), font.clone()))
                .unwrap();
        });
        let last = dark_pixels(&rgb, 800).iter().map(|p| p.0).max().unwrap();
        // The ink ends within the measured width, and near its end (a glyph's side bearing).
        assert!(
            last < 10 + width,
            "ink to x = {last}, measured end {}",
            10 + width
        );
        assert!(
            last > 10 + width - 8,
            "ink to x = {last}, measured end {}",
            10 + width
        );
    }

    /// The dark pixels of text drawn at (200, 200) with `turn`, relative to their bounding box.
    fn ink(turn: FontTransform) -> Vec<(i32, i32)> {
        let font = Theme { k: 1.0 }
            .label_font()
            .transform(turn)
            .pos(Pos::new(HPos::Center, VPos::Top));
        let rgb = render_bitmap(400, 400, |area| {
            area.draw(&Text::new(MIXED, (200, 200), font.clone()))
                .unwrap();
        });
        let px = dark_pixels(&rgb, 400);
        let (x0, y0) = (
            px.iter().map(|p| p.0).min().unwrap(),
            px.iter().map(|p| p.1).min().unwrap(),
        );
        px.iter().map(|p| (p.0 - x0, p.1 - y0)).collect()
    }

    #[test]
    fn turned_text_is_the_flat_text_turned() {
        // An axis label written upwards (y axis): the same runs, fonts and gaps as flat, so
        // "log₁₀" stays one word (not "log1 0" from another font's digits).
        let flat = ink(FontTransform::None);
        let up = ink(FontTransform::Rotate270);
        let wide = flat.iter().map(|p| p.0).max().unwrap();
        let mut turned: Vec<(i32, i32)> = flat.iter().map(|&(x, y)| (y, wide - x)).collect();
        let mut up = up;
        turned.sort_unstable();
        up.sort_unstable();
        assert!(flat.len() > 300, "{} dark pixels", flat.len());
        assert_eq!(turned, up, "the upright label is not the flat one turned");
    }
}
