//! Helpers shared by the integration tests: tiny sites in temporary folders,
//! builds with a fixed clock, reading output trees and snapshot comparison.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use minhbach::Options;
use minhbach::cmd::build::Summary;
use minhbach::diag::Diagnostics;

/// The file the writer keeps in the output folder for itself.
pub const MANIFEST: &str = ".minhbach-manifest";

/// "Now" for every test: noon in Hà Nội on 1 June 2024.
pub fn fixed_now() -> DateTime<FixedOffset> {
    at("2024-06-01T12:00:00+07:00")
}

pub fn at(rfc3339: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(rfc3339).expect("a valid RFC 3339 time")
}

pub fn opts(root: &Path) -> Options {
    Options {
        root: root.to_path_buf(),
        now: Some(fixed_now()),
        ..Options::default()
    }
}

/// Builds `root` into `out` with the fixed clock.
pub fn build(root: &Path, out: &Path) -> Result<Summary, Diagnostics> {
    minhbach::cmd::build::run(&opts(root), Some(out))
}

/// Builds, panicking with the diagnostics on failure.
pub fn build_ok(root: &Path, out: &Path) -> Summary {
    build(root, out).unwrap_or_else(|e| panic!("the build failed:\n{e}"))
}

/// Writes `contents` to `root/rel`, creating folders.
pub fn write(root: &Path, rel: &str, contents: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("a file has a parent")).unwrap();
    fs::write(&path, contents).unwrap();
}

pub fn read(out: &Path, rel: &str) -> String {
    fs::read_to_string(out.join(rel))
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", out.join(rel).display()))
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// Every file below `dir` (`/`-separated relative path → bytes).
/// `with_manifest` decides whether the writer's manifest is included.
pub fn read_tree(dir: &Path, with_manifest: bool) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        if !e.file_type().is_file() {
            continue;
        }
        let rel = e
            .path()
            .strip_prefix(dir)
            .unwrap()
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if rel == MANIFEST && !with_manifest {
            continue;
        }
        out.insert(rel, fs::read(e.path()).unwrap());
    }
    out
}

/// A content hash of every file below `dir` (manifest included), to prove
/// that a failed build left an earlier output exactly as it was.
pub fn hash_tree(dir: &Path) -> BTreeMap<String, (u64, usize)> {
    read_tree(dir, true)
        .into_iter()
        .map(|(p, b)| {
            // FNV-1a: enough to tell files apart, no extra dependency.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for byte in &b {
                h ^= u64::from(*byte);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            (p, (h, b.len()))
        })
        .collect()
}

/// The `href`s of the list items (`<li><a href="…">`) of the list whose
/// opening tag contains `marker` (e.g. `class="pages"`), in document order.
pub fn links_in(html: &str, marker: &str) -> Vec<String> {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in:\n{html}"));
    let rest = &html[start..];
    let end = rest.find("</ul>").unwrap_or(rest.len());
    rest[..end]
        .split("<li><a href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

/// [`tiny_site`] in a new temporary folder: the folder (deleted when
/// dropped), the site's root and its output folder (not made yet).
pub fn tiny_site_in_temp() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    let out = tmp.path().join("public");
    tiny_site(&root);
    (tmp, root, out)
}

/// A minimal theme `t` with every template the renderer asks for, plus
/// `site-config.toml`, a home section and one page `content/a.md`.
pub fn tiny_site(root: &Path) {
    write(
        root,
        "site-config.toml",
        "title = \"Thử nghiệm\"\nbase_url = \"https://example.gov.vn/\"\ntheme = \"t\"\n",
    );
    let list = "{{ config.title }}: {% for p in paginator.pages %}<a href=\"{{ p.path }}\">{{ p.title }}</a>\n{% endfor %}";
    for (name, body) in [
        (
            "page.html",
            "<h1>{{ page.title }}</h1>\n<p class=\"description\">{{ page.description }}</p>\n{% for name, terms in page.taxonomies %}{% for t in terms %}<a class=\"term\" href=\"{{ t.path }}\">{{ t.name }}</a>\n{% endfor %}{% endfor %}<div class=\"content\">{{ page.content | safe }}</div>\n",
        ),
        ("section.html", list),
        ("index.html", list),
        (
            "taxonomy_list.html",
            "{% for t in taxonomy.terms %}<a href=\"{{ t.path }}\">{{ t.name }}</a>\n{% endfor %}",
        ),
        (
            "taxonomy_single.html",
            "<h1>{{ term.name }}</h1>\n{% for p in paginator.pages %}<a href=\"{{ p.path }}\">{{ p.title }}</a>\n{% endfor %}",
        ),
        ("archive.html", "archive"),
        ("404.html", "404"),
    ] {
        write(root, &format!("themes/t/templates/{name}"), body);
    }
    write(
        root,
        "content/_index.md",
        "+++\ntitle = \"Trang chủ\"\n+++\n",
    );
    write(
        root,
        "content/a.md",
        "+++\ntitle = \"Bài A\"\ndate = 2020-01-01\n+++\nNội dung bài A.\n\n## Mục một\n\nHết.\n",
    );
}

// ---------------------------------------------------------------- snapshots

/// Compares the output tree `out` with the snapshot `tests/snapshots/<name>/`:
/// `paths.txt` lists every output file (the manifest and `pagefind/` aside), `tree/` holds the
/// bytes of every `.html` and `.xml` file. With `UPDATE_SNAPSHOTS=1` the
/// snapshot is rewritten instead.
pub fn assert_snapshot(name: &str, out: &Path) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    // Pagefind's bundle has content-hashed names: tests/search.rs checks it.
    let actual: BTreeMap<String, Vec<u8>> = read_tree(out, false)
        .into_iter()
        .filter(|(p, _)| !p.starts_with("pagefind/"))
        .collect();
    let paths: String = actual.keys().map(|p| format!("{p}\n")).collect();
    let is_text = |p: &str| p.ends_with(".html") || p.ends_with(".xml");

    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("paths.txt"), &paths).unwrap();
        for (p, bytes) in actual.iter().filter(|(p, _)| is_text(p)) {
            write(&dir.join("tree"), p, bytes);
        }
        eprintln!("snapshot {} updated", dir.display());
        return;
    }

    let expected_paths = fs::read_to_string(dir.join("paths.txt")).unwrap_or_else(|e| {
        panic!(
            "no snapshot at {} ({e}); run with UPDATE_SNAPSHOTS=1 to create it",
            dir.display()
        )
    });
    if expected_paths != paths {
        let exp: Vec<&str> = expected_paths.lines().collect();
        let act: Vec<&str> = paths.lines().collect();
        let missing: Vec<_> = exp.iter().filter(|p| !act.contains(p)).collect();
        let extra: Vec<_> = act.iter().filter(|p| !exp.contains(p)).collect();
        panic!(
            "snapshot {name}: the set of output files differs\n  missing: {missing:?}\n  unexpected: {extra:?}\n\
             (run with UPDATE_SNAPSHOTS=1 to accept the new output)"
        );
    }
    let expected = read_tree(&dir.join("tree"), false);
    let mut differing = Vec::new();
    for (p, bytes) in actual.iter().filter(|(p, _)| is_text(p)) {
        match expected.get(p) {
            Some(e) if e == bytes => {}
            _ => differing.push(p.clone()),
        }
    }
    if let Some(first) = differing.first() {
        let exp = expected
            .get(first)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let act = String::from_utf8_lossy(&actual[first]).into_owned();
        panic!(
            "snapshot {name}: {} file(s) differ: {differing:?}\n\nfirst: {first} (- expected, + actual)\n{}\n\
             (run with UPDATE_SNAPSHOTS=1 to accept the new output)",
            differing.len(),
            line_diff(&exp, &act)
        );
    }
}

/// A line diff (longest common subsequence) with three lines of context.
pub fn line_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', a[i]));
            i += 1;
        } else {
            ops.push(('+', b[j]));
            j += 1;
        }
    }
    let near_change = |k: usize| {
        ops[k.saturating_sub(3)..(k + 4).min(ops.len())]
            .iter()
            .any(|o| o.0 != ' ')
    };
    let mut out = String::new();
    let mut skipped = false;
    for (k, (op, line)) in ops.iter().enumerate() {
        if near_change(k) {
            if skipped {
                out.push_str("   …\n");
                skipped = false;
            }
            out.push_str(&format!("{op}  {line}\n"));
        } else {
            skipped = true;
        }
    }
    out
}
