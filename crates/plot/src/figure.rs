//! [`Figure`]: what to draw, rendered on demand to PNG or SVG, shown inline by evcxr.

use crate::canvas::plot_error;
use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{encode_png, raster_marker, Area, Canvas};
use super::theme::{ensure_fonts, Theme};
use dlfs::{Error, Result};

type DrawFn = dyn Fn(&Area<'_>, &Theme) -> Result<()> + Send + Sync;

/// Bitmaps are drawn at this many times their size and averaged down (anti-aliasing:
/// plotters draws lines and shapes without it).
const SUPERSAMPLE: u32 = 2;

/// The largest figure drawn, in pixels after scaling (about 8K x 4K).
const MAX_PIXELS: u64 = 40_000_000;

#[derive(Clone)]
enum Body {
    Draw(Arc<DrawFn>),
    /// The figure could not be built (bad input); rendering returns this message as an error.
    Failed(String),
}

/// A figure: a title and a way to draw the rest, rendered only when asked.
///
/// Build one with the functions of [`dlfs_plot`](crate), adjust it with the builder
/// methods, then save it, get its bytes, or leave it as the last expression of a notebook cell:
///
/// ```
/// use dlfs_plot::*;
/// let fig = function_1_tangents().size(800, 450).scale(2.0);   // 1600x900 pixels
/// assert_eq!(fig.pixel_size(), (1600, 900));
/// let svg = fig.svg_string()?;                                  // vector, 800x450
/// assert!(svg.starts_with("<svg"));
/// # Ok::<(), dlfs::Error>(())
/// ```
///
/// Defaults: 1280x720 (16:9), scale 1, shown inline as PNG, the figure's own title.
/// The same figure always gives the same bytes.
#[derive(Clone)]
pub struct Figure {
    title: Option<String>,
    /// What the figure shows, in words, where the title does not say it (a grid's panels).
    alt: Option<String>,
    body: Body,
    width: u32,
    height: u32,
    scale: f64,
    inline_svg: bool,
}

impl std::fmt::Debug for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Figure")
            .field("title", &self.title)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("scale", &self.scale)
            .field("inline_svg", &self.inline_svg)
            .field(
                "error",
                &match &self.body {
                    Body::Draw(_) => None,
                    Body::Failed(m) => Some(m),
                },
            )
            .finish()
    }
}

impl Figure {
    /// A figure titled `title` (empty for none) whose body is drawn by `draw` on the area below
    /// the title, with the [`Theme`] of the figure's size. For figures of your own.
    pub fn from_fn(
        title: impl Into<String>,
        draw: impl Fn(&Area<'_>, &Theme) -> Result<()> + Send + Sync + 'static,
    ) -> Figure {
        let title = title.into();
        Figure {
            title: (!title.is_empty()).then_some(title),
            alt: None,
            body: Body::Draw(Arc::new(draw)),
            width: 1280,
            height: 720,
            scale: 1.0,
            inline_svg: false,
        }
    }

    /// A figure that could not be built: rendering it returns `message` as [`Error::Plot`], and
    /// [`evcxr_display`](Figure::evcxr_display) prints it.
    pub(crate) fn failed(message: impl Into<String>) -> Figure {
        Figure {
            body: Body::Failed(message.into()),
            ..Figure::from_fn("", |_, _| Ok(()))
        }
    }

    /// Several figures in one, `cols` per row, each in an equal cell with its own title (a
    /// smaller theme, at least 0.8 of the full size). Sizes and scales of the parts are
    /// ignored: the grid's apply. evcxr shows one rich output per cell, hence this.
    pub fn grid(figures: Vec<Figure>, cols: usize) -> Figure {
        if figures.is_empty() {
            return Figure::failed("Figure::grid: no figures to put in the grid");
        }
        let n = figures.len();
        let cols = cols.clamp(1, n);
        let rows = n.div_ceil(cols);
        Figure::from_fn("", move |area, theme| {
            let cells = area.split_evenly((rows, cols));
            let panel = theme.panel(rows, cols);
            for (fig, cell) in figures.iter().zip(cells.iter()) {
                fig.draw_on(cell, &panel)?;
            }
            Ok(())
        })
    }

    /// Sets the size in pixels before scaling (default 1280x720). Fonts and lines scale with
    /// it (the design size is 1280x720).
    pub fn size(mut self, width: u32, height: u32) -> Figure {
        self.width = width;
        self.height = height;
        self
    }

    /// Multiplies the PNG's pixel size, and everything in it, by `scale` (2.0 for HiDPI
    /// slides). The SVG keeps the unscaled size, as vectors scale by themselves.
    pub fn scale(mut self, scale: f64) -> Figure {
        self.scale = scale;
        self
    }

    /// Shows the figure inline as SVG instead of PNG (PNG is the default because code-hosting
    /// sites strip the styles of inline SVG).
    pub fn svg(mut self) -> Figure {
        self.inline_svg = true;
        self
    }

    /// Replaces the title (an empty string removes it).
    pub fn title(mut self, title: impl Into<String>) -> Figure {
        let title = title.into();
        self.title = (!title.is_empty()).then_some(title);
        self
    }

    /// The title, if any.
    pub fn title_text(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// Sets the words that describe the figure where it has no title of its own (a grid of
    /// titled panels): the `text/plain` of a live display.
    pub fn alt(mut self, text: impl Into<String>) -> Figure {
        let text = text.into();
        self.alt = (!text.is_empty()).then_some(text);
        self
    }

    /// The figure in words: the text of [`alt`](Figure::alt), else the title.
    pub fn alt_text(&self) -> Option<&str> {
        self.alt.as_deref().or(self.title.as_deref())
    }

    /// The PNG's size in pixels: the size times the scale, rounded.
    pub fn pixel_size(&self) -> (u32, u32) {
        let s = |v: u32| (v as f64 * self.scale).round().max(0.0) as u32;
        (s(self.width), s(self.height))
    }

    fn check(&self) -> Result<(u32, u32)> {
        if let Body::Failed(m) = &self.body {
            return Err(Error::Plot(m.clone()));
        }
        if !(self.scale.is_finite() && self.scale > 0.0) {
            return Err(Error::InvalidArgument(format!(
                "Figure::scale must be positive and finite, got {}",
                self.scale
            )));
        }
        let (w, h) = self.pixel_size();
        if w < 16 || h < 16 {
            return Err(Error::InvalidArgument(format!(
                "figure too small: {}x{} at scale {} gives {w}x{h} pixels (at least 16x16)",
                self.width, self.height, self.scale
            )));
        }
        if w as u64 * h as u64 > MAX_PIXELS {
            return Err(Error::InvalidArgument(format!(
                "figure too large: {w}x{h} pixels (at most {MAX_PIXELS} pixels)"
            )));
        }
        Ok((w, h))
    }

    /// Draws the figure (white background, title band, body) on `area` with `theme`. Used by
    /// the renderers and by [`Figure::grid`]; useful inside [`Figure::from_fn`].
    pub fn draw_on(&self, area: &Area<'_>, theme: &Theme) -> Result<()> {
        ensure_fonts();
        area.fill(&WHITE).map_err(plot_error)?;
        let body = match &self.body {
            Body::Draw(f) => f,
            Body::Failed(m) => return Err(Error::Plot(m.clone())),
        };
        match &self.title {
            None => body(area, theme),
            Some(title) => {
                let (w, h) = area.dim_in_pixel();
                let band = theme.px(64.0).min(h / 3);
                let (top, rest) = area.split_vertically(band);
                let mut style = theme.title_font();
                // Shrink a title that does not fit the width.
                let (tw, _) = top.estimate_text_size(title, &style).map_err(plot_error)?;
                let room = (w as f64 * 0.96).max(1.0);
                if tw as f64 > room {
                    style = theme.font_px(36.0 * room / tw as f64, true);
                }
                let style = style.pos(Pos::new(HPos::Center, VPos::Center));
                top.draw(&Text::new(
                    title.clone(),
                    (w as i32 / 2, band as i32 / 2 + theme.off(4.0)),
                    style,
                ))
                .map_err(plot_error)?;
                body(&rest, theme)
            }
        }
    }

    /// The figure as PNG bytes, `pixel_size()` pixels, 8-bit RGB.
    pub fn png_bytes(&self) -> Result<Vec<u8>> {
        let (w, h) = self.check()?;
        let (bw, bh) = (w * SUPERSAMPLE, h * SUPERSAMPLE);
        let mut buf = vec![255u8; bw as usize * bh as usize * 3];
        {
            let root =
                Canvas::Bitmap(BitMapBackend::with_buffer(&mut buf, (bw, bh))).into_drawing_area();
            let theme = Theme::for_size(self.width, self.height, self.scale * SUPERSAMPLE as f64);
            guarded(|| self.draw_on(&root, &theme))?;
            root.present().map_err(plot_error)?;
        }
        encode_png(&downsample(&buf, bw, bh, SUPERSAMPLE), w, h)
    }

    /// The figure as an SVG document of the unscaled size. Text is `<text>` in
    /// [`FONT_FAMILY`](super::FONT_FAMILY); raster parts (digits, weights) are embedded PNGs.
    pub fn svg_string(&self) -> Result<String> {
        self.check()?;
        let (w, h) = (self.width, self.height);
        let mut svg = String::new();
        let images = RefCell::new(Vec::new());
        {
            let root =
                Canvas::Svg(SVGBackend::with_string(&mut svg, (w, h)), &images).into_drawing_area();
            guarded(|| self.draw_on(&root, &Theme::for_size(w, h, 1.0)))?;
            root.present().map_err(plot_error)?;
        }
        for (i, tag) in images.into_inner().iter().enumerate() {
            let marker = raster_marker(i);
            let at = svg
                .find(&marker)
                .ok_or_else(|| Error::Plot(format!("SVG: raster image {i} lost")))?;
            let start = svg[..at].rfind("<text").unwrap_or(at);
            let end = svg[at..]
                .find("</text>")
                .map_or(at + marker.len(), |e| at + e + 7);
            svg.replace_range(start..end, tag);
        }
        Ok(svg)
    }

    /// Writes the PNG to `path`, through a temporary file renamed into place: a failure (a
    /// full disk) leaves the previous file as it was ([`write_atomic`](super::export::write_atomic)).
    pub fn save_png(&self, path: impl AsRef<Path>) -> Result<()> {
        let bytes = self.png_bytes()?;
        super::export::write_atomic(path.as_ref(), &bytes)
    }

    /// Writes the SVG to `path`, as [`save_png`](Figure::save_png) does.
    pub fn save_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        let text = self.svg_string()?;
        super::export::write_atomic(path.as_ref(), text.as_bytes())
    }

    /// Checks that the figure can be drawn at its size and scale (at least 16x16 pixels, at
    /// most 40 million, a positive finite scale) and was built from valid input, without
    /// drawing it.
    pub fn validate(&self) -> Result<()> {
        self.check().map(|_| ())
    }

    /// What [`evcxr_display`](Figure::evcxr_display) prints: `EVCXR_BEGIN_CONTENT image/png`,
    /// the base64 PNG, `EVCXR_END_CONTENT` (or `image/svg+xml` and the SVG text), each on its
    /// own line; or, if the figure cannot be drawn, a line saying why.
    pub fn evcxr_output(&self) -> String {
        let content = if self.inline_svg {
            self.svg_string().map(|s| ("image/svg+xml", s))
        } else {
            self.png_bytes().map(|b| {
                (
                    "image/png",
                    base64::engine::general_purpose::STANDARD.encode(b),
                )
            })
        };
        match content {
            Ok((mime, data)) => format!("EVCXR_BEGIN_CONTENT {mime}\n{data}\nEVCXR_END_CONTENT\n"),
            Err(e) => format!("figure not drawn: {e}\n"),
        }
    }

    /// Called by evcxr on the last expression of a cell: prints [`evcxr_output`](Figure::evcxr_output),
    /// so the figure shows inline. Never panics; an error is printed as text.
    pub fn evcxr_display(&self) {
        print!("{}", self.evcxr_output());
    }
}

/// Runs a drawing, turning a panic inside plotters (or a figure's own code) into an error,
/// so that a notebook cell gets a message rather than a crash.
fn guarded(draw: impl FnOnce() -> Result<()>) -> Result<()> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(draw)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            Err(Error::Plot(format!("drawing failed: {msg}")))
        }
    }
}

/// Averages `f x f` blocks of an RGB buffer (anti-aliasing after supersampling).
fn downsample(buf: &[u8], w: u32, h: u32, f: u32) -> Vec<u8> {
    let (ow, oh) = ((w / f) as usize, (h / f) as usize);
    let (w, f) = (w as usize, f as usize);
    let n = (f * f) as u32;
    let mut out = vec![0u8; ow * oh * 3];
    for y in 0..oh {
        for x in 0..ow {
            for c in 0..3 {
                let mut sum = 0u32;
                for dy in 0..f {
                    let row = (y * f + dy) * w;
                    for dx in 0..f {
                        sum += buf[(row + x * f + dx) * 3 + c] as u32;
                    }
                }
                out[(y * ow + x) * 3 + c] = ((sum + n / 2) / n) as u8;
            }
        }
    }
    out
}
