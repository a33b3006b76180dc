//! `minhbach serve`: builds the site and serves the output folder on loopback.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};

use crate::Options;
use crate::diag::{Diagnostic, Diagnostics};

/// Maps a request path to a file below `root`, refusing anything that would
/// leave it (`..`, encoded or not).
pub fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    let rel = Path::new(decoded.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut file = root.join(rel);
    if file.is_dir() || decoded.ends_with('/') {
        file = file.join("index.html");
    }
    Some(file)
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

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "csv" => "text/csv; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// Builds once, then serves until interrupted.
pub fn run(opts: &Options, addr: SocketAddr, output: Option<&Path>) -> Result<(), Diagnostics> {
    let mut opts = opts.clone();
    if opts.base_url.is_none() {
        // Keep the configured path prefix (`/portal/`) so links work as published.
        let prefix = crate::config::load(&opts.root, None)
            .map(|s| s.base_path)
            .unwrap_or_else(|_| "/".into());
        opts.base_url = Some(format!("http://{addr}{prefix}"));
    }
    let summary = super::build::run(&opts, output)?;
    eprintln!(
        "Built {} pages in {:.0?}; serving {} at http://{addr}/ (Ctrl-C to stop)",
        summary.pages,
        summary.elapsed,
        summary.output.display()
    );
    let server = tiny_http::Server::http(addr)
        .map_err(|e| Diagnostic::file(&summary.output, format!("cannot listen on {addr}: {e}")))?;
    for request in server.incoming_requests() {
        let file = resolve(&summary.output, request.url());
        let response = match file.and_then(|f| std::fs::read(&f).ok().map(|b| (f, b))) {
            Some((f, body)) => tiny_http::Response::from_data(body)
                .with_header(header("Content-Type", content_type(&f))),
            None => {
                let body = std::fs::read(summary.output.join("404.html"))
                    .unwrap_or_else(|_| b"404".to_vec());
                tiny_http::Response::from_data(body)
                    .with_status_code(404)
                    .with_header(header("Content-Type", "text/html; charset=utf-8"))
            }
        };
        let _ = request.respond(response);
    }
    Ok(())
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("static header is valid")
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
    }
}
