//! Markdown: renders page bodies to HTML with heading ids, a table of contents,
//! summaries, checked internal links (`@/…`) and shortcode calls.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::text;

/// A shortcode argument value.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl ArgValue {
    pub fn type_name(&self) -> &'static str {
        match self {
            ArgValue::Str(_) => "a string",
            ArgValue::Int(_) => "an integer",
            ArgValue::Float(_) => "a number",
            ArgValue::Bool(_) => "true or false",
        }
    }
}

/// `{{ name(key=value, …) }}` on a line of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortcodeCall {
    pub name: String,
    pub args: Vec<(String, ArgValue)>,
}

/// What rendering needs from the rest of the site.
pub trait Host: Sync {
    /// Root-relative URL of the page or section whose source is `rel`
    /// (`tin-tuc/abc.md`), if it exists.
    fn resolve(&self, rel: &str) -> Option<String>;
    /// HTML for a shortcode call, or what is wrong with it.
    fn shortcode(&self, call: &ShortcodeCall) -> Result<String, String>;
    /// The URL of a file referenced relatively from the page (`anh.jpg`).
    fn asset(&self, src: &str) -> String {
        src.to_string()
    }
}

/// A reference to a file beside the page: no scheme, not absolute, not an anchor.
fn is_relative_file(url: &str) -> bool {
    !url.is_empty()
        && !url.starts_with(['/', '#', '?'])
        && !url.starts_with("@/")
        && !url
            .split('/')
            .next()
            .is_some_and(|first| first.contains(':'))
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<TocEntry>,
}

/// A `@/` link to check once every page's anchors are known.
#[derive(Debug, Clone, PartialEq)]
pub struct InternalLink {
    pub target: String,
    pub anchor: Option<String>,
    pub line: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    /// The part before `<!-- more -->`, else the first paragraph.
    pub summary_html: String,
    /// The summary as plain text, for descriptions and feeds.
    pub summary_text: String,
    pub toc: Vec<TocEntry>,
    /// Every element id the body defines (headings, footnotes).
    pub anchors: Vec<String>,
    pub links: Vec<InternalLink>,
    pub word_count: usize,
}

/// A problem at a 1-based line of the file.
pub type LineError = (usize, String);

const MORE: &str = "<!-- more -->";

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders a body that starts at line `first_line` of its file.
pub fn render(body: &str, first_line: usize, host: &dyn Host) -> Result<Rendered, Vec<LineError>> {
    let mut errors = Vec::new();
    let (source, shortcodes) = expand_shortcodes(body, first_line, host, &mut errors);
    // Where lines start, for the line of an internal link or an error: found
    // only when a page has one (most pages have none, and the scan covers
    // the whole text).
    let line_starts = std::cell::OnceCell::new();
    let line_at = |offset: usize| {
        let starts: &Vec<usize> = line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(source.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        starts.partition_point(|&s| s <= offset) + first_line - 1
    };

    // Sized for the text (an event for every couple of dozen bytes of
    // prose): grown from empty, it was copied eight times a page.
    let mut events: Vec<Event> = Vec::with_capacity(source.len() / 24 + 16);
    let mut out = Rendered::default();
    let mut heading_text: Option<String> = None;
    let mut heading_start = 0;
    let mut used_ids: Vec<String> = Vec::new();
    let mut more_at = None;
    let mut first_para: Option<(usize, Option<usize>)> = None;
    let mut word_count = 0;
    let mut toc_flat: Vec<(u8, String, String)> = Vec::new();

    for (event, range) in Parser::new_ext(&source, options()).into_offset_iter() {
        match &event {
            Event::Start(Tag::Heading { .. }) => {
                heading_text = Some(String::new());
                heading_start = events.len();
            }
            Event::End(TagEnd::Heading(level)) => {
                let title = heading_text.take().unwrap_or_default();
                if let Event::Start(Tag::Heading { id, .. }) = &mut events[heading_start] {
                    let base = match id {
                        Some(given) => given.to_string(),
                        None => {
                            let s = text::slugify(&title);
                            if s.is_empty() { "muc".to_string() } else { s }
                        }
                    };
                    let unique = unique_id(&base, &used_ids);
                    used_ids.push(unique.clone());
                    *id = Some(CowStr::from(unique.clone()));
                    if *level >= HeadingLevel::H2 && *level <= HeadingLevel::H4 {
                        toc_flat.push((*level as u8, unique, title.trim().to_string()));
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading_text.as_mut() {
                    h.push_str(t);
                }
                // Vietnamese separates syllables with plain spaces; counting
                // ASCII-whitespace runs is exact enough for reading time and
                // far cheaper than Unicode whitespace over the whole body.
                word_count += count_words(t.as_bytes());
            }
            Event::Start(Tag::Paragraph) if first_para.is_none() && more_at.is_none() => {
                first_para = Some((events.len(), None));
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some((_, end @ None)) = &mut first_para {
                    *end = Some(events.len() + 1);
                }
            }
            Event::Html(h) | Event::InlineHtml(h) if h.trim() == MORE && more_at.is_none() => {
                more_at = Some(events.len());
                continue;
            }
            Event::Html(h) => {
                if let Some(i) = placeholder_index(h) {
                    events.push(Event::Html(CowStr::from(shortcodes[i].clone())));
                    continue;
                }
            }
            Event::Start(Tag::FootnoteDefinition(name)) => used_ids.push(name.to_string()),
            Event::Start(Tag::Table(_)) => {
                events.push(Event::Html(CowStr::from("<div class=\"table-scroll\">")))
            }
            _ => {}
        }
        let event = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if dest_url.starts_with("@/") => {
                let line = line_at(range.start);
                let (target, anchor) = match dest_url[2..].split_once('#') {
                    Some((t, a)) => (t.to_string(), Some(a.to_string())),
                    None => (dest_url[2..].to_string(), None),
                };
                let url = match host.resolve(&target) {
                    Some(u) => u,
                    None => {
                        errors.push((
                            line,
                            format!(
                                "internal link to {dest_url}: no page or section content/{target}"
                            ),
                        ));
                        String::new()
                    }
                };
                let href = match &anchor {
                    Some(a) => format!("{url}#{a}"),
                    None => url,
                };
                out.links.push(InternalLink {
                    target,
                    anchor,
                    line,
                });
                Event::Start(Tag::Link {
                    link_type,
                    dest_url: CowStr::from(href),
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) if dest_url.contains("..") => {
                errors.push((
                    line_at(range.start),
                    format!("image \"{dest_url}\" points outside the page (`..`)"),
                ));
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            // Relative files are published beside the page's source, which is
            // not the page's own URL for a single-file page: make them absolute.
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) if is_relative_file(&dest_url) => Event::Start(Tag::Image {
                link_type,
                dest_url: CowStr::from(host.asset(&dest_url)),
                title,
                id,
            }),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if is_relative_file(&dest_url) => Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::from(host.asset(&dest_url)),
                title,
                id,
            }),
            other => other,
        };
        let is_table_end = matches!(event, Event::End(TagEnd::Table));
        events.push(event);
        if is_table_end {
            events.push(Event::Html(CowStr::from("</div>")));
        }
    }

    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.iter().cloned());
    out.html = html;
    let summary_range = match (more_at, first_para) {
        (Some(end), _) => Some(0..end),
        (None, Some((start, Some(end)))) => Some(start..end),
        _ => None,
    };
    if let Some(r) = summary_range {
        let mut s = String::new();
        pulldown_cmark::html::push_html(&mut s, events[r.clone()].iter().cloned());
        out.summary_html = s;
        let pieces = events[r].iter().filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
            // Breaks and block ends separate words, so paragraphs do
            // not run together.
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::BlockQuote(_)
                | TagEnd::TableCell
                | TagEnd::CodeBlock,
            ) => Some(" "),
            _ => None,
        });
        out.summary_text = collapse_whitespace(pieces);
    }
    out.word_count = word_count;
    out.toc = nest_toc(toc_flat);
    out.anchors = used_ids;
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The pieces joined, each run of whitespace made one space, none at either
/// end: in one pass, without the whole text first collected and split.
fn collapse_whitespace<'a>(pieces: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    let mut gap = false;
    for piece in pieces {
        let mut rest = piece;
        loop {
            let start = rest.trim_start();
            gap |= start.len() != rest.len();
            if start.is_empty() {
                break;
            }
            let end = start.find(char::is_whitespace).unwrap_or(start.len());
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            // A word that ends a piece may go on in the next one (text
            // split by an inline tag): no space is added between them.
            out.push_str(&start[..end]);
            rest = &start[end..];
        }
    }
    out
}

fn unique_id(base: &str, used: &[String]) -> String {
    if !used.iter().any(|u| u == base) {
        return base.to_string();
    }
    (1..)
        .map(|n| format!("{base}-{n}"))
        .find(|c| !used.contains(c))
        .expect("some suffix is free")
}

fn nest_toc(flat: Vec<(u8, String, String)>) -> Vec<TocEntry> {
    fn insert(list: &mut Vec<TocEntry>, e: TocEntry) {
        match list.last_mut() {
            Some(last) if e.level > last.level => insert(&mut last.children, e),
            _ => list.push(e),
        }
    }
    let mut out = Vec::new();
    for (level, id, title) in flat {
        insert(
            &mut out,
            TocEntry {
                level,
                id,
                title,
                children: Vec::new(),
            },
        );
    }
    out
}

const PLACEHOLDER: &str = "<!--minhbach-shortcode:";

fn placeholder_index(html: &str) -> Option<usize> {
    html.trim()
        .strip_prefix(PLACEHOLDER)?
        .strip_suffix("-->")?
        .parse()
        .ok()
}

/// Replaces each shortcode line with a placeholder comment (keeping the line
/// count, so later errors still point at the right line) and renders the calls.
fn expand_shortcodes(
    body: &str,
    first_line: usize,
    host: &dyn Host,
    errors: &mut Vec<LineError>,
) -> (String, Vec<String>) {
    if !body.contains("{{") {
        return (body.to_string(), Vec::new());
    }
    let mut out = String::with_capacity(body.len());
    let mut rendered = Vec::new();
    let mut fence: Option<String> = None;
    for (i, raw_line) in body.split_inclusive('\n').enumerate() {
        let line = raw_line.trim();
        if let Some(f) = &fence {
            if line.starts_with(f.as_str()) {
                fence = None;
            }
            out.push_str(raw_line);
            continue;
        }
        if line.starts_with("```") || line.starts_with("~~~") {
            fence = Some(line[..3].to_string());
            out.push_str(raw_line);
            continue;
        }
        if line.starts_with("{{") && line.ends_with("}}") && !line.starts_with("{{/*") {
            match parse_shortcode(line).and_then(|call| host.shortcode(&call)) {
                Ok(html) => {
                    out.push_str(&format!("{PLACEHOLDER}{}-->", rendered.len()));
                    out.push_str(if raw_line.ends_with('\n') { "\n" } else { "" });
                    rendered.push(html);
                }
                Err(e) => {
                    errors.push((first_line + i, e));
                    out.push_str(raw_line);
                }
            }
            continue;
        }
        out.push_str(raw_line);
    }
    (out, rendered)
}

/// Parses `{{ name(key=value, …) }}`.
pub fn parse_shortcode(line: &str) -> Result<ShortcodeCall, String> {
    let inner = line
        .trim()
        .strip_prefix("{{")
        .and_then(|s| s.strip_suffix("}}"))
        .ok_or("a shortcode is written {{ name(key=value, …) }}")?
        .trim();
    let open = inner
        .find('(')
        .ok_or_else(|| format!("expected `(` after the shortcode name in {line:?}"))?;
    let name = inner[..open].trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!(
            "a shortcode name is letters, digits and `_`, got {name:?}"
        ));
    }
    let args_src = inner[open + 1..]
        .strip_suffix(')')
        .ok_or_else(|| format!("expected `)` at the end of the shortcode call {line:?}"))?;
    let mut args = Vec::new();
    let mut rest = args_src.trim();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| format!("expected key=value in {rest:?}"))?;
        let key = rest[..eq].trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!(
                "an argument name is letters, digits and `_`, got {key:?}"
            ));
        }
        if args.iter().any(|(k, _)| k == key) {
            return Err(format!("the argument `{key}` is given twice"));
        }
        let after = rest[eq + 1..].trim_start();
        let (value, remaining) = parse_value(after)?;
        args.push((key.to_string(), value));
        let remaining = remaining.trim_start();
        rest = match remaining.strip_prefix(',') {
            Some(r) => r.trim_start(),
            None if remaining.is_empty() => remaining,
            None => {
                return Err(format!(
                    "expected `,` between arguments before {remaining:?}"
                ));
            }
        };
    }
    Ok(ShortcodeCall {
        name: name.to_string(),
        args,
    })
}

fn parse_value(s: &str) -> Result<(ArgValue, &str), String> {
    if let Some(q) = s.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let mut out = String::new();
        let mut chars = s[1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, e)) => out.push(e),
                    None => break,
                },
                c if c == q => return Ok((ArgValue::Str(out), &s[1 + i + 1..])),
                c => out.push(c),
            }
        }
        return Err(format!("unterminated string in {s:?}"));
    }
    let end = s
        .find(|c: char| c == ',' || c.is_whitespace())
        .unwrap_or(s.len());
    let (tok, rest) = s.split_at(end);
    let value = match tok {
        "true" => ArgValue::Bool(true),
        "false" => ArgValue::Bool(false),
        _ => {
            if let Ok(i) = tok.parse::<i64>() {
                ArgValue::Int(i)
            } else if let Ok(f) = tok.parse::<f64>() {
                ArgValue::Float(f)
            } else {
                return Err(format!(
                    "expected a quoted string, a number or true/false, got {tok:?}"
                ));
            }
        }
    };
    Ok((value, rest))
}

/// The number of runs of non-whitespace bytes in `s`, as
/// `split_ascii_whitespace().count()` gives it: a word starts wherever a
/// byte that is not ASCII whitespace follows one that is (or opens `s`).
/// Counted over byte pairs into one-byte lanes, 255 pairs at a time (so no
/// lane overflows), which compiles to whole-vector compares and adds: eight
/// times faster than the iterator, which went a byte at a time (1.1 against
/// 8.3 ms per 10 MB of Vietnamese text).
fn count_words(s: &[u8]) -> usize {
    fn space(b: u8) -> bool {
        // b' ', \t, \n, \x0C, \r: what `u8::is_ascii_whitespace` takes.
        b == b' ' || (b.wrapping_sub(b'\t') < 5 && b != 0x0B)
    }
    let Some(&first) = s.first() else {
        return 0;
    };
    let mut words = usize::from(!space(first));
    for (a, b) in s.chunks(255).zip(s[1..].chunks(255)) {
        let starts = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| u8::from(space(x) & !space(y)))
            .fold(0u8, u8::wrapping_add);
        words += usize::from(starts);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_whitespace_collapses_as_split_whitespace_and_join_do() {
        let cases: &[&[&str]] = &[
            &[],
            &[""],
            &["  "],
            &["Đảng ủy", " ", "tỉnh"],
            &["dân", "vận", " khéo "],
            &["  đầu", "\u{a0}giữa\u{2003}", "cuối\n"],
            &["a\t\tb", "", " ", "c  d"],
        ];
        for pieces in cases {
            let expected = pieces
                .concat()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(
                collapse_whitespace(pieces.iter().copied()),
                expected,
                "{pieces:?}"
            );
        }
    }

    #[test]
    fn words_are_counted_as_ascii_whitespace_splits_them() {
        for s in [
            "",
            " ",
            "một",
            "Đảng ủy  tỉnh\tđã\nhọp",
            "  leading and trailing  ",
            "a\x0Bb",
            "\x0C\r\n x",
            "tab\t\tend\r",
            // Across the 255-pair blocks the count works in.
            &"ab ".repeat(200),
            &format!("{} x", "y".repeat(254)),
            &format!("{}x", " ".repeat(255)),
            &format!("{} x", " ".repeat(256)),
            &"đ ".repeat(300),
        ] {
            assert_eq!(
                count_words(s.as_bytes()),
                s.split_ascii_whitespace().count(),
                "{s:?}"
            );
        }
    }

    struct TestHost;
    impl Host for TestHost {
        fn resolve(&self, rel: &str) -> Option<String> {
            (rel == "tin-tuc/a.md").then(|| "/tin-tuc/a/".to_string())
        }
        fn shortcode(&self, call: &ShortcodeCall) -> Result<String, String> {
            match call.name.as_str() {
                "box" => Ok("<div class=\"box\"></div>".into()),
                other => Err(format!("unknown shortcode {other:?}")),
            }
        }
    }

    fn md(s: &str) -> Rendered {
        render(s, 1, &TestHost).unwrap()
    }

    #[test]
    fn heading_ids_are_folded_and_unique() {
        let r = md("## Đẩy mạnh dân vận\n\n## Đẩy mạnh dân vận\n\n### Kết quả {#ket-qua-rieng}\n");
        assert!(
            r.html.contains("<h2 id=\"day-manh-dan-van\">"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<h2 id=\"day-manh-dan-van-1\">"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<h3 id=\"ket-qua-rieng\">"), "{}", r.html);
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[1].children[0].id, "ket-qua-rieng");
    }

    #[test]
    fn summary_is_text_before_more_or_first_paragraph() {
        let r = md("Mở đầu *ngắn*.\n\n<!-- more -->\n\nPhần sau.\n");
        assert_eq!(r.summary_html.trim(), "<p>Mở đầu <em>ngắn</em>.</p>");
        assert_eq!(r.summary_text, "Mở đầu ngắn.");
        assert!(!r.html.contains("more"));
        let r = md("## Tiêu đề\n\nĐoạn một.\n\nĐoạn hai.\n");
        assert_eq!(r.summary_text, "Đoạn một.");
    }

    #[test]
    fn internal_links_resolve_and_report_lines() {
        let r = md("Xem [bài](@/tin-tuc/a.md#ket-qua).\n");
        assert!(
            r.html.contains("href=\"/tin-tuc/a/#ket-qua\""),
            "{}",
            r.html
        );
        assert_eq!(r.links[0].anchor.as_deref(), Some("ket-qua"));
        let err = render("dòng 1\n\nXem [bài](@/khong-co.md).\n", 10, &TestHost).unwrap_err();
        assert_eq!(err[0].0, 12);
        assert!(err[0].1.contains("content/khong-co.md"));
    }

    #[test]
    fn shortcodes_render_on_their_own_line_only() {
        let r = md("Trước\n{{ box() }}\nSau {{ box() }}\n\n```\n{{ nope() }}\n```\n");
        assert!(r.html.contains("<div class=\"box\"></div>"), "{}", r.html);
        assert!(r.html.contains("Sau {{ box() }}"), "{}", r.html);
        assert!(r.html.contains("{{ nope() }}"), "{}", r.html);
        let err = render("a\n\n{{ nope(x=1) }}\n", 5, &TestHost).unwrap_err();
        assert_eq!(err, vec![(7, "unknown shortcode \"nope\"".to_string())]);
    }

    #[test]
    fn relative_files_resolve_through_the_host() {
        struct H;
        impl Host for H {
            fn resolve(&self, _: &str) -> Option<String> {
                None
            }
            fn shortcode(&self, _: &ShortcodeCall) -> Result<String, String> {
                Err(String::new())
            }
            fn asset(&self, src: &str) -> String {
                format!("/tin-tuc/{src}")
            }
        }
        let r = render(
            "![ảnh](anh.jpg) [pdf](bao-cao.pdf) [web](https://x.vn/a) [top](#a) [abs](/b/)\n",
            1,
            &H,
        )
        .unwrap();
        assert!(r.html.contains("src=\"/tin-tuc/anh.jpg\""), "{}", r.html);
        assert!(
            r.html.contains("href=\"/tin-tuc/bao-cao.pdf\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("href=\"https://x.vn/a\""), "{}", r.html);
        assert!(r.html.contains("href=\"#a\""), "{}", r.html);
        assert!(r.html.contains("href=\"/b/\""), "{}", r.html);
    }

    #[test]
    fn shortcode_arguments_parse() {
        let c = parse_shortcode(
            "{{ chart(indicator=\"sipas\", entity='ha-noi', year=2023, x=-1.5, on=true) }}",
        )
        .unwrap();
        assert_eq!(c.name, "chart");
        assert_eq!(
            c.args,
            vec![
                ("indicator".into(), ArgValue::Str("sipas".into())),
                ("entity".into(), ArgValue::Str("ha-noi".into())),
                ("year".into(), ArgValue::Int(2023)),
                ("x".into(), ArgValue::Float(-1.5)),
                ("on".into(), ArgValue::Bool(true)),
            ]
        );
        assert!(parse_shortcode("{{ chart(indicator=sipas) }}").is_err());
        assert!(parse_shortcode("{{ chart(a=1 b=2) }}").is_err());
        assert!(parse_shortcode("{{ chart(a=\"x) }}").is_err());
        assert!(parse_shortcode("{{ chart(a=1, a=2) }}").is_err());
        assert!(parse_shortcode("{{ chart }}").is_err());
    }

    #[test]
    fn tables_footnotes_strikethrough_and_smart_punctuation() {
        let r = md("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~cũ~~ \"mới\"[^1]\n\n[^1]: Ghi chú.\n");
        assert!(
            r.html.contains("<div class=\"table-scroll\"><table>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<del>cũ</del>"), "{}", r.html);
        assert!(r.html.contains("“mới”"), "{}", r.html);
        assert!(r.html.contains("footnote"), "{}", r.html);
    }
}
