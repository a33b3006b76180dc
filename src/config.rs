//! The site's settings: `site-config.toml`, read strictly (unknown keys are errors).

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diag::{self, Diagnostic, Diagnostics};
use crate::text;

pub const CONFIG_FILE: &str = "site-config.toml";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    #[serde(default = "default_output_dir")]
    pub output_dir: String,
    /// Items per page on taxonomy term pages (a section sets its own).
    #[serde(default = "default_paginate_by")]
    pub paginate_by: usize,
    /// How many items a feed carries.
    #[serde(default = "default_feed_limit")]
    pub feed_limit: usize,
    /// Full-text search: the Pagefind index and the search page.
    #[serde(default = "default_true")]
    pub search: bool,
    #[serde(default)]
    pub taxonomies: Vec<TaxonomyConfig>,
    /// Where the generated pages live.
    #[serde(default)]
    pub paths: Paths,
    #[serde(default)]
    pub extra: toml::Table,
    /// Editions in other languages (`[languages.en]`), each under `/<code>/`;
    /// the default `language` stays at the root.
    #[serde(default)]
    pub languages: std::collections::BTreeMap<String, LanguageConfig>,
}

/// One more language edition of the site: its own title and description,
/// which taxonomies and feeds it has; pages are the `*.<code>.md` files.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageConfig {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The taxonomies of this edition (none unless listed).
    #[serde(default)]
    pub taxonomies: Vec<TaxonomyConfig>,
    /// Whether the edition has a site feed (`/<code>/atom.xml`).
    #[serde(default = "default_true")]
    pub feed: bool,
    /// Whether the edition's pages are searchable (and it has a search page).
    #[serde(default = "default_true")]
    pub search: bool,
    /// Merged over the site's `extra` (an agency's name in this language, say).
    #[serde(default)]
    pub extra: toml::Table,
}

/// Site paths of the generated pages (one slug each, no slashes).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Paths {
    pub archive: String,
    pub indicators: String,
    pub entities: String,
    pub search: String,
    pub authors: String,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            archive: "luu-tru".into(),
            indicators: "chi-so".into(),
            entities: "dia-phuong".into(),
            search: "tim-kiem".into(),
            authors: "tac-gia".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    pub name: String,
    /// The heading shown for the taxonomy (`Chủ đề` for `tags`); default: the name.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub feed: bool,
    /// Overrides the site's `paginate_by` for this taxonomy's term pages.
    #[serde(default)]
    pub paginate_by: Option<usize>,
}

fn default_language() -> String {
    "vi".into()
}
fn default_theme() -> String {
    "default".into()
}
fn default_output_dir() -> String {
    "public".into()
}
fn default_paginate_by() -> usize {
    20
}
fn default_feed_limit() -> usize {
    20
}
fn default_true() -> bool {
    true
}

/// The settings with the derived values every later stage needs.
#[derive(Debug, Clone)]
pub struct Site {
    pub root: PathBuf,
    pub config: Config,
    /// `base_url` without its trailing slash: `https://example.gov.vn/portal`.
    pub base_url: String,
    /// The path part of `base_url`, with both slashes: `/portal/` or `/`.
    pub base_path: String,
    pub theme_dir: PathBuf,
    /// Where this language edition lives below the site's root: `""` for
    /// the default language, `en/` for English. `base_url` and `base_path`
    /// already include it: an edition is built as a site of its own.
    pub prefix: String,
    /// The whole site's base path, where files shared by every edition live
    /// (theme and static files, the search bundle): `/` or `/portal/`.
    pub root_path: String,
    /// Whether this edition has the site-wide feed (`atom.xml`).
    pub feed: bool,
}

impl Site {
    /// Root-relative URL of a site path (`tin-tuc/abc/` → `/portal/tin-tuc/abc/`).
    pub fn url(&self, path: &str) -> String {
        [self.base_path.as_str(), path.trim_start_matches('/')].concat()
    }

    /// Root-relative URL of a file shared by every edition (`style.css`).
    pub fn static_url(&self, path: &str) -> String {
        [self.root_path.as_str(), path.trim_start_matches('/')].concat()
    }

    /// Whether this is the default-language edition, at the site's root.
    pub fn is_default_edition(&self) -> bool {
        self.prefix.is_empty()
    }

    /// Every language edition of the site, the default first: the same
    /// settings with each language's title, description, taxonomies, feed,
    /// search and `extra`, living under `/<code>/`. Called on the loaded
    /// (default) site.
    pub fn editions(&self) -> Vec<Site> {
        let mut out = vec![self.clone()];
        for (code, lc) in &self.config.languages {
            let mut config = self.config.clone();
            config.title = lc.title.clone();
            config.description = lc.description.clone();
            config.language = code.clone();
            config.taxonomies = lc.taxonomies.clone();
            config.search = self.config.search && lc.search;
            for (k, v) in &lc.extra {
                config.extra.insert(k.clone(), v.clone());
            }
            let prefix = format!("{code}/");
            out.push(Site {
                root: self.root.clone(),
                config,
                base_url: format!("{}/{code}", self.base_url),
                base_path: format!("{}{prefix}", self.base_path),
                theme_dir: self.theme_dir.clone(),
                root_path: self.root_path.clone(),
                prefix,
                feed: lc.feed,
            });
        }
        out
    }

    /// Every language code, the default first.
    pub fn language_codes(&self) -> Vec<&str> {
        std::iter::once(self.config.language.as_str())
            .chain(self.config.languages.keys().map(String::as_str))
            .collect()
    }

    /// Absolute URL of a site path, for feeds, sitemaps and sharing tags.
    pub fn absolute(&self, path: &str) -> String {
        // Copied in one go: this runs several times a page, and `format!`
        // cost ten times as much (a hundredth of a build's instructions).
        [self.origin(), &self.base_path, path.trim_start_matches('/')].concat()
    }

    /// `https://example.gov.vn` of `https://example.gov.vn/portal/`.
    fn origin(&self) -> &str {
        &self.base_url[..self.base_url.len() - (self.base_path.len() - 1)]
    }

    /// An absolute URL for a root-relative one (`/portal/a.jpg`); others pass through.
    pub fn absolute_url(&self, url: &str) -> String {
        if url.starts_with('/') && !url.starts_with("//") {
            [self.origin(), url].concat()
        } else {
            url.to_string()
        }
    }

    /// Who publishes the site, for feeds, JSON-LD and the data catalogue:
    /// `extra.agency`, else the site's title.
    pub fn publisher(&self) -> &str {
        self.config
            .extra
            .get("agency")
            .and_then(|v| v.as_str())
            .unwrap_or(&self.config.title)
    }

    pub fn config_file(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }

    pub fn taxonomy(&self, name: &str) -> Option<&TaxonomyConfig> {
        self.config.taxonomies.iter().find(|t| t.name == name)
    }
}

/// Reads and validates `site-config.toml` below `root`.
pub fn load(root: &Path, base_url_override: Option<&str>) -> Result<Site, Diagnostics> {
    let file = root.join(CONFIG_FILE);
    let bytes = std::fs::read(&file)
        .map_err(|e| Diagnostic::file(&file, format!("cannot read the site configuration: {e}")))?;
    let text = diag::utf8(&file, bytes)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut config: Config =
        toml::from_str(text).map_err(|e| diag::from_toml(&file, text, 1, &e))?;
    if let Some(url) = base_url_override {
        config.base_url = url.to_string();
    }
    let line_of_key = |key: &str| line_starting(text, key);
    let mut problems: Vec<(&str, String)> = Vec::new();
    let mut bad = |key: &'static str, msg: String| problems.push((key, msg));

    let (base_url, base_path) = match split_base_url(&config.base_url) {
        Ok(v) => v,
        Err(msg) => {
            bad("base_url", msg);
            (String::new(), "/".into())
        }
    };
    if config.title.trim().is_empty() {
        bad("title", "`title` must not be empty".into());
    }
    if !is_safe_relative(&config.output_dir) {
        bad(
            "output_dir",
            format!(
                "`output_dir` must be a folder inside the site (a relative path without `..`), got {:?}",
                config.output_dir
            ),
        );
    } else if let Some(Component::Normal(first)) = Path::new(&config.output_dir)
        .components()
        .find(|c| !matches!(c, Component::CurDir))
        && ["content", "data", "static", "templates", "themes"]
            .iter()
            .any(|d| first == *d)
    {
        bad(
            "output_dir",
            format!(
                "`output_dir` must not lie inside content/, data/, static/, templates/ or themes/, got {:?}",
                config.output_dir
            ),
        );
    }
    if !text::is_slug(&config.theme) {
        bad(
            "theme",
            format!(
                "`theme` must be the name of a folder in themes/, got {:?}",
                config.theme
            ),
        );
    }
    if config.feed_limit == 0 {
        bad("feed_limit", "`feed_limit` must be at least 1".into());
    }
    if config.paginate_by == 0 {
        bad("paginate_by", "`paginate_by` must be at least 1".into());
    }
    let p = &config.paths;
    for (key, v) in [
        ("archive", &p.archive),
        ("indicators", &p.indicators),
        ("entities", &p.entities),
        ("search", &p.search),
        ("authors", &p.authors),
    ] {
        if !text::is_slug(v) {
            bad(
                key,
                format!("[paths] {key} must be a slug like \"luu-tru\", got {v:?}"),
            );
        }
    }
    check_taxonomies(&config.taxonomies, &mut bad);
    for (code, lc) in &config.languages {
        if !text::is_slug(code) || code.len() > 12 {
            bad(
                "[languages",
                format!("a language code must be short and lowercase, like \"en\", got {code:?}"),
            );
        } else if *code == config.language {
            bad(
                "[languages",
                format!(
                    "[languages.{code}] is the default language (`language`); list only the other editions"
                ),
            );
        }
        if lc.title.trim().is_empty() {
            bad(
                "[languages",
                format!("[languages.{code}] `title` must not be empty"),
            );
        }
        check_taxonomies(&lc.taxonomies, &mut bad);
    }
    let theme_dir = root.join("themes").join(&config.theme);
    // The default theme is built in; any other must exist.
    if problems.is_empty()
        && config.theme != crate::theme::NAME
        && !theme_dir.join("templates").is_dir()
    {
        problems.push((
            "theme",
            format!(
                "the theme {:?} has no folder {}",
                config.theme,
                theme_dir.join("templates").display()
            ),
        ));
    }
    let mut errors = Diagnostics::default();
    for (key, msg) in problems {
        errors.push(Diagnostic::new(&file, line_of_key(key), msg));
    }
    errors.into_result(Site {
        root: root.to_path_buf(),
        config,
        base_url,
        root_path: base_path.clone(),
        base_path,
        theme_dir,
        prefix: String::new(),
        feed: true,
    })
}

fn check_taxonomies(taxonomies: &[TaxonomyConfig], bad: &mut impl FnMut(&'static str, String)) {
    let mut seen = std::collections::HashSet::new();
    for t in taxonomies {
        if !text::is_slug(&t.name) {
            bad(
                "name",
                format!(
                    "a taxonomy name must be a slug (like `tags`), got {:?}",
                    t.name
                ),
            );
        }
        if !seen.insert(t.name.as_str()) {
            bad(
                "name",
                format!("the taxonomy {:?} is declared twice", t.name),
            );
        }
        if t.paginate_by == Some(0) {
            bad("paginate_by", "`paginate_by` must be at least 1".into());
        }
    }
}

/// The line of `site-config.toml` that starts with `start` (after spaces),
/// for errors found after loading; 1 when there is none.
pub fn line_of(site: &Site, start: &str) -> usize {
    std::fs::read_to_string(site.config_file())
        .ok()
        .and_then(|t| line_starting(&t, start))
        .unwrap_or(1)
}

/// The 1-based line of `text` that starts with `start` (after spaces).
fn line_starting(text: &str, start: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with(start))
        .map(|i| i + 1)
}

/// Splits `https://host/portal/` into (`https://host/portal`, `/portal/`).
fn split_base_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`base_url` must start with https:// or http://, got {url:?}"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host.is_empty() || url.contains(['?', '#', ' ']) {
        return Err(format!(
            "`base_url` must be a plain URL like https://portal.example.gov.vn, got {url:?}"
        ));
    }
    let path = path.trim_matches('/');
    let base_path = if path.is_empty() {
        "/".to_string()
    } else {
        format!("/{path}/")
    };
    Ok((url.trim_end_matches('/').to_string(), base_path))
}

/// A relative path that stays inside its parent: no root, no `..`, not empty.
pub fn is_safe_relative(p: &str) -> bool {
    let path = Path::new(p);
    !p.trim().is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        && path.components().any(|c| matches!(c, Component::Normal(_)))
}

/// The site folder as the file system resolves it, to compare link targets with.
pub fn real_root(root: &Path) -> PathBuf {
    std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf())
}

/// Where `path` really is (symbolic links resolved), when that is outside the
/// site folder `real_root` (from [`real_root`]). Symbolic links are followed
/// only inside the site: no content, data or static file is ever read from
/// elsewhere. `None` also when `path` cannot be resolved; reading it then
/// fails with its own error.
pub fn outside_site(real_root: &Path, path: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(path).ok()?;
    (!real.starts_with(real_root)).then_some(real)
}

/// The error for a link that leads out of the site.
pub fn outside_site_message(target: &Path) -> String {
    format!(
        "a symbolic link to {}, outside the site folder; only files inside the site are read (copy the file into the site instead)",
        target.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_with_path_prefix() {
        assert_eq!(
            split_base_url("https://example.gov.vn/portal/").unwrap(),
            ("https://example.gov.vn/portal".into(), "/portal/".into())
        );
        assert_eq!(
            split_base_url("https://example.gov.vn").unwrap(),
            ("https://example.gov.vn".into(), "/".into())
        );
        assert!(split_base_url("example.gov.vn").is_err());
    }

    #[test]
    fn urls_carry_the_prefix() {
        let (base_url, base_path) = split_base_url("https://x.vn/portal/").unwrap();
        let site = Site {
            root: PathBuf::new(),
            config: toml::from_str("title='t'\nbase_url='https://x.vn/portal/'").unwrap(),
            base_url,
            root_path: base_path.clone(),
            base_path,
            theme_dir: PathBuf::new(),
            prefix: String::new(),
            feed: true,
        };
        assert_eq!(site.url("tin-tuc/a/"), "/portal/tin-tuc/a/");
        assert_eq!(
            site.absolute("tin-tuc/a/"),
            "https://x.vn/portal/tin-tuc/a/"
        );
        assert_eq!(site.absolute(""), "https://x.vn/portal/");
    }

    #[test]
    fn output_dir_must_stay_inside() {
        assert!(is_safe_relative("public"));
        assert!(is_safe_relative("out/site"));
        assert!(!is_safe_relative("../public"));
        assert!(!is_safe_relative("/tmp/x"));
        assert!(!is_safe_relative("."));
        assert!(!is_safe_relative(""));
    }
}
