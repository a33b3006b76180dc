//! i18n: one language's UI strings and its way of writing numbers and dates,
//! read from the theme's `i18n/<lang>.toml` (the site's own `i18n/<lang>.toml`
//! overrides single keys), with `[terms]` for the words of the data. Templates see the strings as `t`; charts, tables
//! and redirects take their words from here too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, FixedOffset};
use serde::Deserialize;

use crate::diag::{self, Diagnostic, Diagnostics};

/// The keys every language file must define: those of the default theme's
/// Vietnamese file (the reference), checked when a language is loaded.
const REFERENCE: &str = "vi";

/// Every key but `[terms]` is a string (serde cannot deny unknown fields
/// beside a flattened map, and every key is known here: it is a string).
#[derive(Debug, Clone, Deserialize)]
struct RawFile {
    #[serde(default)]
    terms: BTreeMap<String, String>,
    #[serde(flatten)]
    strings: BTreeMap<String, String>,
}

/// A language's strings and formats.
#[derive(Debug, Clone)]
pub struct Locale {
    pub lang: String,
    /// Every string key, for templates (`t.skip_link`).
    pub strings: BTreeMap<String, String>,
    terms: BTreeMap<String, String>,
    decimal: char,
    thousands: char,
    date_format: String,
}

impl Locale {
    /// The string for `key`; a missing key shows as itself (load checks that
    /// every reference key exists, so this only happens for unknown keys).
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.strings.get(key).map_or(key, String::as_str)
    }

    /// `key`'s string with each `{name}` replaced by its value.
    pub fn fill(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.t(key).to_string();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }

    /// A number with at most two decimals: `87,11` in Vietnamese, `87.11` in English.
    pub fn number(&self, x: f64) -> String {
        self.number_with(x, 2)
    }

    pub fn number_with(&self, x: f64, decimals: usize) -> String {
        crate::text::format_number_with(x, decimals, self.thousands, self.decimal)
    }

    /// A date: `16/02/2017` in Vietnamese, `16 Feb 2017` in English.
    pub fn date(&self, d: &DateTime<FixedOffset>) -> String {
        d.format(&self.date_format).to_string()
    }

    /// A calendar day (`2025-06-30` in the data), written as [`Locale::date`] writes dates.
    pub fn day(&self, d: chrono::NaiveDate) -> String {
        d.format(&self.date_format).to_string()
    }

    /// A word of the data (a unit, a value's note, a source) as this
    /// language writes it: `điểm` → `points` in English; unlisted words stay.
    pub fn term<'a>(&'a self, word: &'a str) -> &'a str {
        self.terms.get(word.trim()).map_or(word, String::as_str)
    }

    /// The days a conference runs: `19–20/12/2019`, `30/11–02/12/2019`,
    /// `19–20 Dec 2019`; one date when both are the same day.
    pub fn date_range(&self, a: &DateTime<FixedOffset>, b: &DateTime<FixedOffset>) -> String {
        if a.date_naive() == b.date_naive() {
            return self.date(a);
        }
        let day_fmt = if self.date_format.contains("%-d") {
            "%-d"
        } else {
            "%d"
        };
        let args = [
            ("day1", a.format(day_fmt).to_string()),
            ("month1", a.format("%m").to_string()),
            ("month_name1", a.format("%b").to_string()),
            ("date2", self.date(b)),
        ];
        let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if a.year() == b.year() && a.month() == b.month() {
            self.fill("date_range_same_month", &args)
        } else if a.year() == b.year() {
            self.fill("date_range_same_year", &args)
        } else {
            format!("{}–{}", self.date(a), self.date(b))
        }
    }
}

/// Loads language `lang` from the embedded default theme, the site's theme
/// folder and the site's own `i18n/` (each overrides single keys of the one
/// before); `config_line` is where the config asks for the language, for the
/// error when no layer has it.
pub fn load(
    root: &Path,
    theme_dir: &Path,
    lang: &str,
    config_file: &Path,
    config_line: usize,
) -> Result<Locale, Diagnostics> {
    let name = format!("{lang}.toml");
    let mut errors = Diagnostics::default();
    let mut strings: BTreeMap<String, String> = BTreeMap::new();
    let mut terms: BTreeMap<String, String> = BTreeMap::new();
    let mut found: Vec<PathBuf> = Vec::new();
    let builtin_file = root
        .join("themes")
        .join(crate::theme::NAME)
        .join("i18n")
        .join(&name);
    let mut layers: Vec<(PathBuf, Option<&str>)> = vec![(builtin_file, crate::theme::i18n(lang))];
    for dir in [theme_dir.join("i18n"), root.join("i18n")] {
        layers.push((dir.join(&name), None));
    }
    for (file, embedded) in layers {
        let text = match embedded {
            Some(t) => t.to_string(),
            None if !file.is_file() => continue,
            None => match std::fs::read(&file) {
                Ok(bytes) => match diag::utf8(&file, bytes) {
                    Ok(t) => t,
                    Err(d) => {
                        errors.push(d);
                        continue;
                    }
                },
                Err(e) => {
                    errors.push(Diagnostic::file(&file, format!("cannot read: {e}")));
                    continue;
                }
            },
        };
        match toml::from_str::<RawFile>(&text) {
            Ok(raw) => {
                strings.extend(raw.strings);
                terms.extend(raw.terms);
                found.push(file);
            }
            Err(e) => errors.push(diag::from_toml(&file, &text, 1, &e)),
        }
    }
    if found.is_empty() && errors.is_empty() {
        errors.push(Diagnostic::at(
            config_file,
            config_line,
            format!(
                "no UI strings for language {lang:?}: add i18n/{lang}.toml to the site or its theme (copy themes/default/i18n/en.toml and translate it)"
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let last = found.last().cloned().unwrap_or_default();
    let take = |key: &str| strings.get(key).cloned();
    let decimal = single_char(take("decimal_separator"), ',');
    let thousands = single_char(take("thousands_separator"), '.');
    let date_format = take("date_format").unwrap_or_else(|| "%d/%m/%Y".into());
    if let Some(reference) = crate::theme::i18n(REFERENCE)
        && let Ok(reference) = toml::from_str::<RawFile>(reference)
    {
        let missing: Vec<&String> = reference
            .strings
            .keys()
            .filter(|k| !strings.contains_key(*k))
            .collect();
        if !missing.is_empty() {
            return Err(Diagnostics(vec![Diagnostic::file(
                &last,
                format!(
                    "the UI strings for {lang:?} lack {} key(s) the theme uses: {}",
                    missing.len(),
                    missing
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )]));
        }
    }
    Ok(Locale {
        lang: lang.to_string(),
        strings,
        terms,
        decimal,
        thousands,
        date_format,
    })
}

fn single_char(s: Option<String>, default: char) -> char {
    s.and_then(|s| {
        let mut c = s.chars();
        match (c.next(), c.next()) {
            (Some(x), None) => Some(x),
            _ => None,
        }
    })
    .unwrap_or(default)
}

/// The Vietnamese locale of the embedded theme: for tests and tools that
/// have no site.
pub fn builtin(lang: &str) -> Locale {
    load(
        Path::new("/nonexistent-site"),
        Path::new("/nonexistent-site/themes/default"),
        lang,
        Path::new("site-config.toml"),
        1,
    )
    .expect("the embedded theme has this language")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> DateTime<FixedOffset> {
        FixedOffset::east_opt(7 * 3600)
            .unwrap()
            .with_ymd_and_hms(y, m, day, 8, 0, 0)
            .unwrap()
    }

    #[test]
    fn numbers_and_dates_follow_the_language() {
        let vi = builtin("vi");
        let en = builtin("en");
        assert_eq!(vi.number(87.11), "87,11");
        assert_eq!(en.number(87.11), "87.11");
        assert_eq!(vi.number(156692.0), "156.692");
        assert_eq!(en.number(156692.0), "156,692");
        assert_eq!(vi.date(&d(2017, 2, 16)), "16/02/2017");
        assert_eq!(vi.date(&d(2024, 11, 3)), "03/11/2024");
        assert_eq!(vi.number(1234567.5), "1.234.567,5");
        assert_eq!(vi.number(-2.5), "-2,5");
        assert_eq!(en.date(&d(2017, 2, 16)), "16 Feb 2017");
        assert_eq!(en.term("điểm"), "points");
        assert_eq!(vi.term("điểm"), "điểm");
    }

    #[test]
    fn date_ranges_share_what_they_can() {
        let vi = builtin("vi");
        let en = builtin("en");
        assert_eq!(
            vi.date_range(&d(2019, 12, 19), &d(2019, 12, 20)),
            "19–20/12/2019"
        );
        assert_eq!(
            vi.date_range(&d(2019, 11, 30), &d(2019, 12, 2)),
            "30/11–02/12/2019"
        );
        assert_eq!(
            en.date_range(&d(2019, 12, 19), &d(2019, 12, 20)),
            "19–20 Dec 2019"
        );
        assert_eq!(
            en.date_range(&d(2019, 11, 30), &d(2019, 12, 2)),
            "30 Nov – 2 Dec 2019"
        );
        assert_eq!(
            vi.date_range(&d(2019, 12, 19), &d(2019, 12, 19)),
            "19/12/2019"
        );
    }

    #[test]
    fn every_language_of_the_theme_has_every_key() {
        for lang in ["vi", "en"] {
            let l = builtin(lang);
            assert!(l.strings.contains_key("chart_trend_title"), "{lang}");
        }
    }

    #[test]
    fn a_language_file_missing_keys_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("i18n")).unwrap();
        std::fs::write(
            dir.path().join("i18n/fr.toml"),
            "language_name = \"Français\"\n",
        )
        .unwrap();
        let e = load(
            dir.path(),
            &dir.path().join("themes/default"),
            "fr",
            Path::new("site-config.toml"),
            3,
        )
        .unwrap_err();
        let msg = e.0[0].to_string();
        assert!(msg.contains("fr.toml"), "{msg}");
        assert!(msg.contains("chart_trend_title"), "{msg}");
        let e = load(
            dir.path(),
            &dir.path().join("themes/default"),
            "de",
            Path::new("site-config.toml"),
            3,
        )
        .unwrap_err();
        assert!(e.0[0].to_string().contains("no UI strings"), "{}", e.0[0]);
    }
}
