//! Content: walks `content/`, splits and parses front matter, and yields the
//! loaded sections, pages and assets with their site paths.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::{self, Site};
use crate::diag::{self, Diagnostic, Diagnostics};
use crate::text;

/// Vietnam's offset, applied to dates and datetimes written without one.
pub const DEFAULT_OFFSET_SECONDS: i32 = 7 * 3600;

// ---------------------------------------------------------------- front matter

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageFrontMatter {
    pub title: String,
    #[serde(default)]
    pub date: Option<toml::value::Datetime>,
    #[serde(default)]
    pub updated: Option<toml::value::Datetime>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub weight: Option<i64>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub source: Option<Source>,
    #[serde(default)]
    pub image: Option<Image>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub taxonomies: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub extra: toml::Table,
    #[serde(default)]
    pub conference: Option<Conference>,
    #[serde(default)]
    pub model: Option<Model>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub name: String,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub src: String,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub credit: Option<String>,
    /// Text alternative; default: the caption, else the title.
    #[serde(default)]
    pub alt: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Conference {
    pub starts: toml::value::Datetime,
    #[serde(default)]
    pub ends: Option<toml::value::Datetime>,
    pub venue: String,
    #[serde(default)]
    pub organisers: Vec<String>,
    #[serde(default)]
    pub chairs: Vec<Chair>,
    #[serde(default)]
    pub participants: Option<u32>,
    #[serde(default)]
    pub conclusions: Vec<String>,
    #[serde(default)]
    pub recommendations: Vec<String>,
    #[serde(default)]
    pub documents: Vec<Document>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Chair {
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub locality: String,
    pub agency: String,
    pub field: String,
    #[serde(default)]
    pub started: Option<i32>,
    #[serde(default)]
    pub status: ModelStatus,
    #[serde(default)]
    pub replicated_in: Option<u32>,
    /// Out of how many units `replicated_in` counts (15 of 20 communes).
    #[serde(default)]
    pub replicable_units: Option<u32>,
    #[serde(default)]
    pub results: Vec<ModelResult>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelStatus {
    #[default]
    Active,
    Replicated,
    Ended,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelResult {
    pub label: String,
    pub value: f64,
    #[serde(default)]
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionFrontMatter {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub sort_by: SortBy,
    #[serde(default)]
    pub paginate_by: Option<usize>,
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub page_template: Option<String>,
    #[serde(default)]
    pub page_kind: PageKind,
    #[serde(default)]
    pub feed: bool,
    /// Order of the section in the site's navigation (lower first).
    #[serde(default)]
    pub weight: Option<i64>,
    #[serde(default)]
    pub extra: toml::Table,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    #[default]
    Date,
    Title,
    Weight,
    None,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    #[default]
    Article,
    Conference,
    Model,
}

// ---------------------------------------------------------------- loaded types

#[derive(Debug, Clone)]
pub struct Section {
    /// The `_index.md` file, or the folder for the implicit root section.
    pub file: PathBuf,
    /// Folder relative to `content/`, with `/` separators, `""` for the root.
    pub dir: String,
    /// Site path: `tin-tuc/` (`""` for the home page).
    pub path: String,
    pub title: String,
    pub fm: SectionFrontMatter,
    pub body: String,
    pub body_line: usize,
    pub parent: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub file: PathBuf,
    /// File relative to `content/`, `/`-separated, without its language
    /// (`tin-tuc/x.md` for `tin-tuc/x.en.md`): the target of `@/` links and
    /// the name that pairs a page with its translations.
    pub rel: String,
    pub slug: String,
    /// Site path: `tin-tuc/abc/`.
    pub path: String,
    /// Site path where the page's own relative files are published: the
    /// page's folder for a bundle, else the folder of its source file.
    pub files_path: String,
    pub section: usize,
    pub kind: PageKind,
    pub fm: PageFrontMatter,
    pub date: Option<DateTime<FixedOffset>>,
    pub updated: Option<DateTime<FixedOffset>>,
    pub body: String,
    pub body_line: usize,
    /// The front-matter text, kept to find the line of a key for later errors.
    pub front_matter: String,
    /// Folder of a page bundle (`folder/index.md`), whose files are its assets.
    pub bundle_dir: Option<PathBuf>,
}

impl Section {
    /// `tin-tuc/_index.md`: the section's source, as `@/` links name it.
    pub fn rel(&self) -> String {
        if self.dir.is_empty() {
            SECTION_FILE.to_string()
        } else {
            format!("{}/{SECTION_FILE}", self.dir)
        }
    }
}

/// `@/` link targets of a content set's pages and sections (`tin-tuc/a.md`,
/// NFC) → their URLs in `site`.
pub fn link_targets(site: &Site, content: &Content) -> HashMap<String, String> {
    let mut urls = HashMap::with_capacity(content.pages.len() + content.sections.len());
    for p in &content.pages {
        urls.insert(text::nfc(&p.rel), site.url(&p.path));
    }
    for s in &content.sections {
        urls.insert(text::nfc(&s.rel()), site.url(&s.path));
    }
    urls
}

impl Page {
    /// The line of `key` in this page's file, for errors found after parsing.
    pub fn line_of_key(&self, key: &str) -> usize {
        // The front matter starts on line 2, after the opening `+++`.
        key_line(&self.front_matter, key).map_or(1, |l| l + 2)
    }
}

/// A file copied to the output as it is.
#[derive(Debug, Clone)]
pub struct Asset {
    pub src: PathBuf,
    /// Output path relative to the output folder, `/`-separated.
    pub dest: String,
}

#[derive(Debug, Clone)]
pub struct Content {
    pub sections: Vec<Section>,
    pub pages: Vec<Page>,
    pub assets: Vec<Asset>,
}

/// Told of every Markdown file the stage reads: the bytes as read, and the
/// file's metadata taken on the open file afterwards (the build record
/// hashes them there rather than reading every page again).
pub type OnRead<'a> = &'a (dyn Fn(&Path, &[u8], &std::fs::Metadata) + Sync);

#[derive(Clone, Copy, Default)]
pub struct LoadOptions<'a> {
    pub drafts: bool,
    pub on_read: Option<OnRead<'a>>,
}

// ---------------------------------------------------------------- front-matter split

/// The parts of a Markdown file: its front matter and body, with the 1-based
/// line of the file on which each starts.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub front_matter: &'a str,
    pub front_matter_line: usize,
    pub body: &'a str,
    pub body_line: usize,
}

/// Splits `+++`-fenced TOML front matter from the body. A UTF-8 BOM and CRLF
/// line endings are accepted.
pub fn split_front_matter(text: &str) -> Result<Split<'_>, (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let first = text[..first_end].trim_end();
    if first == "---" {
        return Err((
            1,
            "YAML front matter (---) is not supported; write TOML between +++ lines".into(),
        ));
    }
    if first != "+++" {
        let what = if text.trim().is_empty() {
            "the file is empty"
        } else {
            "the file does not start with +++"
        };
        return Err((
            1,
            format!(
                "expected TOML front matter between +++ lines at the top of the file, but {what}"
            ),
        ));
    }
    let mut offset = first_end;
    let mut line = 2;
    while offset < text.len() {
        let end = text[offset..]
            .find('\n')
            .map_or(text.len(), |i| offset + i + 1);
        if text[offset..end].trim_end() == "+++" {
            return Ok(Split {
                front_matter: &text[first_end..offset],
                front_matter_line: 2,
                body: &text[end..],
                body_line: line + 1,
            });
        }
        offset = end;
        line += 1;
    }
    Err((
        1,
        "unterminated front matter: the opening +++ has no closing +++ line".into(),
    ))
}

/// The 0-based line within `front_matter` where `key` is assigned (first match).
pub fn key_line(front_matter: &str, key: &str) -> Option<usize> {
    front_matter.lines().position(|l| {
        let l = l.trim_start();
        l.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('=') || rest.starts_with(']'))
            || l.trim_end() == format!("[{key}]")
    })
}

// ---------------------------------------------------------------- dates

/// Converts a TOML date or datetime to a zoned time; no offset means +07:00.
pub fn to_datetime(d: &toml::value::Datetime) -> Result<DateTime<FixedOffset>, String> {
    let date = d
        .date
        .ok_or_else(|| format!("expected a date or a date and time, got the time {d} alone"))?;
    let naive_date = NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
        .ok_or_else(|| format!("{d} is not a valid date"))?;
    let time = match d.time {
        Some(t) => NaiveTime::from_hms_nano_opt(
            t.hour.into(),
            t.minute.into(),
            t.second.unwrap_or(0).into(),
            t.nanosecond.unwrap_or(0),
        )
        .ok_or_else(|| format!("{d} is not a valid time"))?,
        None => NaiveTime::MIN,
    };
    let offset_seconds = match d.offset {
        None => DEFAULT_OFFSET_SECONDS,
        Some(toml::value::Offset::Z) => 0,
        Some(toml::value::Offset::Custom { minutes }) => i32::from(minutes) * 60,
    };
    let offset = FixedOffset::east_opt(offset_seconds)
        .ok_or_else(|| format!("{d} has an invalid offset"))?;
    offset
        .from_local_datetime(&naive_date.and_time(time))
        .single()
        .ok_or_else(|| format!("{d} is not a valid date and time"))
}

// ---------------------------------------------------------------- loading

/// A section's own file.
pub const SECTION_FILE: &str = "_index.md";
const BUNDLE_FILE: &str = "index.md";

/// Loads `content/`. Every problem is collected; the caller decides whether
/// to go on.
pub fn load(site: &Site, opts: LoadOptions, now: DateTime<FixedOffset>) -> (Content, Diagnostics) {
    let content_dir = site.root.join("content");
    let mut errors = Diagnostics::default();
    let mut files: Vec<(PathBuf, String)> = Vec::new(); // (absolute, relative with '/')
    let real_root = config::real_root(&site.root);
    if let Some(target) = config::outside_site(&real_root, &content_dir) {
        errors.push(Diagnostic::file(
            &content_dir,
            config::outside_site_message(&target),
        ));
    } else if content_dir.is_dir() {
        // Unsorted: walkdir sorts each folder by `DirEntry::file_name`, which
        // parses the path again at every comparison (a fifth of the content
        // stage's instructions on 10 000 articles, on one core, before anything
        // runs in parallel). The files are sorted below, in the same order.
        let mut walk = walkdir::WalkDir::new(&content_dir)
            .follow_links(true)
            .into_iter();
        while let Some(entry) = walk.next() {
            match entry {
                // Ignored files and folders are not even looked into (so
                // only the entry's own name needs looking at).
                Ok(e) if e.depth() > 0 && is_hidden(&e.file_name().to_string_lossy()) => {
                    if e.file_type().is_dir() {
                        walk.skip_current_dir();
                    }
                }
                // A link is followed only when it stays inside the site.
                Ok(e)
                    if e.path_is_symlink()
                        && let Some(target) = config::outside_site(&real_root, e.path()) =>
                {
                    errors.push(Diagnostic::file(
                        e.path(),
                        config::outside_site_message(&target),
                    ));
                    if e.file_type().is_dir() {
                        walk.skip_current_dir();
                    }
                }
                Ok(e) if e.file_type().is_file() => {
                    let rel = rel_slash(e.path(), &content_dir);
                    files.push((e.path().to_path_buf(), rel));
                }
                Ok(_) => {}
                Err(e) => {
                    let file = e
                        .path()
                        .map_or_else(|| content_dir.clone(), Path::to_path_buf);
                    let is_link = file.symlink_metadata().is_ok_and(|m| m.is_symlink());
                    let msg = if e.loop_ancestor().is_some() {
                        "a symbolic link here loops back to a folder above it".to_string()
                    } else if let (true, Some(io)) = (is_link, e.io_error()) {
                        // Loops of links, or a missing target.
                        format!("a symbolic link that cannot be followed: {io}")
                    } else {
                        format!("cannot read: {e}")
                    };
                    errors.push(Diagnostic::file(file, msg));
                }
            }
        }
    }

    // In the order of a walk that sorts each folder by name: name by name
    // (`a/x.md` before `a-b/y.md`, though "a-b" < "a/" as strings), which is
    // the byte order of the names with `/` made the lowest byte. Comparing
    // `Path`s cost as much as walkdir's own sort, split names two thirds of
    // it. The whole path breaks the tie between names that are not Unicode.
    files.sort_by_cached_key(|(path, rel)| (rel.replace('/', "\0"), path.clone()));

    // Each edition reads its own Markdown: `x.md` for the default language,
    // `x.en.md` for English, known by the language-free name (`x.md`) that
    // pairs a page with its translations. Other files serve every edition.
    let others: Vec<&str> = site.config.languages.keys().map(String::as_str).collect();
    let edition = (!site.is_default_edition()).then_some(site.config.language.as_str());
    let default_section_dirs: HashSet<String> = files
        .iter()
        .filter(|(_, rel)| split_lang(rel, &others).0.is_none())
        .filter_map(|(_, rel)| rel_file_in(rel, SECTION_FILE))
        .collect();
    files.retain_mut(|(_, rel)| {
        if !rel.ends_with(".md") {
            return true;
        }
        let (lang, key) = split_lang(rel, &others);
        if lang != edition {
            return false;
        }
        *rel = key;
        true
    });

    let section_dirs: HashSet<String> = files
        .iter()
        .filter_map(|(_, rel)| rel_file_in(rel, SECTION_FILE))
        .collect();
    let bundle_dirs: HashSet<String> = files
        .iter()
        .filter_map(|(_, rel)| rel_file_in(rel, BUNDLE_FILE))
        .filter(|d| !d.is_empty())
        .collect();
    for dir in section_dirs.intersection(&bundle_dirs) {
        errors.push(Diagnostic::file(
            content_dir.join(dir),
            "a folder holds both _index.md (a section) and index.md (a page bundle); keep one",
        ));
    }

    // Sections first, parents before children (the walk is sorted, and a
    // parent's path is a prefix of its children's).
    let mut sections: Vec<Section> = Vec::new();
    let mut section_index: HashMap<String, usize> = HashMap::new();
    let mut section_sources: Vec<(PathBuf, String)> = files
        .iter()
        .filter(|(_, rel)| rel_file_in(rel, SECTION_FILE).is_some())
        .cloned()
        .collect();
    section_sources.sort_by_key(|(_, rel)| rel.matches('/').count());
    if !section_sources.iter().any(|(_, rel)| rel == SECTION_FILE) {
        sections.push(Section {
            file: content_dir.clone(),
            dir: String::new(),
            path: String::new(),
            title: site.config.title.clone(),
            fm: toml::from_str("").expect("empty section front matter is valid"),
            body: String::new(),
            body_line: 1,
            parent: None,
        });
        section_index.insert(String::new(), 0);
    }
    for (file, rel) in &section_sources {
        let dir = rel_file_in(rel, SECTION_FILE).unwrap_or_default();
        if bundle_dirs
            .iter()
            .any(|b| dir.starts_with(&format!("{b}/")))
        {
            continue; // inside a page bundle: an asset, reported nowhere
        }
        let Some(split) = read_and_split(file, opts.on_read, &mut errors) else {
            continue;
        };
        let fm: SectionFrontMatter = match toml::from_str(&split.front_matter) {
            Ok(fm) => fm,
            Err(e) => {
                errors.push(diag::from_toml(
                    file,
                    &split.front_matter,
                    split.front_matter_line,
                    &e,
                ));
                continue;
            }
        };
        if let Some(0) = fm.paginate_by {
            errors.push(line_err(
                file,
                &split,
                "paginate_by",
                "`paginate_by` must be at least 1",
            ));
        }
        let parent = nearest_section(&dir, &section_index);
        let path = folded_dir_path(&dir);
        let title = fm.title.clone().unwrap_or_else(|| {
            if dir.is_empty() {
                site.config.title.clone()
            } else {
                dir.rsplit('/').next().unwrap_or(&dir).to_string()
            }
        });
        section_index.insert(dir.clone(), sections.len());
        sections.push(Section {
            file: file.clone(),
            dir,
            path,
            title,
            fm,
            body: split.body,
            body_line: split.body_line,
            parent: if rel == SECTION_FILE { None } else { parent },
        });
    }

    let mut pages = Vec::new();
    let mut assets = Vec::new();
    let mut page_sources: Vec<(&PathBuf, &String, Option<&String>)> = Vec::new();
    let mut bundle_files: HashMap<&str, Vec<(&PathBuf, &str)>> = HashMap::new();
    for (file, rel) in &files {
        let bundle = innermost_bundle(rel, &bundle_dirs);
        let is_md = rel.ends_with(".md");
        if rel_file_in(rel, SECTION_FILE).is_some() && bundle.is_none() {
            continue;
        }
        match bundle {
            Some(b) if rel == &format!("{b}/{BUNDLE_FILE}") => {
                page_sources.push((file, rel, Some(b)))
            }
            // Bundle assets are placed once the page's path is known.
            Some(b) if !is_md => bundle_files
                .entry(b.as_str())
                .or_default()
                .push((file, &rel[b.len() + 1..])),
            Some(_) => {}
            None if is_md => page_sources.push((file, rel, None)),
            None => {
                let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
                assets.push(Asset {
                    src: file.clone(),
                    dest: format!("{}{}", folded_dir_path(dir), name),
                });
            }
        }
    }
    // Reading and parsing pages is independent work: do it on every core.
    let loaded: Vec<(Option<Page>, Diagnostics)> = page_sources
        .par_iter()
        .map(|&(file, rel, bundle)| {
            let mut errs = Diagnostics::default();
            let page = load_page(
                site,
                file,
                rel,
                bundle,
                &section_index,
                &sections,
                opts.on_read,
                &mut errs,
            );
            (page, errs)
        })
        .collect();
    // Sized once: grown page by page, the list (about a kilobyte a page)
    // was copied whole at each doubling, into memory fresh from the system.
    pages.reserve_exact(loaded.len());
    for (page, errs) in loaded {
        errors.extend(errs.0);
        pages.extend(page);
    }
    // Bundle assets go beside their page's output, wherever its slug puts it.
    for page in &pages {
        let Some(bundle) = &page.bundle_dir else {
            continue;
        };
        let dir = rel_slash(bundle, &content_dir);
        for (file, inner) in bundle_files.get(dir.as_str()).into_iter().flatten() {
            assets.push(Asset {
                src: (*file).clone(),
                dest: format!("{}{}", page.path, inner),
            });
        }
    }

    // A translated page in a section that has no translation would land in
    // the home section, out of its list: ask for the section's translation.
    if edition.is_some() {
        for p in &pages {
            let dir = p.rel.rsplit_once('/').map_or("", |(d, _)| d);
            let dir = if p.bundle_dir.is_some() {
                dir.rsplit_once('/').map_or("", |(d, _)| d)
            } else {
                dir
            };
            let wanted = nearest_dir(dir, |d| default_section_dirs.contains(d));
            let have = nearest_dir(dir, |d| section_index.contains_key(d));
            if let Some(w) = wanted
                && Some(w) != have
                && !w.is_empty()
            {
                errors.push(Diagnostic::at(
                    &p.file,
                    1,
                    format!(
                        "this page is in {lang}, but its section {w}/_index.md has no {lang} version: add {w}/_index.{lang}.md",
                        lang = site.config.language
                    ),
                ));
            }
        }
    }
    pages.retain(|p| opts.drafts || (!p.fm.draft && p.date.is_none_or(|d| d <= now)));
    (
        Content {
            sections,
            pages,
            assets,
        },
        errors,
    )
}

/// Re-reads one page file as [`load`] does, against the sections already
/// loaded: `serve` re-reads only the file an editor saved. `None` when the
/// file has problems (they are in the diagnostics) or is no page.
pub fn load_page_file(
    site: &Site,
    file: &Path,
    sections: &[Section],
) -> (Option<Page>, Diagnostics) {
    let mut errors = Diagnostics::default();
    let rel = rel_slash(file, &site.root.join("content"));
    if is_hidden(&rel) || !rel.ends_with(".md") || rel_file_in(&rel, SECTION_FILE).is_some() {
        return (None, errors);
    }
    if let Some(target) = config::outside_site(&config::real_root(&site.root), file) {
        errors.push(Diagnostic::file(
            file,
            config::outside_site_message(&target),
        ));
        return (None, errors);
    }
    let bundle = rel_file_in(&rel, BUNDLE_FILE).filter(|b| !b.is_empty());
    let index: HashMap<String, usize> = sections
        .iter()
        .enumerate()
        .map(|(i, s)| (s.dir.clone(), i))
        .collect();
    let page = load_page(
        site,
        file,
        &rel,
        bundle.as_ref(),
        &index,
        sections,
        None,
        &mut errors,
    );
    (page, errors)
}

#[allow(clippy::too_many_arguments)]
fn load_page(
    site: &Site,
    file: &Path,
    rel: &str,
    bundle: Option<&String>,
    section_index: &HashMap<String, usize>,
    sections: &[Section],
    on_read: Option<OnRead>,
    errors: &mut Diagnostics,
) -> Option<Page> {
    let split = read_and_split(file, on_read, errors)?;
    let fm: PageFrontMatter = match toml::from_str(&split.front_matter) {
        Ok(fm) => fm,
        Err(e) => {
            errors.push(diag::from_toml(
                file,
                &split.front_matter,
                split.front_matter_line,
                &e,
            ));
            return None;
        }
    };
    let before = errors.len();
    let dir = match bundle {
        Some(b) => b
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_string()),
        None => rel
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_string()),
    };
    let stem = match bundle {
        Some(b) => b.rsplit('/').next().unwrap_or(b).to_string(),
        None => rel
            .rsplit('/')
            .next()
            .unwrap_or(rel)
            .trim_end_matches(".md")
            .to_string(),
    };
    let slug = match &fm.slug {
        Some(s) if text::is_slug(s) => s.clone(),
        Some(s) => {
            let folded = text::slugify(s);
            let like = if folded.is_empty() {
                String::new()
            } else {
                format!(" (like {folded:?})")
            };
            errors.push(line_err(
                file,
                &split,
                "slug",
                &format!(
                    "`slug` must be lowercase ASCII letters, digits and dashes{like}, got {s:?}"
                ),
            ));
            // Reported: no second error for an empty slug.
            if folded.is_empty() {
                "x".to_string()
            } else {
                folded
            }
        }
        None => text::slugify(&stem),
    };
    if slug.is_empty() {
        errors.push(Diagnostic::at(
            file,
            1,
            "the file name folds to an empty slug; set `slug`",
        ));
    }
    let section = nearest_section(&dir, section_index).unwrap_or(0);
    let kind = sections[section].fm.page_kind;
    let date = parse_date(file, &split, "date", fm.date.as_ref(), errors);
    let updated = parse_date(file, &split, "updated", fm.updated.as_ref(), errors);
    if fm.title.trim().is_empty() {
        errors.push(line_err(file, &split, "title", "`title` must not be empty"));
    }
    for alias in &fm.aliases {
        if !is_site_path(alias) {
            errors.push(line_err(
                file,
                &split,
                "aliases",
                &format!("an alias must be a path inside the site like \"/tin-cu/bai-viet.html\", got {alias:?}"),
            ));
        }
    }
    if let Some(img) = &fm.image
        && !is_local_or_url(&img.src)
    {
        errors.push(line_err(
                file,
                &split,
                "image",
                &format!("`image.src` must be a file beside the page, a path in the site or an http(s) URL, got {:?}", img.src),
            ));
    }
    for name in fm.taxonomies.keys() {
        if site.taxonomy(name).is_none() {
            let known: Vec<_> = site
                .config
                .taxonomies
                .iter()
                .map(|t| t.name.as_str())
                .collect();
            errors.push(line_err(
                file,
                &split,
                name,
                &format!("unknown taxonomy {name:?}; site-config.toml declares {known:?}"),
            ));
        }
    }
    check_kind_table(file, &split, kind, &fm, errors);
    if errors.len() > before {
        return None;
    }
    let path = format!("{}{}/", folded_dir_path(&dir), slug);
    let files_path = if bundle.is_some() {
        path.clone()
    } else {
        folded_dir_path(&dir)
    };
    Some(Page {
        files_path,
        file: file.to_path_buf(),
        rel: rel.to_string(),
        slug,
        path,
        section,
        kind,
        date,
        updated,
        body: split.body,
        body_line: split.body_line,
        front_matter: split.front_matter,
        bundle_dir: bundle.map(|b| site.root.join("content").join(b)),
        fm,
    })
}

/// The `[conference]`/`[model]` table must match the section's page kind.
fn check_kind_table(
    file: &Path,
    split: &Parsed,
    kind: PageKind,
    fm: &PageFrontMatter,
    errors: &mut Diagnostics,
) {
    let has_conf = fm.conference.is_some();
    let has_model = fm.model.is_some();
    match kind {
        PageKind::Conference if !has_conf => errors.push(Diagnostic::at(
            file,
            1,
            "this section has page_kind = \"conference\": the page needs a [conference] table with `starts` and `venue`",
        )),
        PageKind::Model if !has_model => errors.push(Diagnostic::at(
            file,
            1,
            "this section has page_kind = \"model\": the page needs a [model] table with `locality`, `agency` and `field`",
        )),
        _ => {}
    }
    if has_conf && kind != PageKind::Conference {
        errors.push(line_err(
            file,
            split,
            "conference",
            "a [conference] table belongs in a section with page_kind = \"conference\"",
        ));
    }
    if has_model && kind != PageKind::Model {
        errors.push(line_err(
            file,
            split,
            "model",
            "a [model] table belongs in a section with page_kind = \"model\"",
        ));
    }
    if let Some(c) = &fm.conference {
        match (to_datetime(&c.starts), c.ends.as_ref().map(to_datetime)) {
            (Err(e), _) | (_, Some(Err(e))) => errors.push(line_err(file, split, "starts", &e)),
            (Ok(s), Some(Ok(e))) if e < s => errors.push(line_err(
                file,
                split,
                "ends",
                &format!(
                    "`ends` ({}) is before `starts` ({})",
                    c.ends.as_ref().map(|d| d.to_string()).unwrap_or_default(),
                    c.starts
                ),
            )),
            _ => {}
        }
        if c.venue.trim().is_empty() {
            errors.push(line_err(file, split, "venue", "`venue` must not be empty"));
        }
    }
    if let Some(m) = &fm.model {
        for (key, v) in [
            ("agency", &m.agency),
            ("field", &m.field),
            ("locality", &m.locality),
        ] {
            if v.trim().is_empty() {
                errors.push(line_err(
                    file,
                    split,
                    key,
                    &format!("`{key}` must not be empty"),
                ));
            }
        }
        if let (Some(n), Some(of)) = (m.replicated_in, m.replicable_units)
            && n > of
        {
            errors.push(line_err(
                file,
                split,
                "replicated_in",
                &format!("`replicated_in` ({n}) is more than `replicable_units` ({of})"),
            ));
        }
    }
}

fn parse_date(
    file: &Path,
    split: &Parsed,
    key: &str,
    d: Option<&toml::value::Datetime>,
    errors: &mut Diagnostics,
) -> Option<DateTime<FixedOffset>> {
    match d.map(to_datetime)? {
        Ok(dt) => Some(dt),
        Err(e) => {
            errors.push(line_err(file, split, key, &format!("`{key}`: {e}")));
            None
        }
    }
}

fn line_err(file: &Path, split: &Parsed, key: &str, msg: &str) -> Diagnostic {
    let line = key_line(&split.front_matter, key)
        .map_or(split.front_matter_line - 1, |l| l + split.front_matter_line);
    Diagnostic::at(file, line, msg)
}

/// A split Markdown file, owning its parts.
struct Parsed {
    front_matter: String,
    front_matter_line: usize,
    body: String,
    body_line: usize,
}

/// Reads a Markdown file as UTF-8 and splits it; problems become diagnostics.
fn read_and_split(
    file: &Path,
    on_read: Option<OnRead>,
    errors: &mut Diagnostics,
) -> Option<Parsed> {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    // Read through the open file, so that `on_read` gets the metadata of the
    // file these bytes came from, into a buffer each thread keeps (the front
    // matter and body are copied out of it). `File::read_to_end` would first
    // ask the file's size and position (`statx`, `lseek`) to size a new
    // buffer: two of the seven system calls per page, for a buffer already
    // large enough. Read through `Take`, it just reads until the end.
    BUFFER.with_borrow_mut(|bytes| {
        bytes.clear();
        let mut read = || -> std::io::Result<()> {
            let mut f = std::fs::File::open(file)?;
            bytes.reserve(16 * 1024);
            std::io::Read::read_to_end(&mut std::io::Read::take(&mut f, u64::MAX), bytes)?;
            if let Some(on_read) = on_read {
                on_read(file, bytes, &f.metadata()?);
            }
            Ok(())
        };
        let parsed = match read() {
            Ok(()) => split_read(file, bytes, errors),
            Err(e) => {
                errors.push(Diagnostic::file(file, format!("cannot read: {e}")));
                None
            }
        };
        // An exceptionally large file's room is not kept for the rest.
        if bytes.capacity() > 1 << 20 {
            *bytes = Vec::new();
        }
        parsed
    })
}

/// Checks the bytes of a Markdown file as UTF-8 and splits them.
fn split_read(file: &Path, bytes: &[u8], errors: &mut Diagnostics) -> Option<Parsed> {
    // Vietnamese is mostly multi-byte text, where the standard library's
    // check runs byte by byte (a tenth of loading 10 000 articles); SIMD
    // validation is several times faster. Invalid files, rare, are checked
    // again for the position of the first bad byte.
    let text = match simdutf8::basic::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) => {
            let offset = std::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), str::len);
            let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
            errors.push(Diagnostic::at(
                file,
                line,
                "the file is not valid UTF-8; save it as UTF-8",
            ));
            return None;
        }
    };
    match split_front_matter(text) {
        Ok(s) => Some(Parsed {
            front_matter: s.front_matter.to_string(),
            front_matter_line: s.front_matter_line,
            body: s.body.to_string(),
            body_line: s.body_line,
        }),
        Err((line, msg)) => {
            errors.push(Diagnostic::at(file, line, msg));
            None
        }
    }
}

/// The innermost page-bundle folder holding `rel`, if any.
fn innermost_bundle<'a>(rel: &str, bundles: &'a HashSet<String>) -> Option<&'a String> {
    let mut dir = rel;
    while let Some((parent, _)) = dir.rsplit_once('/') {
        if let Some(b) = bundles.get(parent) {
            return Some(b);
        }
        dir = parent;
    }
    None
}

/// `tin-tuc/_index.md` with name `_index.md` → `Some("tin-tuc")`; `_index.md` → `Some("")`.
pub fn rel_file_in(rel: &str, name: &str) -> Option<String> {
    if rel == name {
        return Some(String::new());
    }
    rel.strip_suffix(name)?
        .strip_suffix('/')
        .map(str::to_string)
}

fn nearest_section(dir: &str, index: &HashMap<String, usize>) -> Option<usize> {
    nearest_dir(dir, |d| index.contains_key(d)).map(|d| index[d])
}

/// The nearest folder at or above `dir` (itself, its parent, …, `""`) that `has`.
pub fn nearest_dir(dir: &str, has: impl Fn(&str) -> bool) -> Option<&str> {
    let mut d = dir;
    loop {
        if has(d) {
            return Some(d);
        }
        if d.is_empty() {
            return None;
        }
        d = d.rsplit_once('/').map_or("", |(p, _)| p);
    }
}

/// `tin-tuc/x.en.md` → (`Some("en")`, `tin-tuc/x.md`) when `en` is one of
/// `langs`; any other name is in the default language and keeps its name.
pub fn split_lang<'a>(rel: &str, langs: &[&'a str]) -> (Option<&'a str>, String) {
    if let Some(stem) = rel.strip_suffix(".md")
        && let Some((name, code)) = stem.rsplit_once('.')
        && let Some(lang) = langs.iter().find(|l| **l == code)
        && !name.ends_with('/')
        && !name.is_empty()
    {
        return (Some(lang), format!("{name}.md"));
    }
    (None, rel.to_string())
}

/// Folder path to site path: each component folded (`Tin Tức/2024` → `tin-tuc/2024/`).
fn folded_dir_path(dir: &str) -> String {
    dir.split('/')
        .filter(|c| !c.is_empty())
        .map(|c| format!("{}/", text::slugify(c)))
        .collect()
}

/// `path` below `base`, `/`-separated whatever the platform: the form of
/// site paths, template names and output paths.
pub fn rel_slash(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn is_hidden(rel: &str) -> bool {
    rel.split('/')
        .any(|c| c.starts_with('.') || c.ends_with('~'))
}

/// An absolute path inside the site: `/old/page.html`, no `..`, no scheme.
pub fn is_site_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && config::is_safe_relative(p.trim_start_matches('/'))
        && !p.contains('\\')
        && crate::output::name_problem(p).is_none()
}

/// A bundle-relative file, a site path, or an http(s) URL; never `..`.
pub fn is_local_or_url(src: &str) -> bool {
    if src.starts_with("https://") || src.starts_with("http://") {
        return true;
    }
    if src.starts_with('/') {
        return is_site_path(src);
    }
    config::is_safe_relative(src) && !src.contains('\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_counts_lines_from_the_top_of_the_file() {
        let s = split_front_matter("+++\ntitle = \"a\"\n+++\nbody\n").unwrap();
        assert_eq!(s.front_matter, "title = \"a\"\n");
        assert_eq!(s.front_matter_line, 2);
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn split_accepts_bom_and_crlf() {
        let s = split_front_matter("\u{feff}+++\r\ntitle = \"a\"\r\n+++\r\nbody\r\n").unwrap();
        assert_eq!(s.front_matter, "title = \"a\"\r\n");
        assert_eq!(s.body, "body\r\n");
    }

    #[test]
    fn split_rejects_unterminated_and_missing_front_matter() {
        assert!(
            split_front_matter("+++\ntitle = \"a\"\n")
                .unwrap_err()
                .1
                .contains("unterminated")
        );
        assert!(split_front_matter("").unwrap_err().1.contains("empty"));
        assert!(
            split_front_matter("# hi")
                .unwrap_err()
                .1
                .contains("does not start")
        );
        assert!(
            split_front_matter("---\ntitle: a\n---\n")
                .unwrap_err()
                .1
                .contains("YAML")
        );
    }

    #[test]
    fn dates_without_offset_are_hanoi_time() {
        let d: toml::value::Datetime = "2017-02-16T14:12:00".parse().unwrap();
        assert_eq!(
            to_datetime(&d).unwrap().to_rfc3339(),
            "2017-02-16T14:12:00+07:00"
        );
        let d: toml::value::Datetime = "2017-02-16".parse().unwrap();
        assert_eq!(
            to_datetime(&d).unwrap().to_rfc3339(),
            "2017-02-16T00:00:00+07:00"
        );
        let d: toml::value::Datetime = "2017-02-16T14:12:00Z".parse().unwrap();
        assert_eq!(
            to_datetime(&d).unwrap().to_rfc3339(),
            "2017-02-16T14:12:00+00:00"
        );
        let d: toml::value::Datetime = "14:12:00".parse().unwrap();
        assert!(to_datetime(&d).is_err());
    }

    #[test]
    fn key_line_finds_keys_and_tables() {
        let fm = "title = \"a\"\nslug = \"x\"\n[model]\nlocality = \"y\"\n";
        assert_eq!(key_line(fm, "slug"), Some(1));
        assert_eq!(key_line(fm, "model"), Some(2));
        assert_eq!(key_line(fm, "locality"), Some(3));
        assert_eq!(key_line(fm, "nothing"), None);
    }

    #[test]
    fn paths_stay_inside_the_site() {
        assert!(is_site_path("/tin-cu/a.html"));
        assert!(!is_site_path("/../etc/passwd"));
        assert!(!is_site_path("//evil.example/x"));
        assert!(!is_site_path("relative"));
        assert!(is_local_or_url("anh.jpg"));
        assert!(is_local_or_url("https://x.vn/a.jpg"));
        assert!(!is_local_or_url("../anh.jpg"));
        assert!(!is_local_or_url("/etc/../../x"));
    }
}
