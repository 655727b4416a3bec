//! The language of the figures' own words (titles, axis labels, legends, notes): English or
//! Korean, one setting for the whole process, and the fonts that can write it.
//!
//! The Korean notebooks' set-up cell calls `set_language(Language::Korean)`; a figure takes the
//! language when it is made. Text with Hangul in it is drawn with the embedded "dlfs Gothic" (a
//! subset of NanumGothic, SIL OFL: `assets/fonts/`), any other text with DejaVu Sans, so a
//! title a student writes in Korean draws on a machine with no fonts at all.

/// The language of the words a figure writes by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// English (the default).
    #[default]
    English,
    /// Korean (한국어), the course's language.
    Korean,
}

/// Where the setting lives: an environment variable of the process, since evcxr links the crate
/// into every cell anew, and a `static` would be back at its default in the next cell.
pub const LANGUAGE_VARIABLE: &str = "DLFS_FIGURE_LANGUAGE";

/// Sets the language of every figure made from now on (titles, axis labels, legends, notes), for
/// the whole process (it sets [`LANGUAGE_VARIABLE`] to `ko` or `en`).
///
/// ```
/// use dlfs_plot::{language, set_language, Language};
/// set_language(Language::Korean);
/// assert_eq!(language(), Language::Korean);
/// set_language(Language::English);
/// ```
pub fn set_language(language: Language) {
    let code = match language {
        Language::English => "en",
        Language::Korean => "ko",
    };
    std::env::set_var(LANGUAGE_VARIABLE, code);
}

/// The language figures are written in now: Korean when [`LANGUAGE_VARIABLE`] is `ko` (see
/// [`set_language`]), else English.
pub fn language() -> Language {
    match std::env::var(LANGUAGE_VARIABLE) {
        Ok(code) if code == "ko" => Language::Korean,
        _ => Language::English,
    }
}

/// `en` or `ko`, whichever the current [`language`] asks for.
pub(crate) fn tr<'a>(en: &'a str, ko: &'a str) -> &'a str {
    match language() {
        Language::English => en,
        Language::Korean => ko,
    }
}

/// `format!` in the current [`language`]: `say!("step {k}", "{k}단계")`.
macro_rules! say {
    ($en:literal, $ko:literal $(, $arg:expr)* $(,)?) => {
        match $crate::lang::language() {
            $crate::lang::Language::English => format!($en $(, $arg)*),
            $crate::lang::Language::Korean => format!($ko $(, $arg)*),
        }
    };
}
pub(crate) use say;

/// True when `text` has Hangul (syllables, letters or jamo), which DejaVu Sans cannot draw.
pub(crate) fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{3131}'..='\u{318E}' | '\u{1100}'..='\u{11FF}')
    })
}

/// `text` with the few signs the Hangul font lacks replaced by the nearest it has (the minus
/// sign by an en dash, subscript digits by digits).
pub(crate) fn for_hangul_font(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2212}' => '\u{2013}',
            '\u{2080}'..='\u{2089}' => char::from(b'0' + (c as u32 - 0x2080) as u8),
            'ₖ' => 'k',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hangul_is_found_and_latin_is_not() {
        assert!(has_hangul("학습률 0.1"));
        assert!(has_hangul("ㄱ"));
        assert!(!has_hangul("lr = 0.1, −∇f, x₀"));
    }

    #[test]
    fn signs_the_hangul_font_lacks_are_replaced() {
        assert_eq!(for_hangul_font("x₀ = −3 손실"), "x0 = \u{2013}3 손실");
    }
}
