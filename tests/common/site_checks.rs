//! Checks on generated files, shared by the data-page, newsroom and showcase
//! tests: a small strict XML reader (feeds, sitemaps, SVG charts), JSON-LD,
//! meta-tag and link extraction from HTML, and a failing build through the
//! binary that must leave an earlier output untouched.
//!
//! Include it beside `common` with
//! `#[path = "common/site_checks.rs"] mod site_checks;`.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use crate::common::{build_ok, hash_tree};

// ---------------------------------------------------------------- XML

/// A node of a parsed XML document.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// An XML element with its attributes (entities decoded) and children.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The child elements called `name`.
    pub fn all(&self, name: &str) -> Vec<&Element> {
        self.elements().filter(|e| e.name == name).collect()
    }

    /// The first child element called `name`.
    pub fn first(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The text of the first child called `name`, panicking if there is none.
    #[track_caller]
    pub fn child_text(&self, name: &str) -> String {
        self.first(name)
            .unwrap_or_else(|| panic!("<{}> has no <{name}>: {self:?}", self.name))
            .text()
    }

    /// Every text below this element, concatenated.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for c in &self.children {
            match c {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => out.push_str(&e.text()),
            }
        }
        out
    }

    /// This element and every element below it, in document order.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = vec![self];
        for e in self.elements() {
            out.extend(e.descendants());
        }
        out
    }
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_alphanumeric() || "-_.:".contains(c))
}

/// Decodes the five XML entities and character references; any other `&`
/// is an error, as in XML.
pub fn decode_xml(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let semi = after
            .find(';')
            .filter(|&k| k <= 10)
            .ok_or_else(|| format!("a bare `&` in {s:?}"))?;
        let ent = &after[..semi];
        let c = match ent {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = ent.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = ent.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("unknown entity &{ent}; in {s:?}"))?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The end of a tag that starts at `s[0] == '<'`: the index of the first
/// `>` outside quotes.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Parses `name a="1" b='2'` (the inside of a start tag, without `<`, `>`
/// and a closing `/`).
fn parse_start_tag(inner: &str) -> Result<Element, String> {
    let inner = inner.trim_end();
    let name_end = inner
        .find(|c: char| c.is_whitespace())
        .unwrap_or(inner.len());
    let name = &inner[..name_end];
    if !is_name(name) {
        return Err(format!("bad element name {name:?}"));
    }
    let mut el = Element {
        name: name.to_string(),
        ..Element::default()
    };
    let mut rest = &inner[name_end..];
    loop {
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            break;
        }
        if trimmed.len() == rest.len() {
            return Err(format!(
                "attributes of <{name}> need white space between them"
            ));
        }
        let eq = trimmed
            .find('=')
            .ok_or_else(|| format!("attribute without a value in <{inner}>"))?;
        let key = trimmed[..eq].trim();
        if !is_name(key) {
            return Err(format!("bad attribute name {key:?} in <{name}>"));
        }
        let value_part = trimmed[eq + 1..].trim_start();
        let q = value_part
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
            .ok_or_else(|| format!("unquoted value of {key} in <{name}>"))?;
        let close = value_part[1..]
            .find(q)
            .ok_or_else(|| format!("unterminated value of {key} in <{name}>"))?;
        let raw = &value_part[1..1 + close];
        if raw.contains('<') {
            return Err(format!("a raw `<` in the value of {key} in <{name}>"));
        }
        if el.attr(key).is_some() {
            return Err(format!("attribute {key} twice in <{name}>"));
        }
        el.attrs.push((key.to_string(), decode_xml(raw)?));
        rest = &value_part[close + 2..];
    }
    Ok(el)
}

/// Parses a whole XML document strictly enough to prove it well-formed:
/// one root, matching tags, quoted attributes, known entities, no raw `<`
/// or `&` in text. Namespaces are kept as written (`xmlns` is an attribute).
pub fn parse_xml(src: &str) -> Result<Element, String> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut pos = 0;
    let attach = |stack: &mut Vec<Element>, root: &mut Option<Element>, el: Element| match stack
        .last_mut()
    {
        Some(parent) => parent.children.push(Node::Element(el)),
        None => *root = Some(el),
    };
    while pos < src.len() {
        let rest = &src[pos..];
        if let Some(body) = rest.strip_prefix("<?") {
            if body.starts_with("xml ") && pos != 0 {
                return Err("the XML declaration must come first".into());
            }
            pos += 2 + body.find("?>").ok_or("unterminated <?")? + 2;
        } else if let Some(body) = rest.strip_prefix("<!--") {
            pos += 4 + body.find("-->").ok_or("unterminated comment")? + 3;
        } else if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let end = body.find("]]>").ok_or("unterminated CDATA")?;
            let parent = stack.last_mut().ok_or("CDATA outside the root element")?;
            parent.children.push(Node::Text(body[..end].to_string()));
            pos += 9 + end + 3;
        } else if rest.starts_with("<!") {
            if root.is_some() || !stack.is_empty() {
                return Err("a declaration inside the document".into());
            }
            pos += rest.find('>').ok_or("unterminated <!")? + 1;
        } else if let Some(body) = rest.strip_prefix("</") {
            let end = body.find('>').ok_or("unterminated end tag")?;
            let name = body[..end].trim_end();
            let el = stack
                .pop()
                .ok_or_else(|| format!("</{name}> closes nothing"))?;
            if el.name != name {
                return Err(format!("</{name}> closes <{}>", el.name));
            }
            attach(&mut stack, &mut root, el);
            pos += 2 + end + 1;
        } else if rest.starts_with('<') {
            if root.is_some() && stack.is_empty() {
                return Err("a second root element".into());
            }
            let end = tag_end(rest).ok_or("unterminated start tag")?;
            let inner = &rest[1..end];
            let (inner, empty) = match inner.strip_suffix('/') {
                Some(i) => (i, true),
                None => (inner, false),
            };
            let el = parse_start_tag(inner)?;
            if empty {
                attach(&mut stack, &mut root, el);
            } else {
                stack.push(el);
            }
            pos += end + 1;
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..end];
            match stack.last_mut() {
                Some(parent) => {
                    if text.contains("]]>") {
                        return Err("`]]>` in text".into());
                    }
                    parent.children.push(Node::Text(decode_xml(text)?));
                }
                None if text.trim().is_empty() => {}
                None => return Err(format!("text outside the root element: {text:?}")),
            }
            pos += end;
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("<{}> is never closed", open.name));
    }
    root.ok_or_else(|| "no root element".to_string())
}

/// Parses `src`, panicking with the error and the file name.
#[track_caller]
pub fn xml(name: &str, src: &str) -> Element {
    parse_xml(src).unwrap_or_else(|e| panic!("{name} is not well-formed XML: {e}\n{src}"))
}

// ---------------------------------------------------------------- HTML

/// Decodes the entities the renderer and Tera write (`&amp;`, `&lt;`,
/// `&gt;`, `&quot;`, `&#39;`, numeric references). Others stay as written.
pub fn html_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let decoded = after.find(';').filter(|&k| k <= 10).and_then(|semi| {
            let ent = &after[..semi];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => ent
                    .strip_prefix("#x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The attributes of every `<tag …>` in `html` (values unescaped; an
/// attribute without a value maps to `""`).
pub fn tags(html: &str, tag: &str) -> Vec<Vec<(String, String)>> {
    let open = format!("<{tag}");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = html[from..].find(&open) {
        let start = from + i;
        from = start + open.len();
        let after = &html[from..];
        if !after.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/') {
            continue;
        }
        let Some(end) = tag_end(&html[start..]) else {
            break;
        };
        let mut attrs = Vec::new();
        let mut rest = html[from..start + end].trim_end_matches('/');
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            let key_end = rest
                .find(|c: char| c.is_whitespace() || c == '=')
                .unwrap_or(rest.len());
            let key = rest[..key_end].to_ascii_lowercase();
            rest = rest[key_end..].trim_start();
            if let Some(v) = rest.strip_prefix('=') {
                let v = v.trim_start();
                let (value, next) = match v.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let close = v[1..].find(q).map_or(v.len(), |k| k + 1);
                        (&v[1..close], v.get(close + 1..).unwrap_or(""))
                    }
                    _ => {
                        let e = v.find(char::is_whitespace).unwrap_or(v.len());
                        (&v[..e], &v[e..])
                    }
                };
                attrs.push((key, html_unescape(value)));
                rest = next;
            } else {
                attrs.push((key, String::new()));
            }
        }
        out.push(attrs);
        from = start + end + 1;
    }
    out
}

fn get<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The `content` of the `<meta property=key>` or `<meta name=key>` tag.
pub fn meta(html: &str, key: &str) -> Option<String> {
    tags(html, "meta")
        .into_iter()
        .find(|a| get(a, "property") == Some(key) || get(a, "name") == Some(key))
        .and_then(|a| get(&a, "content").map(str::to_string))
}

/// Every `content` of `<meta property=key>` / `<meta name=key>` tags.
pub fn metas(html: &str, key: &str) -> Vec<String> {
    tags(html, "meta")
        .into_iter()
        .filter(|a| get(a, "property") == Some(key) || get(a, "name") == Some(key))
        .filter_map(|a| get(&a, "content").map(str::to_string))
        .collect()
}

/// The `href` of the first `<link rel=rel>`.
pub fn link_href(html: &str, rel: &str) -> Option<String> {
    tags(html, "link")
        .into_iter()
        .find(|a| get(a, "rel") == Some(rel))
        .and_then(|a| get(&a, "href").map(str::to_string))
}

/// Every `href` of every `<a>`, in document order (unescaped).
pub fn anchors(html: &str) -> Vec<String> {
    tags(html, "a")
        .into_iter()
        .filter_map(|a| get(&a, "href").map(str::to_string))
        .collect()
}

/// Every value of `attr` on any element (`href`, `src`), unescaped.
pub fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let v = &html[i + needle.len()..];
            html_unescape(&v[..v.find('"').unwrap_or(v.len())])
        })
        .collect()
}

/// The text of `<main>`, or the whole page if it has none.
pub fn main_of(html: &str) -> &str {
    let start = html.find("<main").unwrap_or(0);
    let end = html[start..]
        .find("</main>")
        .map_or(html.len(), |e| start + e + "</main>".len());
    &html[start..end]
}

/// Every JSON-LD block of a page, parsed exactly as written (nothing is
/// unescaped first: the script's text must itself be valid JSON).
#[track_caller]
pub fn json_ld(page: &str, html: &str) -> Vec<serde_json::Value> {
    const OPEN: &str = "<script type=\"application/ld+json\">";
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = html[from..].find(OPEN) {
        let start = from + i + OPEN.len();
        let end = start
            + html[start..]
                .find("</script>")
                .unwrap_or_else(|| panic!("{page}: an unterminated JSON-LD script"));
        let text = &html[start..end];
        let value: serde_json::Value = serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("{page}: JSON-LD is not valid JSON ({e}):\n{text}"));
        out.push(value);
        from = end;
    }
    out
}

/// The JSON-LD block whose `@type` is `ty`.
#[track_caller]
pub fn json_ld_of_type(page: &str, html: &str, ty: &str) -> serde_json::Value {
    json_ld(page, html)
        .into_iter()
        .find(|v| v["@type"] == ty)
        .unwrap_or_else(|| panic!("{page}: no JSON-LD of @type {ty}:\n{html}"))
}

/// Every chart SVG (`<svg … role="img" …>…</svg>`) of a page, each parsed
/// as XML: a chart must be well-formed on its own.
#[track_caller]
pub fn chart_svgs(page: &str, html: &str) -> Vec<Element> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = html[from..].find("<svg") {
        let start = from + i;
        let open_end = start + tag_end(&html[start..]).expect("a closed <svg> tag");
        let end = start
            + html[start..]
                .find("</svg>")
                .unwrap_or_else(|| panic!("{page}: an unterminated <svg>"))
            + "</svg>".len();
        from = end;
        if !html[start..open_end].contains("role=\"img\"") {
            continue;
        }
        out.push(xml(&format!("an SVG chart of {page}"), &html[start..end]));
    }
    out
}

/// The text of each `<text>` of an SVG, trimmed.
pub fn svg_texts(svg: &Element) -> Vec<String> {
    svg.descendants()
        .into_iter()
        .filter(|e| e.name == "text")
        .map(|e| e.text().trim().to_string())
        .collect()
}

// ---------------------------------------------------------------- failing builds

/// Makes a site with `setup`, builds it (library, fixed clock), breaks it
/// with `breakage`, then runs `minhbach build --root DIR --output OUT`: the
/// run must exit with 1 and leave OUT byte for byte as it was. Returns stderr.
pub fn failing_build_with(setup: impl FnOnce(&Path), breakage: impl FnOnce(&Path)) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    let out = tmp.path().join("public");
    setup(&root);
    build_ok(&root, &out);
    let before = hash_tree(&out);
    assert!(
        before.contains_key("index.html"),
        "the valid site was built"
    );
    breakage(&root);
    let result = Command::new(env!("CARGO_BIN_EXE_minhbach"))
        .arg("build")
        .arg("--root")
        .arg(&root)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
    assert_eq!(
        result.status.code(),
        Some(1),
        "the build must fail with exit code 1; stderr:\n{stderr}"
    );
    assert!(
        hash_tree(&out) == before,
        "a failed build changed the output folder; stderr:\n{stderr}"
    );
    stderr
}

/// Asserts that `stderr` has an error at `file:line:` whose message contains
/// every one of `words`.
#[track_caller]
pub fn assert_error_at(stderr: &str, file: &str, line: usize, words: &[&str]) {
    let at = format!("{file}:{line}: ");
    let Some(msg) = stderr
        .lines()
        .find(|l| l.starts_with("error: ") && l.contains(&at))
    else {
        panic!("no error at {at} in:\n{stderr}");
    };
    for w in words {
        assert!(
            msg.contains(w),
            "the error at {at} does not mention {w:?}:\n{msg}"
        );
    }
}
