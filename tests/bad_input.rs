//! Bad input (issue 10): an editor's typo never publishes a broken portal,
//! and no content or data file reads or writes outside the site.
//!
//! `bad_input_corpus` runs every case of `tests/bad_input/` (see its
//! README): the good site is built, the case is laid over it, and the build
//! must fail with exit code 1, name the file and line, and leave everything
//! (the output, the sources, the folder beside the site) byte for byte as it
//! was. The other tests cover what must work with links, and hostile titles,
//! tags and names in every kind of output.

mod common;
#[path = "common/site_checks.rs"]
mod site_checks;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use common::*;
use serde_json::Value;
use site_checks::*;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input")
}

/// Written into every file of the folder beside the site that the symbolic
/// links of the corpus point into: it must never reach stderr or the output.
const SECRET: &str = "NGOAI-SITE-BI-MAT";

/// Files of a case that describe it rather than belong to the site.
const CASE_FILES: [&str; 3] = ["expected.txt", "remove.txt", "symlinks.txt"];

fn minhbach(args: &[&str], root: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_minhbach"))
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .expect("the binary runs")
}

/// Every entry below `dir`, links not followed: files by their bytes, links by
/// their target, folders as such. Equal snapshots mean nothing was written,
/// renamed, created or removed.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.expect("the temporary folder can be walked");
        let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
        let what = if e.path_is_symlink() {
            format!("link to {}", fs::read_link(e.path()).unwrap().display())
        } else if e.file_type().is_dir() {
            "folder".to_string()
        } else {
            let bytes = fs::read(e.path()).unwrap();
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in &bytes {
                h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
            }
            format!("{} bytes, hash {h:016x}", bytes.len())
        };
        out.insert(rel, what);
    }
    out
}

fn first_difference(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> String {
    for (k, v) in a {
        match b.get(k) {
            None => return format!("{k} was removed"),
            Some(w) if w != v => return format!("{k} changed: {v} → {w}"),
            _ => {}
        }
    }
    match b.keys().find(|k| !a.contains_key(*k)) {
        Some(k) => format!("{k} was created"),
        None => "no difference".into(),
    }
}

/// Copies `from` into `to`, replacing `@TMP@` in every file by `tmp`.
fn lay_over(from: &Path, to: &Path, tmp: &Path, skip: &[&str]) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        if !e.file_type().is_file() || skip.iter().any(|s| rel == Path::new(s)) {
            continue;
        }
        let bytes = fs::read(e.path()).unwrap();
        let bytes = replace_bytes(&bytes, b"@TMP@", tmp.to_str().unwrap().as_bytes());
        let dest = to.join(rel);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::write(dest, bytes).unwrap();
    }
}

fn replace_bytes(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

/// The lines of a case file, without comments and blank lines.
fn lines_of(file: &Path) -> Vec<String> {
    fs::read_to_string(file)
        .map(|t| {
            t.lines()
                .map(str::trim_end)
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether some `error: ` line of `stderr` holds every ` … `-separated part
/// of `expected`, in order.
fn has_error(stderr: &str, expected: &str) -> bool {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error: "))
        .any(|line| {
            let mut rest = line;
            expected.split(" … ").all(|part| match rest.find(part) {
                Some(i) => {
                    rest = &rest[i + part.len()..];
                    true
                }
                None => false,
            })
        })
}

/// The folder beside the site that the corpus's links point into.
fn make_outside(tmp: &Path) {
    let dir = tmp.join("outside");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("secret.txt"), format!("{SECRET}\n")).unwrap();
    fs::write(
        dir.join("bai.md"),
        format!("+++\ntitle = \"{SECRET}\"\n+++\n{SECRET}\n"),
    )
    .unwrap();
    fs::write(
        dir.join("ind.toml"),
        format!("name = \"{SECRET}\"\nunit = \"%\"\n"),
    )
    .unwrap();
    fs::write(
        dir.join("values.csv"),
        format!("entity,year,value,rank,of,note\nha-noi,2030,1,,,{SECRET}\n"),
    )
    .unwrap();
}

/// Runs one case; `Err` says what went wrong.
fn run_case(case: &Path) -> Result<(), String> {
    let expected = lines_of(&case.join("expected.txt"));
    if expected.is_empty() {
        return Err("expected.txt is missing or empty".into());
    }
    let tmp = tempfile::tempdir().unwrap();
    let tmp_path = tmp.path().canonicalize().unwrap();
    let site = tmp_path.join("site");
    lay_over(&corpus().join("_good"), &site, &tmp_path, &[]);
    make_outside(&tmp_path);
    let good = minhbach(&["build"], &site);
    if good.status.code() != Some(0) || !site.join("public/tin-tuc/b/index.html").is_file() {
        return Err(format!(
            "the good site did not build:\n{}",
            String::from_utf8_lossy(&good.stderr)
        ));
    }

    lay_over(case, &site, &tmp_path, &CASE_FILES);
    for rel in lines_of(&case.join("remove.txt")) {
        fs::remove_file(site.join(rel.trim())).map_err(|e| format!("remove.txt: {rel}: {e}"))?;
    }
    for line in lines_of(&case.join("symlinks.txt")) {
        let (link, target) = line
            .split_once(" -> ")
            .ok_or_else(|| format!("symlinks.txt: no ` -> ` in {line:?}"))?;
        let link = site.join(link.trim());
        let target = target.trim().replace("@TMP@", tmp_path.to_str().unwrap());
        if link.is_dir() && !link.is_symlink() {
            fs::remove_dir_all(&link).unwrap();
        } else if link.symlink_metadata().is_ok() {
            fs::remove_file(&link).unwrap();
        }
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&target, &link).map_err(|e| format!("symlink {line}: {e}"))?;
    }
    let expected: Vec<String> = expected
        .iter()
        .map(|l| l.replace("@TMP@", tmp_path.to_str().unwrap()))
        .collect();

    let before = snapshot(&tmp_path);
    let tmp_x = Path::new("/tmp/x").exists();
    for command in ["build", "check"] {
        let run = minhbach(&[command], &site);
        let stderr = String::from_utf8_lossy(&run.stderr);
        let fail = |what: String| Err(format!("`minhbach {command}` {what}; stderr:\n{stderr}"));
        if run.status.code() != Some(1) {
            return fail(format!("exited with {:?}, not 1", run.status.code()));
        }
        for e in &expected {
            if !has_error(&stderr, e) {
                return fail(format!("printed no error like {e:?}"));
            }
        }
        // One mistake, its errors only: none that follow from it elsewhere.
        // (`check` may add its own checks of referenced files.)
        let count = stderr.lines().filter(|l| l.starts_with("error: ")).count();
        if command == "build" && count != expected.len() {
            return fail(format!(
                "printed {count} errors, expected.txt has {}",
                expected.len()
            ));
        }
        if stderr.contains(SECRET) || stderr.contains("root:x:0:") {
            return fail("printed what a file outside the site holds".into());
        }
        let after = snapshot(&tmp_path);
        if after != before {
            return fail(format!(
                "changed the folder: {}",
                first_difference(&before, &after)
            ));
        }
        if Path::new("/tmp/x").exists() != tmp_x {
            return fail("created /tmp/x".into());
        }
    }
    Ok(())
}

#[test]
fn bad_input_corpus() {
    let mut cases: Vec<PathBuf> = fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    cases.sort();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let only = std::env::var("BAD_INPUT_CASE").ok();
    let queue = Mutex::new(
        cases
            .iter()
            .filter(|c| only.as_deref().is_none_or(|o| c.ends_with(o)))
            .collect::<Vec<_>>(),
    );
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let Some(case) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    if let Err(e) = run_case(case) {
                        let name = case.file_name().unwrap().to_string_lossy().into_owned();
                        failures.lock().unwrap().push(format!("── {name}: {e}"));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} bad-input cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------- links that must work

#[test]
fn symbolic_links_inside_the_site_are_followed() {
    let (_tmp, root, out) = tiny_site_in_temp();
    // A folder kept elsewhere in the site, linked into content/ and static/.
    write(
        &root,
        "chung/thong-bao.md",
        "+++\ntitle = \"Thông báo chung\"\ndate = 2021-01-01\n+++\nDùng chung.\n",
    );
    write(
        &root,
        "chung/logo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
    );
    std::os::unix::fs::symlink("../chung", root.join("content/chung")).unwrap();
    fs::create_dir_all(root.join("static")).unwrap();
    std::os::unix::fs::symlink("../chung/logo.svg", root.join("static/logo.svg")).unwrap();
    // A link to a page beside it.
    std::os::unix::fs::symlink("a.md", root.join("content/a-cu.md")).unwrap();
    build_ok(&root, &out);
    assert!(read(&out, "chung/thong-bao/index.html").contains("Thông báo chung"));
    assert!(out.join("logo.svg").is_file());
    assert!(read(&out, "a-cu/index.html").contains("Bài A"));
}

// ---------------------------------------------------------------- escaping

/// Markup, quotes and an ampersand: inert wherever they are written.
const HOSTILE: &str = "</script><script>alert(1)</script> & \"trích\" 'đơn'";

/// A site with the built-in theme whose article, conference and model carry
/// [`HOSTILE`] in their titles, tags, descriptions and table fields.
fn hostile_site(root: &Path) {
    let h = toml::Value::String(HOSTILE.into()).to_string();
    write(
        root,
        "site-config.toml",
        "title = \"Cổng thử\"\nbase_url = \"https://example.gov.vn/\"\n\n[[taxonomies]]\nname = \"tags\"\nfeed = true\n\n[[taxonomies]]\nname = \"localities\"\n",
    );
    write(
        root,
        "data/entities.toml",
        format!(
            "[[entity]]\nid = \"vn\"\nname = \"Việt Nam\"\nkind = \"country\"\n\n[[entity]]\nid = \"ha-noi\"\nname = {h}\nkind = \"province\"\nparent = \"vn\"\n"
        ),
    );
    write(
        root,
        "data/indicators/sipas.toml",
        format!(
            "name = {h}\nshort_name = {h}\nunit = \"%\"\nsource = {h}\ndescription = \"Mô tả *Markdown* (HTML thô được giữ nguyên).\"\n\n[[values]]\nentity = \"ha-noi\"\nyear = 2021\nvalue = 87.11\nnote = {h}\n\n[[values]]\nentity = \"vn\"\nyear = 2021\nvalue = 85.0\n"
        ),
    );
    write(
        root,
        "content/_index.md",
        "+++\ntitle = \"Trang chủ\"\n+++\n",
    );
    write(
        root,
        "content/tin-tuc/_index.md",
        "+++\ntitle = \"Tin tức\"\nfeed = true\n+++\n",
    );
    write(
        root,
        "content/tin-tuc/bai.md",
        format!(
            "+++\ntitle = {h}\ndate = 2024-05-20T10:00:00+07:00\ndescription = {h}\nauthors = [{h}]\nsource = {{ name = {h}, url = \"https://example.gov.vn/?a=1&b=2\" }}\nimage = {{ src = \"/anh.svg\", caption = {h}, alt = {h} }}\n\n[taxonomies]\ntags = [{h}, \"dân vận\"]\nlocalities = [\"ha-noi\"]\n+++\nĐoạn mở đầu.\n\n{{{{ chart(indicator=\"sipas\", year=2021) }}}}\n\n{{{{ figure(src=\"/anh.svg\", caption={q}, alt={q}) }}}}\n",
            q = format!("{HOSTILE:?}")
        ),
    );
    write(
        root,
        "static/anh.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
    );
    write(
        root,
        "content/hoi-nghi/_index.md",
        "+++\ntitle = \"Hội nghị\"\npage_kind = \"conference\"\n+++\n",
    );
    write(
        root,
        "content/hoi-nghi/tong-ket.md",
        format!(
            "+++\ntitle = {h}\ndate = 2023-12-21\ndescription = {h}\n\n[taxonomies]\ntags = [{h}]\n\n[conference]\nstarts = 2023-12-19\nends = 2023-12-20\nvenue = {h}\norganisers = [{h}]\nchairs = [{{ name = {h}, role = {h} }}]\nconclusions = [{h}]\nrecommendations = [{h}]\ndocuments = [{{ title = {h}, url = \"https://example.gov.vn/a.pdf?x=1&y=2\" }}]\n+++\nNội dung.\n"
        ),
    );
    write(
        root,
        "content/mo-hinh/_index.md",
        "+++\ntitle = \"Mô hình\"\npage_kind = \"model\"\n+++\n",
    );
    write(
        root,
        "content/mo-hinh/dan-van.md",
        format!(
            "+++\ntitle = {h}\ndate = 2022-07-24\ndescription = {h}\n\n[taxonomies]\ntags = [{h}]\n\n[model]\nlocality = \"ha-noi\"\nagency = {h}\nfield = {h}\nstarted = 2019\nresults = [{{ label = {h}, value = 98.5, unit = {h} }}]\n+++\nMô tả.\n"
        ),
    );
}

/// Every string in a JSON value.
fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s],
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        Value::Object(o) => o.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn hostile_titles_tags_and_fields_are_inert_in_every_output_file() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    let out = tmp.path().join("public");
    hostile_site(&root);
    build_ok(&root, &out);
    let files = read_tree(&out, false);
    let (mut json_ld_blocks, mut pages_with_name) = (0, 0);
    for (path, bytes) in &files {
        let text =
            || String::from_utf8(bytes.clone()).unwrap_or_else(|_| panic!("{path} is not UTF-8"));
        if path.ends_with(".html") {
            let html = text();
            assert!(!html.contains("<script>alert"), "{path} writes markup raw");
            // No attribute value is cut short by a raw double quote.
            for tag in html.split('<').skip(1) {
                let tag = tag.split('>').next().unwrap_or_default();
                assert!(
                    !tag.contains("\"trích\""),
                    "{path}: a raw quote inside a tag: <{tag}>"
                );
            }
            for v in json_ld(path, &html) {
                json_ld_blocks += 1;
                for s in strings(&v) {
                    assert!(
                        !s.contains("alert(1)") || s.contains(HOSTILE),
                        "{path}: JSON-LD holds a mangled copy of the name: {s:?}"
                    );
                }
            }
            for script in html.split("<script type=\"application/ld+json\">").skip(1) {
                let body = &script[..script.find("</script>").expect("a closed script")];
                assert!(!body.contains('<'), "{path}: a raw `<` inside JSON-LD");
            }
            chart_svgs(path, &html);
            if html.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp;") {
                pages_with_name += 1;
            }
        } else if path.ends_with(".xml") || path.ends_with(".svg") {
            let x = text();
            assert!(!x.contains("<script>alert"), "{path} writes markup raw");
            xml(path, &x);
        } else if path.ends_with(".json") {
            let v: Value = serde_json::from_slice(bytes)
                .unwrap_or_else(|e| panic!("{path} is not valid JSON: {e}"));
            let s = String::from_utf8_lossy(bytes);
            assert!(
                !s.contains("<script>"),
                "{path}: `<` not escaped as \\u003c"
            );
            let _ = v;
        } else if path.ends_with(".js") || path.ends_with(".css") {
            // The theme's own files.
        } else if !path.starts_with("pagefind/") {
            let t = String::from_utf8_lossy(bytes);
            assert!(
                !t.contains("<script>alert") || path.ends_with(".csv"),
                "{path} writes markup raw"
            );
        }
    }
    assert!(json_ld_blocks >= 3, "JSON-LD was checked on several pages");
    assert!(
        pages_with_name >= 6,
        "the name is shown, escaped, on many pages"
    );

    // The values round-trip: what a reader or a machine sees is the text.
    let article = read(&out, "tin-tuc/bai/index.html");
    assert_eq!(meta(&article, "og:title").as_deref(), Some(HOSTILE));
    assert_eq!(
        json_ld_of_type("tin-tuc/bai/", &article, "NewsArticle")["headline"],
        HOSTILE
    );
    let conference = read(&out, "hoi-nghi/tong-ket/index.html");
    let event = json_ld_of_type("hoi-nghi/tong-ket/", &conference, "Event");
    assert_eq!(event["name"], HOSTILE);
    assert_eq!(event["location"]["name"], HOSTILE, "the venue round-trips");
    assert_eq!(event["organizer"][0]["name"], HOSTILE);
    // The chart's bar label and description hold the entity's name as text.
    let svg = chart_svgs("tin-tuc/bai/", &article)
        .into_iter()
        .next()
        .expect("the chart of the article");
    assert!(
        svg_texts(&svg).iter().any(|t| t == HOSTILE),
        "the bar label"
    );
    assert!(svg.child_text("desc").contains(HOSTILE));
    let model = read(&out, "mo-hinh/dan-van/index.html");
    assert!(main_of(&model).contains("&lt;/script&gt;&lt;script&gt;alert(1)"));
    for feed in ["atom.xml", "tin-tuc/atom.xml"] {
        let f = xml(feed, &read(&out, feed));
        let titles: Vec<String> = f
            .descendants()
            .into_iter()
            .filter(|e| e.name == "title")
            .map(|e| e.text())
            .collect();
        assert!(titles.iter().any(|t| t == HOSTILE), "{feed}: {titles:?}");
    }
    // The tag's term page: its URL is the folded name, its heading the name.
    let term = files
        .keys()
        .find(|p| p.starts_with("tags/script-script-alert-1"))
        .unwrap_or_else(|| panic!("no term page: {:?}", files.keys().collect::<Vec<_>>()));
    let term_html = read(&out, term);
    assert!(term_html.contains("&lt;/script&gt;&lt;script&gt;alert(1)"));
}
