//! One drawing backend for PNG and SVG, so that each figure is written once.
//!
//! [`Canvas`] wraps plotters' bitmap and SVG backends. It adds one thing neither has without
//! extra crates: raster images (MNIST digits, weight tiles) that are pixels in the PNG and an
//! embedded `<image>` (a small PNG, scaled without smoothing) in the SVG.

use base64::Engine;
use plotters::coord::Shift;
use plotters::prelude::*;
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
        both!(self, b => b.draw_text(text, style, pos))
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
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
