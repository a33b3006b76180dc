//! End-to-end test of `minhbach serve`, as an editor uses it: the binary on
//! an ephemeral loopback port, a tab's event stream, edits to the sources,
//! and what the server then serves. Every wait is bounded; the server is
//! killed when the test ends, however it ends.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(60);

struct Serve {
    child: Child,
    port: u16,
    log: Arc<Mutex<String>>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    fn start(root: &Path) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_minhbach"))
            .args(["serve", "--port", "0", "--root"])
            .arg(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("Serving at http://127.0.0.1:").nth(1) {
                    let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    let _ = tx.send(port.parse::<u16>().unwrap());
                }
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let mut serve = Serve {
            child,
            port: 0,
            log,
        };
        serve.port = rx
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("serve did not start:\n{}", serve.log()));
        serve
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Whether the log shows `needle` within a few seconds. The server
    /// writes its log line before it sends the event the test waits for,
    /// but the thread that reads its stderr may not have caught up yet (a
    /// test on a loaded machine saw the event first).
    fn log_shows(&self, needle: &str) -> bool {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < until {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }

    /// A GET (HTTP/1.0, so the body is plain) of a raw request path.
    fn get(&self, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_string();
        (status, body)
    }

    /// A tab's event stream: (event, data) pairs.
    fn events(&self) -> Events {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "GET /__minhbach/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut name = String::new();
            for line in BufReader::new(s).lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = n.to_string();
                } else if let Some(d) = line.strip_prefix("data: ")
                    && tx.send((name.clone(), d.to_string())).is_err()
                {
                    break;
                }
            }
        });
        Events(rx)
    }

    /// A tab's event stream once the start-up's own events are past.
    fn settled_events(&self) -> Events {
        let events = self.events();
        std::thread::sleep(Duration::from_millis(300));
        events.drain();
        events
    }
}

struct Events(mpsc::Receiver<(String, String)>);

impl Events {
    /// Waits for an event `name` whose data contains `needle`.
    fn wait(&self, name: &str, needle: &str, serve: &Serve) -> String {
        let end = Instant::now() + WAIT;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.0.recv_timeout(left) {
                Ok((n, d)) if n == name && d.contains(needle) => return d,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!(
            "no {name} event with {needle:?}; the server said:\n{}",
            serve.log()
        )
    }

    /// Forgets what arrived so far (after a pause for late events).
    fn drain(&self) {
        while self.0.recv_timeout(Duration::from_millis(300)).is_ok() {}
    }
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn article(title: &str, date: &str, body: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\ndate = {date}\n[taxonomies]\ntags = [\"chuyển đổi số\"]\n+++\n{body}\n"
    )
}

/// A site made by `init`, with three more articles that share a tag.
fn site(dir: &Path) -> PathBuf {
    let o = Command::new(env!("CARGO_BIN_EXE_minhbach"))
        .args(["init", "site"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success());
    let root = dir.join("site");
    write(
        &root,
        "content/tin-tuc/a.md",
        &article("Bài A", "2024-01-01", "Nội dung A."),
    );
    write(
        &root,
        "content/tin-tuc/b.md",
        &article("Bài B", "2024-01-02", "Nội dung B."),
    );
    write(
        &root,
        "content/tin-tuc/c.md",
        &article("Bài C", "2024-01-03", "Nội dung C."),
    );
    root
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(
                    p.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    out.sort();
    out
}

const SCRIPT_TAG: &str = "<script src=\"/__minhbach/livereload.js\"></script>";

#[test]
fn serve_rebuilds_reloads_and_keeps_the_last_good_site() {
    let dir = tempfile::tempdir().unwrap();
    let root = site(dir.path());
    let mut serve = Serve::start(&root);

    // Pages are served with the live-reload script; nothing goes to disk.
    let (status, home) = serve.get("/");
    assert_eq!(status, 200);
    assert!(home.contains(SCRIPT_TAG), "the script is injected");
    let (status, js) = serve.get("/__minhbach/livereload.js");
    assert_eq!(status, 200);
    assert!(js.contains("EventSource"));
    assert!(!root.join("public").exists(), "serve writes nothing");
    let (status, page) = serve.get("/tin-tuc/a/");
    assert_eq!(status, 200);
    assert!(page.contains("Nội dung A."));

    // Paths outside the site are refused; odd requests do not hurt the server.
    for bad in [
        "/../site-config.toml",
        "/%2e%2e/site-config.toml",
        "/tin-tuc/%2E%2E/%2e%2e/x",
    ] {
        let (status, body) = serve.get(bad);
        assert_eq!(status, 403, "{bad}");
        assert!(!body.contains("base_url"), "{bad}");
    }
    assert_eq!(serve.get("/%zz").0, 403);
    assert_eq!(serve.get("/khong-co/").0, 404);
    assert_eq!(serve.get("/tin-tuc/a").0, 301);

    let events = serve.settled_events();

    // 1. An edited body: the page's reload event, then the new text.
    write(
        &root,
        "content/tin-tuc/a.md",
        &article("Bài A", "2024-01-01", "Nội dung A đã sửa."),
    );
    events.wait("reload", "\"/tin-tuc/a/\"", &serve);
    assert!(serve.get("/tin-tuc/a/").1.contains("Nội dung A đã sửa."));
    events.drain();

    // 2. A broken page: an error event, and the last good page stays served.
    write(&root, "content/tin-tuc/a.md", "+++\ntitle = \n+++\nHỏng.\n");
    let err = events.wait("build-error", "content/tin-tuc/a.md", &serve);
    assert!(err.contains(":2:"), "the error names the line: {err}");
    let (status, page) = serve.get("/tin-tuc/a/");
    assert_eq!(status, 200);
    assert!(page.contains("Nội dung A đã sửa."));
    assert!(
        serve.log_shows("still serving the last good build"),
        "{}",
        serve.log()
    );

    // 3. Fixed, with a new title: the error goes, the page and its lists change.
    write(
        &root,
        "content/tin-tuc/a.md",
        &article("Bài A mới", "2024-01-01", "Nội dung A đã sửa."),
    );
    events.wait("build-ok", "", &serve);
    events.wait("reload", "\"/tin-tuc/a/\"", &serve);
    events.wait("reload", "\"/tin-tuc/\"", &serve);
    assert!(serve.get("/tin-tuc/a/").1.contains("Bài A mới"));
    assert!(serve.get("/tin-tuc/").1.contains("Bài A mới"));
    assert!(
        serve.get("/tin-tuc/b/").1.contains("Bài A mới"),
        "the neighbour shows the new title"
    );
    events.drain();

    // What serve built piece by piece equals a full build of the same sources.
    let out = dir.path().join("out");
    let base = format!("http://127.0.0.1:{}/", serve.port);
    let o = Command::new(env!("CARGO_BIN_EXE_minhbach"))
        .args(["build", "--base-url", &base, "--output"])
        .arg(&out)
        .arg("--root")
        .arg(&root)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut compared = 0;
    for rel in files_under(&out) {
        if rel.starts_with('.') || rel.starts_with("pagefind/") {
            continue; // the manifest; the search index is rebuilt with the next full build
        }
        let built = std::fs::read(out.join(&rel)).unwrap();
        if built.contains(&0) || std::str::from_utf8(&built).is_err() {
            continue; // binary files are served as they are
        }
        let (status, served) = serve.get(&format!("/{rel}"));
        assert_eq!(status, 200, "{rel}");
        let served = served.replace(SCRIPT_TAG, "");
        assert_eq!(served, String::from_utf8(built).unwrap(), "{rel} differs");
        compared += 1;
    }
    assert!(compared > 20, "compared {compared} files");

    // 4. A template change rebuilds everything.
    let page_tpl = root.join("themes/default/templates/page.html");
    let tpl = std::fs::read_to_string(&page_tpl).unwrap();
    assert!(tpl.contains("{% block content %}"));
    let changed = tpl.replacen(
        "{% block content %}",
        "{% block content %}<!-- mau-moi -->",
        1,
    );
    std::fs::write(&page_tpl, changed).unwrap();
    events.wait("reload", "/tin-tuc/c/", &serve);
    assert!(serve.get("/tin-tuc/c/").1.contains("mau-moi"));

    // 5. A new page and a removed one: a full rebuild too.
    write(
        &root,
        "content/tin-tuc/d.md",
        &article("Bài D", "2024-01-04", "Nội dung D."),
    );
    events.wait("reload", "/tin-tuc/d/", &serve);
    std::fs::remove_file(root.join("content/tin-tuc/b.md")).unwrap();
    events.wait("reload", "/tin-tuc/b/", &serve);
    assert_eq!(serve.get("/tin-tuc/b/").0, 404);
    assert_eq!(serve.get("/tin-tuc/d/").0, 200);

    // 6. A broken config: the error is shown, the site stays, a fix restores it.
    let cfg = root.join("site-config.toml");
    let good = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("titel = \"x\"\n{good}")).unwrap();
    events.wait("build-error", "titel", &serve);
    assert_eq!(serve.get("/tin-tuc/d/").0, 200);
    std::fs::write(&cfg, good).unwrap();
    events.wait("build-ok", "", &serve);
    assert!(
        serve.child.try_wait().unwrap().is_none(),
        "the server is still running"
    );
}

/// A site with an English edition: an edit to an English page rebuilds the
/// site (editions link to each other) and serves the new text under `/en/`,
/// and a new translation appears in the Vietnamese page's switcher.
#[test]
fn serve_rebuilds_english_edition_pages() {
    let dir = tempfile::tempdir().unwrap();
    let root = site(dir.path());
    let config = std::fs::read_to_string(root.join("site-config.toml")).unwrap();
    write(
        &root,
        "site-config.toml",
        &format!(
            "{config}\n[languages.en]\ntitle = \"Reform Portal\"\n\n[[languages.en.taxonomies]]\nname = \"tags\"\n"
        ),
    );
    write(
        &root,
        "content/tin-tuc/_index.en.md",
        "+++\ntitle = \"News\"\n+++\n",
    );
    write(
        &root,
        "content/tin-tuc/a.en.md",
        "+++\ntitle = \"Story A\"\nslug = \"story-a\"\ndate = 2024-01-01\n+++\nText A.\n",
    );
    let serve = Serve::start(&root);
    let (status, page) = serve.get("/en/tin-tuc/story-a/");
    assert_eq!(status, 200, "{}", serve.log());
    assert!(page.contains("Text A."));
    assert!(page.contains("lang=\"en\""));
    let events = serve.settled_events();

    write(
        &root,
        "content/tin-tuc/a.en.md",
        "+++\ntitle = \"Story A\"\nslug = \"story-a\"\ndate = 2024-01-01\n+++\nText A, edited.\n",
    );
    events.wait("reload", "\"/en/tin-tuc/story-a/\"", &serve);
    assert!(
        serve
            .get("/en/tin-tuc/story-a/")
            .1
            .contains("Text A, edited.")
    );
    events.drain();

    // A new translation: the Vietnamese page now links to it.
    assert!(!serve.get("/tin-tuc/b/").1.contains("/en/tin-tuc/story-b/"));
    write(
        &root,
        "content/tin-tuc/b.en.md",
        "+++\ntitle = \"Story B\"\nslug = \"story-b\"\ndate = 2024-01-02\n+++\nText B.\n",
    );
    events.wait("reload", "\"/tin-tuc/b/\"", &serve);
    let (_, vi) = serve.get("/tin-tuc/b/");
    assert!(vi.contains("href=\"/en/tin-tuc/story-b/\""), "{vi}");
    assert!(vi.contains("hreflang=\"en\""));
}

/// Regression: an edit that changed a page's `updated` date republished the
/// sitemap files, `robots.txt` among them, over the site's own static one.
#[test]
fn serve_keeps_a_sites_own_robots_txt_when_an_edit_changes_a_date() {
    let tmp = tempfile::tempdir().unwrap();
    let root = site(tmp.path());
    let own = "User-agent: *\nDisallow: /noi-bo/\n";
    write(&root, "static/robots.txt", own);
    let serve = Serve::start(&root);
    assert_eq!(
        serve.get("/robots.txt"),
        (200, own.to_string()),
        "{}",
        serve.log()
    );
    let events = serve.settled_events();

    write(
        &root,
        "content/tin-tuc/a.md",
        "+++\ntitle = \"Bài A\"\ndate = 2024-01-01\nupdated = 2024-02-01\n[taxonomies]\ntags = [\"chuyển đổi số\"]\n+++\nNội dung A, cập nhật.\n",
    );
    events.wait("reload", "\"/sitemap.xml\"", &serve);
    assert!(serve.get("/sitemap.xml").1.contains("2024-02-01"));
    assert_eq!(serve.get("/robots.txt").1, own);
}
