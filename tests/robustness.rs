//! What must work: line endings, byte-order marks, decomposed Unicode, big
//! articles, and incremental rebuilds.

mod common;

use std::path::Path;
use std::time::Instant;

use common::*;

/// Builds the tiny site in a temporary folder after `edit`; returns the
/// temporary folder (kept alive) and the output folder.
fn build_tiny(edit: impl FnOnce(&Path)) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    tiny_site(&root);
    edit(&root);
    let out = tmp.path().join("public");
    build_ok(&root, &out);
    (tmp, out)
}

const ARTICLE: &str = "+++\ntitle = \"Đẩy mạnh dân vận\"\ndate = 2017-02-16T14:12:00\n\n[taxonomies]\ntags = [\"dân vận\"]\n+++\nĐoạn một,\nvẫn đoạn một.\n\n<!-- more -->\n\n## Kết quả\n\n| Năm | Số |\n|---|---|\n| 2017 | 120 |\n\n```\nmã nguồn\ndòng hai\n```\n\nHết.\n";

#[test]
fn crlf_line_endings_build_like_lf() {
    let config = "title = \"Thử nghiệm\"\nbase_url = \"https://example.gov.vn/\"\ntheme = \"t\"\n\n[[taxonomies]]\nname = \"tags\"\n";
    let lf = |root: &Path| {
        write(root, "site-config.toml", config);
        write(root, "content/a.md", ARTICLE);
    };
    let crlf = |root: &Path| {
        write(root, "site-config.toml", config.replace('\n', "\r\n"));
        write(root, "content/a.md", ARTICLE.replace('\n', "\r\n"));
    };
    let (_t1, out_lf) = build_tiny(lf);
    let (_t2, out_crlf) = build_tiny(crlf);
    let page = read(&out_crlf, "a/index.html");
    assert!(page.contains("<h1>Đẩy mạnh dân vận</h1>"), "{page}");
    assert!(page.contains("<h2 id=\"ket-qua\">Kết quả</h2>"), "{page}");
    assert!(page.contains("<td>120</td>"), "the table is parsed: {page}");
    assert!(
        page.contains("<p class=\"description\">Đoạn một, vẫn đoạn một.</p>"),
        "{page}"
    );
    assert!(out_crlf.join("tags/dan-van/index.html").is_file());
    assert!(
        !page.contains('\r'),
        "a carriage return leaks into the HTML: {page:?}"
    );
    // The output is the same as from LF sources, up to blank lines.
    let squeeze = |b: &[u8]| {
        let s = String::from_utf8_lossy(b).replace('\r', "");
        s.split('\n')
            .filter(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let lf_tree = read_tree(&out_lf, false);
    let crlf_tree = read_tree(&out_crlf, false);
    assert_eq!(
        lf_tree.keys().collect::<Vec<_>>(),
        crlf_tree.keys().collect::<Vec<_>>()
    );
    for (p, bytes) in &lf_tree {
        assert_eq!(
            squeeze(bytes),
            squeeze(&crlf_tree[p]),
            "{p} differs between LF and CRLF sources"
        );
    }
}

#[test]
fn utf8_bom_is_accepted_in_pages_and_config() {
    let (_tmp, out) = build_tiny(|root| {
        let config = std::fs::read_to_string(root.join("site-config.toml")).unwrap();
        write(root, "content/a.md", format!("\u{feff}{ARTICLE}"));
        write(
            root,
            "content/_index.md",
            "\u{feff}+++\ntitle = \"Trang chủ\"\n+++\n",
        );
        write(
            root,
            "site-config.toml",
            format!("\u{feff}{config}\n[[taxonomies]]\nname = \"tags\"\n"),
        );
    });
    let page = read(&out, "a/index.html");
    assert!(page.contains("<h1>Đẩy mạnh dân vận</h1>"), "{page}");
    assert!(page.contains("<h2 id=\"ket-qua\">"), "{page}");
    assert!(out.join("tags/dan-van/index.html").is_file());
    assert!(read(&out, "index.html").starts_with("Thử nghiệm: "));
    for (p, bytes) in read_tree(&out, false) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains('\u{feff}'),
            "{p} carries a byte-order mark"
        );
    }
}

/// `s` in decomposed form for the letters these tests use (what macOS file
/// systems and some editors store): base letter + combining marks.
fn nfd(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let decomposed = match c {
            'ẩ' => "a\u{302}\u{309}",
            'ạ' => "a\u{323}",
            'â' => "a\u{302}",
            'ậ' => "a\u{323}\u{302}",
            'ứ' => "u\u{31b}\u{301}",
            'ị' => "i\u{323}",
            'ế' => "e\u{302}\u{301}",
            'ộ' => "o\u{323}\u{302}",
            'à' => "a\u{300}",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(decomposed);
    }
    out
}

#[test]
fn nfd_names_and_titles_fold_like_nfc() {
    let title = "Đẩy mạnh dân vận";
    assert_ne!(nfd(title), title, "the test data is really decomposed");
    let (_tmp, out) = build_tiny(|root| {
        let config = std::fs::read_to_string(root.join("site-config.toml")).unwrap();
        write(
            root,
            "site-config.toml",
            format!("{config}\n[[taxonomies]]\nname = \"tags\"\n"),
        );
        write(
            root,
            &format!("content/{}/_index.md", nfd("Tin tức")),
            format!("+++\ntitle = \"{}\"\n+++\n", nfd("Tin tức")),
        );
        write(
            root,
            &format!("content/{}/{}.md", nfd("Tin tức"), nfd(title)),
            format!(
                "+++\ntitle = \"{}\"\ndate = 2020-01-02\n[taxonomies]\ntags = [\"{}\"]\n+++\nNội dung.\n",
                nfd(title),
                nfd("Dân vận")
            ),
        );
        // The same tag written precomposed on another page.
        write(
            root,
            "content/b.md",
            "+++\ntitle = \"Bài B\"\ndate = 2020-01-03\n[taxonomies]\ntags = [\"Dân vận\"]\n+++\nNội dung.\n",
        );
    });
    assert!(
        out.join("tin-tuc/day-manh-dan-van/index.html").is_file(),
        "outputs: {:?}",
        read_tree(&out, false).into_keys().collect::<Vec<_>>()
    );
    assert!(out.join("tin-tuc/index.html").is_file());
    // NFC and NFD spellings of one tag are one term.
    let tags = read(&out, "tags/index.html");
    assert_eq!(tags.matches("href=").count(), 1, "{tags}");
    let term = read(&out, "tags/dan-van/index.html");
    assert!(term.contains("/tin-tuc/day-manh-dan-van/"), "{term}");
    assert!(term.contains("/b/"), "{term}");
    for (p, _) in read_tree(&out, false) {
        assert!(p.is_ascii(), "a non-ASCII output path: {p:?}");
    }
}

#[test]
fn internal_link_written_nfc_finds_a_file_named_nfd() {
    let (_tmp, out) = build_tiny(|root| {
        write(
            root,
            &format!("content/{}.md", nfd("Đẩy mạnh dân vận")),
            "+++\ntitle = \"Đẩy mạnh dân vận\"\n+++\n## Kết quả\n",
        );
        write(
            root,
            "content/b.md",
            "+++\ntitle = \"Bài B\"\n+++\nXem [bài này](<@/Đẩy mạnh dân vận.md#ket-qua>).\n",
        );
    });
    let html = read(&out, "b/index.html");
    assert!(
        html.contains("href=\"/day-manh-dan-van/#ket-qua\""),
        "{html}"
    );
}

#[test]
fn ten_megabyte_article_builds() {
    let mut body = String::with_capacity(10_500_000);
    let paragraph = "Ủy ban nhân dân thành phố đã tổ chức hội nghị đánh giá kết quả thực hiện quy chế dân chủ ở cơ sở, công tác dân vận chính quyền và cải cách hành chính năm 2023.\n\n";
    let mut n = 0;
    while body.len() < 10 * 1024 * 1024 {
        if n % 500 == 0 {
            body.push_str(&format!("## Phần {n}\n\n"));
        }
        body.push_str(paragraph);
        n += 1;
    }
    body.push_str("Đoạn cuối cùng.\n");
    let start = Instant::now();
    let (_tmp, out) = build_tiny(|root| {
        write(
            root,
            "content/a.md",
            format!("+++\ntitle = \"Bài rất dài\"\n+++\n{body}"),
        );
    });
    let elapsed = start.elapsed();
    let html = read(&out, "a/index.html");
    assert!(html.len() > 10 * 1024 * 1024, "{} bytes", html.len());
    assert!(html.contains("<p>Đoạn cuối cùng.</p>"));
    assert!(html.contains("id=\"phan-0\"") && html.contains("id=\"phan-500\""));
    assert!(
        elapsed.as_secs() < 60,
        "a 10 MB article took {elapsed:?} to build"
    );
}

#[test]
fn rebuild_with_nothing_changed_writes_no_file() {
    let (_tmp, root, out) = tiny_site_in_temp();
    write(
        &root,
        "content/b.md",
        "+++\ntitle = \"Bài B\"\ndate = 2021-05-01\n+++\nB.\n",
    );
    write(&root, "static/css/site.css", "body {}\n");
    let first = build_ok(&root, &out);
    assert_eq!(first.stats.written, first.files, "{:?}", first.stats);
    let tree = hash_tree(&out);

    let second = build_ok(&root, &out);
    assert_eq!(second.stats.written, 0, "{:?}", second.stats);
    assert_eq!(second.stats.removed, 0, "{:?}", second.stats);
    assert_eq!(second.stats.unchanged, second.files, "{:?}", second.stats);
    let mut after = hash_tree(&out);
    let mut before = tree;
    // The manifest may be rewritten; the site's own files may not change.
    after.remove(MANIFEST);
    before.remove(MANIFEST);
    assert!(after == before, "an unchanged rebuild changed the output");
}

#[test]
fn rebuild_after_deleting_a_page_removes_its_output() {
    let (_tmp, root, out) = tiny_site_in_temp();
    write(
        &root,
        "content/b.md",
        "+++\ntitle = \"Bài B\"\ndate = 2021-05-01\n+++\nB.\n",
    );
    build_ok(&root, &out);
    assert!(out.join("b/index.html").is_file());
    assert!(read(&out, "index.html").contains("/b/"));

    std::fs::remove_file(root.join("content/b.md")).unwrap();
    let s = build_ok(&root, &out);
    assert!(!out.join("b").exists(), "the deleted page's folder stays");
    assert!(s.stats.removed >= 1, "{:?}", s.stats);
    assert!(!read(&out, "index.html").contains("/b/"));
    assert!(out.join("a/index.html").is_file(), "other pages stay");
    // Nothing in the output still names the deleted page.
    for (p, bytes) in read_tree(&out, true) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("Bài B"),
            "{p} still mentions the deleted page"
        );
    }
}

#[test]
fn files_the_build_did_not_write_are_kept() {
    let (_tmp, root, out) = tiny_site_in_temp();
    std::fs::create_dir_all(&out).unwrap();
    write(&out, "google1234.html", "xác minh");
    build_ok(&root, &out);
    build_ok(&root, &out);
    assert_eq!(read(&out, "google1234.html"), "xác minh");
}

#[test]
fn hidden_and_backup_files_in_content_are_not_pages() {
    let (_tmp, out) = build_tiny(|root| {
        let page = "+++\ntitle = \"Ẩn\"\ndate = 2020-01-02\n+++\nkhông xuất bản\n";
        write(root, "content/.nhap.md", page);
        write(root, "content/b.md~", page);
        write(root, "content/.git/c.md", page);
        write(root, "content/tin/.cu/d.md", page);
        write(
            root,
            "content/tin/e.md",
            "+++\ntitle = \"Hiện\"\ndate = 2020-01-03\n+++\nxuất bản\n",
        );
    });
    assert!(
        out.join("tin/e/index.html").is_file(),
        "a plain page is built"
    );
    for gone in ["nhap", ".nhap", "b", "c", ".git", "tin/d", "tin/.cu", ".cu"] {
        assert!(!out.join(gone).exists(), "{gone} was published");
    }
    let all: Vec<String> = read_tree(&out, false).into_keys().collect();
    assert!(
        !all.iter().any(|p| p.contains("khong") || p.contains(".md")),
        "{all:?}"
    );
    assert!(
        !read_tree(&out, false)
            .values()
            .any(|b| String::from_utf8_lossy(b).contains("không xuất bản")),
        "a hidden page's text was published"
    );
}
