//! The build record (issue 8): a build whose inputs, options, binary and
//! output are all as the last build left them writes nothing and says so;
//! any change, wherever it is, gives a full build. Each test is named after
//! the change it guards.
//!
//! Inputs written less than two seconds before a build are never trusted
//! (a second edit within the same clock tick would keep their modification
//! time), so most tests first make every input an hour old.

mod common;

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::*;
use minhbach::Options;
use minhbach::cmd::build::Summary;

/// Sets the modification time of every file below `root` to `ago` before now.
fn age(root: &Path, ago: Duration) {
    let t = SystemTime::now() - ago;
    for e in walkdir::WalkDir::new(root) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            set_mtime(e.path(), t);
        }
    }
}

fn set_mtime(path: &Path, t: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

const HOUR: Duration = Duration::from_secs(3600);

/// A tiny site with a second page, a stylesheet and a site template, every
/// file an hour old, built once into `out`.
fn built_site() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let (tmp, root, out) = tiny_site_in_temp();
    write(
        &root,
        "content/b.md",
        "+++\ntitle = \"Bài B\"\ndate = 2021-05-01\n+++\nB.\n",
    );
    write(&root, "static/css/site.css", "body {}\n");
    write(&root, "data/README.txt", "số liệu\n");
    age(&root, HOUR);
    let first = build_ok(&root, &out);
    assert!(!first.up_to_date, "the first build must build");
    (tmp, root, out)
}

fn run(opts: &Options, out: &Path) -> Summary {
    minhbach::cmd::build::run(opts, Some(out)).unwrap_or_else(|e| panic!("the build failed:\n{e}"))
}

#[test]
fn unchanged_rebuild_writes_nothing_and_says_so() {
    let (_tmp, root, out) = built_site();
    let before = hash_tree(&out);
    let page = out.join("a/index.html");
    let mtime = fs::metadata(&page).unwrap().modified().unwrap();
    let second = build_ok(&root, &out);
    assert!(second.up_to_date, "{second:?}");
    assert_eq!(second.stats.written, 0);
    assert_eq!(second.stats.unchanged, second.files);
    assert!(second.files > 5, "{second:?}");
    assert!(
        hash_tree(&out) == before,
        "an up-to-date build changed the output"
    );
    assert_eq!(fs::metadata(&page).unwrap().modified().unwrap(), mtime);
}

#[test]
fn edited_input_in_each_folder_rebuilds() {
    let (_tmp, root, out) = built_site();
    for (file, text, shows) in [
        (
            "content/a.md",
            "+++\ntitle = \"Bài A mới\"\ndate = 2020-01-01\n+++\nMới.\n",
            ("a/index.html", "Bài A mới"),
        ),
        (
            "themes/t/templates/page.html",
            "<h2>{{ page.title }}</h2>",
            ("a/index.html", "<h2>"),
        ),
        (
            "static/css/site.css",
            "body { color: red }\n",
            ("css/site.css", "red"),
        ),
        (
            "templates/page.html",
            "<h3>{{ page.title }}</h3>",
            ("a/index.html", "<h3>"),
        ),
        (
            "site-config.toml",
            "title = \"Tên mới\"\nbase_url = \"https://example.gov.vn/\"\ntheme = \"t\"\n",
            ("index.html", "Tên mới"),
        ),
    ] {
        write(&root, file, text);
        age(&root, HOUR);
        let s = build_ok(&root, &out);
        assert!(!s.up_to_date, "editing {file} did not rebuild");
        assert!(
            read(&out, shows.0).contains(shows.1),
            "{file}: {}",
            read(&out, shows.0)
        );
        assert!(build_ok(&root, &out).up_to_date, "after {file}");
    }
}

#[test]
fn file_added_or_removed_in_any_input_folder_rebuilds() {
    let (_tmp, root, out) = built_site();
    for dir in minhbach::cache::INPUT_DIRS {
        let rel = format!("{dir}/zz-moi/ghi-chu.txt");
        write(&root, &rel, "mới\n");
        age(&root, HOUR);
        let added = minhbach::cmd::build::run(&opts(&root), Some(&out));
        assert!(
            added.as_ref().map_or(true, |s| !s.up_to_date),
            "adding {rel} did not rebuild"
        );
        fs::remove_file(root.join(&rel)).unwrap();
        fs::remove_dir(root.join(dir).join("zz-moi")).unwrap();
        let removed = build_ok(&root, &out);
        // A build that failed left the earlier record, which matches again.
        assert_eq!(!removed.up_to_date, added.is_ok(), "removing {rel}");
    }
    fs::remove_file(root.join("content/b.md")).unwrap();
    let s = build_ok(&root, &out);
    assert!(!s.up_to_date, "removing a page did not rebuild");
    assert!(!out.join("b/index.html").exists());
}

#[test]
fn same_size_edit_that_keeps_the_modification_time_of_a_recent_file_rebuilds() {
    // Written just now, as by an editor a moment before the build: a second
    // edit within the same clock tick keeps size and modification time.
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("site"), tmp.path().join("public"));
    tiny_site(&root);
    let file = root.join("content/a.md");
    let mtime = fs::metadata(&file).unwrap().modified().unwrap();
    build_ok(&root, &out);
    let text = fs::read_to_string(&file).unwrap().replace("bài A", "bài Z");
    fs::write(&file, text).unwrap();
    set_mtime(&file, mtime);
    let s = build_ok(&root, &out);
    assert!(!s.up_to_date, "a same-tick edit went unnoticed");
    assert!(read(&out, "a/index.html").contains("bài Z"));
}

#[test]
fn touched_input_with_the_same_bytes_stays_up_to_date() {
    let (_tmp, root, out) = built_site();
    // A checkout or a copy gives new times to unchanged files.
    age(&root, 2 * HOUR);
    assert!(build_ok(&root, &out).up_to_date);
    assert!(build_ok(&root, &out).up_to_date);
    // A same-size edit under an old time is still seen (by its hash).
    let file = root.join("content/b.md");
    let text = fs::read_to_string(&file).unwrap().replace("B.", "C.");
    fs::write(&file, text).unwrap();
    set_mtime(&file, SystemTime::now() - 3 * HOUR);
    let s = build_ok(&root, &out);
    assert!(!s.up_to_date, "a same-size edit went unnoticed");
    assert!(read(&out, "b/index.html").contains("C."));
}

#[test]
fn changed_drafts_or_base_url_option_rebuilds() {
    let (_tmp, root, out) = built_site();
    let drafts = Options {
        drafts: true,
        ..opts(&root)
    };
    assert!(!run(&drafts, &out).up_to_date, "--drafts did not rebuild");
    assert!(run(&drafts, &out).up_to_date);
    let base = Options {
        base_url: Some("https://khac.gov.vn/".into()),
        ..drafts
    };
    assert!(!run(&base, &out).up_to_date, "--base-url did not rebuild");
    assert!(read(&out, "sitemap.xml").contains("khac.gov.vn"));
    assert!(
        !build_ok(&root, &out).up_to_date,
        "dropping the options did not rebuild"
    );
}

#[test]
fn future_dated_page_is_published_once_the_clock_passes_its_date() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("site"), tmp.path().join("public"));
    tiny_site(&root);
    // Fixed "now" is noon on 1 June 2024 in Hà Nội; this page is due at 13:00.
    write(
        &root,
        "content/sap-toi.md",
        "+++\ntitle = \"Sắp tới\"\ndate = 2024-06-01T13:00:00+07:00\n+++\nSau.\n",
    );
    age(&root, HOUR);
    let at_time = |t: &str| Options {
        now: Some(at(t)),
        ..opts(&root)
    };
    assert!(!run(&at_time("2024-06-01T12:00:00+07:00"), &out).up_to_date);
    assert!(!out.join("sap-toi/index.html").exists());
    assert!(run(&at_time("2024-06-01T12:59:59+07:00"), &out).up_to_date);
    let due = run(&at_time("2024-06-01T13:00:00+07:00"), &out);
    assert!(!due.up_to_date, "the page came due and nothing was built");
    assert!(out.join("sap-toi/index.html").exists());
    assert!(run(&at_time("2024-06-02T00:00:00+07:00"), &out).up_to_date);
}

#[test]
fn output_file_edited_or_removed_by_hand_rebuilds() {
    let (_tmp, root, out) = built_site();
    let page = out.join("a/index.html");
    let good = fs::read(&page).unwrap();
    fs::write(&page, "hỏng").unwrap();
    assert!(
        !build_ok(&root, &out).up_to_date,
        "an edited output file was kept"
    );
    assert_eq!(fs::read(&page).unwrap(), good);
    fs::remove_file(&page).unwrap();
    assert!(
        !build_ok(&root, &out).up_to_date,
        "a removed output file was not rebuilt"
    );
    assert_eq!(fs::read(&page).unwrap(), good);
}

#[test]
fn edited_site_translation_file_rebuilds() {
    let (_tmp, root, out) = built_site();
    // The site's own UI strings override the theme's: a changed word there
    // must reach the pages.
    write(
        &root,
        "templates/page.html",
        "{{ t.skip_link }}|{{ page.title }}",
    );
    write(&root, "i18n/vi.toml", "skip_link = \"Tới nội dung\"\n");
    age(&root, HOUR);
    let s = build_ok(&root, &out);
    assert!(!s.up_to_date, "adding i18n/vi.toml did not rebuild");
    assert!(read(&out, "a/index.html").contains("Tới nội dung"));
    write(&root, "i18n/vi.toml", "skip_link = \"Đến nội dung\"\n");
    age(&root, HOUR);
    let s = build_ok(&root, &out);
    assert!(!s.up_to_date, "editing i18n/vi.toml did not rebuild");
    assert!(read(&out, "a/index.html").contains("Đến nội dung"));
}

#[test]
fn published_manifest_names_no_source_file_nor_the_site_folder() {
    let (_tmp, root, out) = built_site();
    write(
        &root,
        "content/ban-nhap-mat.md",
        "+++\ntitle = \"Nháp\"\ndraft = true\n+++\nx\n",
    );
    age(&root, HOUR);
    build_ok(&root, &out);
    let manifest = read(&out, MANIFEST);
    assert!(manifest.contains("@record"), "no record:\n{manifest}");
    for secret in [
        "ban-nhap-mat",
        "content/",
        "site-config",
        root.to_str().unwrap(),
    ] {
        assert!(!manifest.contains(secret), "the manifest shows {secret:?}");
    }
}
