//! Printed text that fits a slide: long lines broken between words.

/// The width of `c` in a monospace font: 2 for a wide (Hangul, CJK, full-width) character,
/// else 1, as `scripts/notebook_source.py` counts a line's columns.
fn columns(c: char) -> usize {
    let wide = matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6);
    if wide {
        2
    } else {
        1
    }
}

/// `text` broken between words into lines of at most `width` columns (a wide character counts
/// two), each line after the first indented by 4 spaces; a word longer than a line stays
/// whole. For printing a long message, such as an error, on a slide or a projector:
///
/// ```
/// let text = "dlfs refused: target row 0 is not one-hot: each row needs values in [0, 1]";
/// let lines = dlfs_plot::wrap(text, 40);
/// assert_eq!(lines.lines().collect::<Vec<_>>(), [
///     "dlfs refused: target row 0 is not",
///     "    one-hot: each row needs values in",
///     "    [0, 1]",
/// ]);
/// ```
pub fn wrap(text: &str, width: usize) -> String {
    const INDENT: &str = "    ";
    let mut out = String::new();
    let mut line = 0; // columns on the current line
    for word in text.split_whitespace() {
        let w: usize = word.chars().map(columns).sum();
        if line > 0 && line + 1 + w > width {
            out.push('\n');
            out.push_str(INDENT);
            line = INDENT.len();
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += w;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_fits_and_no_word_is_lost() {
        let text = "가나다라 마바사 abc defgh ijklmnop qr 아자차카타파하 s";
        let wrapped = wrap(text, 12);
        for line in wrapped.lines() {
            let w: usize = line.chars().map(columns).sum();
            let one_word = line.split_whitespace().count() == 1;
            assert!(w <= 12 || one_word, "{line:?} is {w} columns");
        }
        assert!(wrapped.lines().count() > 3, "{wrapped}");
        let words: Vec<&str> = wrapped.split_whitespace().collect();
        assert_eq!(words, text.split_whitespace().collect::<Vec<_>>());
        assert_eq!(wrap("short", 80), "short");
        assert_eq!(columns('가'), 2);
        assert_eq!(columns('a'), 1);
    }
}
