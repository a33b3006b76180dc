//! minhbach: a static-site generator for public-administration transparency
//! portals. The pipeline runs config → content → data → markdown/shortcodes →
//! charts → site → render → output; [`generate`] ties the stages together.

pub mod charts;
pub mod cmd;
pub mod config;
pub mod content;
pub mod data;
pub mod diag;
pub mod downloads;
pub mod feeds;
pub mod markdown;
pub mod output;
pub mod render;
pub mod shortcodes;
pub mod site;
pub mod text;
pub mod theme;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

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

/// A rendered site, not yet written anywhere.
pub struct Generated {
    pub site: config::Site,
    pub files: Vec<OutputFile>,
    pub page_count: usize,
}

/// Runs every stage up to (not including) writing. Problems from every stage
/// are gathered, so one run reports them all.
pub fn generate(opts: &Options) -> Result<Generated, Diagnostics> {
    let root = &opts.root;
    let site = config::load(root, opts.base_url.as_deref()).map_err(|d| relative(d, root))?;
    let now = opts
        .now
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
    let (content, mut errors) = content::load(
        &site,
        content::LoadOptions {
            drafts: opts.drafts,
        },
        now,
    );
    let (data, data_errors) = data::load(root);
    errors.extend(data_errors.0);

    // Markdown, with links resolved against every page and section source.
    let mut urls: HashMap<String, String> = HashMap::new();
    for p in &content.pages {
        urls.insert(text::nfc(&p.rel), site.url(&p.path));
    }
    for s in &content.sections {
        let rel = if s.dir.is_empty() {
            "_index.md".to_string()
        } else {
            format!("{}/_index.md", s.dir)
        };
        urls.insert(text::nfc(&rel), site.url(&s.path));
    }
    let content_dir = root.join("content");
    let render_md = |body: &str, line: usize, file: &std::path::Path, path: &str, dir: PathBuf| {
        let host = shortcodes::PageHost {
            site: &site,
            data: &data,
            urls: &urls,
            files_path: path,
            files_dir: dir,
        };
        markdown::render(body, line, &host).map_err(|errs| {
            errs.into_iter()
                .map(|(l, m)| Diagnostic::at(file, l, m))
                .collect::<Vec<_>>()
        })
    };
    let page_results: Vec<_> = content
        .pages
        .par_iter()
        .map(|p| {
            let dir = p.bundle_dir.clone().unwrap_or_else(|| {
                p.file
                    .parent()
                    .map_or_else(|| content_dir.clone(), PathBuf::from)
            });
            render_md(&p.body, p.body_line, &p.file, &p.files_path, dir)
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
    for r in page_results {
        page_md.push(r.unwrap_or_else(|e| {
            errors.extend(e);
            Default::default()
        }));
    }
    let mut section_md = Vec::with_capacity(section_results.len());
    for r in section_results {
        section_md.push(r.unwrap_or_else(|e| {
            errors.extend(e);
            Default::default()
        }));
    }
    check_anchors(&content, &page_md, &section_md, &mut errors);
    let indicator_html: Vec<String> =
        data.indicators
            .iter()
            .map(|ind| {
                let host = shortcodes::PageHost {
                    site: &site,
                    data: &data,
                    urls: &urls,
                    files_path: "",
                    files_dir: root.join("data"),
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

    let page_count = content.pages.len();
    let assets = content.assets.clone();
    let model = site::assemble(&site, content, page_md, section_md, &data, &mut errors);
    let mut files = match render::load_templates(&site) {
        Ok(templates) => match render::render(&site, &model, &data, &indicator_html, &templates) {
            Ok(f) => f,
            Err(e) => {
                errors.extend(e.0);
                Vec::new()
            }
        },
        Err(e) => {
            errors.extend(e.0);
            Vec::new()
        }
    };
    files.extend(feeds::feed_files(&site, &model));
    files.extend(feeds::sitemap_files(&site, &model, &data));
    files.extend(downloads::files(&site, &data));
    let statics = static_files(&site, &mut errors);
    // A site's own static/robots.txt replaces the generated one.
    if statics.iter().any(|f| f.path == "robots.txt") {
        files.retain(|f| f.path != "robots.txt");
    }
    files.extend(statics);
    files.extend(assets.into_iter().map(|a| OutputFile {
        path: a.dest,
        body: Body::Copy(a.src.clone()),
        source: a.src,
    }));
    for f in &files {
        if !output::is_safe_output_path(&f.path) {
            errors.push(Diagnostic::file(
                &f.source,
                format!("would write outside the output folder: {:?}", f.path),
            ));
        }
    }
    errors.extend(output::check_collisions(&files, root));
    let errors = relative(errors, root).sorted();
    errors.into_result(Generated {
        site,
        files,
        page_count,
    })
}

fn relative(d: Diagnostics, root: &std::path::Path) -> Diagnostics {
    Diagnostics(d.0.into_iter().map(|d| d.relative_to(root)).collect())
}

/// Every `@/page.md#anchor` must name an id that the target defines.
fn check_anchors(
    content: &content::Content,
    page_md: &[markdown::Rendered],
    section_md: &[markdown::Rendered],
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
        let rel = if s.dir.is_empty() {
            "_index.md".to_string()
        } else {
            format!("{}/_index.md", s.dir)
        };
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
            if let (Some(a), Some(ids)) = (&link.anchor, anchors.get(&text::nfc(&link.target)))
                && !ids.contains(a.as_str())
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
    for dir in [site.theme_dir.join("static"), site.root.join("static")] {
        if !dir.is_dir() {
            continue;
        }
        for e in walkdir::WalkDir::new(&dir)
            .follow_links(true)
            .sort_by_file_name()
        {
            match e {
                Ok(e) if e.file_type().is_file() => {
                    let rel = e
                        .path()
                        .strip_prefix(&dir)
                        .unwrap_or(e.path())
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
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
