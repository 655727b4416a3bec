//! The figures in Korean (issue 17): text with Hangul is drawn with the embedded Hangul font, so
//! two different Korean titles give two different pictures, and a Korean figure is not an
//! English one. One test in its own binary, since the language is one setting per process.

use dlfs::prelude::*;
use dlfs_plot::*;

fn pixels(fig: &Figure) -> Vec<u8> {
    let png = fig.png_bytes().expect("the figure draws");
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("one frame");
    buf.truncate(info.buffer_size());
    buf
}

/// Pixels that differ between two pictures of one size.
fn differing(a: &[u8], b: &[u8]) -> usize {
    assert_eq!(a.len(), b.len());
    a.chunks(3).zip(b.chunks(3)).filter(|(p, q)| p != q).count()
}

#[test]
fn korean_text_draws_and_figures_speak_korean() {
    let f = |x: &ArrayView1<f64>| x.mapv(|v| v * v).sum();
    let descent = gradient_descent(f, &array![-3.0, 4.0], 0.1, 20);
    let base = || descent_path(f, &descent).size(640, 360);

    // Two different Korean titles: different pixels, and many of them (glyphs, not boxes).
    let a = pixels(&base().title("학습률 0.01"));
    let b = pixels(&base().title("학습률 0.1로 경사 하강"));
    let blank = pixels(&base().title(""));
    assert!(differing(&a, &b) > 200, "two Korean titles drew alike");
    assert!(differing(&a, &blank) > 100, "a Korean title drew nothing");

    // The same title in two syllables drawn apart: a missing glyph would draw one box twice.
    let ga = pixels(&base().title("가"));
    let na = pixels(&base().title("나"));
    assert!(differing(&ga, &na) > 20, "가 and 나 drew the same pixels");

    // The figures' own words follow the language setting.
    assert_eq!(language(), Language::English);
    let english = log_curve().title_text().map(str::to_owned);
    set_language(Language::Korean);
    let korean = log_curve().title_text().map(str::to_owned);
    assert_eq!(korean.as_deref(), Some("(0, 1]에서 y = log x  (그림 4-3)"));
    assert_eq!(english.as_deref(), Some("y = log x on (0, 1]  (fig. 4-3)"));
    let (en_px, ko_px) = {
        set_language(Language::English);
        let en = pixels(&log_curve().size(640, 360));
        set_language(Language::Korean);
        (en, pixels(&log_curve().size(640, 360)))
    };
    assert!(differing(&en_px, &ko_px) > 200);

    // A Korean SVG names the Hangul fonts for its Korean text.
    let svg = base().title("학습률").svg_string().expect("svg");
    assert!(
        svg.contains("dlfs Gothic"),
        "no Hangul font family in the SVG"
    );
    set_language(Language::English);
}
