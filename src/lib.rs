//! minhbach: a static-site generator for public-administration transparency
//! portals. The pipeline runs config → content → data → markdown/shortcodes →
//! charts → site → render → output; [`generate`] ties the stages together.

pub mod cache;
pub mod charts;
pub mod cmd;
pub mod config;
pub mod content;
pub mod data;
pub mod diag;
pub mod downloads;
pub mod feeds;
pub mod i18n;
pub mod markdown;
pub mod media;
pub mod output;
pub mod progress;
pub mod render;
pub mod search;
pub mod shortcodes;
pub mod site;
pub mod text;
pub mod theme;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;

use crate::diag::{Diagnostic, Diagnostics};
use crate::output::{Body, OutputFile};

/// What a run of the pipeline is asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub root: PathBuf,
    pub drafts: bool,
    pub base_url: Option<String>,
    /// "Now", for hiding future-dated pages; default: the clock.
    pub now: Option<DateTime<FixedOffset>>,
}

/// Per-stage wall times, printed to stderr when `MINHBACH_TIMINGS` is set:
/// the first thing to read when a build is slow.
struct Timings {
    on: bool,
    last: std::time::Instant,
    /// Processor time used so far, at the last lap.
    last_cpu: Option<u64>,
    laps: Vec<Lap>,
}

/// One stage as [`Timings`] reports it.
struct Lap {
    stage: &'static str,
    wall: std::time::Duration,
    /// Processor time the stage used, all threads, in ms.
    cpu_ms: Option<u64>,
    /// Memory resident when the stage ended, in MB.
    rss_mb: Option<u64>,
}

/// The process's processor time so far (user and system, every thread) in
/// milliseconds (Linux; counted in ticks of 10 ms), for [`Timings`]: a
/// stage that keeps fewer cores busy than there are shows it.
fn cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which may hold spaces, in `(...)`.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) * 10)
}

/// The process's resident memory in MB (Linux), for [`Timings`].
fn resident_mb() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096 / (1 << 20))
}

impl Timings {
    fn new() -> Self {
        let on = std::env::var_os("MINHBACH_TIMINGS").is_some();
        Timings {
            on,
            last: std::time::Instant::now(),
            last_cpu: if on { cpu_ms() } else { None },
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        progress::done(stage);
        let now = std::time::Instant::now();
        let (rss, cpu) = if self.on {
            (resident_mb(), cpu_ms())
        } else {
            (None, None)
        };
        self.laps.push(Lap {
            stage,
            wall: now - self.last,
            cpu_ms: cpu.zip(self.last_cpu).map(|(c, l)| c.saturating_sub(l)),
            rss_mb: rss,
        });
        self.last = now;
        self.last_cpu = cpu;
    }

    fn report(&self) {
        if self.on {
            for lap in &self.laps {
                let cpu = lap
                    .cpu_ms
                    .map_or_else(String::new, |ms| format!("  {ms:>6} ms processor"));
                let rss = lap
                    .rss_mb
                    .map_or_else(String::new, |mb| format!("  {mb:>6} MB resident"));
                eprintln!(
                    "  {:<24} {:>8.1} ms{cpu}{rss}",
                    lap.stage,
                    lap.wall.as_secs_f64() * 1000.0
                );
            }
        }
    }
}

/// A rendered site, not yet written anywhere.
pub struct Generated {
    pub site: config::Site,
    pub files: Vec<OutputFile>,
    pub page_count: usize,
    /// The stages' results the files were rendered from: `serve` keeps them
    /// to rebuild only what an edit affects, `check` to look further.
    pub stages: Stages,
}

/// What the pipeline computed on the way to the files, for the default
/// language edition. After [`generate`], page bodies
/// (`model.content.pages[i].body`) are empty: their Markdown was rendered
/// into `model.page_md`.
pub struct Stages {
    pub model: site::Model,
    pub data: data::Data,
    /// Each indicator's description, rendered from Markdown.
    pub indicator_html: Vec<String>,
    /// The default edition's words and formats.
    pub locale: i18n::Locale,
    /// How many language editions the site has (the stages above are the
    /// default one's).
    pub editions: usize,
}

/// Runs every stage up to (not including) writing. Problems from every stage
/// are gathered, so one run reports them all.
/// The pages' Markdown sources are released once rendered (see [`Stages`]).
pub fn generate(opts: &Options) -> Result<Generated, Diagnostics> {
    pipeline(opts, true, false, None, None)
}

/// [`generate`], handing each rendered page to `stager` as soon as it is
/// made: the returned files hold only the names of those pages
/// ([`output::Body::Staged`]), and `stager` has their bytes on disk under
/// temporary names, for [`output::Stager::commit`]. Pages stay in memory
/// only while a later stage needs them (search), and so does the pages'
/// HTML: the returned `stages.model.page_md` holds none. `seen`, when given, is told
/// of every Markdown source as it is read, for the build record.
pub fn generate_into(
    opts: &Options,
    stager: &output::Stager,
    seen: Option<&cache::Seen>,
) -> Result<Generated, Diagnostics> {
    let on_read = seen.map(|s| move |f: &Path, b: &[u8], m: &std::fs::Metadata| s.see(f, b, m));
    pipeline(
        opts,
        true,
        false,
        Some(stager),
        on_read.as_ref().map(|f| f as content::OnRead),
    )
}

/// [`generate`] without the search index (`check` needs no index; the site's
/// own files cannot make indexing fail once rendering succeeded), keeping the
/// pages' Markdown sources for `check` to scan.
pub fn generate_unindexed(opts: &Options) -> Result<Generated, Diagnostics> {
    pipeline(opts, false, true, None, None)
}

/// One language edition on its way through the stages.
struct EditionStages {
    site: config::Site,
    locale: i18n::Locale,
    data: data::Data,
    model: site::Model,
    indicator_html: Vec<String>,
    assets: Vec<content::Asset>,
}

fn pipeline(
    opts: &Options,
    index_search: bool,
    keep_sources: bool,
    stager: Option<&output::Stager>,
    on_read: Option<content::OnRead>,
) -> Result<Generated, Diagnostics> {
    let mut timings = Timings::new();
    let root = &opts.root;
    let base = config::load(root, opts.base_url.as_deref()).map_err(|d| relative(d, root))?;
    let now = opts
        .now
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
    let mut errors = Diagnostics::default();
    let sites = base.editions();
    let locales: Vec<i18n::Locale> = sites
        .iter()
        .map(|s| {
            let lang = &s.config.language;
            let line = config::line_of(&base, &format!("[languages.{lang}]"));
            i18n::load(root, &s.theme_dir, lang, &base.config_file(), line).unwrap_or_else(|e| {
                errors.extend(e.0);
                i18n::builtin("vi")
            })
        })
        .collect();
    timings.lap("config");
    let contents: Vec<content::Content> = sites
        .iter()
        .map(|s| {
            let (c, e) = content::load(
                s,
                content::LoadOptions {
                    drafts: opts.drafts,
                    on_read,
                },
                now,
            );
            errors.extend(e.0);
            c
        })
        .collect();
    // Into an empty folder, the pages' folders are made from here on, on a
    // thread of their own, while the rest of the site is built.
    if let Some(s) = stager {
        s.make_folders(
            sites
                .iter()
                .zip(&contents)
                .flat_map(|(site, c)| c.pages.iter().map(|p| page_file(&site.prefix, &p.path)))
                .collect(),
        );
    }
    timings.lap("content");
    let (data, data_errors) = data::load(root);
    errors.extend(data_errors.0);
    timings.lap("data");

    // A page or section whose file has errors is not loaded. Links to it
    // resolve all the same (to nothing: this build fails anyway), so that its
    // own error is reported, not one more for every link to it. Its anchors
    // are unknown, so links to them are not checked either.
    let content_dir = root.join("content");
    let others: Vec<&str> = base.config.languages.keys().map(String::as_str).collect();
    let unchecked: HashSet<String> = errors
        .0
        .iter()
        .filter_map(|d| d.file.strip_prefix(&content_dir).ok())
        .filter(|rel| rel.extension().is_some_and(|e| e == "md"))
        .map(|rel| {
            let rel = content::rel_slash(rel, Path::new(""));
            text::nfc(&content::split_lang(&rel, &others).1)
        })
        .collect();
    // `@/` links resolve within the edition, then to the default edition
    // (a page not translated yet links to the original).
    let mut default_urls: HashMap<String, String> = HashMap::new();
    let mut editions = Vec::with_capacity(sites.len());
    for (k, ((site, content), locale)) in sites.into_iter().zip(contents).zip(locales).enumerate() {
        // English editions show the data's English names; others show it as it is.
        let data = if !site.is_default_edition() && site.config.language == "en" {
            data.in_english(|w| locale.term(w).to_string())
        } else {
            data.clone()
        };
        let mut urls = default_urls.clone();
        urls.extend(content::link_targets(&site, &content));
        for rel in &unchecked {
            urls.entry(rel.clone()).or_default();
        }
        if k == 0 {
            default_urls = urls.clone();
        }
        let e = edition_stages(
            site,
            locale,
            content,
            data,
            &urls,
            unchecked.clone(),
            keep_sources,
            &mut errors,
            &mut timings,
        );
        editions.push((e, urls));
    }
    drop(data);
    let (mut editions, edition_links): (Vec<EditionStages>, Vec<HashMap<String, String>>) =
        editions.into_iter().unzip();
    // The folders of the other pages (sections, taxonomies, archives, data)
    // are known now: made once the articles' are (listed above, so left
    // out here), by a second thread that waits for the first.
    if let Some(s) = stager {
        s.make_folders(
            editions
                .iter()
                .flat_map(|e| {
                    render::planned_pages(&e.site, &e.model, &e.data)
                        .into_iter()
                        .filter(|p| p.source_key.is_none())
                        .map(|p| page_file(&e.site.prefix, &p.path))
                })
                .collect(),
        );
    }

    // Which pages exist in which editions, for hreflang and the switcher.
    let links: Vec<render::LanguageLink> = editions
        .iter()
        .enumerate()
        .map(|(k, e)| render::LanguageLink {
            code: e.site.config.language.clone(),
            name: e.locale.t("language_name").to_string(),
            path: e.site.url(""),
            current: k == 0,
        })
        .collect();
    // A one-language site has nothing to pair: its pages are not listed.
    let single = editions.len() == 1;
    let translations = if single {
        vec![HashMap::new()]
    } else {
        let planned: Vec<_> = editions
            .iter()
            .zip(&links)
            .map(|(e, l)| {
                (
                    &e.site,
                    l,
                    render::planned_pages(&e.site, &e.model, &e.data),
                )
            })
            .collect();
        render::translations(&planned)
    };
    let sitemaps: Vec<String> = editions
        .iter()
        .skip(1)
        .map(|e| e.site.absolute("sitemap.xml"))
        .collect();

    let templates = match render::load_templates(&base, &editions[0].locale) {
        Ok(t) => Some(t),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    // The site's static files are known before anything is rendered: a site's
    // own static/robots.txt replaces the generated one, which then is not
    // made at all.
    let statics = static_files(&base, &mut errors);
    let own_robots = statics.iter().any(|f| f.path == "robots.txt");
    let mut files = Vec::new();
    let mut page_count = 0;
    for (k, ((e, translations), urls)) in editions
        .iter_mut()
        .zip(translations)
        .zip(&edition_links)
        .enumerate()
    {
        page_count += e.model.content.pages.len();
        let languages: Vec<render::LanguageLink> = if single {
            Vec::new()
        } else {
            links
                .iter()
                .enumerate()
                .map(|(j, l)| render::LanguageLink {
                    current: j == k,
                    ..l.clone()
                })
                .collect()
        };
        let edition = render::Edition {
            locale: &e.locale,
            languages: &languages,
            translations,
            links: urls,
        };
        // An edition is built as a site of its own, then moved under its
        // prefix. Every file goes to the writer as it is made; the static
        // files are written with the rest at the end.
        let prefixed = |mut f: OutputFile| {
            if !e.site.prefix.is_empty() {
                f.path = format!("{}{}", e.site.prefix, f.path);
            }
            f
        };
        let keep_html = index_search && base.config.search;
        let emit = |f: OutputFile| match stager {
            Some(s) => {
                let keep = keep_html && f.path.ends_with(".html");
                let f = s.stage(prefixed(f), keep);
                if keep { f.held() } else { f }
            }
            None => prefixed(f).held(),
        };
        // A build needs a page's HTML for nothing but its page: handed over,
        // each goes once its page is rendered (see [`render::render`]).
        let bodies = stager.is_some().then(|| {
            e.model
                .page_md
                .iter_mut()
                .map(|m| std::mem::take(&mut m.html))
                .collect()
        });
        let e = &*e;
        // Feeds, sitemaps and downloads need no rendered page: they are made
        // alongside the pages, by whichever worker is free (serially after
        // them, they were a fiftieth of a build with one core idle).
        let (rendered, out) = rayon::join(
            || {
                templates.as_ref().map(|t| {
                    render::render(
                        &e.site,
                        &e.model,
                        &e.data,
                        &e.indicator_html,
                        t,
                        &edition,
                        bodies,
                        &emit,
                    )
                })
            },
            || {
                let mut out = feeds::feed_files(&e.site, &e.model);
                out.extend(feeds::sitemap_files(
                    &e.site,
                    &e.model,
                    &e.data,
                    &edition.translations,
                ));
                if !own_robots {
                    out.extend(feeds::robots_txt(&e.site, &sitemaps));
                }
                out.extend(downloads::files(&e.site, &e.data, &e.locale));
                out.extend(e.assets.iter().map(|a| OutputFile {
                    path: a.dest.clone(),
                    body: Body::Copy(a.src.clone()),
                    source: a.src.clone(),
                }));
                // Written here, these were a hundredth of a clean build at its
                // end (the sitemap alone is 1.6 MB at 10 000 articles).
                out.into_iter().map(emit).collect::<Vec<_>>()
            },
        );
        let mut files_of_edition = match rendered {
            Some(Ok(f)) => f,
            Some(Err(err)) => {
                errors.extend(err.0);
                Vec::new()
            }
            None => Vec::new(),
        };
        timings.lap("render+feeds+downloads");
        files_of_edition.extend(out);
        files.extend(files_of_edition);
    }
    files.extend(statics);
    let unwritable: Vec<Diagnostic> = files
        .par_iter()
        .filter_map(|f| {
            if !output::is_safe_output_path(&f.path) {
                Some(Diagnostic::file(
                    &f.source,
                    format!("would write outside the output folder: {:?}", f.path),
                ))
            } else {
                output::name_problem(&f.path).map(|why| {
                    Diagnostic::file(&f.source, format!("cannot write /{}: {why}", f.path))
                })
            }
        })
        .collect();
    errors.extend(unwritable);
    timings.lap("static");
    // Search indexes the rendered pages: a stage of its own, after rendering.
    if index_search && base.config.search && errors.is_empty() {
        match search::index(&base, &files) {
            Ok(bundle) => files.extend(bundle),
            Err(e) => errors.push(e),
        }
        timings.lap("search");
    }
    errors.extend(output::check_collisions(&files, root));
    timings.lap("collisions");
    timings.report();
    let errors = relative(errors, root).sorted();
    let count = editions.len();
    let first = editions.into_iter().next().expect("the default edition");
    errors.into_result(Generated {
        site: first.site,
        files,
        page_count,
        stages: Stages {
            model: first.model,
            data: first.data,
            indicator_html: first.indicator_html,
            locale: first.locale,
            editions: count,
        },
    })
}

/// Markdown, anchors, indicator descriptions and the site structure of one
/// language edition.
#[allow(clippy::too_many_arguments)]
fn edition_stages(
    site: config::Site,
    locale: i18n::Locale,
    mut content: content::Content,
    data: data::Data,
    urls: &HashMap<String, String>,
    mut unchecked: HashSet<String>,
    keep_sources: bool,
    errors: &mut Diagnostics,
    timings: &mut Timings,
) -> EditionStages {
    let root = &site.root;
    let content_dir = root.join("content");
    let render_md = |body: &str, line: usize, file: &std::path::Path, path: &str, dir: PathBuf| {
        let host = shortcodes::PageHost {
            site: &site,
            data: &data,
            urls,
            files_path: path,
            files_dir: dir,
            locale: &locale,
        };
        markdown::render(body, line, &host).map_err(|errs| {
            errs.into_iter()
                .map(|(l, m)| Diagnostic::at(file, l, m))
                .collect::<Vec<_>>()
        })
    };
    progress::phase("Markdown and charts", content.pages.len());
    let page_results: Vec<_> = content
        .pages
        .par_iter_mut()
        .map(|p| {
            let dir = p.bundle_dir.clone().unwrap_or_else(|| {
                p.file
                    .parent()
                    .map_or_else(|| content_dir.clone(), PathBuf::from)
            });
            let mut r = render_md(&p.body, p.body_line, &p.file, &p.files_path, dir);
            // Each source goes as soon as it is rendered, and the HTML gives
            // back its buffer's unused tail (a quarter of its size): the
            // sources and their HTML are never all held at once (on 100 000
            // articles, 0.9 and 1.1 GB), and the memory one frees is reused
            // by the next instead of being fresh pages from the system.
            if !keep_sources {
                p.body = String::new();
            }
            if let Ok(md) = &mut r {
                md.html.shrink_to_fit();
                md.summary_html.shrink_to_fit();
            }
            progress::tick();
            r
        })
        .collect();
    let section_results: Vec<_> = content
        .sections
        .iter()
        .map(|s| {
            render_md(
                &s.body,
                s.body_line,
                &s.file,
                &s.path,
                content_dir.join(&s.dir),
            )
        })
        .collect();
    let mut page_md = Vec::with_capacity(page_results.len());
    for (r, p) in page_results.into_iter().zip(&content.pages) {
        page_md.push(r.unwrap_or_else(|e| {
            errors.extend(e);
            unchecked.insert(text::nfc(&p.rel));
            Default::default()
        }));
    }
    let mut section_md = Vec::with_capacity(section_results.len());
    for (r, s) in section_results.into_iter().zip(&content.sections) {
        section_md.push(r.unwrap_or_else(|e| {
            errors.extend(e);
            unchecked.insert(text::nfc(&s.rel()));
            Default::default()
        }));
    }
    timings.lap("markdown");
    check_anchors(&content, &page_md, &section_md, &unchecked, errors);
    let indicator_html: Vec<String> =
        data.indicators
            .iter()
            .map(|ind| {
                let host = shortcodes::PageHost {
                    site: &site,
                    data: &data,
                    urls,
                    files_path: "",
                    files_dir: root.join("data"),
                    locale: &locale,
                };
                // Descriptions start on an unknown line of the TOML file; errors name the file.
                markdown::render(&ind.description, 1, &host)
                    .map(|r| r.html)
                    .unwrap_or_else(|errs| {
                        errors.extend(errs.into_iter().map(|(_, m)| {
                            Diagnostic::file(&ind.file, format!("description: {m}"))
                        }));
                        String::new()
                    })
            })
            .collect();
    let assets = std::mem::take(&mut content.assets);
    timings.lap("anchors+descriptions");
    let model = site::assemble(&site, content, page_md, section_md, &data, errors);
    timings.lap("site");
    EditionStages {
        site,
        locale,
        data,
        model,
        indicator_html,
        assets,
    }
}

/// The output file of the page at `site_path` in the edition under
/// `prefix`: its `index.html`, or the path itself for a page named as a file
/// (`404.html`), as [`OutputFile::html_page`] and the pipeline's `prefixed`
/// name it.
fn page_file(prefix: &str, site_path: &str) -> String {
    let file = if site_path.ends_with('/') {
        "index.html"
    } else {
        ""
    };
    format!("{prefix}{site_path}{file}")
}

fn relative(d: Diagnostics, root: &std::path::Path) -> Diagnostics {
    Diagnostics(d.0.into_iter().map(|d| d.relative_to(root)).collect())
}

/// Every `@/page.md#anchor` must name an id that the target defines
/// (targets in `unchecked` had errors of their own: their ids are unknown).
fn check_anchors(
    content: &content::Content,
    page_md: &[markdown::Rendered],
    section_md: &[markdown::Rendered],
    unchecked: &HashSet<String>,
    errors: &mut Diagnostics,
) {
    let mut anchors: HashMap<String, HashSet<&str>> = HashMap::new();
    for (p, md) in content.pages.iter().zip(page_md) {
        anchors.insert(
            p.rel.clone(),
            md.anchors.iter().map(String::as_str).collect(),
        );
    }
    for (s, md) in content.sections.iter().zip(section_md) {
        let rel = s.rel();
        anchors.insert(
            text::nfc(&rel),
            md.anchors.iter().map(String::as_str).collect(),
        );
    }
    let all = content
        .pages
        .iter()
        .map(|p| &p.file)
        .zip(page_md)
        .chain(content.sections.iter().map(|s| &s.file).zip(section_md));
    for (file, md) in all {
        for link in &md.links {
            let target = text::nfc(&link.target);
            if let (Some(a), Some(ids)) = (&link.anchor, anchors.get(&target))
                && !ids.contains(a.as_str())
                && !unchecked.contains(&target)
            {
                errors.push(Diagnostic::at(
                        file,
                        link.line,
                        format!("internal link to @/{}#{a}: that page has no heading or anchor with id {a:?}", link.target),
                    ));
            }
        }
    }
}

/// The embedded default theme's `static/` (under the default theme), then the
/// site theme's, then the site's own (each wins over the one before).
fn static_files(site: &config::Site, errors: &mut Diagnostics) -> Vec<OutputFile> {
    let mut by_path: std::collections::BTreeMap<String, OutputFile> = Default::default();
    let builtin = site.root.join("themes").join(theme::NAME).join("static");
    let embedded = if site.config.theme == theme::NAME {
        theme::static_files()
    } else {
        Vec::new()
    };
    for (path, bytes) in embedded {
        by_path.insert(
            path.clone(),
            OutputFile {
                path,
                body: Body::Static(bytes),
                source: builtin.clone(),
            },
        );
    }
    let real_root = config::real_root(&site.root);
    for dir in [site.theme_dir.join("static"), site.root.join("static")] {
        if !dir.is_dir() {
            continue;
        }
        let mut walk = walkdir::WalkDir::new(&dir)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        while let Some(e) = walk.next() {
            match e {
                // Links are followed only inside the site (the root folder too).
                Ok(e)
                    if (e.depth() == 0 || e.path_is_symlink())
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
                    let rel = content::rel_slash(e.path(), &dir);
                    if rel.split('/').any(|c| c.starts_with('.')) {
                        continue;
                    }
                    by_path.insert(
                        rel.clone(),
                        OutputFile {
                            path: rel,
                            body: Body::Copy(e.path().to_path_buf()),
                            source: e.path().to_path_buf(),
                        },
                    );
                }
                Ok(_) => {}
                Err(err) => errors.push(Diagnostic::file(
                    err.path().map_or_else(|| dir.clone(), PathBuf::from),
                    format!("cannot read: {err}"),
                )),
            }
        }
    }
    by_path.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::{cpu_ms, page_file};
    use crate::output::OutputFile;

    #[test]
    fn a_page_folder_made_ahead_is_the_folder_its_file_is_written_to() {
        let written = OutputFile::html_page("tin-tuc/bai-1/", "", "x.md").path;
        assert_eq!(page_file("", "tin-tuc/bai-1/"), written);
        assert_eq!(page_file("en/", "tin-tuc/bai-1/"), format!("en/{written}"));
        assert_eq!(page_file("", "404.html"), "404.html");
    }

    #[test]
    fn the_processor_time_a_stage_reports_grows_with_the_work_it_does() {
        let before = cpu_ms().expect("Linux tells a process its processor time");
        // A fixed amount of work on this thread (some 0.3 s unoptimized, 50 ms
        // optimized: more than the 10 ms ticks the kernel counts in), not a
        // fixed wall time: on a busy machine the thread may wait, which uses
        // no processor.
        let mut x: u64 = 1;
        for i in 0..40_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
        }
        std::hint::black_box(x);
        let after = cpu_ms().expect("Linux tells a process its processor time");
        assert!(after >= before + 20, "{before} ms, then {after} ms");
    }
}
