//! Search: indexes the rendered pages with Pagefind and returns its bundle
//! (`pagefind/…`: the index, its JavaScript and WebAssembly) as more output
//! files. Pagefind ignores tone marks but keeps `đ` apart from `d`, so the
//! copy it indexes carries a folded twin after every word with `đ`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use rayon::prelude::*;

use crate::config::Site;
use crate::diag::Diagnostic;
use crate::output::{Body, OutputFile};

/// The folder of the Pagefind bundle in the output.
pub const BUNDLE_DIR: &str = "pagefind";

/// The attribute a template puts on the text of a page that search indexes.
pub const BODY_MARK: &str = "data-pagefind-body";

/// Indexes the HTML pages among `files` and returns the Pagefind bundle.
///
/// When any page marks its text with `data-pagefind-body`, only marked pages
/// are indexed (Pagefind's own rule, applied early to save parsing); when
/// none does, every rendered page but the search page, `404.html` and
/// redirects is. The indexed copy of each page gets folded twins of its
/// words with `đ` ([`add_folded_twins`]); the published page is unchanged.
///
/// Pagefind parses the copies on every core when they are files in a folder
/// ([`Staged`]), and one after the other when they are handed over in memory
/// (the fallback when no such folder can be made).
pub fn index(site: &Site, files: &[OutputFile]) -> Result<Vec<OutputFile>, Diagnostic> {
    index_with(site, files, true)
}

/// [`index`], parsing from files when `stage` and it can ([`Staged`]).
fn index_with(
    site: &Site,
    files: &[OutputFile],
    stage: bool,
) -> Result<Vec<OutputFile>, Diagnostic> {
    let pages = pages_to_index(site, files);
    let copies: Vec<String> = pages
        .par_iter()
        .map(|(_, html, _)| indexed_copy(html))
        .collect();
    // The copies are either files for Pagefind to read, or kept for it.
    let (staged, copies) = match stage.then(|| Staged::write(&pages, &copies)).flatten() {
        Some(staged) => {
            drop(copies);
            (Some(staged), None)
        }
        None => (None, Some(copies)),
    };
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        Diagnostic::file(site.config_file(), format!("search index: {what}: {e}"))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| fail("cannot start", &e))?;
    let (bundle, index) = runtime.block_on(async {
        // One language: index it as such. Several editions: Pagefind splits
        // the index by each page's `<html lang>`, and each edition's search
        // page loads its own language's index.
        let new_index = || {
            let builder = PagefindServiceConfig::builder();
            let options = if site.config.languages.is_empty() {
                builder
                    .force_language(site.config.language.to_lowercase())
                    .build()
            } else {
                builder.build()
            };
            PagefindIndex::new(Some(options)).map_err(|e| fail("options", &e))
        };
        let mut index = new_index()?;
        let mut copies = copies;
        if let Some(staged) = staged {
            let added = index
                .add_directory(staged.dir_name(), Some(STAGED_GLOB.into()))
                .await
                .map_err(|e| fail("cannot index the pages", &e))?;
            drop_in_background(staged);
            if added != pages.len() {
                // A file could not be read back: start over in memory
                // rather than publish an index that lacks pages.
                index = new_index()?;
                copies = Some(
                    pages
                        .par_iter()
                        .map(|(_, html, _)| indexed_copy(html))
                        .collect(),
                );
            }
        }
        for ((path, _, source), copy) in pages.iter().zip(copies.into_iter().flatten()) {
            index
                .add_html_file(None, Some(page_url(path)), copy)
                .await
                .map_err(|e| {
                    Diagnostic::file(source, format!("search index: cannot index the page: {e}"))
                })?;
        }
        let bundle = index
            .get_files()
            .await
            .map_err(|e| fail("cannot build the index", &e))?;
        Ok::<_, Diagnostic>((bundle, index))
    })?;
    // Pagefind's copy of every page's words (gigabytes on a large site) is
    // freed while the build goes on.
    drop_in_background((index, runtime));
    let mut out: Vec<OutputFile> = bundle
        .into_iter()
        .map(|f| {
            let rel = f
                .filename
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            OutputFile {
                path: format!("{BUNDLE_DIR}/{rel}"),
                body: Body::Bytes(f.contents),
                source: site.config_file(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The indexed copies written as files under a temporary folder, at their
/// output paths, for Pagefind's `add_directory`, which parses files on every
/// core. It derives each page's URL from its path, as [`page_url`] does, and
/// numbers the pages in the order it walks the folder, which is the order of
/// the file system's listing. That order shows (a search with filters and no
/// words lists pages in it, ties in ranking follow it), so it must be the
/// order of the output paths, as when pages are added one by one: the folder
/// is made only on a file system that lists a folder's entries in the order
/// they were made (tmpfs does, on Linux 6.6 and later) or in reverse, the
/// files are written one after the other in the order that gives, and the
/// folder is walked again to check it before use. Elsewhere (ext4 lists by
/// hash) pages are handed over in memory, as before.
struct Staged {
    dir: tempfile::TempDir,
}

/// The glob Pagefind walks the staged folder with: only pages are there.
const STAGED_GLOB: &str = "**/*.html";

/// How a file system lists a folder, found by [`listing_order`].
#[derive(Clone, Copy, PartialEq, Debug)]
enum Listing {
    /// In the order the entries were made.
    Made,
    /// The last made first.
    Reversed,
}

impl Staged {
    /// Writes `copies` (of `pages`, by output path); `None` when no folder
    /// lists its files in a known order, a path is one Pagefind would turn
    /// into another URL, a file cannot be written or the walk differs.
    fn write(pages: &[(&str, &str, &Path)], copies: &[String]) -> Option<Staged> {
        if pages.is_empty() || !pages.iter().all(|(path, _, _)| is_plain_path(path)) {
            return None;
        }
        // A temporary folder, else shared memory (Linux: a tmpfs).
        let (dir, listing) = [std::env::temp_dir(), PathBuf::from("/dev/shm")]
            .into_iter()
            .find_map(|parent| {
                let dir = tempfile::Builder::new()
                    .prefix("minhbach-search-")
                    .tempdir_in(parent)
                    .ok()?;
                dir.path().to_str()?;
                let listing = listing_order(dir.path()).ok()??;
                Some((dir, listing))
            })?;
        let mut order: Vec<(&str, &String)> =
            pages.iter().map(|(path, _, _)| *path).zip(copies).collect();
        if listing == Listing::Reversed {
            order.reverse();
        }
        for (path, copy) in order {
            let file = dir.path().join(path);
            // Most pages are alone in their folder, which is made on demand.
            let written = fs::write(&file, copy).or_else(|_| {
                fs::create_dir_all(file.parent().expect("a page path has a file name"))?;
                fs::write(&file, copy)
            });
            written.ok()?;
        }
        let walked = walk(dir.path()).ok()?;
        let expected = pages.iter().map(|(path, _, _)| *path);
        (walked.len() == pages.len() && walked.iter().map(String::as_str).eq(expected))
            .then_some(Staged { dir })
    }

    fn dir_name(&self) -> String {
        self.dir
            .path()
            .to_str()
            .expect("checked when made")
            .to_string()
    }
}

/// How the file system holding `dir` lists a folder: a few files are made in
/// an order that a listing by name or by hash would give only by chance, then
/// listed.
fn listing_order(dir: &Path) -> io::Result<Option<Listing>> {
    const MADE: [&str; 8] = ["m", "c", "x", "a", "q", "f", "z", "b"];
    let probe = dir.join("probe");
    fs::create_dir(&probe)?;
    for name in MADE {
        fs::write(probe.join(name), "")?;
    }
    let listed = fs::read_dir(&probe)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<io::Result<Vec<_>>>()?;
    fs::remove_dir_all(&probe)?;
    let listed: Vec<&str> = listed.iter().filter_map(|n| n.to_str()).collect();
    Ok(if listed.iter().eq(MADE.iter()) {
        Some(Listing::Made)
    } else if listed.iter().eq(MADE.iter().rev()) {
        Some(Listing::Reversed)
    } else {
        None
    })
}

/// The files below `dir` in the order Pagefind's walk meets them, as
/// `/`-separated paths relative to `dir`: Pagefind walks with `wax`, which
/// walks with walkdir, unsorted (a folder's entries as listed, depth first).
fn walk(dir: &Path) -> io::Result<Vec<String>> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .filter(|e| e.as_ref().map_or(true, |e| !e.file_type().is_dir()))
        .map(|e| {
            let e = e?;
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("walkdir stays below its root");
            rel.components()
                .map(|c| c.as_os_str().to_str())
                .collect::<Option<Vec<_>>>()
                .map(|parts| parts.join("/"))
                .ok_or_else(|| io::Error::other("not UTF-8"))
        })
        .collect()
}

/// Whether Pagefind, finding a page at `path` in a folder it walks with the
/// glob `**/*.html`, gives it the URL [`page_url`] gives: the characters it
/// would percent-encode, and folders its glob would also take for pages
/// (`x.html/`) or that a walk might skip (`.x/`), are left to the fallback.
fn is_plain_path(path: &str) -> bool {
    let plain_byte = |b: u8| {
        b.is_ascii_graphic()
            && !matches!(
                b,
                b'"' | b'#' | b'%' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}' | b'\\'
            )
    };
    let parts: Vec<&str> = path.split('/').collect();
    let (file, folders) = parts.split_last().expect("split yields one part");
    path.bytes().all(plain_byte)
        && file.ends_with(".html")
        && parts.iter().all(|p| !p.is_empty() && !p.starts_with('.'))
        && folders.iter().all(|f| !f.ends_with(".html"))
}

/// Drops `value` on a thread of its own, so that freeing it (a large index,
/// thousands of files) does not hold up the build; inline when no thread can
/// be started.
fn drop_in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

/// `(output path, html, source)` of the pages to index, by output path.
fn pages_to_index<'a>(site: &Site, files: &'a [OutputFile]) -> Vec<(&'a str, &'a str, &'a Path)> {
    let search_page = format!("{}/index.html", site.config.paths.search);
    // Every HTML file (a few hundred megabytes on a large site) is checked
    // for UTF-8 and the mark on every core.
    let html: Vec<(&str, &str, &Path, bool)> = files
        .par_iter()
        .filter(|f| f.path.ends_with(".html"))
        .filter_map(|f| match &f.body {
            Body::Bytes(b) => std::str::from_utf8(b).ok().map(|html| {
                (
                    f.path.as_str(),
                    html,
                    f.source.as_path(),
                    html.contains(BODY_MARK),
                )
            }),
            _ => None,
        })
        .collect();
    let any_marked = html.iter().any(|&(_, _, _, marked)| marked);
    let mut pages: Vec<(&str, &str, &Path)> = html
        .into_iter()
        .filter(|&(path, html, _, marked)| {
            if any_marked {
                marked
            } else {
                path != search_page && path != "404.html" && !is_redirect(html)
            }
        })
        .map(|(path, html, source, _)| (path, html, source))
        .collect();
    pages.sort_by(|a, b| a.0.cmp(b.0));
    pages
}

/// The pages minhbach writes at old URLs (aliases, `page/1/`).
fn is_redirect(html: &str) -> bool {
    html.contains("http-equiv=\"refresh\"")
}

/// The URL Pagefind records for an output file, without the base path (the
/// search page tells Pagefind the prefix): `tin-tuc/a/index.html` → `/tin-tuc/a/`.
pub fn page_url(path: &str) -> String {
    match path.strip_suffix("index.html") {
        Some(dir) if dir.is_empty() || dir.ends_with('/') => format!("/{dir}"),
        _ => format!("/{path}"),
    }
}

/// `đ` → `d`, `Đ` → `D`; nothing else changes. The search page folds the
/// query the same way and recognises twins by it.
pub fn fold_d(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

fn has_d(s: &str) -> bool {
    s.contains(['đ', 'Đ'])
}

/// Elements whose start and end separate words in Pagefind's reading of a
/// page (it adds a space or a full stop there); every other tag joins the
/// text on both sides into one word.
const BREAKING: &[&str] = &[
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "td", "div", "ul", "li", "article", "section", "br",
    // Not Pagefind's, but the page's text ends there.
    "body", "html",
];

/// Block elements that Pagefind runs into their neighbours (`<dt>Địa
/// phương</dt><dd>Hà Nội</dd>` reads `phươngHà`): the indexed copy gets a
/// space outside each of their tags, so words do not glue together.
const SPACED: &[&str] = &[
    "dl",
    "dt",
    "dd",
    "table",
    "caption",
    "tr",
    "th",
    "ol",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "header",
    "footer",
    "aside",
    "main",
    "address",
    "details",
    "summary",
    "hr",
];

/// Elements whose content is not text (skipped whole; Pagefind drops them).
const OPAQUE: &[&str] = &["script", "style", "svg", "template"];

/// The copy of a page that Pagefind reads. Pagefind needs nothing before
/// `<body>`, nor, on a page with a `data-pagefind-body` element, anything
/// between `<body>` and that element (header, navigation), unless it carries
/// `data-pagefind-…` attributes (filters, metadata): such parts are left out,
/// which saves parsing. So is what follows the marked element (the footer)
/// when it holds no such attribute, no image and no `<h1>` (Pagefind's
/// defaults for a thumbnail and a title), and the content of the elements
/// Pagefind skips (`svg` charts were most of the bytes it parsed). The text
/// gets folded twins ([`add_folded_twins`]).
pub fn indexed_copy(html: &str) -> String {
    let body = find_ci(html, 0, "<body").unwrap_or(0);
    let from = match html.find(BODY_MARK) {
        Some(p) if p > body => html[..p].rfind('<').unwrap_or(body),
        _ => body,
    };
    let head = &html[..body];
    let skipped = &html[body..from];
    let mut out = String::with_capacity(html.len() - from + 64);
    if head.contains("data-pagefind") {
        out.push_str(head);
    } else {
        // The `<html>` tag itself stays: its `lang` picks the index of the
        // page's language edition.
        match find_ci(head, 0, "<html").and_then(|s| Some((s, s + head[s..].find('>')?))) {
            Some((s, e)) => out.push_str(&head[s..=e]),
            None => out.push_str("<html>"),
        }
    }
    if skipped.contains("data-pagefind") {
        out.push_str(&add_folded_twins(skipped));
    } else if from > body {
        out.push_str("<body>");
    }
    let end = if from > body {
        element_end(html, from).filter(|&e| {
            let tail = html[e..].to_ascii_lowercase();
            !["data-pagefind", "<img", "<h1"]
                .iter()
                .any(|k| tail.contains(k))
        })
    } else {
        None
    };
    match end {
        Some(e) => {
            out.push_str(&fold(&html[from..e], true));
            out.push_str("</body></html>");
        }
        None => out.push_str(&fold(&html[from..], true)),
    }
    out
}

/// Just past the end tag of the element starting at `html[start] == '<'`
/// (elements of the same name nested in it counted); `None` when it is
/// not closed.
fn element_end(html: &str, start: usize) -> Option<usize> {
    let name_of = |tag: &str| -> String {
        tag.trim_start_matches(['<', '/'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let first = scan_markup(html, start)?;
    let name = name_of(&html[start..first.end]);
    if name.is_empty() || OPAQUE.contains(&name.as_str()) {
        return None;
    }
    let mut depth = 0usize;
    let mut i = start;
    while let Some(k) = html[i..].find('<').map(|k| i + k) {
        let Some(tag) = scan_markup(html, k) else {
            i = k + 1;
            continue;
        };
        let text = &html[k..tag.end];
        if !text.starts_with("<!") && name_of(text) == name {
            if tag.closing {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(tag.end);
                }
            } else if !text.ends_with("/>") {
                depth += 1;
            }
        }
        i = tag.end;
    }
    None
}

/// Writes, after every word of `html` that holds `đ`/`Đ`, a
/// space and the word with `đ` folded to `d` (its *twin*): `Đảng ủy` is
/// indexed as `Đảng Dảng ủy`, so `dang uy` finds it, while Pagefind keeps
/// folding the other tone marks itself. Words are split where Pagefind splits
/// them (whitespace, `&nbsp;`, the tags in [`BREAKING`], tags with an `id`),
/// so a twin directly follows its word in the indexed text and the search page
/// can leave it out of titles and excerpts. The tags in [`SPACED`] get a
/// space beside them.
pub fn add_folded_twins(html: &str) -> String {
    fold(html, false)
}

/// [`add_folded_twins`]; with `empty_opaque`, the elements in [`OPAQUE`]
/// lose their content (unless it carries `data-pagefind-…` attributes):
/// Pagefind skips it, after parsing it.
fn fold(html: &str, empty_opaque: bool) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    // The current word: where its parts are in `html` (tags left out), and
    // whether it holds `đ`. Text is copied in runs; a twin, when one is due,
    // goes in before the space that ends its word.
    let mut word = Word::default();
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < html.len() {
        match bytes[i] {
            b'<' => {
                let Some(tag) = scan_markup(html, i) else {
                    // A lone `<` is text.
                    out.push('<');
                    word.add(html, i..i + 1);
                    i += 1;
                    continue;
                };
                if tag.breaks || tag.spaced {
                    word.end(html, &mut out);
                }
                if tag.spaced && !tag.closing {
                    out.push(' ');
                }
                let markup = &html[i..tag.end];
                match tag.content {
                    Some((open, close))
                        if empty_opaque && !html[open..close].contains("data-pagefind") =>
                    {
                        out.push_str(&html[i..open]);
                        out.push_str(&html[close..tag.end]);
                    }
                    _ => out.push_str(markup),
                }
                if tag.spaced && tag.closing {
                    out.push(' ');
                }
                i = tag.end;
            }
            b'&' => {
                let rest = &html[i..];
                if let Some(len) = ["&nbsp;", "&#160;", "&#xa0;", "&#xA0;"]
                    .iter()
                    .find(|e| rest.starts_with(**e))
                    .map(|e| e.len())
                {
                    word.end(html, &mut out);
                    out.push_str(&rest[..len]);
                    i += len;
                } else {
                    out.push('&');
                    word.add(html, i..i + 1);
                    i += 1;
                }
            }
            _ => {
                let end = bytes[i..]
                    .iter()
                    .position(|&b| b == b'<' || b == b'&')
                    .map_or(html.len(), |k| i + k);
                let (mut copied, mut part) = (i, i);
                let mut j = i;
                while j < end {
                    match whitespace_len(html, j) {
                        0 => j += 1,
                        len => {
                            word.add(html, part..j);
                            if word.has_d {
                                out.push_str(&html[copied..j]);
                                copied = j;
                            }
                            word.end(html, &mut out);
                            j += len;
                            part = j;
                        }
                    }
                }
                word.add(html, part..end);
                out.push_str(&html[copied..end]);
                i = end;
            }
        }
    }
    word.end(html, &mut out);
    out
}

/// The word [`fold`] is reading.
#[derive(Default)]
struct Word {
    parts: Vec<std::ops::Range<usize>>,
    has_d: bool,
}

impl Word {
    fn add(&mut self, html: &str, part: std::ops::Range<usize>) {
        if !part.is_empty() {
            self.has_d |= has_d(&html[part.clone()]);
            self.parts.push(part);
        }
    }

    /// Ends the word, writing its folded twin after it when it holds `đ`.
    fn end(&mut self, html: &str, out: &mut String) {
        if self.has_d {
            out.push(' ');
            for part in &self.parts {
                out.push_str(&fold_d(&html[part.clone()]));
            }
        }
        self.parts.clear();
        self.has_d = false;
    }
}

/// The length of the whitespace character (a separator of words for
/// Pagefind, as for `char::is_whitespace`) at `html[i]`, 0 when there is
/// none; matched on bytes, as most characters of Vietnamese text are
/// neither ASCII nor whitespace.
fn whitespace_len(html: &str, i: usize) -> usize {
    let b = html.as_bytes();
    let next = |k: usize| b.get(i + k).copied();
    match b[i] {
        b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' => 1,
        // U+0085, U+00A0
        0xc2 if matches!(next(1), Some(0x85 | 0xa0)) => 2,
        // U+1680
        0xe1 if (next(1), next(2)) == (Some(0x9a), Some(0x80)) => 3,
        // U+2000–U+200A, U+2028, U+2029, U+202F, U+205F
        0xe2 => match (next(1), next(2)) {
            (Some(0x80), Some(0x80..=0x8a | 0xa8 | 0xa9 | 0xaf)) | (Some(0x81), Some(0x9f)) => 3,
            _ => 0,
        },
        // U+3000
        0xe3 if (next(1), next(2)) == (Some(0x80), Some(0x80)) => 3,
        _ => 0,
    }
}

struct Markup {
    /// Just past the markup (for opaque elements, past their end tag).
    end: usize,
    /// Whether Pagefind separates words here.
    breaks: bool,
    /// Whether the indexed copy gets a space beside this tag ([`SPACED`]).
    spaced: bool,
    closing: bool,
    /// For an element in [`OPAQUE`] with an end tag: where its content
    /// starts and ends.
    content: Option<(usize, usize)>,
}

/// The comment, doctype or tag starting at `html[i] == '<'`; `None` when the
/// `<` does not start markup.
fn scan_markup(html: &str, i: usize) -> Option<Markup> {
    let rest = &html[i..];
    if let Some(comment) = rest.strip_prefix("<!--") {
        let end = comment.find("-->").map_or(html.len(), |k| i + 4 + k + 3);
        return Some(Markup {
            end,
            breaks: false,
            spaced: false,
            closing: false,
            content: None,
        });
    }
    let b = rest.as_bytes();
    let closing = b.get(1) == Some(&b'/');
    let name_start = if closing { 2 } else { 1 };
    let name_len = b[name_start..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
        .count();
    if name_len == 0 {
        return (b.get(1) == Some(&b'!') || b.get(1) == Some(&b'?')).then(|| Markup {
            end: rest.find('>').map_or(html.len(), |k| i + k + 1),
            breaks: false,
            spaced: false,
            closing: false,
            content: None,
        });
    }
    // The name in lower case, when it is short enough to be in a list below.
    let mut lower = [0u8; 10];
    let name = lower.get_mut(..name_len).map(|l| {
        l.copy_from_slice(&b[name_start..name_start + name_len]);
        l.make_ascii_lowercase();
        std::str::from_utf8(l).expect("ASCII")
    });
    let named = |list: &[&str]| name.is_some_and(|n| list.contains(&n));
    // The end of the tag, skipping quoted attribute values.
    let mut quote: Option<u8> = None;
    let mut k = name_start + name_len;
    while k < b.len() {
        match (quote, b[k]) {
            (None, b'"' | b'\'') => quote = Some(b[k]),
            (Some(q), c) if c == q => quote = None,
            (None, b'>') => break,
            _ => {}
        }
        k += 1;
    }
    let tag_end = (i + k + 1).min(html.len());
    let tag = &html[i..tag_end];
    let breaks = named(BREAKING) || (!closing && has_id_attribute(tag));
    let mut content = None;
    let end = if !closing && named(OPAQUE) && !tag.ends_with("/>") {
        match find_ci(html, tag_end, &format!("</{}", name.unwrap_or_default())) {
            Some(e) => {
                content = Some((tag_end, e));
                html[e..].find('>').map_or(html.len(), |g| e + g + 1)
            }
            None => html.len(),
        }
    } else {
        tag_end
    };
    Some(Markup {
        end,
        breaks,
        spaced: named(SPACED),
        closing,
        content,
    })
}

/// Whether a start tag has an `id` attribute (Pagefind marks anchors there,
/// which splits words).
fn has_id_attribute(tag: &str) -> bool {
    tag.as_bytes()
        .windows(4)
        .any(|w| matches!(w[0], b' ' | b'\t' | b'\n') && w[1..].eq_ignore_ascii_case(b"id="))
}

/// The byte position of `needle` (ASCII, lowercase) in `hay` from `from`,
/// ignoring ASCII case.
fn find_ci(hay: &str, from: usize, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    hay.as_bytes()[from..]
        .windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(s: &str) -> String {
        let html = format!("<html><head><title>Đảng</title></head><body>{s}</body></html>");
        let out = indexed_copy(&html);
        let start = out.find("<body>").unwrap() + 6;
        let end = out.rfind("</body>").unwrap();
        out[start..end].to_string()
    }

    #[test]
    fn words_with_d_get_a_folded_twin() {
        assert_eq!(body("<p>Đảng ủy phường</p>"), "<p>Đảng Dảng ủy phường</p>");
        assert_eq!(
            body("<p>Ban Dân vận Thành ủy. Đà Nẵng, đối thoại</p>"),
            "<p>Ban Dân vận Thành ủy. Đà Dà Nẵng, đối dối thoại</p>"
        );
        // Other tone marks stay: Pagefind folds them.
        assert_eq!(fold_d("Đường"), "Dường");
    }

    #[test]
    fn text_without_d_is_unchanged() {
        let html = "<html><body><p>Hà Nội, <b>dân</b> vận</p></body></html>";
        assert_eq!(add_folded_twins(html), html);
    }

    #[test]
    fn attributes_stay_as_they_are() {
        let html = "<a title=\"Đảng > x\" href=\"/đ\">Đi</a></body>";
        assert_eq!(
            add_folded_twins(html),
            "<a title=\"Đảng > x\" href=\"/đ\">Đi</a> Di</body>"
        );
    }

    #[test]
    fn the_indexed_copy_starts_at_the_marked_element() {
        let page = "<html lang=\"vi\"><head><title>Đảng</title></head><body><nav>Đi</nav>\
                    <article data-pagefind-body><h1>Đảng ủy</h1></article><footer>x</footer></body></html>";
        assert_eq!(
            indexed_copy(page),
            "<html lang=\"vi\"><body><article data-pagefind-body><h1>Đảng Dảng ủy</h1></article></body></html>"
        );
        // Filters and metadata before the marked element are kept.
        let page = "<html><head><meta data-pagefind-meta=\"a:b\"></head><body><p data-pagefind-filter=\"x:y\">Đ</p>\
                    <article data-pagefind-body>z</article></body></html>";
        assert_eq!(
            indexed_copy(page),
            "<html><head><meta data-pagefind-meta=\"a:b\"></head><body><p data-pagefind-filter=\"x:y\">Đ D</p>\
             <article data-pagefind-body>z</article></body></html>"
        );
        // Without a marked element, the whole body.
        assert_eq!(
            indexed_copy("<html><head><title>t</title></head><body><p>Đi</p></body></html>"),
            "<html><body><p>Đi Di</p></body></html>"
        );
    }

    #[test]
    fn inline_tags_do_not_split_words_but_blocks_do() {
        // Pagefind reads `<b>Đảng</b>,` as one word `Đảng,`.
        assert_eq!(body("<b>Đảng</b>, ủy"), "<b>Đảng</b>, Dảng, ủy");
        assert_eq!(body("Đ<em>ảng</em> x"), "Đ<em>ảng</em> Dảng x");
        assert_eq!(
            body("<li>Định</li><li>Đà</li>"),
            "<li>Định Dịnh</li><li>Đà Dà</li>"
        );
        assert_eq!(body("Đi<br>về"), "Đi Di<br>về");
        assert_eq!(body("<h2 id=\"x\">Đến</h2>"), "<h2 id=\"x\">Đến Dến</h2>");
        assert_eq!(body("Đi&nbsp;về"), "Đi Di&nbsp;về");
    }

    #[test]
    fn glued_blocks_are_spaced() {
        assert_eq!(
            body("<dl><dt>Địa điểm</dt><dd>Hà Nội</dd></dl>"),
            " <dl> <dt>Địa Dịa điểm diểm</dt>  <dd>Hà Nội</dd> </dl> "
        );
    }

    #[test]
    fn scripts_styles_svg_and_comments_are_skipped() {
        assert_eq!(
            body(
                "<script>let a = '<p>Đ</p>';</script><svg><text>Đà</text></svg><!-- Đ --><p>đi</p>"
            ),
            "<script></script><svg></svg><!-- Đ --><p>đi di</p>"
        );
        // Folding alone leaves them as they are.
        let html = "<script>let a = '<p>Đ</p>';</script><svg><text>Đà</text></svg>";
        assert_eq!(add_folded_twins(html), html);
    }

    #[test]
    fn the_indexed_copy_ends_with_the_marked_element_and_empties_charts() {
        let page = "<html><body><nav>x</nav><article data-pagefind-body><article>Đi</article>\
                    <svg><text>Đà</text></svg><svg data-x><g data-pagefind-filter=\"a:b\"></g></svg>\
                    </article><footer>Chân trang</footer></body></html>";
        assert_eq!(
            indexed_copy(page),
            "<html><body><article data-pagefind-body><article>Đi Di</article>\
             <svg></svg><svg data-x><g data-pagefind-filter=\"a:b\"></g></svg>\
             </article></body></html>"
        );
        // A tail with a filter, an image or a heading is kept.
        for tail in [
            "<p data-pagefind-filter=\"x:y\">z</p>",
            "<img src=\"a.png\">",
            "<H1>t</H1>",
        ] {
            let page = format!("<html><body><main data-pagefind-body>a</main>{tail}</body></html>");
            assert!(indexed_copy(&page).contains(tail), "{tail}");
        }
        // An element left open keeps the rest of the page.
        let page = "<html><body><main data-pagefind-body>a<footer>b</footer></body></html>";
        assert!(indexed_copy(page).contains("<footer>b</footer>"));
    }

    #[test]
    fn whitespace_is_matched_on_bytes_as_char_is_whitespace() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let s = format!("{c}x");
            let expected = if c.is_whitespace() { c.len_utf8() } else { 0 };
            assert_eq!(whitespace_len(&s, 0), expected, "{:?}", c);
        }
    }

    /// A page as the default theme marks one, in `lang`.
    fn page(lang: &str, title: &str, text: &str) -> String {
        format!(
            "<!doctype html><html lang=\"{lang}\"><head><title>{title}</title></head><body>\
             <nav>Trang chủ</nav><article data-pagefind-body>\
             <span hidden data-pagefind-filter=\"section:Tin tức\"></span>\
             <h1>{title}</h1><p>{text}</p><h2 id=\"muc\">Mục đích</h2><p>Đảng ủy {title}</p>\
             </article><footer>Chân trang</footer></body></html>"
        )
    }

    #[test]
    fn pages_parsed_from_files_give_the_bundle_of_pages_handed_over_in_memory() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(
            tmp.path().join(crate::config::CONFIG_FILE),
            "title = \"Thử\"\nbase_url = \"https://thu.example.gov.vn/\"\n",
        )
        .unwrap();
        let site = crate::config::load(tmp.path(), None).unwrap();
        // Many neighbours in one folder (their listing by name or by hash
        // would differ from the order they are numbered in), pages beside
        // each other in a folder, at the root, and deeper.
        let mut paths: Vec<String> = (0..40)
            .map(|k| {
                format!(
                    "tin-tuc/bai-{:02}-{}/index.html",
                    (k * 17) % 40,
                    ["dan-van", "dang-uy", "a"][k % 3]
                )
            })
            .collect();
        paths.extend(
            [
                "index.html",
                "tin-cu/b.html",
                "tin-cu/a.html",
                "tin-tuc/index.html",
                "a/b/c/d/index.html",
            ]
            .map(String::from),
        );
        let files: Vec<OutputFile> = paths
            .iter()
            .enumerate()
            .map(|(k, path)| OutputFile {
                path: path.clone(),
                body: Body::Bytes(
                    page(
                        "vi",
                        &format!("Bài {k} đường"),
                        &format!("Dân vận {k} lần thứ {}", k % 7),
                    )
                    .into_bytes(),
                ),
                source: PathBuf::from(path),
            })
            .collect();
        let staged = index_with(&site, &files, true).unwrap();
        let in_memory = index_with(&site, &files, false).unwrap();
        let bytes = |out: &[OutputFile]| -> Vec<(String, Vec<u8>)> {
            out.iter()
                .map(|f| match &f.body {
                    Body::Bytes(b) => (f.path.clone(), b.clone()),
                    _ => panic!("{}", f.path),
                })
                .collect()
        };
        assert!(staged.iter().any(|f| f.path.ends_with(".pf_fragment")));
        assert_eq!(bytes(&staged), bytes(&in_memory));
    }

    #[test]
    fn the_walk_lists_files_depth_first_in_the_listing_order() {
        let tmp = tempfile::tempdir().unwrap();
        let listing = listing_order(tmp.path()).unwrap();
        for path in ["b/index.html", "a.html", "b/c/index.html"] {
            let file = tmp.path().join(path);
            fs::create_dir_all(file.parent().unwrap()).unwrap();
            fs::write(file, "").unwrap();
        }
        let mut walked = walk(tmp.path()).unwrap();
        walked.sort();
        assert_eq!(walked, ["a.html", "b/c/index.html", "b/index.html"]);
        // The probe leaves nothing behind.
        assert!(!tmp.path().join("probe").exists(), "{listing:?}");
    }

    #[test]
    fn only_paths_pagefind_turns_into_the_same_url_are_staged() {
        for plain in [
            "index.html",
            "tin-tuc/a/index.html",
            "tin-cu/a_b.html",
            "x/(1)/index.html",
        ] {
            assert!(is_plain_path(plain), "{plain}");
        }
        for other in [
            "tin tuc/index.html",
            "tin-tức/index.html",
            "a%20b/index.html",
            "a#b/index.html",
            ".well-known/index.html",
            "a.html/index.html",
            "a//index.html",
            "a/index.htm",
        ] {
            assert!(!is_plain_path(other), "{other}");
        }
    }

    #[test]
    fn urls_drop_index_html() {
        assert_eq!(page_url("tin-tuc/a/index.html"), "/tin-tuc/a/");
        assert_eq!(page_url("index.html"), "/");
        assert_eq!(page_url("tin-cu/a.html"), "/tin-cu/a.html");
        assert_eq!(page_url("xindex.html"), "/xindex.html");
    }
}
