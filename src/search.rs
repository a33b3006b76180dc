//! Search: indexes the rendered pages with Pagefind and returns its bundle
//! (`pagefind/…`: the index, its JavaScript and WebAssembly) as more output
//! files. Pagefind ignores tone marks but keeps `đ` apart from `d`, so the
//! copy it indexes carries a folded twin after every word with `đ`.

use std::path::PathBuf;

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
pub fn index(site: &Site, files: &[OutputFile]) -> Result<Vec<OutputFile>, Diagnostic> {
    let pages = pages_to_index(site, files);
    let prepared: Vec<(String, String, PathBuf)> = pages
        .par_iter()
        .map(|(path, html, source)| (page_url(path), indexed_copy(html), source.to_path_buf()))
        .collect();
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        Diagnostic::file(site.config_file(), format!("search index: {what}: {e}"))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| fail("cannot start", &e))?;
    let bundle = runtime.block_on(async {
        // One language: index it as such. Several editions: Pagefind splits
        // the index by each page's `<html lang>`, and each edition's search
        // page loads its own language's index.
        let builder = PagefindServiceConfig::builder();
        let options = if site.config.languages.is_empty() {
            builder
                .force_language(site.config.language.to_lowercase())
                .build()
        } else {
            builder.build()
        };
        let mut index = PagefindIndex::new(Some(options)).map_err(|e| fail("options", &e))?;

        for (url, html, source) in prepared {
            index
                .add_html_file(None, Some(url), html)
                .await
                .map_err(|e| {
                    Diagnostic::file(&source, format!("search index: cannot index the page: {e}"))
                })?;
        }
        index
            .get_files()
            .await
            .map_err(|e| fail("cannot build the index", &e))
    })?;
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

/// `(output path, html, source)` of the pages to index, by output path.
fn pages_to_index<'a>(
    site: &Site,
    files: &'a [OutputFile],
) -> Vec<(&'a str, &'a str, &'a std::path::Path)> {
    let search_page = format!("{}/index.html", site.config.paths.search);
    let mut pages: Vec<(&str, &str, &std::path::Path)> = files
        .iter()
        .filter(|f| f.path.ends_with(".html"))
        .filter_map(|f| match &f.body {
            Body::Bytes(b) => std::str::from_utf8(b)
                .ok()
                .map(|html| (f.path.as_str(), html, f.source.as_path())),
            _ => None,
        })
        .collect();
    if pages.iter().any(|(_, html, _)| html.contains(BODY_MARK)) {
        pages.retain(|(_, html, _)| html.contains(BODY_MARK));
    } else {
        pages.retain(|(path, html, _)| {
            *path != search_page && *path != "404.html" && !is_redirect(html)
        });
    }
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
    // The current word: its text (tags left out) and whether it holds `đ`.
    let mut word = String::new();
    let flush = |out: &mut String, word: &mut String| {
        if has_d(word) {
            out.push(' ');
            out.push_str(&fold_d(word));
        }
        word.clear();
    };
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < html.len() {
        match bytes[i] {
            b'<' => {
                let Some(tag) = scan_markup(html, i) else {
                    // A lone `<` is text.
                    out.push('<');
                    word.push('<');
                    i += 1;
                    continue;
                };
                if tag.breaks || tag.spaced {
                    flush(&mut out, &mut word);
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
                    flush(&mut out, &mut word);
                    out.push_str(&rest[..len]);
                    i += len;
                } else {
                    out.push('&');
                    word.push('&');
                    i += 1;
                }
            }
            _ => {
                let c = html[i..].chars().next().expect("inside the string");
                if c.is_whitespace() {
                    flush(&mut out, &mut word);
                } else {
                    word.push(c);
                }
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    flush(&mut out, &mut word);
    out
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
    let name = rest[name_start..name_start + name_len].to_ascii_lowercase();
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
    let breaks = BREAKING.contains(&name.as_str()) || (!closing && has_id_attribute(tag));
    let mut content = None;
    let end = if !closing && OPAQUE.contains(&name.as_str()) && !tag.ends_with("/>") {
        match find_ci(html, tag_end, &format!("</{name}")) {
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
        spaced: SPACED.contains(&name.as_str()),
        closing,
        content,
    })
}

/// Whether a start tag has an `id` attribute (Pagefind marks anchors there,
/// which splits words).
fn has_id_attribute(tag: &str) -> bool {
    let lower = tag.to_ascii_lowercase();
    [" id=", "\tid=", "\nid="].iter().any(|p| lower.contains(p))
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
    fn urls_drop_index_html() {
        assert_eq!(page_url("tin-tuc/a/index.html"), "/tin-tuc/a/");
        assert_eq!(page_url("index.html"), "/");
        assert_eq!(page_url("tin-cu/a.html"), "/tin-cu/a.html");
        assert_eq!(page_url("xindex.html"), "/xindex.html");
    }
}
