//! Text rules shared by every stage: folding Vietnamese to ASCII slugs and
//! search keys, and showing numbers and dates the Vietnamese way.

use chrono::{DateTime, FixedOffset, Timelike};

/// Folds text to an ASCII slug: `Đẩy mạnh dân vận` → `day-manh-dan-van`.
///
/// `slug` (via `deunicode`) maps `đ`/`Đ` to `d` and drops combining marks, so
/// decomposed (NFD) input folds the same as precomposed (NFC) input.
pub fn slugify(text: &str) -> String {
    slug::slugify(text)
}

/// Folds text for diacritic-insensitive matching: lowercase ASCII words
/// separated by single spaces (`Đảng ủy` → `dang uy`).
pub fn fold_words(text: &str) -> String {
    slugify(text).replace('-', " ")
}

/// Canonical composition (NFC), so that a link typed on one system finds a
/// file whose name another system stored decomposed (macOS keeps NFD).
pub fn nfc(s: &str) -> String {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    // Nearly every name is ASCII or already composed: a copy then, not a
    // decomposition and recomposition of every character (it runs for
    // every page's path and every `url()` call, 3% of a large build).
    if s.is_ascii() || is_nfc_quick(s.chars()) == IsNormalized::Yes {
        return s.to_owned();
    }
    s.nfc().collect()
}

/// Whether `s` is already a slug: lowercase ASCII letters, digits and single
/// inner dashes. Used to validate editor-given slugs and ids, which must not
/// smuggle path separators or `..` into URLs.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Groups the digits of a non-negative integer with `sep` every three digits.
fn group_thousands(int_part: &str, sep: char) -> String {
    let mut out = String::with_capacity(int_part.len() + int_part.len() / 3);
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// Formats a number with at most `max_decimals` decimals (trailing zeros
/// dropped), `thousands` between digit groups and `decimal` before the fraction.
pub fn format_number_with(
    value: f64,
    max_decimals: usize,
    thousands: char,
    decimal: char,
) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let s = format!("{:.*}", max_decimals, value.abs());
    let (int_part, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f.trim_end_matches('0')),
        None => (s.as_str(), ""),
    };
    let mut out = String::new();
    if value < 0.0 && (int_part != "0" || !frac.is_empty()) {
        out.push('-');
    }
    out.push_str(&group_thousands(int_part, thousands));
    if !frac.is_empty() {
        out.push(decimal);
        out.push_str(frac);
    }
    out
}

/// `14:12`
pub fn format_time(d: &DateTime<FixedOffset>) -> String {
    format!("{:02}:{:02}", d.hour(), d.minute())
}

/// Words for reading time. Vietnamese writes one syllable per space-separated
/// token, so counting tokens counts syllables; a reader manages about 230 of
/// them a minute in news prose.
pub fn reading_minutes(word_count: usize) -> usize {
    word_count.div_ceil(230).max(1)
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_turns_d_with_stroke_into_d() {
        assert_eq!(slugify("Đẩy mạnh dân vận"), "day-manh-dan-van");
        assert_eq!(slugify("Đảng ủy"), "dang-uy");
        assert_eq!(slugify("dân vận chính quyền"), "dan-van-chinh-quyen");
        assert_eq!(fold_words("Đảng ủy, Hà Nội"), "dang uy ha noi");
    }

    #[test]
    fn nfd_text_folds_like_nfc() {
        // "Hà Nội" with combining grave and dot-below + circumflex written apart.
        let nfd = "Ha\u{300} No\u{302}\u{323}i";
        assert_eq!(slugify(nfd), "ha-noi");
    }

    #[test]
    fn nfc_composes_decomposed_names_and_keeps_composed_ones() {
        // The fast path (ASCII, or composed already) must not skip a name
        // that needs composing: "Nội" with its marks written apart.
        assert_eq!(nfc("No\u{302}\u{323}i.md"), "Nội.md");
        assert_eq!(nfc("e\u{301}"), "é");
        assert_eq!(nfc("Nội.md"), "Nội.md");
        assert_eq!(nfc("tin-tuc/bai-1.md"), "tin-tuc/bai-1.md");
        // Composed letters followed by a combining mark still compose.
        assert_eq!(nfc("ê\u{301}"), "ế");
    }

    #[test]
    fn is_slug_rejects_paths() {
        assert!(is_slug("ha-noi-2023"));
        assert!(!is_slug("../etc"));
        assert!(!is_slug("/abs"));
        assert!(!is_slug("a/b"));
        assert!(!is_slug("Ha-Noi"));
        assert!(!is_slug(""));
    }

    #[test]
    fn numbers_group_thousands_and_drop_trailing_zeros() {
        // Vietnamese separators (the `vi` locale's): `.` between thousands, `,` before decimals.
        let vi = |x: f64| format_number_with(x, 2, '.', ',');
        assert_eq!(vi(87.11), "87,11");
        assert_eq!(vi(156692.0), "156.692");
        assert_eq!(vi(83.0), "83");
        assert_eq!(vi(1234567.5), "1.234.567,5");
        assert_eq!(vi(-2.5), "-2,5");
        assert_eq!(vi(0.0), "0");
        assert_eq!(format_number_with(86.98, 2, ',', '.'), "86.98");
    }

    #[test]
    fn times_are_hours_and_minutes() {
        let d = DateTime::parse_from_rfc3339("2017-02-16T14:12:00+07:00").unwrap();
        assert_eq!(format_time(&d), "14:12");
    }

    #[test]
    fn reading_time_rounds_up() {
        assert_eq!(reading_minutes(0), 1);
        assert_eq!(reading_minutes(230), 1);
        assert_eq!(reading_minutes(231), 2);
    }
}
