//! What the fuzz targets check, shared by `fuzz_targets/*.rs` (libFuzzer,
//! through cargo-fuzz) and by `tests/fuzz.rs` (plain `cargo test`: the seed
//! corpus, the regressions and deterministic random variations of them).
//! Each check takes any bytes; a panic is a bug.
#![allow(dead_code)]

use std::path::Path;

use minhbach::content::{self, PageFrontMatter, SectionFrontMatter};
use minhbach::markdown::{self, ArgValue, Host, ShortcodeCall};
use minhbach::{charts, data, diag};

/// Splitting front matter from any text, then parsing it as page and
/// section front matter and turning parse errors into diagnostics.
pub fn front_matter(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let text = text.as_ref();
    let lines = text.lines().count().max(1);
    match content::split_front_matter(text) {
        Ok(split) => {
            // Both parts are slices of the text, in order, with true line numbers.
            let start = text.as_ptr() as usize;
            let fm_at = split.front_matter.as_ptr() as usize - start;
            let body_at = split.body.as_ptr() as usize - start;
            assert!(fm_at <= body_at && body_at <= text.len());
            assert_eq!(
                &text[fm_at..fm_at + split.front_matter.len()],
                split.front_matter
            );
            assert_eq!(split.front_matter_line, 2);
            let newlines = text[..body_at].matches('\n').count();
            assert!(
                split.body_line == newlines + 1 || body_at == text.len(),
                "body_line {} but {} lines before the body",
                split.body_line,
                newlines
            );
            let file = Path::new("content/x.md");
            if let Err(e) = toml::from_str::<PageFrontMatter>(split.front_matter) {
                let d = diag::from_toml(file, split.front_matter, split.front_matter_line, &e);
                assert!(d.line.is_none_or(|l| l >= 1 && l <= lines + 1), "{d}");
                assert!(!d.message.is_empty());
            }
            if let Err(e) = toml::from_str::<SectionFrontMatter>(split.front_matter) {
                let d = diag::from_toml(file, split.front_matter, split.front_matter_line, &e);
                assert!(d.line.is_none_or(|l| l >= 1 && l <= lines + 1), "{d}");
            }
            for key in ["title", "date", "slug", "model", "taxonomies"] {
                if let Some(l) = content::key_line(split.front_matter, key) {
                    assert!(l < split.front_matter.lines().count().max(1));
                }
            }
        }
        Err((line, message)) => {
            assert!(line >= 1 && line <= lines, "error line {line} of {lines}");
            assert!(!message.is_empty());
        }
    }
}

/// A host that knows one page and renders every shortcode whose arguments
/// parse, so the Markdown stage runs its whole course.
struct FuzzHost;

impl Host for FuzzHost {
    fn resolve(&self, rel: &str) -> Option<String> {
        (rel == "tin-tuc/a.md").then(|| "/tin-tuc/a/".to_string())
    }
    fn shortcode(&self, call: &ShortcodeCall) -> Result<String, String> {
        match call.name.as_str() {
            "chart" | "table" | "figure" => Ok(format!("<div>{}</div>", call.args.len())),
            other => Err(format!("unknown shortcode {other:?}")),
        }
    }
}

/// Writes a call back as text, the way an editor would.
fn write_call(call: &ShortcodeCall) -> String {
    let args: Vec<String> = call
        .args
        .iter()
        .map(|(k, v)| {
            let v = match v {
                ArgValue::Str(s) => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
                ArgValue::Int(i) => i.to_string(),
                ArgValue::Float(f) => format!("{f:?}"),
                ArgValue::Bool(b) => b.to_string(),
            };
            format!("{k}={v}")
        })
        .collect();
    format!("{{{{ {}({}) }}}}", call.name, args.join(", "))
}

fn same_value(a: &ArgValue, b: &ArgValue) -> bool {
    match (a, b) {
        (ArgValue::Float(x), ArgValue::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        _ => a == b,
    }
}

/// Parsing a shortcode line, and rendering text as a page body.
pub fn shortcode(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let text = text.as_ref();
    for line in text.lines().chain(std::iter::once(text)) {
        if let Ok(call) = markdown::parse_shortcode(line) {
            assert!(!call.name.is_empty());
            assert!(
                call.name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            );
            for (i, (k, _)) in call.args.iter().enumerate() {
                assert!(!k.is_empty());
                assert!(
                    call.args[..i].iter().all(|(other, _)| other != k),
                    "{k} twice"
                );
            }
            // What parses, written back, parses to the same call.
            let again = markdown::parse_shortcode(&write_call(&call))
                .unwrap_or_else(|e| panic!("{call:?} written as {:?}: {e}", write_call(&call)));
            assert_eq!(again.name, call.name);
            assert_eq!(again.args.len(), call.args.len());
            for ((k1, v1), (k2, v2)) in call.args.iter().zip(&again.args) {
                assert_eq!(k1, k2);
                assert!(same_value(v1, v2), "{v1:?} became {v2:?}");
            }
        }
    }
    let lines = text.split('\n').count();
    match markdown::render(text, 5, &FuzzHost) {
        Ok(r) => {
            for link in &r.links {
                assert!(
                    link.line >= 5 && link.line < 5 + lines,
                    "link line {}",
                    link.line
                );
            }
            assert!(r.summary_html.len() <= r.html.len() + 64 || r.html.is_empty());
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for (line, message) in errors {
                assert!(
                    line >= 5 && line < 5 + lines,
                    "error line {line}: {message}"
                );
            }
        }
    }
}

/// `data/entities.toml`, an indicator's TOML and its CSV, separated by lines
/// holding `%%`; then every chart and table of what loaded.
pub fn data_files(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let mut parts = text.splitn(3, "\n%%\n");
    let entities = parts.next().unwrap_or_default();
    let toml_text = parts.next().unwrap_or_default();
    let csv = parts.next();
    let (data, errors) = data::parse(entities, &[("sipas", toml_text, csv)]);
    for d in &errors.0 {
        let source = if d.file.extension().is_some_and(|e| e == "csv") {
            csv.unwrap_or_default()
        } else if d.file.ends_with("entities.toml") {
            entities
        } else {
            toml_text
        };
        let lines = source.split('\n').count().max(1);
        assert!(
            d.line.is_none_or(|l| l >= 1 && l <= lines),
            "{d} (of {lines} lines)"
        );
    }
    let loc = minhbach::i18n::builtin("vi");
    for ind in &data.indicators {
        let mut entities: Vec<&str> = ind.values.iter().map(|o| o.entity.as_str()).collect();
        entities.dedup();
        for e in entities.iter().take(4) {
            if let Some(c) = charts::trend(&data, ind, e, &loc) {
                charts::figure_html(&c, "/chi-so/sipas/", &loc);
            }
            charts::rank(&data, ind, e, &loc);
            charts::series_table(&data, ind, e, &loc);
        }
        for y in ind.years().into_iter().take(4) {
            charts::ranking(&data, ind, y, entities.first().copied(), &loc);
            charts::ranking_table(&data, ind, y, None, &loc);
        }
    }
}
