//! `minhbach check`: runs every stage but the search index and the writing,
//! and reports every problem found in one run. Beyond what a build checks, it
//! verifies that the images and files pages reference (Markdown `![](…)` and
//! `[](…)` to files, `image.src`) exist, and with `--external` it requests
//! every external link, each within a time limit.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pulldown_cmark::{Event, Parser, Tag};

use crate::config::{self, Site};
use crate::content::{self, Page};
use crate::diag::{Diagnostic, Diagnostics, line_of};
use crate::{Options, generate_unindexed};

/// What `check` does beyond the pipeline's own checks.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Also request external links.
    pub external: bool,
    /// The longest one external link may take.
    pub timeout: Duration,
    /// External links requested at once.
    pub parallel: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            external: false,
            timeout: Duration::from_secs(10),
            parallel: 8,
        }
    }
}

/// The external links' tally.
#[derive(Debug, Clone, Default)]
pub struct ExternalSummary {
    pub links: usize,
    pub broken: usize,
    pub elapsed: Duration,
}

#[derive(Debug, Default)]
pub struct Report {
    pub pages: usize,
    pub external: Option<ExternalSummary>,
}

/// The number of pages checked, or every problem found.
pub fn run(opts: &Options) -> Result<usize, Diagnostics> {
    let (report, errors) = run_with(opts, &CheckOptions::default());
    errors.into_result(report.pages)
}

/// Checks everything; the report holds what was counted, the diagnostics
/// every problem (none when the site is fine).
pub fn run_with(opts: &Options, check: &CheckOptions) -> (Report, Diagnostics) {
    let root = &opts.root;
    let mut report = Report::default();
    let mut errors = Diagnostics::default();
    let (site, pages, sections, known) = match generate_unindexed(opts) {
        Ok(g) => {
            report.pages = g.page_count;
            let known: HashSet<String> = g.files.iter().map(|f| f.path.clone()).collect();
            let content = g.stages.model.content;
            (g.site, content.pages, content.sections, Some(known))
        }
        Err(e) => {
            errors.extend(e.0);
            // Without a config nothing else can be checked.
            let Ok(site) = config::load(root, opts.base_url.as_deref()) else {
                return (report, errors);
            };
            let now = opts
                .now
                .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
            let (content, _) = content::load(
                &site,
                content::LoadOptions {
                    drafts: opts.drafts,
                    on_read: None,
                },
                now,
            );
            (site, content.pages, content.sections, None)
        }
    };
    let mut refs = Vec::new();
    for p in &pages {
        refs.extend(page_refs(p, &site));
    }
    for s in &sections {
        if s.file.is_file() {
            let dir = root.join("content").join(&s.dir);
            refs.extend(body_refs(&s.body, s.body_line, &s.file, &s.path, &dir));
        }
    }
    let mut found = Diagnostics::default();
    let mut external: BTreeMap<String, Vec<(PathBuf, usize)>> = BTreeMap::new();
    for r in &refs {
        match classify(&r.url) {
            Kind::External(url) => external
                .entry(url)
                .or_default()
                .push((r.file.clone(), r.line)),
            Kind::Local => {
                if let Some(problem) = check_local(r, &site, known.as_ref()) {
                    found.push(Diagnostic::at(&r.file, r.line, problem));
                }
            }
            Kind::Other => {}
        }
    }
    if check.external {
        let (summary, broken) = check_external(&external, check);
        found.extend(broken.0);
        report.external = Some(summary);
    }
    errors.extend(found.0.into_iter().map(|d| d.relative_to(root)));
    let mut seen = HashSet::new();
    errors.0.retain(|d| seen.insert(d.to_string()));
    (report, errors.sorted())
}

/// A reference from a page to a file or URL.
struct Ref {
    file: PathBuf,
    line: usize,
    url: String,
    image: bool,
    /// Where the page's relative files are published, and read from.
    files_path: String,
    files_dir: PathBuf,
}

enum Kind {
    External(String),
    Local,
    Other,
}

fn classify(url: &str) -> Kind {
    let url = url.trim();
    if url.starts_with("http://") || url.starts_with("https://") {
        let without_fragment = url.split('#').next().unwrap_or(url);
        return Kind::External(without_fragment.to_string());
    }
    if url.is_empty()
        || url.starts_with('#')
        || url.starts_with("@/")
        || url.starts_with("//")
        || url
            .split('/')
            .next()
            .is_some_and(|first| first.contains(':'))
    {
        return Kind::Other;
    }
    Kind::Local
}

fn page_refs(p: &Page, site: &Site) -> Vec<Ref> {
    let files_dir = p.bundle_dir.clone().unwrap_or_else(|| {
        p.file
            .parent()
            .map_or_else(|| site.root.join("content"), Path::to_path_buf)
    });
    let mut refs = body_refs(&p.body, p.body_line, &p.file, &p.files_path, &files_dir);
    // The front matter ends on the line before the body; count back to it.
    let fm_first = p
        .body_line
        .saturating_sub(1 + p.front_matter.lines().count())
        .max(1);
    let at = |key: &str| content::key_line(&p.front_matter, key).map_or(1, |l| fm_first + l);
    let mut push = |key: &str, url: &str, image: bool| {
        refs.push(Ref {
            file: p.file.clone(),
            line: at(key),
            url: url.to_string(),
            image,
            files_path: p.files_path.clone(),
            files_dir: files_dir.clone(),
        })
    };
    if let Some(img) = &p.fm.image {
        push("image", &img.src, true);
    }
    if let Some(url) = p.fm.source.as_ref().and_then(|s| s.url.as_deref()) {
        push("source", url, false);
    }
    if let Some(c) = &p.fm.conference {
        for d in &c.documents {
            push("documents", &d.url, false);
        }
    }
    refs
}

/// Links and images in a Markdown body.
fn body_refs(body: &str, first_line: usize, file: &Path, files_path: &str, dir: &Path) -> Vec<Ref> {
    let mut refs = Vec::new();
    for (event, range) in Parser::new_ext(body, crate::markdown::options()).into_offset_iter() {
        let (url, image) = match event {
            Event::Start(Tag::Image { dest_url, .. }) => (dest_url, true),
            Event::Start(Tag::Link { dest_url, .. }) => (dest_url, false),
            _ => continue,
        };
        refs.push(Ref {
            file: file.to_path_buf(),
            line: line_of(body, range.start) + first_line - 1,
            url: url.to_string(),
            image,
            files_path: files_path.to_string(),
            files_dir: dir.to_path_buf(),
        });
    }
    refs
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a/./b/../c` → `a/c`; `None` when `..` climbs above the start.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    let mut out = parts.join("/");
    if path.ends_with('/') && !out.is_empty() {
        out.push('/');
    }
    Some(out)
}

/// What is wrong with a reference to a file of the site, if anything.
fn check_local(r: &Ref, site: &Site, known: Option<&HashSet<String>>) -> Option<String> {
    let what = if r.image { "image" } else { "file" };
    let raw = r.url.trim();
    let path = percent_decode(raw.split(['?', '#']).next().unwrap_or(""));
    if path.is_empty() {
        return None;
    }
    if let Some(abs) = path.strip_prefix('/') {
        // Links to pages are checked as `@/` links; check files here.
        let last = abs.rsplit('/').next().unwrap_or("");
        let is_file = last.contains('.') && !last.ends_with(".html") && !last.ends_with(".htm");
        if !(r.image || is_file) {
            return None;
        }
        let known = known?;
        let key = abs
            .strip_prefix(site.base_path.trim_start_matches('/'))
            .filter(|_| site.base_path != "/")
            .unwrap_or(abs);
        let key = normalize(key)?;
        let exists = known.contains(&key)
            || known.contains(&format!("{}/index.html", key.trim_end_matches('/')));
        return (!exists).then(|| {
            format!("{what} {raw:?} does not exist in the built site (not in static/, content/ or the theme)")
        });
    }
    if path.ends_with(".md") && !r.image {
        return Some(format!(
            "link to the Markdown file {raw:?}: Markdown files are not published; link the page as @/<path from content/>.md"
        ));
    }
    let Some(rel) = normalize(&path) else {
        return Some(format!("{what} {raw:?} points outside content/"));
    };
    let on_disk = r.files_dir.join(&rel);
    if on_disk.is_file() || (!r.image && on_disk.is_dir()) {
        return None;
    }
    // A relative reference may also name a generated or static file at the
    // page's URL (`anh.jpg` of a bundle is both).
    if let Some(known) = known
        && let Some(key) = normalize(&format!("{}{rel}", r.files_path))
        && known.contains(&key)
    {
        return None;
    }
    Some(format!(
        "{what} {raw:?} does not exist (looked for {})",
        on_disk
            .strip_prefix(&site.root)
            .unwrap_or(&on_disk)
            .display()
    ))
}

/// Requests every external link, `parallel` at a time, each within the time
/// limit. A HEAD request first; GET when the server refuses HEAD.
fn check_external(
    links: &BTreeMap<String, Vec<(PathBuf, usize)>>,
    check: &CheckOptions,
) -> (ExternalSummary, Diagnostics) {
    let start = Instant::now();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(check.timeout))
        .http_status_as_error(false)
        .max_redirects(10)
        .user_agent(concat!("minhbach-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent();
    let urls: Vec<&String> = links.keys().collect();
    let next = AtomicUsize::new(0);
    let broken: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..check.parallel.clamp(1, 32).min(urls.len().max(1)) {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(url) = urls.get(k) else { break };
                    if let Err(problem) = probe(&agent, url)
                        && let Ok(mut b) = broken.lock()
                    {
                        b.push(((*url).clone(), problem));
                    }
                }
            });
        }
    });
    let broken = broken.into_inner().unwrap_or_default();
    let mut errors = Diagnostics::default();
    for (url, problem) in &broken {
        for (file, line) in links.get(url).into_iter().flatten() {
            errors.push(Diagnostic::at(
                file,
                *line,
                format!("external link {url}: {problem}"),
            ));
        }
    }
    (
        ExternalSummary {
            links: urls.len(),
            broken: broken.len(),
            elapsed: start.elapsed(),
        },
        errors,
    )
}

fn probe(agent: &ureq::Agent, url: &str) -> Result<(), String> {
    let status = |r: Result<ureq::http::Response<ureq::Body>, ureq::Error>| match r {
        Ok(resp) => Ok(resp.status().as_u16()),
        Err(ureq::Error::Timeout(_)) => Err("no answer within the time limit".to_string()),
        Err(e) => Err(e.to_string()),
    };
    let mut code = status(agent.head(url).call())?;
    if matches!(code, 403 | 405 | 501) {
        code = status(agent.get(url).call())?;
    }
    if code >= 400 {
        Err(format!("HTTP {code}"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_relative_paths() {
        assert_eq!(normalize("a/./b/../c.png").as_deref(), Some("a/c.png"));
        assert_eq!(normalize("../x"), None);
        assert_eq!(normalize("a/b/").as_deref(), Some("a/b/"));
    }

    #[test]
    fn sorts_references() {
        assert!(matches!(classify("https://x.vn/a#b"), Kind::External(u) if u == "https://x.vn/a"));
        assert!(matches!(classify("@/tin-tuc/a.md"), Kind::Other));
        assert!(matches!(classify("mailto:a@b.vn"), Kind::Other));
        assert!(matches!(classify("#muc-1"), Kind::Other));
        assert!(matches!(classify("anh.jpg"), Kind::Local));
        assert!(matches!(classify("/img/a.png"), Kind::Local));
    }

    #[test]
    fn finds_links_and_images_with_lines() {
        let body = "Xem ![ảnh](anh.jpg)\n\n[tệp](bao-cao.pdf) và [web](https://x.vn)\n";
        let refs = body_refs(body, 5, Path::new("a.md"), "tin-tuc/", Path::new("/c"));
        let got: Vec<(usize, &str, bool)> = refs
            .iter()
            .map(|r| (r.line, r.url.as_str(), r.image))
            .collect();
        assert_eq!(
            got,
            vec![
                (5, "anh.jpg", true),
                (7, "bao-cao.pdf", false),
                (7, "https://x.vn", false)
            ]
        );
    }
}
