//! Rendering: loads the theme's Tera templates (the site's own override them),
//! builds typed views of the site and renders every page to an output file.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Datelike, FixedOffset};
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Kwargs, State, Tera, Value};

mod data_pages;
mod showcases;

use crate::config::Site;
use crate::content::{self, Image, Model as ModelTable, ModelStatus, PageKind, Source};
use crate::data::Data;
use crate::diag::{Diagnostic, Diagnostics};
use crate::i18n::Locale;
use crate::markdown::TocEntry;
use crate::output::OutputFile;
use crate::site::{self, Model};
use crate::text;

// ---------------------------------------------------------------- views

#[derive(Serialize)]
struct ConfigView<'a> {
    title: &'a str,
    description: &'a str,
    language: &'a str,
    /// Absolute, without trailing slash.
    base_url: &'a str,
    /// `/` or `/portal/`.
    base_path: &'a str,
    extra: &'a toml::Table,
    taxonomies: Vec<LinkView>,
    /// Top-level sections, by weight: the site's main navigation.
    nav: Vec<LinkView>,
    paths: PathsView,
    /// Whether the site has search (`search` in the config).
    search: bool,
    /// Every language edition, for the language switcher (empty when the
    /// site has one language).
    languages: &'a [LanguageLink],
    generator: &'static str,
}

#[derive(Serialize)]
struct PathsView {
    archive: String,
    indicators: String,
    entities: String,
    search: String,
    authors: String,
    /// The edition's feed, if it has one.
    feed: Option<String>,
}

#[derive(Serialize, Clone)]
pub struct LinkView {
    pub name: String,
    pub path: String,
}

#[derive(Serialize, Clone)]
pub struct DateView {
    /// RFC 3339, for `<time datetime>` and machines.
    iso: String,
    /// `16/02/2017`
    date: String,
    /// `14:12`
    time: String,
    year: i32,
    month: u32,
    day: u32,
}

impl DateView {
    pub fn new(d: &DateTime<FixedOffset>, loc: &Locale) -> Self {
        DateView {
            iso: d.to_rfc3339(),
            date: loc.date(d),
            time: text::format_time(d),
            year: d.year(),
            month: d.month(),
            day: d.day(),
        }
    }
}

#[derive(Serialize)]
struct ImageView<'a> {
    src: String,
    /// Absolute URL, for sharing tags and feeds.
    absolute: String,
    /// Pixel size read from the file, when it is beside the page.
    width: Option<u32>,
    height: Option<u32>,
    caption: Option<&'a str>,
    credit: Option<&'a str>,
    alt: &'a str,
}

#[derive(Serialize)]
struct TermLink {
    name: String,
    slug: String,
    path: String,
}

#[derive(Serialize)]
struct ConferenceView<'a> {
    starts: DateView,
    ends: DateView,
    /// `19–20/12/2019`, or a single date.
    dates: String,
    venue: &'a str,
    organisers: &'a [String],
    chairs: &'a [crate::content::Chair],
    participants: Option<u32>,
    conclusions: &'a [String],
    recommendations: &'a [String],
    documents: &'a [crate::content::Document],
}

#[derive(Serialize)]
struct ModelView<'a> {
    locality: LinkView,
    /// The locality's id and its ancestors' ids, for filtering in place.
    locality_ids: Vec<String>,
    /// The locality's parents, nearest first (district, province, country).
    locality_parents: Vec<LinkView>,
    field: TermLink,
    status: ModelStatus,
    results: Vec<ResultView<'a>>,
    agency: &'a str,
    started: Option<i32>,
    replicated_in: Option<u32>,
    replicable_units: Option<u32>,
}

#[derive(Serialize)]
struct ResultView<'a> {
    label: &'a str,
    value: String,
    unit: Option<&'a str>,
}

/// What list templates get of a page: everything but its body.
#[derive(Serialize)]
struct PageMeta<'a> {
    title: &'a str,
    description: String,
    summary: &'a str,
    path: String,
    permalink: String,
    slug: &'a str,
    kind: PageKind,
    /// Filled in from [`SharedViews`] (the key keeps its place in the map).
    section: (),
    date: Option<DateView>,
    updated: Option<DateView>,
    /// Filled in from [`SharedViews`], as `section` is.
    authors: (),
    source: Option<&'a Source>,
    image: Option<ImageView<'a>>,
    /// Filled in from [`SharedViews`], as `section` is.
    taxonomies: (),
    reading_time: usize,
    word_count: usize,
    weight: Option<i64>,
    draft: bool,
    extra: &'a toml::Table,
    conference: Option<ConferenceView<'a>>,
    model: Option<ModelView<'a>>,
}

/// A page for its own template: its metadata (the same fields list
/// templates see) plus its body and neighbours.
struct PageView<'a> {
    /// The page's `PageMeta`, serialized once and shared with every list.
    meta: &'a Value,
    content: &'a str,
    toc: &'a [TocEntry],
    previous: Option<Value>,
    next: Option<Value>,
    related: Vec<Value>,
    /// schema.org metadata (`NewsArticle`, `Event`, `Article`).
    json_ld: Value,
    lang: &'a str,
}

impl PageView<'_> {
    /// The `page` value, built from the metadata map rather than through
    /// serde: cloning the map shares every entry (`Arc`) and keeps its hash
    /// table, where serializing it rebuilt each key and hashed it again
    /// (a twentieth of the build's instructions went to that at 10 000
    /// articles).
    fn into_value(self) -> Value {
        let mut map = self.meta.as_map().cloned().unwrap_or_default();
        map.reserve(7);
        let mut put = |k: &'static str, v: Value| {
            map.insert(k.into(), v);
        };
        put("content", Value::from(self.content));
        put("toc", Value::from_serializable(self.toc));
        put("previous", self.previous.unwrap_or_else(Value::none));
        put("next", self.next.unwrap_or_else(Value::none));
        put("related", Value::from(self.related));
        put("json_ld", self.json_ld);
        put("lang", Value::from(self.lang));
        Value::from_map(map)
    }
}

#[derive(Serialize)]
struct SectionView<'a> {
    title: &'a str,
    description: &'a str,
    content: &'a str,
    path: String,
    permalink: String,
    kind: PageKind,
    extra: &'a toml::Table,
    subsections: Vec<LinkView>,
    page_count: usize,
    feed: Option<String>,
    /// The feed's own title (as `<link rel="alternate" title>`).
    feed_title: Option<String>,
}

#[derive(Serialize)]
struct PagerLink {
    index: usize,
    path: String,
    current: bool,
    /// A gap (…) comes before this link.
    gap_before: bool,
}

#[derive(Serialize)]
struct Paginator {
    pages: Vec<Value>,
    current_index: usize,
    number_pagers: usize,
    total_pages: usize,
    first: String,
    last: String,
    previous: Option<String>,
    next: Option<String>,
    pagers: Vec<PagerLink>,
}

#[derive(Serialize)]
struct TermView {
    name: String,
    slug: String,
    path: String,
    count: usize,
    feed: Option<String>,
    feed_title: Option<String>,
}

#[derive(Serialize)]
struct TaxonomyView {
    name: String,
    title: String,
    path: String,
    terms: Vec<TermView>,
}

#[derive(Serialize)]
struct ArchiveEntry {
    year: i32,
    month: Option<u32>,
    count: usize,
    path: String,
}

#[derive(Serialize)]
struct ArchiveView {
    /// `all`, `year` or `month`.
    level: &'static str,
    year: Option<i32>,
    month: Option<u32>,
    path: String,
    /// Years (on the root page) or months (on a year page), newest first.
    entries: Vec<ArchiveEntry>,
    /// The year page above a month, the root above a year.
    parent: Option<String>,
}

#[derive(Serialize)]
struct ListPage<'a> {
    section: Option<SectionView<'a>>,
    /// Pre-serialized (see `Ctx::taxonomy_values`), shared by every page of the taxonomy.
    taxonomy: Option<Value>,
    term: Option<Value>,
    archive: Option<ArchiveView>,
    paginator: Option<Paginator>,
    /// The newest pages of the whole site (the home page's news).
    latest: Vec<Value>,
    /// Home page only: headline indicators, newest models and conferences.
    indicators: Vec<data_pages::IndicatorSummary>,
    models: Vec<Value>,
    conferences: Vec<Value>,
    /// Model sections: filters by field and locality.
    filters: Option<showcases::ModelFilters>,
    /// Conference sections: this pager's conferences grouped by year.
    years: Vec<showcases::YearGroup>,
    lang: &'a str,
}

// ---------------------------------------------------------------- templates

/// Where the built-in templates live when the site uses another theme.
const BUILTIN_PREFIX: &str = "builtin/";

/// The loaded templates, with the file each came from for error messages.
pub struct Templates {
    pub tera: Tera,
    files: HashMap<String, PathBuf>,
}

/// Loads the theme's templates, then the site's (which replace same-named ones).
/// Functions and filters that differ between language editions are registered
/// for `site` and `loc` (Tera checks at load time that they exist) and again
/// for each edition when it renders.
pub fn load_templates(site: &Site, loc: &Locale) -> Result<Templates, Diagnostics> {
    let mut sources: BTreeMap<String, (PathBuf, String)> = BTreeMap::new();
    let mut errors = Diagnostics::default();
    // Bottom layer: the default theme built into the binary. Under the
    // default theme its templates are overridden by name. Under another
    // theme they live apart, as `builtin/…` reached only through Tera's
    // fallback, so a theme without (say) indicator pages still gets working
    // ones, without mixing its base template with ours.
    let builtin_dir = site
        .root
        .join("themes")
        .join(crate::theme::NAME)
        .join("templates");
    let separate = site.config.theme != crate::theme::NAME;
    for (name, text) in crate::theme::templates() {
        let (key, text) = if separate {
            (
                format!("{BUILTIN_PREFIX}{name}"),
                text.replace("{% extends \"", &format!("{{% extends \"{BUILTIN_PREFIX}"))
                    .replace("{% include \"", &format!("{{% include \"{BUILTIN_PREFIX}"))
                    .replace(
                        "site_partials.",
                        &format!("site_partials.{BUILTIN_SITE_PARTIAL}"),
                    ),
            )
        } else {
            (name.clone(), text.to_string())
        };
        sources.insert(key, (builtin_dir.join(&name), text));
    }
    for dir in [
        site.theme_dir.join("templates"),
        site.root.join("templates"),
    ] {
        if !dir.is_dir() {
            continue;
        }
        for e in walkdir::WalkDir::new(&dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            if !e.file_type().is_file() {
                continue;
            }
            let name = content::rel_slash(e.path(), &dir);
            match std::fs::read_to_string(e.path()) {
                Ok(t) => {
                    sources.insert(name, (e.path().to_path_buf(), t));
                }
                Err(err) => errors.push(Diagnostic::file(
                    e.path(),
                    format!("cannot read template: {err}"),
                )),
            }
        }
    }
    let mut tera = Tera::new();
    if separate {
        tera.set_fallback_prefixes([BUILTIN_PREFIX])
            .expect("set before any template is added");
    }
    register_helpers(&mut tera);
    register_edition_helpers(&mut tera, site, loc, &HashMap::new());
    let files: HashMap<String, PathBuf> = sources
        .iter()
        .map(|(n, (p, _))| (n.clone(), p.clone()))
        .collect();
    if let Err(e) =
        tera.add_raw_templates(sources.iter().map(|(n, (_, t))| (n.as_str(), t.as_str())))
    {
        errors.push(tera_error(&e, &files, None));
    }
    errors.into_result(Templates { tera, files })
}

fn register_helpers(tera: &mut Tera) {
    // JSON for <script type="application/ld+json">: `<`, `>` and `&` are
    // escaped so no string can close the script element.
    tera.register_filter(
        "json",
        |v: Value, _: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let s = serde_json::to_string(&v).map_err(|e| tera::Error::message(e.to_string()))?;
            // Most JSON-LD has none of the three: no copies then.
            if !s.contains(['<', '>', '&']) {
                return Ok(Value::safe_string(&s));
            }
            Ok(Value::safe_string(
                &s.replace('<', "\\u003c")
                    .replace('>', "\\u003e")
                    .replace('&', "\\u0026"),
            ))
        },
    );
    tera.register_filter("urlencode", |s: &str, _: Kwargs, _: &State| -> String {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(b as char)
                }
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    });
}

/// The helpers that differ between language editions: URLs inside the
/// edition, URLs of shared files, and numbers in the edition's language.
fn register_edition_helpers(
    tera: &mut Tera,
    site: &Site,
    loc: &Locale,
    links: &HashMap<String, String>,
) {
    // {{ 87.11 | num }} → 87,11 (Vietnamese) or 87.11 (English)
    let l = loc.clone();
    tera.register_filter(
        "num",
        move |v: Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let decimals: usize = kw.get("decimals")?.unwrap_or(2);
            let x = v.as_f64().ok_or_else(|| {
                tera::Error::message(format!("num: expected a number, got {}", v.name()))
            })?;
            Ok(l.number_with(x, decimals))
        },
    );
    let base_path = site.base_path.clone();
    // `@/gioi-thieu.md` names a page by its source, as Markdown links do:
    // the URL of this edition's version (the about page's slug may differ
    // between languages), else the original's. A page that does not exist
    // is an error, not a broken link.
    let links: Arc<HashMap<String, String>> = Arc::new(links.clone());
    tera.register_function(
        "url",
        move |kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            // Borrowed where it is a string (a `String` argument is made
            // with `format!`, and these run several times a page).
            let path: Cow<str> = kw.must_get("path")?;
            if let Some(source) = path.strip_prefix("@/") {
                let (file, anchor) = source.split_once('#').map_or((source, ""), |(f, a)| (f, a));
                // `optional=true`: "" for a page the site does not have, so a
                // theme can link a page only where it exists.
                let optional: bool = kw.get("optional")?.unwrap_or(false);
                return match links.get(&text::nfc(file)).filter(|u| !u.is_empty()) {
                    Some(url) if anchor.is_empty() => Ok(url.clone()),
                    Some(url) => Ok(format!("{url}#{anchor}")),
                    None if optional => Ok(String::new()),
                    None => Err(tera::Error::message(format!(
                        "url(path=\"{path}\"): no page content/{file}"
                    ))),
                };
            }
            Ok([base_path.as_str(), path.trim_start_matches('/')].concat())
        },
    );
    let root_path = site.root_path.clone();
    tera.register_function(
        "static_url",
        move |kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let path: Cow<str> = kw.must_get("path")?;
            Ok([root_path.as_str(), path.trim_start_matches('/')].concat())
        },
    );
    let site_for_abs = site.clone();
    tera.register_function(
        "abs_url",
        move |kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let path: Cow<str> = kw.must_get("path")?;
            Ok(site_for_abs.absolute(&path))
        },
    );
}

/// A Tera error as a diagnostic on the template file and line it concerns.
fn tera_error(
    e: &tera::Error,
    files: &HashMap<String, PathBuf>,
    rendering: Option<&Path>,
) -> Diagnostic {
    let context = rendering
        .map(|p| format!(" (while rendering {})", p.display()))
        .unwrap_or_default();
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let file = files
                .get(r.filename())
                .cloned()
                .unwrap_or_else(|| PathBuf::from(r.filename()));
            let span = r.span();
            Diagnostic::at(
                file,
                span.start_line,
                format!("column {}: {}{context}", span.start_col + 1, r.message()),
            )
        }
        _ => {
            let mut msg = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(s) = src {
                msg.push_str(&format!(": {s}"));
                src = s.source();
            }
            Diagnostic::file(
                rendering.map_or_else(|| PathBuf::from("templates"), Path::to_path_buf),
                format!("template: {msg}{context}"),
            )
        }
    }
}

// ---------------------------------------------------------------- rendering

/// Everything a render job may look up.
struct Ctx<'a> {
    site: &'a Site,
    model: &'a Model,
    data: &'a Data,
    templates: &'a Templates,
    metas: Vec<Value>,
    taxonomies: Vec<TaxonomyView>,
    /// Each taxonomy's view and its terms' views, serialized once: a term
    /// with 24 pagers would otherwise re-serialize the whole term list 24 times.
    taxonomy_values: Vec<Value>,
    term_values: Vec<Vec<Value>>,
    lang: &'a str,
    /// The edition's words, numbers and dates.
    loc: &'a Locale,
    /// Each indicator's description, rendered from Markdown.
    indicator_html: &'a [String],
    /// Site path → the versions of that page in the other editions.
    translations: HashMap<String, Value>,
    no_translations: Value,
    /// The pages' HTML when a build moved it out of the model: each is taken
    /// (and freed) by its page's job, see [`render`].
    bodies: Option<Vec<Mutex<String>>>,
}

/// One output (or a few: a pager and its redirect) to render. Public so that
/// `serve` can re-render only the jobs an edit affects ([`render_selected`]).
pub enum Job {
    Page(usize),
    DataIndex,
    ModelFilter {
        section: usize,
        by_field: bool,
        key: String,
    },
    AuthorIndex,
    Indicator(usize),
    Entity(usize),
    Section {
        section: usize,
        pager: usize,
    },
    Taxonomy(usize),
    Term {
        taxonomy: usize,
        term: usize,
        pager: usize,
    },
    Author {
        author: usize,
        pager: usize,
    },
    Archive {
        year: Option<usize>,
        month: Option<usize>,
    },
    NotFound,
    Search,
}

/// One language edition as rendering sees it: its words and formats, the
/// list of editions for the language switcher, and which of its pages exist
/// in other editions.
pub struct Edition<'a> {
    pub locale: &'a Locale,
    /// Every edition, this one marked `current` (empty on a one-language site).
    pub languages: &'a [LanguageLink],
    /// Site path of a page of this edition → its versions elsewhere.
    pub translations: HashMap<String, Vec<Translation>>,
    /// `@/` link targets (`gioi-thieu.md`) → URLs in this edition, for
    /// `url(path="@/…")` in templates.
    pub links: &'a HashMap<String, String>,
}

/// An edition, for the language switcher.
#[derive(Serialize, Clone, Debug)]
pub struct LanguageLink {
    pub code: String,
    /// The language's own name (`English`), from its UI strings.
    pub name: String,
    /// The edition's home page.
    pub path: String,
    pub current: bool,
}

/// A page's version in another edition.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Translation {
    pub code: String,
    pub name: String,
    pub path: String,
    pub permalink: String,
}

/// A page an edition will render: its site path and, for a content page,
/// the language-free source name that pairs it with its translations.
#[derive(Debug, Clone)]
pub struct PlannedPage {
    pub path: String,
    pub source_key: Option<String>,
}

/// The pages an edition renders (every job's HTML pages, not redirects),
/// known before rendering so that editions can link to each other.
pub fn planned_pages(site: &Site, model: &Model, data: &Data) -> Vec<PlannedPage> {
    let jobs = job_list(site, model, data);
    let mut out = Vec::with_capacity(jobs.len() + 1);
    for job in &jobs {
        let source_key = match *job {
            Job::Page(i) => Some(model.page(i).rel.clone()),
            _ => None,
        };
        for path in job_paths(site, model, data, job) {
            out.push(PlannedPage {
                path,
                source_key: source_key.clone(),
            });
        }
    }
    out
}

/// For each edition (in order), which of its pages exist in the others: a
/// content page pairs with the page of the same source name (slugs may
/// differ), any other page with the page at the same site path.
pub fn translations(
    editions: &[(&Site, &LanguageLink, Vec<PlannedPage>)],
) -> Vec<HashMap<String, Vec<Translation>>> {
    let index: Vec<(HashMap<&str, &str>, HashSet<&str>)> = editions
        .iter()
        .map(|(_, _, pages)| {
            let by_key = pages
                .iter()
                .filter_map(|p| Some((p.source_key.as_deref()?, p.path.as_str())))
                .collect();
            let generated = pages
                .iter()
                .filter(|p| p.source_key.is_none())
                .map(|p| p.path.as_str())
                .collect();
            (by_key, generated)
        })
        .collect();
    editions
        .iter()
        .enumerate()
        .map(|(e, (_, _, pages))| {
            let mut map: HashMap<String, Vec<Translation>> = HashMap::new();
            for p in pages {
                let alts: Vec<Translation> = editions
                    .iter()
                    .enumerate()
                    .filter(|(o, _)| *o != e)
                    .filter_map(|(o, (site, link, _))| {
                        let (by_key, generated) = &index[o];
                        let path = match &p.source_key {
                            Some(k) => *by_key.get(k.as_str())?,
                            None => generated.get(p.path.as_str())?,
                        };
                        Some(Translation {
                            code: link.code.clone(),
                            name: link.name.clone(),
                            path: site.url(path),
                            permalink: site.absolute(path),
                        })
                    })
                    .collect();
                if !alts.is_empty() {
                    map.insert(p.path.clone(), alts);
                }
            }
            map
        })
        .collect()
}

/// Renders the site into output files (HTML pages; the caller adds the
/// rest), handing each file to `emit` as soon as it is made (from the
/// rendering threads) and returning what `emit` returns: a build passes
/// each page on to the writer and keeps only its name.
///
/// `bodies`, when given, are the pages' HTML (by page index) moved out of
/// `model.page_md`, which then holds none: a build needs a page's HTML only
/// for the page itself, and each is freed as soon as its page is rendered.
/// On 100 000 articles (1.1 GB of bodies) that lowered the peak of the
/// build's heap plus the files it had written from 4.10 to 3.57-3.65 GB
/// (into /dev/shm, twice each): the freed bodies hold what is made after
/// them and, handed back to the system (`main.rs`), the files' page cache.
#[allow(clippy::too_many_arguments)]
pub fn render(
    site: &Site,
    model: &Model,
    data: &Data,
    indicator_html: &[String],
    templates: &Templates,
    edition: &Edition,
    bodies: Option<Vec<String>>,
    emit: &(dyn Fn(OutputFile) -> OutputFile + Sync),
) -> Result<Vec<OutputFile>, Diagnostics> {
    render_jobs(
        site,
        model,
        data,
        indicator_html,
        templates,
        edition,
        None,
        None,
        bodies,
        emit,
    )
}

/// Every page's metadata as list templates see it, each with its `card`.
pub fn page_metas(
    site: &Site,
    model: &Model,
    data: &Data,
    templates: &Templates,
    edition: &Edition,
) -> Result<Vec<Value>, Diagnostics> {
    let tera = edition_tera(site, model, templates, edition)?;
    page_metas_in(&tera, site, model, data, templates, edition.locale)
}

/// One page's metadata with its `card` (after an edit, in `serve`).
pub fn page_meta_with_card(
    site: &Site,
    model: &Model,
    data: &Data,
    templates: &Templates,
    edition: &Edition,
    i: usize,
) -> Result<Value, Diagnostics> {
    let tera = edition_tera(site, model, templates, edition)?;
    let shared = SharedViews::new(site, model, data, [i]);
    let meta = page_meta_value(site, model, data, edition.locale, &shared, i);
    Ok(add_card(&tera, site, model, templates, meta, i)?)
}

fn page_metas_in(
    tera: &Tera,
    site: &Site,
    model: &Model,
    data: &Data,
    templates: &Templates,
    loc: &Locale,
) -> Result<Vec<Value>, Diagnostics> {
    let pages = 0..model.content.pages.len();
    let shared = SharedViews::new(site, model, data, pages.clone());
    let results: Vec<Result<Value, Diagnostic>> = pages
        .into_par_iter()
        .map(|i| {
            let meta = page_meta_value(site, model, data, loc, &shared, i);
            add_card(tera, site, model, templates, meta, i)
        })
        .collect();
    let mut errors = Diagnostics::default();
    let mut metas = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(m) => metas.push(m),
            Err(d) => errors.push(d),
        }
    }
    errors.into_result(metas)
}

/// The metadata view of page `i`: its [`PageMeta`], with the views it
/// shares with other pages put in their places.
fn page_meta_value(
    site: &Site,
    model: &Model,
    data: &Data,
    loc: &Locale,
    shared: &SharedViews,
    i: usize,
) -> Value {
    let p = model.page(i);
    let meta = Value::from_serializable(&page_meta(site, model, data, loc, i));
    let mut map = meta.into_map().unwrap_or_default();
    // Inserting a key the map has keeps its place (and the order of the
    // keys is the order templates and `json_encode` see).
    map.insert("section".into(), shared.sections[p.section].clone());
    let authors: Vec<Value> = p.fm.authors.iter().map(|a| shared.author(a)).collect();
    map.insert("authors".into(), Value::from(authors));
    let taxonomies: BTreeMap<String, Vec<Value>> =
        p.fm.taxonomies
            .iter()
            .map(|(name, terms)| {
                let links = terms.iter().filter_map(|t| shared.term(name, t)).collect();
                (name.clone(), links)
            })
            .collect();
    map.insert("taxonomies".into(), Value::from(taxonomies));
    Value::from_map(map)
}

/// Views that many pages' metadata hold alike, made once: a tera map is
/// shared (reference-counted), so every page that links a term holds the
/// same one. Made again for each page, the term links were 170 MB of the
/// 630 MB of metadata on 100 000 articles (and each term's slug, path and
/// display name were worked out again for every page that names it).
struct SharedViews<'m> {
    /// Each section's link, by index.
    sections: Vec<Value>,
    /// Each (taxonomy, term) the pages name; `None` for a term without a
    /// slug, which gets no link.
    terms: HashMap<(&'m str, &'m str), Option<Value>>,
    authors: HashMap<&'m str, Value>,
}

impl<'m> SharedViews<'m> {
    /// The views the pages `pages` of `model` need.
    fn new(
        site: &Site,
        model: &'m Model,
        data: &Data,
        pages: impl IntoIterator<Item = usize>,
    ) -> Self {
        let sections = model
            .content
            .sections
            .iter()
            .map(|s| {
                Value::from_serializable(&LinkView {
                    name: s.title.clone(),
                    path: site.url(&s.path),
                })
            })
            .collect();
        let mut terms: HashMap<(&str, &str), Option<Value>> = HashMap::new();
        let mut authors: HashMap<&str, Value> = HashMap::new();
        for i in pages {
            let fm = &model.page(i).fm;
            for (name, names) in &fm.taxonomies {
                for t in names {
                    terms
                        .entry((name.as_str(), t.as_str()))
                        .or_insert_with(|| term_link(site, data, name, t));
                }
            }
            for a in &fm.authors {
                authors
                    .entry(a.as_str())
                    .or_insert_with(|| author_link(site, a));
            }
        }
        SharedViews {
            sections,
            terms,
            authors,
        }
    }

    fn term(&self, taxonomy: &str, term: &str) -> Option<Value> {
        self.terms.get(&(taxonomy, term)).cloned().flatten()
    }

    fn author(&self, name: &str) -> Value {
        self.authors[name].clone()
    }
}

/// The link to `term` of `taxonomy` (a locality that is an entity links to
/// its profile); `None` when the term has no slug.
fn term_link(site: &Site, data: &Data, taxonomy: &str, term: &str) -> Option<Value> {
    let slug = text::slugify(term);
    if slug.is_empty() {
        return None;
    }
    let path = match site::locality_entity(data, taxonomy, term) {
        Some(e) => site.url(&format!("{}/{}/", site.config.paths.entities, e.id)),
        _ => site.url(&format!("{taxonomy}/{slug}/")),
    };
    Some(Value::from_serializable(&TermLink {
        name: site::display_term(data, taxonomy, term),
        path,
        slug,
    }))
}

fn author_link(site: &Site, name: &str) -> Value {
    Value::from_serializable(&LinkView {
        name: name.to_string(),
        path: site.url(&format!(
            "{}/{}/",
            site.config.paths.authors,
            text::slugify(name)
        )),
    })
}

/// The theme's card partial, rendered once per page.
const CARD_TEMPLATE: &str = "partials/card.html";

/// A page's metadata with its `card`: `partials/card.html` rendered once,
/// with the page as `p` (plus `config`, `t` and `lang`), for every list
/// that shows it. A page appears in five lists or so (its section, its
/// terms, its month); rendering the partial in each was about 7 % of the
/// build's processor time.
fn add_card(
    tera: &Tera,
    site: &Site,
    model: &Model,
    templates: &Templates,
    meta: Value,
    i: usize,
) -> Result<Value, Diagnostic> {
    if !templates.tera.contains_template(CARD_TEMPLATE) {
        return Ok(meta);
    }
    // A card is the same in every list: it belongs to no page's URL.
    let mut ctx = no_page_context(site);
    ctx.insert_value("p", meta.clone());
    let mut html = Vec::with_capacity(1024);
    let source = &model.page(i).file;
    tera.render_to(CARD_TEMPLATE, &ctx, &mut html)
        .map_err(|e| {
            tera_error(
                &e,
                &templates.files,
                Some(source.strip_prefix(&site.root).unwrap_or(source)),
            )
        })?;
    drop(ctx);
    // Safe: it is the template's output, escaped as the template wrote it.
    let card = Value::safe_string(&String::from_utf8_lossy(&html));
    let mut map = meta.into_map().unwrap_or_default();
    map.insert("card".into(), card);
    Ok(Value::from_map(map))
}

/// What a template rendered for no page in particular (a card, a site
/// partial) gets beside the globals: the edition's language, and no
/// translations (`current_url` stays undefined).
fn no_page_context(site: &Site) -> Context {
    let mut ctx = Context::new();
    ctx.insert_value("lang", Value::from(site.config.language.as_str()));
    ctx.insert_value("translations", Value::from(Vec::<Value>::new()));
    ctx
}

/// The templates for one edition: its config and UI strings in Tera's
/// global context (the same for every page: held once), the helpers that
/// build URLs and numbers for it, and its site partials, rendered once.
fn edition_tera(
    site: &Site,
    model: &Model,
    templates: &Templates,
    edition: &Edition,
) -> Result<Tera, Diagnostics> {
    let mut globals = Context::new();
    globals.insert("config", &config_view(site, model, edition.languages));
    globals.insert("t", &edition.locale.strings);
    let mut tera = templates.tera.clone();
    tera.global_context().extend(globals);
    register_edition_helpers(&mut tera, site, edition.locale, edition.links);
    let partials = site_partials(&tera, site, templates)?;
    tera.global_context()
        .insert_value("site_partials", Value::from(partials));
    Ok(tera)
}

/// The folder of site partials: templates rendered once per edition, with
/// only the variables every page shares, and given to every template as
/// `site_partials.<name>`, already safe.
const SITE_PARTIALS: &str = "partials/site/";

/// Renders the edition's site partials (the masthead and the footer, in the
/// default theme): the same on every page, they were the costliest part of
/// rendering an article page when each page rendered them again.
fn site_partials(
    tera: &Tera,
    site: &Site,
    templates: &Templates,
) -> Result<BTreeMap<String, Value>, Diagnostics> {
    // Like a card, a site partial belongs to no page's URL.
    let ctx = no_page_context(site);
    let mut names: Vec<&String> = templates.files.keys().collect();
    // In name order, so that errors come in the same order every time.
    names.sort();
    let mut partials = BTreeMap::new();
    let mut errors = Diagnostics::default();
    for name in names {
        // The built-in theme's own, when it lives apart under another theme.
        let (rest, key_prefix) = match name.strip_prefix(BUILTIN_PREFIX) {
            Some(rest) => (rest, BUILTIN_SITE_PARTIAL),
            None => (name.as_str(), ""),
        };
        let Some(file) = rest.strip_prefix(SITE_PARTIALS) else {
            continue;
        };
        if file.contains('/') {
            continue;
        }
        let stem = file.split_once('.').map_or(file, |(stem, _)| stem);
        match tera.render(name, &ctx) {
            Ok(html) => {
                // One line break ending the file is dropped (as Jinja does), so
                // that `{{ site_partials.footer }}` can sit inside a line of its own.
                let html = html.strip_suffix('\n').unwrap_or(&html);
                partials.insert(format!("{key_prefix}{stem}"), Value::safe_string(html));
            }
            // Every broken partial is reported, not only the first.
            Err(e) => errors.push(tera_error(&e, &templates.files, None)),
        }
    }
    errors.into_result(partials)
}

/// What a built-in template's `site_partials.` becomes when the built-in
/// theme lives apart, so that it reaches its own site partials.
const BUILTIN_SITE_PARTIAL: &str = "builtin_";

/// Renders only the jobs `keep` accepts, with page views computed earlier
/// ([`page_metas`], cards included); alias redirects are not rendered. For
/// `serve`, which re-renders what an edit affects.
#[allow(clippy::too_many_arguments)]
pub fn render_selected(
    site: &Site,
    model: &Model,
    data: &Data,
    indicator_html: &[String],
    templates: &Templates,
    edition: &Edition,
    metas: Vec<Value>,
    keep: &(dyn Fn(&Job) -> bool + Sync),
) -> Result<Vec<OutputFile>, Diagnostics> {
    render_jobs(
        site,
        model,
        data,
        indicator_html,
        templates,
        edition,
        Some(metas),
        Some(keep),
        None,
        &|f| f,
    )
}

/// Every render job of an edition, in output order.
fn job_list(site: &Site, model: &Model, data: &Data) -> Vec<Job> {
    let mut jobs: Vec<Job> = (0..model.content.pages.len()).map(Job::Page).collect();
    for (s, sec) in model.content.sections.iter().enumerate() {
        let n = site::paginate(model.section_pages[s].len(), sec.fm.paginate_by).len();
        jobs.extend((0..n).map(|pager| Job::Section { section: s, pager }));
    }
    for (t, tax) in model.taxonomies.iter().enumerate() {
        jobs.push(Job::Taxonomy(t));
        for (k, term) in tax.terms.iter().enumerate() {
            let n = site::paginate(term.pages.len(), Some(tax.paginate_by)).len();
            jobs.extend((0..n).map(|pager| Job::Term {
                taxonomy: t,
                term: k,
                pager,
            }));
        }
    }
    for (a, author) in model.authors.iter().enumerate() {
        let n = site::paginate(author.pages.len(), Some(site.config.paginate_by)).len();
        jobs.extend((0..n).map(|pager| Job::Author { author: a, pager }));
    }
    jobs.push(Job::Archive {
        year: None,
        month: None,
    });
    for (y, year) in model.archive.iter().enumerate() {
        jobs.push(Job::Archive {
            year: Some(y),
            month: None,
        });
        jobs.extend((0..year.months.len()).map(|m| Job::Archive {
            year: Some(y),
            month: Some(m),
        }));
    }
    if !data.indicators.is_empty() || !data.entities.is_empty() {
        jobs.push(Job::DataIndex);
    }
    jobs.extend((0..data.indicators.len()).map(Job::Indicator));
    jobs.extend(showcases::model_filter_keys(model, data).into_iter().map(
        |(section, by_field, key)| Job::ModelFilter {
            section,
            by_field,
            key,
        },
    ));
    if !model.authors.is_empty() {
        jobs.push(Job::AuthorIndex);
    }
    jobs.extend((0..data.entities.len()).map(Job::Entity));
    jobs.push(Job::NotFound);
    if site.config.search {
        jobs.push(Job::Search);
    }
    jobs
}

/// The site paths of the HTML pages a job renders (pager redirects aside).
/// Each job's own code names the same paths; `run` checks that in debug builds.
fn job_paths(site: &Site, model: &Model, data: &Data, job: &Job) -> Vec<String> {
    let paths = &site.config.paths;
    let one = match *job {
        Job::Page(i) => model.page(i).path.clone(),
        Job::Section { section, pager } => pager_path(&model.content.sections[section].path, pager),
        Job::Taxonomy(t) => format!("{}/", model.taxonomies[t].name),
        Job::Term {
            taxonomy,
            term,
            pager,
        } => {
            let tax = &model.taxonomies[taxonomy];
            pager_path(&format!("{}/{}/", tax.name, tax.terms[term].slug), pager)
        }
        Job::Author { author, pager } => pager_path(
            &format!("{}/{}/", paths.authors, model.authors[author].slug),
            pager,
        ),
        Job::Archive { year, month } => {
            let root = format!("{}/", paths.archive);
            match (year, month) {
                (Some(y), Some(m)) => format!(
                    "{root}{}/{:02}/",
                    model.archive[y].year, model.archive[y].months[m].month
                ),
                (Some(y), None) => format!("{root}{}/", model.archive[y].year),
                _ => root,
            }
        }
        Job::DataIndex => {
            return vec![
                format!("{}/", paths.indicators),
                format!("{}/", paths.entities),
            ];
        }
        Job::ModelFilter {
            section,
            by_field,
            ref key,
        } => showcases::filter_path(&model.content.sections[section], by_field, key),
        Job::AuthorIndex => format!("{}/", paths.authors),
        Job::Indicator(i) => format!("{}/{}/", paths.indicators, data.indicators[i].id),
        Job::Entity(e) => format!("{}/{}/", paths.entities, data.entities[e].id),
        Job::NotFound => "404.html".into(),
        Job::Search => format!("{}/", paths.search),
    };
    vec![one]
}

#[allow(clippy::too_many_arguments)]
fn render_jobs(
    site: &Site,
    model: &Model,
    data: &Data,
    indicator_html: &[String],
    templates: &Templates,
    edition: &Edition,
    metas: Option<Vec<Value>>,
    keep: Option<&(dyn Fn(&Job) -> bool + Sync)>,
    bodies: Option<Vec<String>>,
    emit: &(dyn Fn(OutputFile) -> OutputFile + Sync),
) -> Result<Vec<OutputFile>, Diagnostics> {
    let loc = edition.locale;
    let lang = site.config.language.as_str();
    let tera = edition_tera(site, model, templates, edition)?;
    let metas = match metas {
        Some(m) => m,
        None => page_metas_in(&tera, site, model, data, templates, loc)?,
    };
    let taxonomies: Vec<TaxonomyView> = model
        .taxonomies
        .iter()
        .map(|t| TaxonomyView {
            name: t.name.clone(),
            title: t.title.clone(),
            path: site.url(&format!("{}/", t.name)),
            terms: t
                .terms
                .iter()
                .map(|term| term_view(site, t, term))
                .collect(),
        })
        .collect();
    let taxonomy_values = taxonomies.iter().map(Value::from_serializable).collect();
    let term_values = taxonomies
        .iter()
        .map(|t| t.terms.iter().map(Value::from_serializable).collect())
        .collect();
    let ctx = Ctx {
        site,
        model,
        data,
        templates,
        metas,
        taxonomies,
        taxonomy_values,
        term_values,
        lang,
        loc,
        indicator_html,
        translations: edition
            .translations
            .iter()
            .map(|(k, v)| (k.clone(), Value::from_serializable(v)))
            .collect(),
        no_translations: Value::from_serializable(&Vec::<Translation>::new()),
        bodies: bodies.map(|b| b.into_iter().map(Mutex::new).collect()),
    };

    let mut jobs = job_list(site, model, data);
    if let Some(keep) = keep {
        jobs.retain(|j| keep(j));
    }
    crate::progress::phase("pages", jobs.len());
    let results: Vec<Result<Vec<OutputFile>, Diagnostic>> = jobs
        .par_iter()
        .map(|job| {
            let r = ctx.run(&tera, job);
            if let Ok(files) = &r {
                debug_assert!(
                    job_paths(site, model, data, job).iter().all(|p| files
                        .iter()
                        .any(|f| f.path == *p || f.path == format!("{p}index.html"))),
                    "job_paths disagrees with the job's own output"
                );
            }
            crate::progress::tick();
            r.map(|files| files.into_iter().map(emit).collect())
        })
        .collect();
    let mut files = Vec::with_capacity(results.len());
    let mut errors = Diagnostics::default();
    for r in results {
        match r {
            Ok(f) => files.extend(f),
            Err(d) => errors.push(d),
        }
    }
    // Pages with aliases get redirect pages at their old URLs.
    for p in model.content.pages.iter().filter(|_| keep.is_none()) {
        for alias in &p.fm.aliases {
            let rel = alias.trim_start_matches('/');
            let out = if rel.ends_with(".html") || rel.ends_with(".htm") {
                rel.to_string()
            } else {
                format!("{}/index.html", rel.trim_end_matches('/'))
            };
            files.push(emit(OutputFile::bytes(
                out,
                redirect_html(&site.url(&p.path), &site.absolute(&p.path), loc),
                &p.file,
            )));
        }
    }
    // Every page's metadata and each term's list, freed by a pool worker
    // while the caller goes on: a serial hundredth of a build otherwise.
    let Ctx {
        metas, term_values, ..
    } = ctx;
    rayon::spawn(move || drop((metas, term_values)));
    errors.into_result(files)
}

/// A small page that sends readers and crawlers from an old URL to the new one.
/// It declares an empty icon: without one, a browser asks for `/favicon.ico`
/// before it follows the refresh, and no site has that file (the theme's icon
/// is `favicon.svg`; under a path prefix `/favicon.ico` is not even the site's).
pub fn redirect_html(to: &str, canonical: &str, loc: &Locale) -> String {
    let lang = text::escape_html(&loc.lang);
    let title = text::escape_html(loc.t("redirect_title"));
    let moved = text::escape_html(loc.t("redirect_text"));
    let to = text::escape_html(to);
    let canonical = text::escape_html(canonical);
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<link rel=\"canonical\" href=\"{canonical}\"><meta name=\"robots\" content=\"noindex\">\
<link rel=\"icon\" href=\"data:,\">\
<meta http-equiv=\"refresh\" content=\"0; url={to}\"></head>\
<body><p>{moved} <a href=\"{to}\">{canonical}</a>.</p></body></html>\n"
    )
}

impl Ctx<'_> {
    fn run(&self, tera: &Tera, job: &Job) -> Result<Vec<OutputFile>, Diagnostic> {
        match *job {
            Job::Page(i) => self.page(tera, i).map(|f| vec![f]),
            Job::Section { section, pager } => self.section(tera, section, pager),
            Job::Taxonomy(t) => {
                let view = &self.taxonomies[t];
                let list = ListPage {
                    taxonomy: Some(self.taxonomy_values[t].clone()),
                    ..self.empty_list()
                };
                let path = format!("{}/", view.name);
                Ok(vec![self.render_page(
                    tera,
                    &["taxonomy_list.html"],
                    &list,
                    &self.site.config_file(),
                    &path,
                )?])
            }
            Job::Term {
                taxonomy,
                term,
                pager,
            } => {
                let tax = &self.model.taxonomies[taxonomy];
                let view = self.term_values[taxonomy][term].clone();
                let base = format!("{}/{}/", tax.name, tax.terms[term].slug);
                let (paginator, mut files) =
                    self.paginate(&tax.terms[term].pages, Some(tax.paginate_by), pager, &base);
                let list = ListPage {
                    taxonomy: Some(self.taxonomy_values[taxonomy].clone()),
                    term: Some(view),
                    paginator: Some(paginator),
                    ..self.empty_list()
                };
                let html = self.render_template(
                    tera,
                    &["taxonomy_single.html"],
                    &list,
                    &self.site.config_file(),
                    &pager_path(&base, pager),
                )?;
                files.push(OutputFile::html_page(
                    &pager_path(&base, pager),
                    html,
                    self.first_source(&tax.terms[term].pages),
                ));
                Ok(files)
            }
            Job::Author { author, pager } => {
                let a = &self.model.authors[author];
                let base = format!("{}/{}/", self.site.config.paths.authors, a.slug);
                let (paginator, mut files) =
                    self.paginate(&a.pages, Some(self.site.config.paginate_by), pager, &base);
                let term = TermView {
                    name: a.name.clone(),
                    slug: a.slug.clone(),
                    path: self.site.url(&base),
                    count: a.pages.len(),
                    feed: None,
                    feed_title: None,
                };
                let tax = TaxonomyView {
                    name: "authors".into(),
                    title: self.loc.t("authors_title").into(),
                    path: self
                        .site
                        .url(&format!("{}/", self.site.config.paths.authors)),
                    terms: Vec::new(),
                };
                let list = ListPage {
                    taxonomy: Some(Value::from_serializable(&tax)),
                    term: Some(Value::from_serializable(&term)),
                    paginator: Some(paginator),
                    ..self.empty_list()
                };
                let html = self.render_template(
                    tera,
                    &["author.html", "taxonomy_single.html"],
                    &list,
                    &self.site.config_file(),
                    &pager_path(&base, pager),
                )?;
                files.push(OutputFile::html_page(
                    &pager_path(&base, pager),
                    html,
                    self.first_source(&a.pages),
                ));
                Ok(files)
            }
            Job::Archive { year, month } => self.archive(tera, year, month),
            Job::DataIndex => self.indicator_index(tera),
            Job::ModelFilter {
                section,
                by_field,
                ref key,
            } => self.model_filter_page(tera, section, by_field, key),
            Job::AuthorIndex => {
                let base = format!("{}/", self.site.config.paths.authors);
                let tax = TaxonomyView {
                    name: "authors".into(),
                    title: self.loc.t("authors_title").into(),
                    path: self.site.url(&base),
                    terms: self
                        .model
                        .authors
                        .iter()
                        .map(|a| TermView {
                            name: a.name.clone(),
                            slug: a.slug.clone(),
                            path: self.site.url(&format!("{base}{}/", a.slug)),
                            count: a.pages.len(),
                            feed: None,
                            feed_title: None,
                        })
                        .collect(),
                };
                let list = ListPage {
                    taxonomy: Some(Value::from_serializable(&tax)),
                    ..self.empty_list()
                };
                Ok(vec![self.render_page(
                    tera,
                    &["authors.html", "taxonomy_list.html"],
                    &list,
                    &self.site.config_file(),
                    &base,
                )?])
            }
            Job::Indicator(i) => self.indicator_page(tera, i),
            Job::Entity(e) => self.entity_page(tera, e),
            Job::Search => {
                let path = format!("{}/", self.site.config.paths.search);
                Ok(vec![self.render_page(
                    tera,
                    &["search.html"],
                    &self.empty_list(),
                    &self.site.config_file(),
                    &path,
                )?])
            }
            Job::NotFound => {
                let html = self.render_template(
                    tera,
                    &["404.html"],
                    &self.empty_list(),
                    &self.site.config_file(),
                    "404.html",
                )?;
                Ok(vec![OutputFile::bytes(
                    "404.html",
                    html,
                    self.site.config_file(),
                )])
            }
        }
    }

    fn empty_list(&self) -> ListPage<'_> {
        ListPage {
            section: None,
            taxonomy: None,
            term: None,
            archive: None,
            paginator: None,
            latest: Vec::new(),
            indicators: Vec::new(),
            models: Vec::new(),
            conferences: Vec::new(),
            filters: None,
            years: Vec::new(),
            lang: self.lang,
        }
    }

    fn first_source(&self, pages: &[usize]) -> PathBuf {
        pages.first().map_or_else(
            || self.site.config_file(),
            |&i| self.model.page(i).file.clone(),
        )
    }

    fn page(&self, tera: &Tera, i: usize) -> Result<OutputFile, Diagnostic> {
        let m = self.model;
        let p = m.page(i);
        let md = &m.page_md[i];
        // Taken, the body is freed with this page's view: see [`render`].
        let owned = self
            .bodies
            .as_ref()
            .map(|b| std::mem::take(&mut *b[i].lock().unwrap_or_else(PoisonError::into_inner)));
        let body = owned.as_deref().unwrap_or(&md.html);
        let (prev, next) = m.neighbours[i];
        let view = PageView {
            meta: &self.metas[i],
            content: body,
            toc: &md.toc,
            previous: prev.map(|j| self.metas[j].clone()),
            next: next.map(|j| self.metas[j].clone()),
            related: m.related[i]
                .iter()
                .map(|&j| self.metas[j].clone())
                .collect(),
            json_ld: self.page_json_ld(i),
            lang: self.lang,
        };
        let section = &m.content.sections[p.section];
        let kind_template = match p.kind {
            PageKind::Article => "page.html",
            PageKind::Conference => "conference.html",
            PageKind::Model => "model.html",
        };
        let mut names: Vec<&str> = Vec::new();
        if let Some(t) = &p.fm.template {
            names.push(t);
        } else if let Some(t) = &section.fm.page_template {
            names.push(t);
        } else {
            names.extend([kind_template, "page.html"]);
        }
        let mut ctx = Context::new();
        ctx.insert_value("page", view.into_value());
        ctx.insert_value("lang", Value::from(self.lang));
        let html = self.render_context(tera, &names, ctx, &p.file, &p.path, body.len())?;
        Ok(OutputFile::html_page(&p.path, html, &p.file))
    }

    fn section_view(&self, s: usize) -> SectionView<'_> {
        let m = self.model;
        let sec = &m.content.sections[s];
        SectionView {
            title: &sec.title,
            description: sec.fm.description.as_deref().unwrap_or_default(),
            content: &m.section_md[s].html,
            path: self.site.url(&sec.path),
            permalink: self.site.absolute(&sec.path),
            kind: sec.fm.page_kind,
            extra: &sec.fm.extra,
            subsections: m.subsections[s]
                .iter()
                .map(|&c| LinkView {
                    name: m.content.sections[c].title.clone(),
                    path: self.site.url(&m.content.sections[c].path),
                })
                .collect(),
            page_count: m.section_pages[s].len(),
            feed: sec
                .fm
                .feed
                .then(|| self.site.url(&format!("{}atom.xml", sec.path))),
            feed_title: sec
                .fm
                .feed
                .then(|| site::section_feed_title(self.site, sec)),
        }
    }

    fn section(&self, tera: &Tera, s: usize, pager: usize) -> Result<Vec<OutputFile>, Diagnostic> {
        let m = self.model;
        let sec = &m.content.sections[s];
        let (paginator, mut files) =
            self.paginate(&m.section_pages[s], sec.fm.paginate_by, pager, &sec.path);
        let is_home = sec.path.is_empty();
        let view = self.section_view(s);
        let newest = |kind: PageKind, n: usize| -> Vec<Value> {
            m.latest
                .iter()
                .filter(|&&i| m.page(i).kind == kind)
                .take(n)
                .map(|&i| self.metas[i].clone())
                .collect()
        };
        let (latest, indicators, models, conferences) = if is_home {
            (
                newest(PageKind::Article, 9),
                self.data
                    .indicators
                    .iter()
                    .map(|i| self.indicator_summary(i))
                    .collect(),
                newest(PageKind::Model, 3),
                newest(PageKind::Conference, 3),
            )
        } else {
            Default::default()
        };
        let chunk = site::paginate(m.section_pages[s].len(), sec.fm.paginate_by)[pager].clone();
        let list = ListPage {
            section: Some(view),
            paginator: Some(paginator),
            latest,
            indicators,
            models,
            conferences,
            filters: (sec.fm.page_kind == PageKind::Model).then(|| self.model_filters(s, None)),
            years: if sec.fm.page_kind == PageKind::Conference {
                self.conference_years(&m.section_pages[s][chunk])
            } else {
                Vec::new()
            },
            ..self.empty_list()
        };
        let mut names: Vec<&str> = Vec::new();
        if let Some(t) = &sec.fm.template {
            names.push(t);
        }
        names.push(if is_home {
            "index.html"
        } else {
            "section.html"
        });
        files.push(self.render_page(
            tera,
            &names,
            &list,
            &sec.file,
            &pager_path(&sec.path, pager),
        )?);
        Ok(files)
    }

    fn archive(
        &self,
        tera: &Tera,
        year: Option<usize>,
        month: Option<usize>,
    ) -> Result<Vec<OutputFile>, Diagnostic> {
        let root = format!("{}/", self.site.config.paths.archive);
        let a = &self.model.archive;
        let (view, pages) = match (year, month) {
            (Some(y), Some(mo)) => {
                let yr = &a[y];
                let mm = &yr.months[mo];
                let path = format!("{root}{}/{:02}/", yr.year, mm.month);
                (
                    ArchiveView {
                        level: "month",
                        year: Some(yr.year),
                        month: Some(mm.month),
                        path,
                        entries: Vec::new(),
                        parent: Some(self.site.url(&format!("{root}{}/", yr.year))),
                    },
                    mm.pages.clone(),
                )
            }
            (Some(y), None) => {
                let yr = &a[y];
                let entries = yr
                    .months
                    .iter()
                    .map(|mm| ArchiveEntry {
                        year: yr.year,
                        month: Some(mm.month),
                        count: mm.pages.len(),
                        path: self
                            .site
                            .url(&format!("{root}{}/{:02}/", yr.year, mm.month)),
                    })
                    .collect();
                (
                    ArchiveView {
                        level: "year",
                        year: Some(yr.year),
                        month: None,
                        path: format!("{root}{}/", yr.year),
                        entries,
                        parent: Some(self.site.url(&root)),
                    },
                    Vec::new(),
                )
            }
            _ => {
                let entries = a
                    .iter()
                    .map(|yr| ArchiveEntry {
                        year: yr.year,
                        month: None,
                        count: yr.count(),
                        path: self.site.url(&format!("{root}{}/", yr.year)),
                    })
                    .collect();
                (
                    ArchiveView {
                        level: "all",
                        year: None,
                        month: None,
                        path: root.clone(),
                        entries,
                        parent: None,
                    },
                    Vec::new(),
                )
            }
        };
        let path = view.path.clone();
        let (paginator, _) = self.paginate(&pages, None, 0, &path);
        let view = ArchiveView {
            path: self.site.url(&path),
            ..view
        };
        let list = ListPage {
            archive: Some(view),
            paginator: Some(paginator),
            ..self.empty_list()
        };
        Ok(vec![self.render_page(
            tera,
            &["archive.html"],
            &list,
            &self.site.config_file(),
            &path,
        )?])
    }

    /// The paginator of pager `index` over `pages`; for the first pager also
    /// a redirect from `page/1/` to the list's own URL.
    fn paginate(
        &self,
        pages: &[usize],
        per_page: Option<usize>,
        index: usize,
        base: &str,
    ) -> (Paginator, Vec<OutputFile>) {
        let chunks = site::paginate(pages.len(), per_page);
        let n = chunks.len();
        let url = |k: usize| self.site.url(&pager_path(base, k));
        let pagers = shown_pagers(n, index)
            .into_iter()
            .map(|(k, gap_before)| PagerLink {
                index: k + 1,
                path: url(k),
                current: k == index,
                gap_before,
            })
            .collect();
        let paginator = Paginator {
            pages: pages[chunks[index].clone()]
                .iter()
                .map(|&i| self.metas[i].clone())
                .collect(),
            current_index: index + 1,
            number_pagers: n,
            total_pages: pages.len(),
            first: url(0),
            last: url(n - 1),
            previous: index.checked_sub(1).map(url),
            next: (index + 1 < n).then(|| url(index + 1)),
            pagers,
        };
        let mut extra = Vec::new();
        if index == 0 && n > 1 {
            extra.push(OutputFile::html_page(
                &format!("{base}page/1/"),
                redirect_html(&self.site.url(base), &self.site.absolute(base), self.loc),
                self.site.config_file(),
            ));
        }
        (paginator, extra)
    }

    /// Renders the page at site path `path` (`tin-tuc/`) into its
    /// `index.html`, with the first of `names` that exists.
    fn render_page<T: Serialize>(
        &self,
        tera: &Tera,
        names: &[&str],
        view: &T,
        source: &Path,
        path: &str,
    ) -> Result<OutputFile, Diagnostic> {
        let html = self.render_template(tera, names, view, source, path)?;
        Ok(OutputFile::html_page(path, html, source))
    }

    /// Renders the first of `names` that exists. The bytes go straight into
    /// the output buffer: no UTF-8 re-validation of every page.
    fn render_template<T: Serialize>(
        &self,
        tera: &Tera,
        names: &[&str],
        view: &T,
        source: &Path,
        path: &str,
    ) -> Result<Vec<u8>, Diagnostic> {
        let ctx = Context::from_serialize(view).map_err(|e| {
            Diagnostic::file(source, format!("cannot build the template context: {e}"))
        })?;
        self.render_context(tera, names, ctx, source, path, 0)
    }

    /// Renders the first of `names` that exists with `ctx` (plus the page's
    /// translations and URL). `body` is the length of the HTML the page
    /// carries, if any: the output buffer is sized for it and the layout, so
    /// that it is not grown (and copied) while the template writes.
    fn render_context(
        &self,
        tera: &Tera,
        names: &[&str],
        mut ctx: Context,
        source: &Path,
        path: &str,
        body: usize,
    ) -> Result<Vec<u8>, Diagnostic> {
        let Some(name) = names
            .iter()
            .find(|n| self.templates.tera.contains_template(n))
        else {
            return Err(Diagnostic::file(
                source,
                format!(
                    "no template {} in the theme or templates/",
                    names.join(" or ")
                ),
            ));
        };
        // The versions of this page in the other editions (for hreflang and
        // the language switcher): every template gets the list, maybe empty.
        ctx.insert_value(
            "translations",
            self.translations
                .get(path)
                .unwrap_or(&self.no_translations)
                .clone(),
        );
        ctx.insert("current_url", &self.site.absolute(path));
        let mut buf = Vec::with_capacity(16 * 1024 + body);
        tera.render_to(name, &ctx, &mut buf).map_err(|e| {
            tera_error(
                &e,
                &self.templates.files,
                Some(source.strip_prefix(&self.site.root).unwrap_or(source)),
            )
        })?;
        Ok(buf)
    }
}

/// The pagers a list of `n` links to from pager `index`: the first, the
/// last, and two on either side of the current one, each with whether a gap
/// (…) comes before it. At most seven whatever `n` (looping over every pager
/// made each list page's cost grow with the length of its list).
fn shown_pagers(n: usize, index: usize) -> Vec<(usize, bool)> {
    let mut shown: Vec<usize> = std::iter::once(0)
        .chain(index.saturating_sub(2)..(index + 3).min(n))
        .chain(std::iter::once(n.saturating_sub(1)))
        .collect();
    shown.dedup();
    let mut last: Option<usize> = None;
    shown
        .into_iter()
        .map(|k| {
            let gap = last.is_some_and(|l| l + 1 != k);
            last = Some(k);
            (k, gap)
        })
        .collect()
}

/// `tin-tuc/` pager 0 → `tin-tuc/`; pager 2 → `tin-tuc/page/3/`.
pub fn pager_path(base: &str, index: usize) -> String {
    if index == 0 {
        base.to_string()
    } else {
        format!("{base}page/{}/", index + 1)
    }
}

fn config_view<'a>(site: &'a Site, model: &Model, languages: &'a [LanguageLink]) -> ConfigView<'a> {
    let c = &site.config;
    let root = model
        .content
        .sections
        .iter()
        .position(|s| s.path.is_empty())
        .unwrap_or(0);
    ConfigView {
        title: &c.title,
        description: &c.description,
        language: &c.language,
        base_url: &site.base_url,
        base_path: &site.base_path,
        extra: &c.extra,
        taxonomies: model
            .taxonomies
            .iter()
            .map(|t| LinkView {
                name: t.title.clone(),
                path: site.url(&format!("{}/", t.name)),
            })
            .collect(),
        nav: model.subsections[root]
            .iter()
            .map(|&s| LinkView {
                name: model.content.sections[s].title.clone(),
                path: site.url(&model.content.sections[s].path),
            })
            .collect(),
        paths: PathsView {
            archive: site.url(&format!("{}/", c.paths.archive)),
            indicators: site.url(&format!("{}/", c.paths.indicators)),
            entities: site.url(&format!("{}/", c.paths.entities)),
            search: site.url(&format!("{}/", c.paths.search)),
            authors: site.url(&format!("{}/", c.paths.authors)),
            feed: site.feed.then(|| site.url("atom.xml")),
        },
        search: c.search,
        languages,
        generator: concat!("minhbach ", env!("CARGO_PKG_VERSION")),
    }
}

fn term_view(site: &Site, taxonomy: &site::Taxonomy, term: &site::Term) -> TermView {
    let path = format!("{}/{}/", taxonomy.name, term.slug);
    TermView {
        name: term.name.clone(),
        slug: term.slug.clone(),
        path: site.url(&path),
        count: term.pages.len(),
        feed: taxonomy.feed.then(|| site.url(&format!("{path}atom.xml"))),
        feed_title: taxonomy
            .feed
            .then(|| site::term_feed_title(site, taxonomy, term)),
    }
}

/// The size of an image given relative to a page (its bundle, or the folder
/// of its source file); none for site paths and remote URLs.
fn local_image_size(p: &content::Page, src: &str) -> Option<(u32, u32)> {
    if src.starts_with('/') || src.contains("://") {
        return None;
    }
    let dir = p
        .bundle_dir
        .clone()
        .or_else(|| p.file.parent().map(Path::to_path_buf))?;
    crate::media::image_size(&dir.join(src))
}

/// Resolves an image reference of a page to a URL.
pub fn asset_url(site: &Site, page_path: &str, src: &str) -> String {
    if src.starts_with("http://") || src.starts_with("https://") {
        src.to_string()
    } else if let Some(abs) = src.strip_prefix('/') {
        site.url(abs)
    } else {
        site.url(&format!("{page_path}{src}"))
    }
}

fn page_meta<'a>(
    site: &Site,
    model: &'a Model,
    data: &Data,
    loc: &Locale,
    i: usize,
) -> PageMeta<'a> {
    let p = model.page(i);
    let md = &model.page_md[i];
    let section = &model.content.sections[p.section];
    let image = p.fm.image.as_ref().map(|img: &'a Image| {
        let src = asset_url(site, &p.files_path, &img.src);
        let size = local_image_size(p, &img.src);
        ImageView {
            absolute: site.absolute_url(&src),
            src,
            width: size.map(|s| s.0),
            height: size.map(|s| s.1),
            caption: img.caption.as_deref(),
            credit: img.credit.as_deref(),
            alt: img
                .alt
                .as_deref()
                .or(img.caption.as_deref())
                .unwrap_or(&p.fm.title),
        }
    });
    let conference = p.fm.conference.as_ref().and_then(|c| {
        let starts = content::to_datetime(&c.starts).ok()?;
        let ends = c
            .ends
            .as_ref()
            .and_then(|e| content::to_datetime(e).ok())
            .unwrap_or(starts);
        Some(ConferenceView {
            dates: loc.date_range(&starts, &ends),
            starts: DateView::new(&starts, loc),
            ends: DateView::new(&ends, loc),
            venue: &c.venue,
            organisers: &c.organisers,
            chairs: &c.chairs,
            participants: c.participants,
            conclusions: &c.conclusions,
            recommendations: &c.recommendations,
            documents: &c.documents,
        })
    });
    let model_view = p.fm.model.as_ref().map(|mt: &'a ModelTable| {
        let chain = data.ancestors(&mt.locality);
        let link = |e: &crate::data::Entity| LinkView {
            name: e.name.clone(),
            path: site.url(&format!("{}/{}/", site.config.paths.entities, e.id)),
        };
        let field_slug = text::slugify(&mt.field);
        ModelView {
            locality: chain.first().map_or_else(
                || LinkView {
                    name: mt.locality.clone(),
                    path: String::new(),
                },
                |e| link(e),
            ),
            // The country is implied; a locality reads "Tuyên Hóa, Quảng Bình".
            locality_parents: chain
                .iter()
                .skip(1)
                .filter(|e| e.kind != crate::data::EntityKind::Country)
                .map(|e| link(e))
                .collect(),
            locality_ids: chain.iter().map(|e| e.id.clone()).collect(),
            field: TermLink {
                name: mt.field.clone(),
                path: site.url(&format!(
                    "{}{}/{field_slug}/",
                    section.path,
                    showcases::BY_FIELD
                )),
                slug: field_slug,
            },
            status: mt.status,
            results: mt
                .results
                .iter()
                .map(|r| ResultView {
                    label: &r.label,
                    value: loc.number(r.value),
                    unit: r.unit.as_deref(),
                })
                .collect(),
            agency: &mt.agency,
            started: mt.started,
            replicated_in: mt.replicated_in,
            replicable_units: mt.replicable_units,
        }
    });
    PageMeta {
        title: &p.fm.title,
        description: p
            .fm
            .description
            .clone()
            .unwrap_or_else(|| md.summary_text.clone()),
        summary: &md.summary_html,
        path: site.url(&p.path),
        permalink: site.absolute(&p.path),
        slug: &p.slug,
        kind: p.kind,
        section: (),
        date: p.date.as_ref().map(|d| DateView::new(d, loc)),
        updated: p.updated.as_ref().map(|d| DateView::new(d, loc)),
        authors: (),
        source: p.fm.source.as_ref(),
        image,
        taxonomies: (),
        reading_time: text::reading_minutes(md.word_count),
        word_count: md.word_count,
        weight: p.fm.weight,
        draft: p.fm.draft,
        extra: &p.fm.extra,
        conference,
        model: model_view,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tera's maps must keep insertion order (front matter's and the
    /// configuration's order in templates, the same output every build) and
    /// hash with foldhash: the patched Tera of vendor/tera (PATCH.md).
    #[test]
    fn template_maps_keep_their_order_and_do_not_hash_with_siphash() {
        let map = std::any::type_name::<tera::value::Map>();
        assert!(
            map.contains("IndexMap") && map.contains("foldhash"),
            "{map}"
        );
        let mut tera = Tera::default();
        tera.add_raw_template("t", "{% for k, v in m %}{{ k }}={{ v }};{% endfor %}")
            .unwrap();
        let keys = ["zeta", "alpha", "mu", "beta", "omega", "gamma", "delta"];
        let keys: Vec<String> = (0..4)
            .flat_map(|i| keys.map(|k| format!("{k}{i}")))
            .collect();
        let m: tera::value::Map = (keys.iter().cloned().zip(0i64..))
            .map(|(k, v)| (tera::value::Key::from(k), Value::from(v)))
            .collect();
        let expected: String = (keys.iter().zip(0..))
            .map(|(k, v)| format!("{k}={v};"))
            .collect();
        // `from_map` (the patch's other change) wraps the map as it is:
        // the same order, and its keys found by name (past 12 keys Tera
        // looks them up through the hash index rather than scanning).
        let wrapped = Value::from_map(m.clone());
        for value in [Value::from(m), wrapped] {
            let mut ctx = Context::new();
            ctx.insert_value("m", value);
            assert_eq!(tera.render("t", &ctx).unwrap(), expected);
            let out = Tera::one_off("{{ m.omega3 }}/{{ m.zeta0 }}", &ctx, false).unwrap();
            assert_eq!(out, "25/0");
        }
    }

    #[test]
    fn pagers_shown_are_the_ends_and_the_current_ones_neighbours() {
        assert_eq!(shown_pagers(1, 0), [(0, false)]);
        assert_eq!(
            shown_pagers(4, 0),
            [(0, false), (1, false), (2, false), (3, false)]
        );
        assert_eq!(
            shown_pagers(5000, 2500),
            [
                (0, false),
                (2498, true),
                (2499, false),
                (2500, false),
                (2501, false),
                (2502, false),
                (4999, true)
            ]
        );
        assert_eq!(
            shown_pagers(10, 9),
            [(0, false), (7, true), (8, false), (9, false)]
        );
    }

    #[test]
    fn pager_paths() {
        assert_eq!(pager_path("tin-tuc/", 0), "tin-tuc/");
        assert_eq!(pager_path("tin-tuc/", 2), "tin-tuc/page/3/");
    }

    #[test]
    fn redirect_pages_declare_an_icon_so_browsers_do_not_ask_for_favicon_ico() {
        let h = redirect_html("/a/", "https://x.vn/a/", &crate::i18n::builtin("vi"));
        assert!(h.contains("<link rel=\"icon\" href=\"data:,\">"), "{h}");
    }

    #[test]
    fn redirects_escape_their_targets() {
        let h = redirect_html("/a\"b/", "https://x.vn/a\"b/", &crate::i18n::builtin("vi"));
        assert!(h.contains("url=/a&quot;b/"));
        assert!(!h.contains("a\"b"));
    }
}

#[cfg(test)]
mod meta_tests {
    use super::*;

    /// Every page's metadata for a small site, made for all pages at once
    /// (as a build makes it) and one page at a time (as `serve` does).
    fn metas_of(files: &[(&str, &str)]) -> (Vec<Value>, Vec<Value>) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (rel, text) in files {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let g = crate::generate(&crate::Options {
            root: root.to_path_buf(),
            now: Some(chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00+07:00").unwrap()),
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("{e:?}"));
        let stages = g.stages;
        let templates = load_templates(&g.site, &stages.locale).unwrap();
        let links = content::link_targets(&g.site, &stages.model.content);
        let edition = Edition {
            locale: &stages.locale,
            languages: &[],
            translations: HashMap::new(),
            links: &links,
        };
        let all = page_metas(&g.site, &stages.model, &stages.data, &templates, &edition).unwrap();
        // One at a time, as `serve` makes a page's after an edit.
        let one = (0..all.len())
            .map(|i| {
                page_meta_with_card(
                    &g.site,
                    &stages.model,
                    &stages.data,
                    &templates,
                    &edition,
                    i,
                )
                .unwrap()
            })
            .collect();
        (all, one)
    }

    fn get<'v>(v: &'v Value, key: &str) -> &'v Value {
        let map = v.as_map().unwrap();
        map.iter()
            .find(|(k, _)| k.to_string() == key)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no `{key}` in {v:?}"))
    }

    #[test]
    fn pages_share_their_term_section_and_author_links() {
        let page = |title: &str| {
            format!(
                "+++\ntitle = \"{title}\"\ndate = 2025-01-01\nauthors = [\"Lê Văn A\"]\n[taxonomies]\ntags = [\"Dân vận khéo\", \"PAR INDEX\"]\n+++\nNội dung.\n"
            )
        };
        let (all, one) = metas_of(&[
            (
                "site-config.toml",
                "title = \"Thử\"\nbase_url = \"https://x.gov.vn/\"\n[[taxonomies]]\nname = \"tags\"\n",
            ),
            ("content/_index.md", "+++\ntitle = \"Trang chủ\"\n+++\n"),
            (
                "content/tin-tuc/_index.md",
                "+++\ntitle = \"Tin tức\"\n+++\n",
            ),
            ("content/tin-tuc/a.md", &page("A")),
            ("content/tin-tuc/b.md", &page("B")),
        ]);
        assert_eq!(all.len(), 2);
        let map = |v: &Value| v.as_map().unwrap() as *const tera::Map;
        let first_tag = |m: &Value| {
            get(m, "taxonomies")
                .as_map()
                .unwrap()
                .values()
                .next()
                .unwrap()
                .as_array()
                .unwrap()[0]
                .clone()
        };
        // The same map, not an equal copy: shared, it is held once.
        assert!(std::ptr::eq(
            map(&first_tag(&all[0])),
            map(&first_tag(&all[1]))
        ));
        assert!(std::ptr::eq(
            map(get(&all[0], "section")),
            map(get(&all[1], "section"))
        ));
        let author = |m: &Value| get(m, "authors").as_array().unwrap()[0].clone();
        assert!(std::ptr::eq(map(&author(&all[0])), map(&author(&all[1]))));
        assert_eq!(
            get(&first_tag(&all[0]), "name").as_str(),
            Some("Dân vận khéo")
        );
        assert_eq!(
            get(&first_tag(&all[0]), "path").as_str(),
            Some("/tags/dan-van-kheo/")
        );
        assert_eq!(
            get(get(&all[0], "section"), "path").as_str(),
            Some("/tin-tuc/")
        );
        assert_eq!(get(&author(&all[1]), "name").as_str(), Some("Lê Văn A"));
        // The shared views keep their places among the keys (the order
        // `json_encode` writes), and a page's metadata made alone is the same.
        let keys: Vec<String> = all[0]
            .as_map()
            .unwrap()
            .keys()
            .map(|k| k.to_string())
            .collect();
        let at = |k: &str| keys.iter().position(|x| x == k).unwrap();
        assert_eq!(at("section"), at("kind") + 1);
        assert_eq!(at("authors"), at("updated") + 1);
        assert_eq!(at("taxonomies"), at("image") + 1);
        assert_eq!(all, one);
    }
}
