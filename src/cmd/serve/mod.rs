//! `minhbach serve`: builds the site, serves it from memory on loopback,
//! watches the sources and rebuilds what a change affects, and reloads the
//! open tabs (server-sent events; the script is injected into served HTML
//! only, never into files on disk). A build error is printed and shown over
//! the page in the browser, and the last good build stays served.

pub mod http;
mod rebuild;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_full::notify::{self, EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use crate::Options;
use crate::diag::{Diagnostic, Diagnostics};
pub use http::resolve;
use http::{Hub, Shared, SiteFiles};

/// How long the watcher waits for a file to be quiet before rebuilding.
pub const DEBOUNCE: Duration = Duration::from_millis(15);

/// What `serve` is asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    /// Open the site in the default browser once it is served.
    pub open: bool,
}

/// The folders and files a site is built from, relative to its root.
const WATCHED: [&str; 5] = ["content", "data", "templates", "static", "themes"];
const CONFIG: &str = "site-config.toml";

/// Builds, serves and rebuilds until interrupted.
pub fn run(opts: &Options, serve: &ServeOptions) -> Result<(), Diagnostics> {
    let mut opts = opts.clone();
    opts.root = std::path::absolute(&opts.root).unwrap_or_else(|_| opts.root.clone());
    let root = opts.root.clone();
    if !root.join(CONFIG).is_file() {
        return Err(Diagnostic::file(
            root.join(CONFIG),
            "not a minhbach site: there is no site-config.toml here (use --root, or `minhbach init`)",
        )
        .into());
    }
    let addr = serve.addr;
    let server = tiny_http::Server::http(addr)
        .map_err(|e| Diagnostic::file(&root, format!("cannot listen on {addr}: {e}")))?;
    // The port may have been 0: report and link the one actually bound.
    let addr = server.server_addr().to_ip().unwrap_or(addr);
    let shared = Arc::new(Shared {
        site: std::sync::RwLock::new(SiteFiles {
            files: Default::default(),
            base_path: "/".into(),
        }),
        hub: Hub::default(),
    });
    let server = Arc::new(server);
    for _ in 0..4 {
        let (server, shared) = (Arc::clone(&server), Arc::clone(&shared));
        std::thread::spawn(move || {
            while let Ok(rq) = server.recv() {
                http::handle(rq, &shared);
            }
        });
    }
    {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(15));
                shared.hub.ping();
            }
        });
    }

    // Watch before the first build, so that no edit made during it is lost.
    let (tx, rx) = mpsc::channel::<Vec<PathBuf>>();
    let mut watcher = new_debouncer(DEBOUNCE, None, move |res: DebounceEventResult| match res {
        Ok(events) => {
            // Reading a file (as every build does) is no change.
            let paths: Vec<PathBuf> = events
                .into_iter()
                .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                .flat_map(|e| e.event.paths)
                .collect();
            if !paths.is_empty() {
                let _ = tx.send(paths);
            }
        }
        Err(errors) => {
            for e in errors {
                eprintln!("watching the sources: {e}");
            }
        }
    })
    .map_err(|e| Diagnostic::file(&root, format!("cannot watch the sources: {e}")))?;
    let mut watched: Vec<PathBuf> = Vec::new();
    watch_sources(&mut watcher, &root, &mut watched);

    let mut builder = rebuild::Builder::new(opts, addr, Arc::clone(&shared));
    let first = builder.full();
    let url = format!(
        "http://{addr}{}",
        shared
            .site
            .read()
            .map(|s| s.base_path.clone())
            .unwrap_or_default()
    );
    match first {
        Ok(_) => eprintln!("Serving at {url} (Ctrl-C to stop); watching for changes"),
        Err(_) => eprintln!(
            "Serving at {url} (Ctrl-C to stop); fix the errors above and the site will build"
        ),
    }
    if serve.open {
        open_browser(&url);
    }
    while let Ok(first) = rx.recv() {
        let mut paths = first;
        // Take whatever else arrived meanwhile, as one batch.
        while let Ok(more) = rx.try_recv() {
            paths.extend(more);
        }
        paths.sort();
        paths.dedup();
        // A folder created after the start (say, templates/) is watched from now on.
        if paths.iter().any(|p| p.parent() == Some(root.as_path())) {
            watch_sources(&mut watcher, &root, &mut watched);
        }
        builder.changed(&paths);
    }
    Ok(())
}

/// Watches the source folders that exist (recursively) and the site root
/// itself (not recursively: for the config, and for folders created later).
fn watch_sources(
    watcher: &mut Debouncer<notify::RecommendedWatcher, RecommendedCache>,
    root: &Path,
    watched: &mut Vec<PathBuf>,
) {
    let mut want: Vec<(PathBuf, RecursiveMode)> =
        vec![(root.to_path_buf(), RecursiveMode::NonRecursive)];
    want.extend(
        WATCHED
            .iter()
            .map(|d| root.join(d))
            .filter(|d| d.is_dir())
            .map(|d| (d, RecursiveMode::Recursive)),
    );
    for (dir, mode) in want {
        if watched.contains(&dir) {
            continue;
        }
        match watcher.watch(&dir, mode) {
            Ok(()) => watched.push(dir),
            Err(e) => eprintln!("cannot watch {}: {e}", dir.display()),
        }
    }
}

/// Opens `url` in the desktop's browser; failing is not an error.
fn open_browser(url: &str) {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let spawned = cmd
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if spawned.is_err() {
        eprintln!("cannot open a browser; open {url} yourself");
    }
}
