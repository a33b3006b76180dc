//! The HTTP side of `serve`: maps request paths to the site held in memory
//! (refusing any path that would leave it), injects the live-reload script
//! into HTML responses, and streams reload and error events to the open tabs
//! as server-sent events.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// Where the injected script and the event stream live; outside any site path
/// (a site path is made of slugs, which never start with `_`).
pub const SCRIPT_PATH: &str = "/__minhbach/livereload.js";
pub const EVENTS_PATH: &str = "/__minhbach/events";

/// The live-reload client. The overlay text is for editors, in Vietnamese.
pub const SCRIPT: &str = include_str!("livereload.js");

/// One file of the served site.
#[derive(Clone)]
pub enum Served {
    Bytes(Arc<Vec<u8>>),
    /// Read from disk at each request (photos, static files).
    Copy(PathBuf),
    Static(&'static [u8]),
}

impl From<crate::output::Body> for Served {
    fn from(body: crate::output::Body) -> Self {
        use crate::output::Body;
        match body {
            Body::Bytes(b) => Served::Bytes(Arc::new(b)),
            Body::Copy(p) => Served::Copy(p),
            Body::Static(b) => Served::Static(b),
            Body::Staged => unreachable!("serve renders into memory: nothing is staged"),
        }
    }
}

impl Served {
    pub fn same_as(&self, other: &Served) -> bool {
        match (self, other) {
            (Served::Bytes(a), Served::Bytes(b)) => a == b,
            (Served::Copy(a), Served::Copy(b)) => a == b,
            (Served::Static(a), Served::Static(b)) => a == b,
            _ => false,
        }
    }
}

/// The site being served: output path (`tin-tuc/a/index.html`) → file.
#[derive(Default)]
pub struct SiteFiles {
    pub files: HashMap<String, Served>,
    /// `/` or the `base_url` path prefix (`/portal/`).
    pub base_path: String,
}

/// What the request handlers share with the builder.
pub struct Shared {
    pub site: RwLock<SiteFiles>,
    pub hub: Hub,
}

/// Maps a request path to a file below `root`, refusing anything that would
/// leave it (`..`, encoded or not).
pub fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let rel = site_key(url_path)?;
    let mut file = root.join(&rel);
    if rel.is_empty() || rel.ends_with('/') || file.is_dir() {
        file = file.join("index.html");
    }
    Some(file)
}

/// The output-relative path a request path names (`/tin-tuc/a/` →
/// `tin-tuc/a/`), decoded; `None` for anything that would leave the site.
pub fn site_key(url_path: &str) -> Option<String> {
    let path = url_path.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    let rel = decoded.trim_start_matches('/');
    if rel.contains('\\')
        || Path::new(rel)
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    Some(rel.to_string())
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The URL path of an output file: `tin-tuc/a/index.html` → `/tin-tuc/a/`.
pub fn url_of(base_path: &str, output_path: &str) -> String {
    let p = if output_path == "index.html" {
        ""
    } else {
        output_path
            .strip_suffix("/index.html")
            .map_or(output_path, |d| &output_path[..d.len() + 1])
    };
    format!("{base_path}{p}")
}

pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map_or("", |(_, e)| e) {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "csv" => "text/csv; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Adds the live-reload script before the last `</body>` (or at the end).
pub fn inject_script(html: &[u8]) -> Vec<u8> {
    let tag = format!("<script src=\"{SCRIPT_PATH}\"></script>");
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("static header is valid")
}

/// Answers one request.
pub fn handle(request: tiny_http::Request, shared: &Shared) {
    use tiny_http::{Method, Response};
    let url = request.url().to_string();
    let path = url.split(['?', '#']).next().unwrap_or("").to_string();
    if !matches!(request.method(), Method::Get | Method::Head) {
        let _ = request.respond(Response::from_string("method not allowed").with_status_code(405));
        return;
    }
    if path == EVENTS_PATH {
        shared.hub.subscribe(request);
        return;
    }
    if path == SCRIPT_PATH {
        let _ = request.respond(
            Response::from_string(SCRIPT)
                .with_header(header("Content-Type", "text/javascript; charset=utf-8"))
                .with_header(header("Cache-Control", "no-store")),
        );
        return;
    }
    let (found, not_found, redirect) = {
        let site = match shared.site.read() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        lookup(&site, &path)
    };
    let response = if let Some(to) = redirect {
        Response::from_string(format!("Moved to {to}"))
            .with_status_code(301)
            .with_header(header("Location", &to))
    } else if let Some((key, served)) = found {
        match body_of(&served) {
            Some(bytes) => {
                let bytes = if key.ends_with(".html") {
                    inject_script(&bytes)
                } else {
                    bytes
                };
                Response::from_data(bytes).with_header(header("Content-Type", content_type(&key)))
            }
            None => page_404(not_found),
        }
    } else if site_key(&path).is_none() {
        Response::from_string("refused: the path leaves the site")
            .with_status_code(403)
            .with_header(header("Content-Type", "text/plain; charset=utf-8"))
    } else {
        page_404(not_found)
    };
    let _ = request.respond(response.with_header(header("Cache-Control", "no-store")));
}

type Found = Option<(String, Served)>;

/// The file a request path names, the site's 404 page, or a redirect that
/// adds the slash a folder URL needs.
fn lookup(site: &SiteFiles, path: &str) -> (Found, Found, Option<String>) {
    let not_found = site
        .files
        .get("404.html")
        .map(|s| ("404.html".to_string(), s.clone()));
    let base = site.base_path.as_str();
    if base.len() > 1 && path == base.trim_end_matches('/') {
        return (None, not_found, Some(base.to_string()));
    }
    let Some(rest) = path.strip_prefix(base) else {
        if path == "/" {
            return (None, not_found, Some(base.to_string()));
        }
        return (None, not_found, None);
    };
    let Some(key) = site_key(rest) else {
        return (None, not_found, None);
    };
    let key = if key.is_empty() || key.ends_with('/') {
        format!("{key}index.html")
    } else {
        key
    };
    if let Some(s) = site.files.get(&key) {
        return (Some((key, s.clone())), not_found, None);
    }
    if site.files.contains_key(&format!("{key}/index.html")) {
        return (None, not_found, Some(format!("{path}/")));
    }
    (None, not_found, None)
}

fn body_of(served: &Served) -> Option<Vec<u8>> {
    match served {
        Served::Bytes(b) => Some(b.as_ref().clone()),
        Served::Copy(p) => std::fs::read(p).ok(),
        Served::Static(b) => Some(b.to_vec()),
    }
}

fn page_404(not_found: Found) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let html = not_found.and_then(|(_, s)| body_of(&s)).unwrap_or_else(|| {
        b"<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>404</title>\
<body><h1>404</h1><p>Kh\xc3\xb4ng c\xc3\xb3 trang n\xc3\xa0y.</p></body></html>"
            .to_vec()
    });
    tiny_http::Response::from_data(inject_script(&html))
        .with_status_code(404)
        .with_header(header("Content-Type", "text/html; charset=utf-8"))
}

// ---------------------------------------------------------------- events

/// The open tabs' event streams, and the build error they must show.
#[derive(Default)]
pub struct Hub {
    clients: Mutex<Vec<Box<dyn Write + Send>>>,
    error: Mutex<Option<String>>,
}

impl Hub {
    /// Turns the request into an event stream; a tab that connects while the
    /// build is broken gets the error at once.
    fn subscribe(&self, request: tiny_http::Request) {
        let mut w = request.into_writer();
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
Cache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\nretry: 500\n\n";
        if w.write_all(head.as_bytes()).is_err() {
            return;
        }
        if let Some(e) = self.error.lock().ok().and_then(|e| e.clone())
            && w.write_all(event_text("build-error", &e).as_bytes())
                .is_err()
        {
            return;
        }
        if w.flush().is_ok()
            && let Ok(mut c) = self.clients.lock()
        {
            c.push(w);
        }
    }

    /// Sends an event to every tab, forgetting the tabs that are gone.
    pub fn send(&self, event: &str, data: &str) {
        let text = event_text(event, data);
        if let Ok(mut c) = self.clients.lock() {
            c.retain_mut(|w| {
                w.write_all(text.as_bytes())
                    .and_then(|()| w.flush())
                    .is_ok()
            });
        }
    }

    /// Tabs showing a page among `urls` (or any page, for `*`) reload.
    pub fn reload(&self, urls: &[String]) {
        let data = serde_json::to_string(urls).unwrap_or_else(|_| "[\"*\"]".into());
        self.send("reload", &data);
    }

    /// Every tab shows the build errors over the last good page.
    pub fn error(&self, text: &str) {
        let data = serde_json::to_string(text).unwrap_or_default();
        if let Ok(mut e) = self.error.lock() {
            *e = Some(data.clone());
        }
        self.send("build-error", &data);
    }

    /// The build is good again: tabs hide the error.
    pub fn ok(&self) {
        let had = self.error.lock().ok().and_then(|mut e| e.take()).is_some();
        if had {
            self.send("build-ok", "{}");
        }
    }

    /// Keeps idle streams alive and finds the tabs that closed.
    pub fn ping(&self) {
        if let Ok(mut c) = self.clients.lock() {
            c.retain_mut(|w| w.write_all(b": ping\n\n").and_then(|()| w.flush()).is_ok());
        }
    }

    pub fn client_count(&self) -> usize {
        self.clients.lock().map_or(0, |c| c.len())
    }
}

fn event_text(event: &str, data: &str) -> String {
    // `data` is JSON on one line; a stray newline would end the event early.
    format!("event: {event}\ndata: {}\n\n", data.replace('\n', "\\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_outside_the_site() {
        let root = Path::new("/srv/site");
        assert_eq!(
            resolve(root, "/tin-tuc/a/"),
            Some(PathBuf::from("/srv/site/tin-tuc/a/index.html"))
        );
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(root, "/a/%2E%2E/%2e%2e/x"), None);
        assert_eq!(resolve(root, "/%zz"), None);
        assert_eq!(site_key("/a/..%5c..%5cx"), None);
        assert_eq!(site_key("/a/b.css?v=1"), Some("a/b.css".into()));
    }

    fn files(paths: &[&str]) -> SiteFiles {
        SiteFiles {
            files: paths
                .iter()
                .map(|p| (p.to_string(), Served::Static(b"x")))
                .collect(),
            base_path: "/".into(),
        }
    }

    #[test]
    fn looks_up_pages_folders_and_prefixes() {
        let site = files(&[
            "index.html",
            "tin-tuc/a/index.html",
            "style.css",
            "404.html",
        ]);
        assert_eq!(lookup(&site, "/").0.unwrap().0, "index.html");
        assert_eq!(
            lookup(&site, "/tin-tuc/a/").0.unwrap().0,
            "tin-tuc/a/index.html"
        );
        assert_eq!(
            lookup(&site, "/tin-tuc/a").2.as_deref(),
            Some("/tin-tuc/a/")
        );
        assert!(lookup(&site, "/nope/").0.is_none());
        assert!(lookup(&site, "/%2e%2e/x").0.is_none());
        let mut prefixed = files(&["index.html", "a/index.html"]);
        prefixed.base_path = "/portal/".into();
        assert_eq!(lookup(&prefixed, "/").2.as_deref(), Some("/portal/"));
        assert_eq!(lookup(&prefixed, "/portal").2.as_deref(), Some("/portal/"));
        assert_eq!(lookup(&prefixed, "/portal/a/").0.unwrap().0, "a/index.html");
        assert!(lookup(&prefixed, "/a/").0.is_none());
    }

    #[test]
    fn the_script_goes_before_the_last_body_end() {
        let html = b"<html><body><p>x</p></BODY></html>";
        let out = String::from_utf8(inject_script(html)).unwrap();
        assert!(out.contains(&format!("<script src=\"{SCRIPT_PATH}\"></script></BODY>")));
        let bare = String::from_utf8(inject_script(b"<p>x")).unwrap();
        assert!(bare.ends_with("</script>"));
    }

    #[test]
    fn urls_of_output_files() {
        assert_eq!(url_of("/", "index.html"), "/");
        assert_eq!(url_of("/", "tin-tuc/a/index.html"), "/tin-tuc/a/");
        assert_eq!(url_of("/portal/", "style.css"), "/portal/style.css");
    }
}
