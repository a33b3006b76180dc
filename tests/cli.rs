//! End-to-end tests of the authoring commands, run as an editor would run
//! them: `init`, `new`, `translate`, and `check` (referenced files, external links
//! against a server on 127.0.0.1 only).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn minhbach(args: &[&str], root: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_minhbach"))
        .args(args)
        .current_dir(root)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A new site made by `init`, in `dir/site`.
fn init_site(dir: &Path) -> std::path::PathBuf {
    let o = minhbach(&["init", "site"], dir);
    assert!(o.status.success(), "{}", stderr(&o));
    dir.join("site")
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn init_makes_a_site_that_builds_and_checks_and_refuses_a_non_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let site = init_site(dir.path());
    for f in [
        "site-config.toml",
        "content/_index.md",
        "content/tin-tuc/_index.md",
        "content/tin-tuc/khai-truong-cong-thong-tin.md",
        "themes/default/templates/page.html",
        "themes/default/static/style.css",
    ] {
        assert!(site.join(f).is_file(), "{f} missing");
    }
    let article =
        std::fs::read_to_string(site.join("content/tin-tuc/khai-truong-cong-thong-tin.md"))
            .unwrap();
    assert!(
        article.contains("cải cách hành chính"),
        "the sample is Vietnamese"
    );

    let o = minhbach(&["build", "--root", "site"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let page =
        std::fs::read_to_string(site.join("public/tin-tuc/khai-truong-cong-thong-tin/index.html"))
            .unwrap();
    assert!(page.contains("Khai trương cổng thông tin"));
    assert!(
        !page.contains("livereload"),
        "build never injects the live-reload script"
    );
    let o = minhbach(&["check", "--root", "site"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));

    // The same folder again, and a file in a fresh one: refused, nothing written.
    let o = minhbach(&["init", "site"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));
    write(dir.path(), "other/ghi-chu.txt", "x");
    let o = minhbach(&["init", "other"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(!dir.path().join("other/site-config.toml").exists());
}

#[test]
fn translate_starts_a_draft_version_beside_the_original_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let site = init_site(dir.path());
    let config = std::fs::read_to_string(site.join("site-config.toml")).unwrap();
    write(
        &site,
        "site-config.toml",
        &format!("{config}\n[languages.en]\ntitle = \"Reform portal\"\n"),
    );
    let page = "content/tin-tuc/khai-truong-cong-thong-tin.md";
    let original = std::fs::read_to_string(site.join(page)).unwrap();
    let translated = site.join("content/tin-tuc/khai-truong-cong-thong-tin.en.md");

    // A page whose section has no English version would be an error once
    // built: the section first, and the error says how.
    let o = minhbach(&["translate", page, "en"], &site);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .contains("start it first with `minhbach translate content/tin-tuc/_index.md en`"),
        "{}",
        stderr(&o)
    );
    assert!(!translated.exists());
    let o = minhbach(&["translate", "content/tin-tuc/_index.md", "en"], &site);
    assert!(o.status.success(), "{}", stderr(&o));
    let section = std::fs::read_to_string(site.join("content/tin-tuc/_index.en.md")).unwrap();
    assert!(!section.contains("draft"), "{section}");

    // Named from the site's root or below content/ alike.
    let o = minhbach(
        &["translate", "tin-tuc/khai-truong-cong-thong-tin.md", "en"],
        &site,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&translated).unwrap();
    assert!(
        text.starts_with("+++\n# Bản en của content/tin-tuc/khai-truong-cong-thong-tin.md"),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| l.trim() == "draft = true").count(),
        1,
        "{text}"
    );
    let body = |t: &str| t.splitn(3, "+++\n").nth(2).unwrap().to_string();
    assert_eq!(
        body(&text),
        body(&original),
        "the body is copied to translate"
    );

    // Never overwrites; never translates a translation; only declared languages.
    std::fs::write(&translated, text.replace("Khai trương", "Opening")).unwrap();
    let edited = std::fs::read_to_string(&translated).unwrap();
    for (args, says) in [
        (vec!["translate", page, "en"], "already exists"),
        (
            vec![
                "translate",
                "content/tin-tuc/khai-truong-cong-thong-tin.en.md",
                "en",
            ],
            "already the en version of content/tin-tuc/khai-truong-cong-thong-tin.md",
        ),
        (vec!["translate", page, "fr"], "it declares [languages.en]"),
        (vec!["translate", page, "vi"], "the site's own language"),
        (
            vec!["translate", "content/tin-tuc/khong-co.md", "en"],
            "no such file",
        ),
    ] {
        let o = minhbach(&args, &site);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    assert_eq!(std::fs::read_to_string(&translated).unwrap(), edited);
    assert!(
        !site
            .join("content/tin-tuc/khai-truong-cong-thong-tin.fr.md")
            .exists()
    );

    // A draft until published: left out of a build, paired with the original
    // in a build with --drafts.
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap();
    let o = minhbach(&["build", "--output", out_s], &site);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !out.join("en/tin-tuc/khai-truong-cong-thong-tin/index.html")
            .exists()
    );
    let o = minhbach(&["build", "--drafts", "--output", out_s], &site);
    assert!(o.status.success(), "{}", stderr(&o));
    let en = std::fs::read_to_string(out.join("en/tin-tuc/khai-truong-cong-thong-tin/index.html"))
        .unwrap();
    assert!(
        en.contains("Opening"),
        "the translation is the English page"
    );
    let vi =
        std::fs::read_to_string(out.join("tin-tuc/khai-truong-cong-thong-tin/index.html")).unwrap();
    assert!(
        vi.contains("hreflang=\"en\" href=\"")
            && vi.contains("/en/tin-tuc/khai-truong-cong-thong-tin/\""),
        "the original links its translation"
    );
}

#[test]
fn new_writes_a_dated_draft_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let site = init_site(dir.path());
    let o = minhbach(
        &["new", "tin-tuc", "Hội nghị sơ kết 6 tháng đầu năm"],
        &site,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let file = site.join("content/tin-tuc/hoi-nghi-so-ket-6-thang-dau-nam.md");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("+++\ntitle = \"Hội nghị sơ kết 6 tháng đầu năm\"\n"),
        "{text}"
    );
    assert!(text.contains("draft = true"), "{text}");
    let date = text
        .lines()
        .find_map(|l| l.strip_prefix("date = "))
        .expect("a date");
    assert!(date.ends_with("+07:00"), "{date}");
    chrono::DateTime::parse_from_rfc3339(date).expect("an RFC 3339 date");

    // Never overwrites: the edited file stays as it is.
    std::fs::write(&file, "đã sửa").unwrap();
    let o = minhbach(
        &["new", "tin-tuc", "Hội nghị sơ kết 6 tháng đầu năm"],
        &site,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "đã sửa");
    std::fs::remove_file(&file).unwrap();

    // The section may be named as written or folded; an unknown one lists the real ones.
    let o = minhbach(&["new", "Tin Tức", "Bài thứ hai", "--root", "."], &site);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(site.join("content/tin-tuc/bai-thu-hai.md").is_file());
    let o = minhbach(&["new", "van-ban", "X"], &site);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the sections are: tin-tuc"),
        "{}",
        stderr(&o)
    );
    let o = minhbach(&["new", "../ngoai", "X"], &site);
    assert_eq!(o.status.code(), Some(1));

    // A draft is left out of a build, and in with --drafts.
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap();
    let o = minhbach(&["build", "--output", out_s], &site);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("tin-tuc/bai-thu-hai/index.html").exists());
    let o = minhbach(&["build", "--drafts", "--output", out_s], &site);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("tin-tuc/bai-thu-hai/index.html").exists());
}

#[test]
fn check_reports_missing_images_and_files_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let site = init_site(dir.path());
    write(&site, "static/img/logo.png", "png");
    write(&site, "content/tin-tuc/bao-cao.pdf", "pdf");
    write(
        &site,
        "content/tin-tuc/anh.md",
        "+++\ntitle = \"Ảnh\"\ndate = 2024-01-02\nimage = { src = \"khong-co.jpg\" }\n+++\n\
Có ![logo](/img/logo.png) và [báo cáo](bao-cao.pdf).\n\n\
Thiếu ![ảnh](anh-thieu.png)\n\nThiếu [tệp](/tai-lieu/thieu.pdf) và [ghi chú](ghi-chu.md).\n",
    );
    // A build does not look for them: it succeeds.
    let o = minhbach(&["build"], &site);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = minhbach(&["check"], &site);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for (line, needle) in [
        (4, "\"khong-co.jpg\""),
        (8, "\"anh-thieu.png\""),
        (10, "\"/tai-lieu/thieu.pdf\""),
        (10, "\"ghi-chu.md\""),
    ] {
        let prefix = format!("error: content/tin-tuc/anh.md:{line}: ");
        assert!(
            err.lines()
                .any(|l| l.starts_with(&prefix) && l.contains(needle)),
            "no error at line {line} for {needle} in:\n{err}"
        );
    }
    assert!(!err.contains("logo.png"), "{err}");
    assert!(!err.contains("\"bao-cao.pdf\""), "{err}");
    assert!(err.contains("4 errors found"), "{err}");
}

/// A tiny HTTP server on 127.0.0.1: `/ok` answers 200, `/slow` never
/// answers, anything else 404. Runs until the test ends.
fn link_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    return;
                }
                let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                if path == "/slow" {
                    std::thread::sleep(Duration::from_secs(30));
                    return;
                }
                let status = if path == "/ok" {
                    "200 OK"
                } else {
                    "404 Not Found"
                };
                let _ = (&stream).write_all(
                    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .as_bytes(),
                );
            });
        }
    });
    port
}

#[test]
fn check_external_requests_links_within_a_time_limit_and_sums_up() {
    let port = link_server();
    let dir = tempfile::tempdir().unwrap();
    let site = init_site(dir.path());
    write(
        &site,
        "content/tin-tuc/lien-ket.md",
        &format!(
            "+++\ntitle = \"Liên kết\"\ndate = 2024-01-02\n\
source = {{ name = \"Báo\", url = \"http://127.0.0.1:{port}/ok\" }}\n+++\n\
[được](http://127.0.0.1:{port}/ok#muc) [mất](http://127.0.0.1:{port}/mat)\n\n\
[chậm](http://127.0.0.1:{port}/slow)\n"
        ),
    );
    // Without --external no request is made.
    let o = minhbach(&["check"], &site);
    assert!(o.status.success(), "{}", stderr(&o));

    let start = Instant::now();
    let o = minhbach(&["check", "--external", "--timeout", "2"], &site);
    let err = stderr(&o);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "bounded: {:?}",
        start.elapsed()
    );
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "content/tin-tuc/lien-ket.md:6: external link http://127.0.0.1:{port}/mat: HTTP 404"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("content/tin-tuc/lien-ket.md:8: external link http://127.0.0.1:{port}/slow: no answer within the time limit")),
        "{err}"
    );
    assert!(!err.contains("/ok"), "a good link is not reported: {err}");
    assert!(err.contains("External links: 3 checked"), "{err}");
    assert!(err.contains("2 broken"), "{err}");
}

/// What jemalloc prints of the options it runs with (and its statistics)
/// when the binary exits, asked for with `conf` in `_RJEM_MALLOC_CONF`.
fn allocator_options(conf: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_minhbach"))
        .arg("--version")
        .current_dir(dir.path())
        .env("_RJEM_MALLOC_CONF", conf)
        .output()
        .expect("the binary runs");
    assert!(o.status.success(), "{}", stderr(&o));
    format!("{}{}", stderr(&o), String::from_utf8_lossy(&o.stdout))
}

/// The allocator asks for no huge pages (see main.rs): on a virtual machine
/// that hands freed memory back to its host, their first touch cost a clean
/// build of 100 000 articles a fifth of its time and the search index a
/// quarter. jemalloc prints the options it runs with; these are its
/// defaults, which the `thp:always` the binary used to set overrode.
#[test]
fn the_allocator_asks_for_no_huge_pages() {
    let printed = allocator_options("stats_print:true,stats_print_opts:mdablxe");
    assert!(printed.contains("opt.thp: \"default\""), "{printed}");
    assert!(
        printed.contains("opt.metadata_thp: \"disabled\""),
        "{printed}"
    );
}

/// Freed memory goes back to the system within a second, by jemalloc's
/// background thread, and straight to `MADV_DONTNEED` (see main.rs): the
/// files a large build writes then reuse the memory its written pages'
/// bodies held. jemalloc prints the options it runs with.
#[test]
fn the_allocator_hands_freed_memory_back_within_a_second() {
    let printed = allocator_options("stats_print:true");
    for opt in [
        "opt.background_thread: true",
        "opt.dirty_decay_ms: 1000 ",
        "opt.muzzy_decay_ms: 0 ",
    ] {
        assert!(printed.contains(opt), "{opt} not in:\n{printed}");
    }
}
