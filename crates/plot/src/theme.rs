//! One look for every figure: palette, fonts, line widths, all scaled with the figure's size.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::{FontStyle, FontTransform, RGBColor, ShapeStyle, TextStyle};

/// The font family every figure uses. The name is also the SVG `font-family`, so a browser
/// without DejaVu Sans falls back to Verdana (close metrics), then any sans-serif font.
pub const FONT_FAMILY: &str = "DejaVu Sans, Verdana, sans-serif";

static REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");
static FONTS: Once = Once::new();

/// Registers the embedded DejaVu Sans (regular and bold) with plotters, once per process.
/// Also under `"sans-serif"`, the family plotters falls back to for unstyled text.
pub(crate) fn ensure_fonts() {
    FONTS.call_once(|| {
        for name in [FONT_FAMILY, "sans-serif"] {
            // The fonts are compiled in and known to parse; a failure here would be a bug.
            let r = plotters::style::register_font(name, FontStyle::Normal, REGULAR);
            let b = plotters::style::register_font(name, FontStyle::Bold, BOLD);
            debug_assert!(r.is_ok() && b.is_ok(), "embedded DejaVu Sans did not parse");
        }
    });
}

/// The Okabe-Ito colour-blind-safe palette, in the order series use it: blue, vermillion,
/// bluish green, orange, reddish purple, sky blue, yellow, black.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0xF0, 0xE4, 0x42),
    RGBColor(0x00, 0x00, 0x00),
];

/// Text and axes.
pub(crate) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
/// Notes and secondary text.
pub(crate) const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// Marks a wrong prediction.
pub(crate) const ALERT: RGBColor = RGBColor(0xD5, 0x5E, 0x00);

/// Sizes for one figure, in pixels: `k` is pixels per design pixel, where the design is a
/// 1280x720 slide (titles 36, axis labels 27, ticks 22, lines 3). A 1920x1080 figure has
/// `k = 1.5`, scale 2 doubles it, a panel of a grid shrinks it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    /// Pixels per design pixel.
    pub k: f64,
}

impl Theme {
    /// The theme of a `width x height` figure drawn at `scale` pixels per pixel.
    pub fn for_size(width: u32, height: u32, scale: f64) -> Theme {
        let k = (width as f64 / 1280.0).min(height as f64 / 720.0) * scale;
        Theme { k: k.max(0.05) }
    }

    /// The theme of one panel among `rows x cols`: smaller, but not below 0.8 of the whole so
    /// a three-panel row stays readable on a slide.
    pub fn panel(&self, rows: usize, cols: usize) -> Theme {
        let n = rows.max(cols).max(1) as f64;
        Theme {
            k: self.k * (1.0 / n.sqrt()).max(0.8),
        }
    }

    /// `v` design pixels in real pixels, rounded, at least 1.
    pub fn px(&self, v: f64) -> u32 {
        (v * self.k).round().max(1.0) as u32
    }

    /// `v` design pixels as a signed pixel offset.
    pub fn off(&self, v: f64) -> i32 {
        (v * self.k).round() as i32
    }

    /// The theme's font at `size` design pixels, bold or not.
    pub(crate) fn font_px(&self, size: f64, bold: bool) -> TextStyle<'static> {
        self.font(size, bold)
    }

    fn font(&self, size: f64, bold: bool) -> TextStyle<'static> {
        // `FontDesc::style` would keep the regular face: ask for the bold one up front.
        let style = if bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        };
        TextStyle::from((FONT_FAMILY, size * self.k, style).into_font()).color(&INK)
    }

    /// Figure titles: bold, 36.
    pub fn title_font(&self) -> TextStyle<'static> {
        self.font(36.0, true)
    }

    /// Panel titles in a grid: bold, 30.
    pub fn panel_title_font(&self) -> TextStyle<'static> {
        self.font(30.0, true)
    }

    /// Axis labels: 27.
    pub fn label_font(&self) -> TextStyle<'static> {
        self.font(27.0, false)
    }

    /// Tick labels: 22.
    pub fn tick_font(&self) -> TextStyle<'static> {
        self.font(22.0, false)
    }

    /// Legends: 23.
    pub fn legend_font(&self) -> TextStyle<'static> {
        self.font(23.0, false)
    }

    /// Notes inside a chart: 22, grey.
    pub fn note_font(&self) -> TextStyle<'static> {
        self.font(22.0, false).color(&MUTED)
    }

    /// Axis labels written upwards.
    pub fn label_font_vertical(&self) -> TextStyle<'static> {
        self.label_font().transform(FontTransform::Rotate270)
    }

    /// A data line: 3 wide.
    pub fn line(&self, color: RGBColor) -> ShapeStyle {
        color.stroke_width(self.px(3.0))
    }

    /// A thin line: 1.5 wide.
    pub fn thin(&self, color: RGBColor) -> ShapeStyle {
        color.stroke_width(self.px(1.5))
    }

    /// The `i`-th palette colour (cycling).
    pub fn color(&self, i: usize) -> RGBColor {
        PALETTE[i % PALETTE.len()]
    }
}

/// Mixes `c` with white: `t = 0` gives `c`, `t = 1` white.
pub(crate) fn lighten(c: RGBColor, t: f64) -> RGBColor {
    let m = |v: u8| (v as f64 + (255.0 - v as f64) * t).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

fn lerp_stops(stops: &[(f64, [f64; 3])], t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    for w in stops.windows(2) {
        let (t0, c0) = w[0];
        let (t1, c1) = w[1];
        if t <= t1 {
            let u = if t1 > t0 { (t - t0) / (t1 - t0) } else { 0.0 };
            let ch = |i: usize| (c0[i] + (c1[i] - c0[i]) * u).round().clamp(0.0, 255.0) as u8;
            return RGBColor(ch(0), ch(1), ch(2));
        }
    }
    let c = stops[stops.len() - 1].1;
    RGBColor(c[0] as u8, c[1] as u8, c[2] as u8)
}

/// A sequential colour map for surfaces (viridis-like, dark blue to yellow), `t` in [0, 1].
pub(crate) fn sequential(t: f64) -> RGBColor {
    lerp_stops(
        &[
            (0.0, [68.0, 1.0, 84.0]),
            (0.25, [59.0, 82.0, 139.0]),
            (0.5, [33.0, 145.0, 140.0]),
            (0.75, [94.0, 201.0, 98.0]),
            (1.0, [253.0, 231.0, 37.0]),
        ],
        t,
    )
}

/// A diverging colour map for weights, `t` in [-1, 1]: blue (negative), white (0), red
/// (positive), like ColorBrewer's RdBu; blue and red stay apart with red-green colour blindness.
pub(crate) fn diverging(t: f64) -> RGBColor {
    lerp_stops(
        &[
            (0.0, [5.0, 48.0, 97.0]),
            (0.25, [67.0, 147.0, 195.0]),
            (0.5, [255.0, 255.0, 255.0]),
            (0.75, [244.0, 165.0, 130.0]),
            (1.0, [178.0, 24.0, 43.0]),
        ],
        (t + 1.0) / 2.0,
    )
}
