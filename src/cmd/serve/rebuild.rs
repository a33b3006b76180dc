//! Rebuilding while serving. The config, data, templates, themes, and any
//! file added or removed, trigger a full run of the pipeline. An edited page
//! is rebuilt on its own: the file is re-read and its Markdown and page
//! re-rendered from the stages kept in memory, the tab reloads, and then the
//! pages that list it (neighbours, related pages, section, term, author,
//! archive and entity pages, feeds, sitemap) are re-rendered if what lists
//! show of it changed. Files are served from memory; nothing is written.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tera::Value;

use super::http::{Served, Shared, url_of};
use crate::config::Site;
use crate::content::{self, Page, SortBy};
use crate::data::Data;
use crate::diag::{Diagnostic, Diagnostics};
use crate::i18n::Locale;
use crate::markdown::{self, Rendered};
use crate::output::{Body, OutputFile};
use crate::render::{self, Job, Templates};
use crate::site::Model;
use crate::{Options, feeds, generate, progress, shortcodes, text};

/// How many changed paths a reload event names before it says "everything".
const MAX_NAMED: usize = 500;

/// The stages of the last good full build, kept to rebuild single pages.
struct Warm {
    site: Site,
    model: Model,
    data: Data,
    indicator_html: Vec<String>,
    locale: crate::i18n::Locale,
    templates: Templates,
    metas: Vec<Value>,
    urls: HashMap<String, String>,
    page_by_file: HashMap<PathBuf, usize>,
    page_by_rel: HashMap<String, usize>,
    /// Files served straight from disk: an edit to one needs no rebuild.
    copied: HashSet<PathBuf>,
}

/// What one change to the sources asks for.
#[derive(Debug, PartialEq, Eq)]
enum Change {
    /// Nothing the site is built from.
    Ignore,
    /// A page that is already part of the site was edited.
    Page(PathBuf),
    /// A file served as it is was edited: tabs reload, nothing is rebuilt.
    Copied,
    Full,
}

/// What happened to an edited page.
enum PageOutcome {
    /// Rebuilt; the pages listing it need a look if its view changed.
    Done {
        meta_changed: bool,
        /// Its `updated` date changed (the sitemap shows it).
        updated_changed: bool,
    },
    /// Its place in the site changed (URL, date, terms…): rebuild everything.
    NeedsFull,
    Failed(Diagnostics),
}

pub struct Builder {
    opts: Options,
    addr: SocketAddr,
    shared: Arc<Shared>,
    warm: Option<Warm>,
    /// The first full build has not yet succeeded, or the last one failed.
    broken: bool,
    pub quiet: bool,
}

impl Builder {
    pub fn new(opts: Options, addr: SocketAddr, shared: Arc<Shared>) -> Self {
        Builder {
            opts,
            addr,
            shared,
            warm: None,
            broken: true,
            quiet: false,
        }
    }

    fn say(&self, msg: std::fmt::Arguments) {
        if !self.quiet {
            eprintln!("{msg}");
        }
    }

    fn report_errors(&self, errors: &Diagnostics) {
        let text = errors.to_string();
        eprint!("{text}");
        eprintln!(
            "{} error{}; still serving the last good build.",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        self.shared.hub.error(&text);
    }

    /// Runs the whole pipeline; on success its output replaces what is served.
    /// Returns the number of pages, or the errors.
    pub fn full(&mut self) -> Result<usize, Diagnostics> {
        let start = Instant::now();
        let mut opts = self.opts.clone();
        // Keep the configured path prefix (`/portal/`) so links work as published.
        let prefix = crate::config::load(&opts.root, None)
            .map(|s| s.base_path)
            .unwrap_or_else(|_| "/".into());
        opts.base_url = Some(format!("http://{}{prefix}", self.addr));
        let result = catch_unwind(AssertUnwindSafe(|| generate(&opts)));
        progress::clear();
        let generated = match result {
            Ok(Ok(g)) => g,
            Ok(Err(errors)) => {
                self.broken = true;
                self.report_errors(&errors);
                return Err(errors);
            }
            Err(_) => {
                self.broken = true;
                let errors = Diagnostics::from(Diagnostic::file(
                    &opts.root,
                    "internal error while building (a bug in minhbach; the message is above)",
                ));
                self.report_errors(&errors);
                return Err(errors);
            }
        };
        let pages = generated.page_count;
        let mut copied = HashSet::new();
        let files: HashMap<String, Served> = generated
            .files
            .into_iter()
            .map(|f| {
                if let Body::Copy(p) = &f.body {
                    copied.insert(p.clone());
                }
                let served = Served::from(f.body);
                (f.path, served)
            })
            .collect();
        let count = files.len();
        let base_path = generated.site.base_path.clone();
        let changed = {
            let mut site = match self.shared.site.write() {
                Ok(s) => s,
                Err(p) => p.into_inner(),
            };
            let mut changed: Vec<String> = files
                .iter()
                .filter(|(k, v)| site.files.get(*k).is_none_or(|old| !old.same_as(v)))
                .map(|(k, _)| k.clone())
                .collect();
            changed.extend(
                site.files
                    .keys()
                    .filter(|k| !files.contains_key(*k))
                    .cloned(),
            );
            let old = std::mem::replace(&mut site.files, files);
            let base_changed = site.base_path != base_path;
            site.base_path = base_path.clone();
            drop(site);
            drop(old);
            if base_changed {
                vec!["*".to_string()]
            } else {
                changed
            }
        };
        let was_broken = self.broken;
        self.broken = false;
        self.shared.hub.ok();
        self.notify(&base_path, changed.clone(), was_broken);
        self.say(format_args!(
            "Built {pages} pages ({count} files, {} changed) in {}",
            changed.len(),
            ms(start.elapsed())
        ));
        let warm_start = Instant::now();
        self.warm = catch_unwind(AssertUnwindSafe(|| {
            Warm::new(generated.site, generated.stages, copied)
        }))
        .ok()
        .flatten();
        progress::clear();
        if std::env::var_os("MINHBACH_TIMINGS").is_some() {
            eprintln!(
                "  kept the stages for page edits in {}",
                ms(warm_start.elapsed())
            );
        }
        Ok(pages)
    }

    fn notify(&self, base_path: &str, mut changed: Vec<String>, everything: bool) {
        if everything || changed.len() > MAX_NAMED || changed.iter().any(|c| c == "*") {
            self.shared.hub.reload(&["*".to_string()]);
            return;
        }
        changed.sort();
        let urls: Vec<String> = changed.iter().map(|p| url_of(base_path, p)).collect();
        if !urls.is_empty() {
            self.shared.hub.reload(&urls);
        }
    }

    /// Sorts the changed source files into what they ask for.
    fn classify(&self, path: &Path) -> Change {
        let root = &self.opts.root;
        let Ok(rel) = path.strip_prefix(root) else {
            return Change::Ignore;
        };
        if ignored_name(rel) {
            return Change::Ignore;
        }
        let top = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let exists = path.exists();
        let warm = self.warm.as_ref().filter(|_| !self.broken);
        match top.as_str() {
            "site-config.toml" => Change::Full,
            "data" | "templates" | "themes" => Change::Full,
            "static" | "content" => {
                let Some(warm) = warm else {
                    return Change::Full;
                };
                if let Some(&i) = warm.page_by_file.get(path) {
                    let _ = i;
                    return if exists {
                        Change::Page(path.to_path_buf())
                    } else {
                        Change::Full
                    };
                }
                if warm.copied.contains(path) {
                    return if exists { Change::Copied } else { Change::Full };
                }
                if exists && path.is_dir() {
                    // A folder's own event; its files report themselves.
                    return Change::Ignore;
                }
                // A new file, a section's _index.md, or something removed
                // that the site never used (an editor's temporary file).
                if exists || rel.file_name().is_some_and(|n| n == "_index.md") {
                    Change::Full
                } else {
                    Change::Ignore
                }
            }
            _ => Change::Ignore,
        }
    }

    /// Handles one batch of changed paths.
    pub fn changed(&mut self, paths: &[PathBuf]) {
        let mut full = false;
        let mut pages: Vec<PathBuf> = Vec::new();
        let mut copied = false;
        let debug = std::env::var_os("MINHBACH_DEBUG_WATCH").is_some();
        for p in paths {
            let change = self.classify(p);
            if debug {
                eprintln!("  changed: {} → {change:?}", p.display());
            }
            match change {
                Change::Ignore => {}
                Change::Full => full = true,
                Change::Copied => copied = true,
                Change::Page(f) => {
                    if !pages.contains(&f) {
                        pages.push(f)
                    }
                }
            }
        }
        if !full {
            for f in &pages {
                match self.page_edit(f) {
                    Ok(true) => {}
                    Ok(false) => {
                        full = true;
                        break;
                    }
                    Err(errors) => {
                        self.report_errors(&errors);
                        return;
                    }
                }
            }
        }
        if full {
            let _ = self.full();
        } else if copied {
            self.shared.hub.reload(&["*".to_string()]);
            self.say(format_args!("A static file changed: reloading"));
        }
    }

    /// Rebuilds one edited page. `Ok(false)`: rebuild everything instead.
    fn page_edit(&mut self, file: &Path) -> Result<bool, Diagnostics> {
        let start = Instant::now();
        let Some(mut warm) = self.warm.take() else {
            return Ok(false);
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            warm.edit(file, &self.opts, &self.shared)
        }));
        let outcome = match result {
            Ok(o) => o,
            Err(_) => {
                // The kept stages may be half-updated: start again from scratch.
                progress::clear();
                return Ok(false);
            }
        };
        progress::clear();
        let i = warm.page_by_file.get(file).copied();
        let rel = file
            .strip_prefix(&self.opts.root)
            .unwrap_or(file)
            .display()
            .to_string();
        match outcome {
            PageOutcome::NeedsFull => Ok(false),
            PageOutcome::Failed(errors) => {
                self.warm = Some(warm);
                Err(Diagnostics(
                    errors
                        .0
                        .into_iter()
                        .map(|d| d.relative_to(&self.opts.root))
                        .collect(),
                ))
            }
            PageOutcome::Done {
                meta_changed,
                updated_changed,
            } => {
                let first = start.elapsed();
                self.shared.hub.ok();
                let listed = if meta_changed && let Some(i) = i {
                    let t = Instant::now();
                    let n = catch_unwind(AssertUnwindSafe(|| {
                        warm.refresh_lists(i, updated_changed, &self.shared)
                    }));
                    progress::clear();
                    match n {
                        Ok(n) => Some((n, t.elapsed())),
                        Err(_) => return Ok(false),
                    }
                } else {
                    None
                };
                self.warm = Some(warm);
                match listed {
                    Some((n, d)) => self.say(format_args!(
                        "Rebuilt {rel} in {}; then {n} more outputs that show it in {}",
                        ms(first),
                        ms(d)
                    )),
                    None => self.say(format_args!("Rebuilt {rel} in {}", ms(first))),
                }
                Ok(true)
            }
        }
    }
}

fn ms(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// Editors' temporary and backup files, and hidden files, which the site
/// ignores too.
pub fn ignored_name(rel: &Path) -> bool {
    rel.components().any(|c| {
        let n = c.as_os_str().to_string_lossy();
        n.starts_with('.')
            || n.ends_with('~')
            || n.ends_with(".swp")
            || n.ends_with(".swx")
            || n.ends_with(".tmp")
            || n.ends_with("___")
            || n == "4913"
    })
}

/// Whether a page's new front matter moves it in the site's lists, so that
/// more than its own view changes.
fn moves_in_lists(old: &Page, new: &Page, sort_by: SortBy) -> bool {
    old.path != new.path
        || old.section != new.section
        || old.kind != new.kind
        || old.date != new.date
        || old.fm.weight != new.fm.weight
        || old.fm.draft != new.fm.draft
        || old.fm.taxonomies != new.fm.taxonomies
        || old.fm.authors != new.fm.authors
        || old.fm.aliases != new.fm.aliases
        || old.fm.template != new.fm.template
        || format!("{:?}", old.fm.model) != format!("{:?}", new.fm.model)
        || (sort_by == SortBy::Title && old.fm.title != new.fm.title)
}

/// The one edition a warm site has (several are rebuilt in full).
fn edition<'a>(locale: &'a Locale, links: &'a HashMap<String, String>) -> render::Edition<'a> {
    render::Edition {
        locale,
        languages: &[],
        translations: HashMap::new(),
        links,
    }
}

impl Warm {
    fn new(site: Site, stages: crate::Stages, copied: HashSet<PathBuf>) -> Option<Self> {
        // Editions link to each other: an edit in one may change another,
        // so a site with several is rebuilt in full.
        if stages.editions > 1 {
            return None;
        }
        let templates = render::load_templates(&site, &stages.locale).ok()?;
        let model = stages.model;
        let urls = content::link_targets(&site, &model.content);
        // A card that does not render falls back to a full build, which reports it.
        let metas = render::page_metas(
            &site,
            &model,
            &stages.data,
            &templates,
            &edition(&stages.locale, &urls),
        )
        .ok()?;
        let mut page_by_file = HashMap::new();
        let mut page_by_rel = HashMap::new();
        for (i, p) in model.content.pages.iter().enumerate() {
            page_by_file.insert(p.file.clone(), i);
            page_by_rel.insert(text::nfc(&p.rel), i);
        }
        Some(Warm {
            site,
            model,
            data: stages.data,
            indicator_html: stages.indicator_html,
            locale: stages.locale,
            templates,
            metas,
            urls,
            page_by_file,
            page_by_rel,
            copied,
        })
    }

    fn render(&self, keep: &(dyn Fn(&Job) -> bool + Sync)) -> Result<Vec<OutputFile>, Diagnostics> {
        render::render_selected(
            &self.site,
            &self.model,
            &self.data,
            &self.indicator_html,
            &self.templates,
            &edition(&self.locale, &self.urls),
            self.metas.clone(),
            keep,
        )
    }

    /// Re-reads, re-renders and serves one page.
    fn edit(&mut self, file: &Path, opts: &Options, shared: &Shared) -> PageOutcome {
        let Some(&i) = self.page_by_file.get(file) else {
            return PageOutcome::NeedsFull;
        };
        let (page, errors) =
            content::load_page_file(&self.site, file, &self.model.content.sections);
        if !errors.is_empty() {
            return PageOutcome::Failed(errors);
        }
        let Some(page) = page else {
            return PageOutcome::NeedsFull;
        };
        let now = opts
            .now
            .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
        let shown = opts.drafts || (!page.fm.draft && page.date.is_none_or(|d| d <= now));
        let sort_by = self.model.content.sections[page.section].fm.sort_by;
        if !shown || moves_in_lists(self.model.page(i), &page, sort_by) {
            return PageOutcome::NeedsFull;
        }
        let md = {
            let files_dir = page.bundle_dir.clone().unwrap_or_else(|| {
                file.parent()
                    .map_or_else(|| self.site.root.join("content"), Path::to_path_buf)
            });
            let host = shortcodes::PageHost {
                site: &self.site,
                data: &self.data,
                urls: &self.urls,
                files_path: &page.files_path,
                files_dir,
                locale: &self.locale,
            };
            match markdown::render(&page.body, page.body_line, &host) {
                Ok(md) => md,
                Err(errs) => {
                    return PageOutcome::Failed(Diagnostics(
                        errs.into_iter()
                            .map(|(l, m)| Diagnostic::at(file, l, m))
                            .collect(),
                    ));
                }
            }
        };
        let anchor_errors = self.check_anchors(i, &page, &md);
        if !anchor_errors.is_empty() {
            return PageOutcome::Failed(anchor_errors);
        }
        let updated_changed = self.model.page(i).updated != page.updated;
        // Swap the page in, render it, and put the old one back on failure.
        let old_page = std::mem::replace(&mut self.model.content.pages[i], page);
        let old_md = std::mem::replace(&mut self.model.page_md[i], md);
        let new_meta = render::page_meta_with_card(
            &self.site,
            &self.model,
            &self.data,
            &self.templates,
            &edition(&self.locale, &self.urls),
            i,
        );
        let old_meta = self.metas[i].clone();
        let rendered = new_meta.and_then(|meta| {
            self.metas[i] = meta;
            self.render(&|j: &Job| matches!(j, Job::Page(k) if *k == i))
        });
        let files = match rendered {
            Ok(f) => f,
            Err(errors) => {
                self.model.content.pages[i] = old_page;
                self.model.page_md[i] = old_md;
                self.metas[i] = old_meta;
                return PageOutcome::Failed(errors);
            }
        };
        let changed = publish(shared, files);
        shared.hub.ok();
        if !changed.is_empty() {
            let base = &self.site.base_path;
            shared
                .hub
                .reload(&changed.iter().map(|p| url_of(base, p)).collect::<Vec<_>>());
        }
        let meta_changed = self.metas[i] != old_meta;
        PageOutcome::Done {
            meta_changed,
            updated_changed,
        }
    }

    /// `@/…#anchor` links from the page, and to it from every other page.
    fn check_anchors(&self, i: usize, page: &Page, md: &Rendered) -> Diagnostics {
        let mut errors = Diagnostics::default();
        let anchors_of = |target: &str| -> Option<&[String]> {
            let key = text::nfc(target);
            if key == text::nfc(&page.rel) {
                return Some(&md.anchors);
            }
            if let Some(&j) = self.page_by_rel.get(&key) {
                return Some(&self.model.page_md[j].anchors);
            }
            self.model
                .content
                .sections
                .iter()
                .position(|s| text::nfc(&s.rel()) == key)
                .map(|s| self.model.section_md[s].anchors.as_slice())
        };
        let message = |target: &str, a: &str| {
            format!(
                "internal link to @/{target}#{a}: that page has no heading or anchor with id {a:?}"
            )
        };
        for link in &md.links {
            if let (Some(a), Some(ids)) = (&link.anchor, anchors_of(&link.target))
                && !ids.contains(a)
            {
                errors.push(Diagnostic::at(
                    &page.file,
                    link.line,
                    message(&link.target, a),
                ));
            }
        }
        let me = text::nfc(&page.rel);
        let others = self
            .model
            .content
            .pages
            .iter()
            .map(|p| &p.file)
            .zip(&self.model.page_md)
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, x)| x)
            .chain(
                self.model
                    .content
                    .sections
                    .iter()
                    .map(|s| &s.file)
                    .zip(&self.model.section_md),
            );
        for (file, other) in others {
            for link in &other.links {
                if let Some(a) = &link.anchor
                    && text::nfc(&link.target) == me
                    && !md.anchors.contains(a)
                {
                    errors.push(Diagnostic::at(file, link.line, message(&link.target, a)));
                }
            }
        }
        errors
    }

    /// Whether page `i` is among the entries of a feed (the site's, its
    /// section's or one of its terms').
    fn in_a_feed(&self, i: usize) -> bool {
        let m = &self.model;
        let page = m.page(i);
        let limit = self.site.config.feed_limit;
        if page.date.is_none() {
            return true; // undated pages sort last; too rare to work out
        }
        let section = page.section;
        m.latest.iter().take(limit).any(|&k| k == i)
            || m.latest
                .iter()
                .filter(|&&k| m.page(k).section == section)
                .take(limit)
                .any(|&k| k == i)
            || m.taxonomies.iter().filter(|t| t.feed).any(|t| {
                t.terms
                    .iter()
                    .any(|term| term.pages.iter().take(limit).any(|&k| k == i))
            })
    }

    /// Re-renders what shows page `i` in a list, and the feeds and sitemap.
    /// Returns how many outputs changed.
    fn refresh_lists(&mut self, i: usize, updated_changed: bool, shared: &Shared) -> usize {
        let m = &self.model;
        let page = m.page(i);
        let mut pages: HashSet<usize> = HashSet::new();
        let (prev, next) = m.neighbours[i];
        pages.extend(prev);
        pages.extend(next);
        for (j, rel) in m.related.iter().enumerate() {
            if rel.contains(&i) {
                pages.insert(j);
            }
        }
        let pager_of = |list: &[usize], per: Option<usize>| -> Option<usize> {
            let pos = list.iter().position(|&k| k == i)?;
            Some(per.filter(|&n| n > 0).map_or(0, |n| pos / n))
        };
        let mut sections: HashSet<(usize, usize)> = HashSet::new();
        if let Some(p) = pager_of(
            &m.section_pages[page.section],
            m.content.sections[page.section].fm.paginate_by,
        ) {
            sections.insert((page.section, p));
        }
        // The home page shows the newest pages of every section.
        if let Some(home) = m.content.sections.iter().position(|s| s.path.is_empty()) {
            sections.insert((home, 0));
        }
        let mut terms: HashSet<(usize, usize, usize)> = HashSet::new();
        for (t, tax) in m.taxonomies.iter().enumerate() {
            for (k, term) in tax.terms.iter().enumerate() {
                if let Some(p) = pager_of(&term.pages, Some(tax.paginate_by)) {
                    terms.insert((t, k, p));
                }
            }
        }
        let mut authors: HashSet<(usize, usize)> = HashSet::new();
        for (a, author) in m.authors.iter().enumerate() {
            if let Some(p) = pager_of(&author.pages, Some(self.site.config.paginate_by)) {
                authors.insert((a, p));
            }
        }
        let mut months: HashSet<(usize, usize)> = HashSet::new();
        for (y, year) in m.archive.iter().enumerate() {
            for (mo, month) in year.months.iter().enumerate() {
                if month.pages.contains(&i) {
                    months.insert((y, mo));
                }
            }
        }
        // Entity profiles list the articles of their locality and the models
        // of the places below them.
        let mut places: HashSet<&str> = HashSet::new();
        for terms in page.fm.taxonomies.values() {
            places.extend(terms.iter().map(|t| t.trim()));
        }
        let model_places: Vec<String> = page.fm.model.as_ref().map_or_else(Vec::new, |mt| {
            self.data
                .ancestors(&mt.locality)
                .iter()
                .map(|e| e.id.clone())
                .collect()
        });
        places.extend(model_places.iter().map(String::as_str));
        let entities: HashSet<usize> = self
            .data
            .entities
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                places.contains(e.id.as_str()) || places.contains(text::slugify(&e.id).as_str())
            })
            .map(|(k, _)| k)
            .collect();
        let keep = |job: &Job| match *job {
            Job::Page(j) => pages.contains(&j),
            Job::Section { section, pager } => sections.contains(&(section, pager)),
            Job::Term {
                taxonomy,
                term,
                pager,
            } => terms.contains(&(taxonomy, term, pager)),
            Job::Author { author, pager } => authors.contains(&(author, pager)),
            Job::Archive {
                year: Some(y),
                month: Some(mo),
            } => months.contains(&(y, mo)),
            Job::Entity(e) => entities.contains(&e),
            _ => false,
        };
        // The page itself rendered; a list that fails now fails the next
        // full build too, which reports it.
        let mut files = self.render(&keep).unwrap_or_default();
        // Feeds hold the newest entries only; most edits are to older pages.
        if self.in_a_feed(i) {
            files.extend(feeds::feed_files(&self.site, &self.model));
        }
        if updated_changed {
            // Of the files for machines, only the sitemap holds dates.
            // One edition (a site with several is rebuilt in full): no
            // versions elsewhere to list.
            files.extend(feeds::sitemap_files(
                &self.site,
                &self.model,
                &self.data,
                &HashMap::new(),
            ));
        }
        let changed = publish(shared, files);
        if !changed.is_empty() {
            let base = &self.site.base_path;
            shared
                .hub
                .reload(&changed.iter().map(|p| url_of(base, p)).collect::<Vec<_>>());
        }
        changed.len()
    }
}

/// Puts rendered files into the served site; returns the paths that changed.
fn publish(shared: &Shared, files: Vec<OutputFile>) -> Vec<String> {
    let mut site = match shared.site.write() {
        Ok(s) => s,
        Err(p) => p.into_inner(),
    };
    let mut changed = Vec::new();
    for f in files {
        let served = Served::from(f.body);
        if site
            .files
            .get(&f.path)
            .is_none_or(|old| !old.same_as(&served))
        {
            changed.push(f.path.clone());
            site.files.insert(f.path, served);
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_temp_files_are_ignored() {
        for p in [
            "content/.a.md.swp",
            "content/a.md~",
            "content/tin-tuc/4913",
            "content/.git/x",
            "static/x.css___jb_tmp___",
        ] {
            assert!(ignored_name(Path::new(p)), "{p}");
        }
        assert!(!ignored_name(Path::new("content/tin-tuc/a.md")));
    }
}
