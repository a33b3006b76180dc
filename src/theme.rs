//! The default theme, embedded in the binary: the bottom layer under a site's
//! theme and its own templates, so a site needs no theme folder to build and
//! `init` works offline.

use include_dir::{Dir, include_dir};

static DEFAULT: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

pub const NAME: &str = "default";

fn files_under(prefix: &'static str) -> Vec<(String, &'static [u8])> {
    let mut out = Vec::new();
    let mut stack: Vec<&Dir<'static>> = vec![&DEFAULT];
    while let Some(dir) = stack.pop() {
        for f in dir.files() {
            if let Ok(rel) = f.path().strip_prefix(prefix) {
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((rel, f.contents()));
            }
        }
        stack.extend(dir.dirs());
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// `(name, source)` of every template of the default theme.
pub fn templates() -> Vec<(String, &'static str)> {
    files_under("templates")
        .into_iter()
        .filter_map(|(name, bytes)| std::str::from_utf8(bytes).ok().map(|s| (name, s)))
        .collect()
}

/// `(output path, bytes)` of every static file of the default theme.
pub fn static_files() -> Vec<(String, &'static [u8])> {
    files_under("static")
}

/// The default theme's UI strings for `lang` (`i18n/<lang>.toml`), if it has them.
pub fn i18n(lang: &str) -> Option<&'static str> {
    DEFAULT
        .get_file(format!("i18n/{lang}.toml"))
        .and_then(|f| f.contents_utf8())
}

/// Every file of the default theme, relative to the theme folder.
pub fn all_files() -> Vec<(String, &'static [u8])> {
    let mut out = files_under("templates");
    out.iter_mut()
        .for_each(|(p, _)| *p = format!("templates/{p}"));
    let mut st = files_under("static");
    st.iter_mut().for_each(|(p, _)| *p = format!("static/{p}"));
    out.extend(st);
    let mut tr = files_under("i18n");
    tr.iter_mut().for_each(|(p, _)| *p = format!("i18n/{p}"));
    out.extend(tr);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_theme_has_the_templates_every_page_needs() {
        let names: Vec<String> = super::templates().into_iter().map(|(n, _)| n).collect();
        for needed in [
            "base.html",
            "index.html",
            "section.html",
            "page.html",
            "404.html",
            "indicator.html",
            "entity.html",
            "search.html",
        ] {
            assert!(
                names.iter().any(|n| n == needed),
                "{needed} missing from {names:?}"
            );
        }
        assert!(super::static_files().iter().any(|(p, _)| p == "style.css"));
    }
}
