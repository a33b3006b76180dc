//! The newsroom side (issue 4): Atom feeds, sitemap, robots.txt, 404,
//! aliases, archives, sharing metadata, author pages and related articles,
//! on a small site with the default theme and a `base_url` with a path
//! prefix, so that every URL checked here must carry `/portal/`.

mod common;
#[path = "common/site_checks.rs"]
mod site_checks;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use common::*;
use site_checks::*;

const BASE: &str = "https://example.gov.vn/portal/";
const FEED_LIMIT: usize = 3;

/// A title that would break out of `<title>` and run script if written raw.
const HOSTILE_TITLE: &str = "</title><script>alert(1)</script> & \"trích\" 'đơn'";

const CONFIG: &str = r#"title = "Tòa soạn thử"
base_url = "https://example.gov.vn/portal/"
description = "Tin cải cách hành chính."
feed_limit = 3

[[taxonomies]]
name = "tags"
title = "Chủ đề"
feed = true

[[taxonomies]]
name = "localities"

[extra]
agency = "Sở Nội vụ thử"
"#;

/// A published article: (source under content/, URL path under the base,
/// title, tags).
struct Article {
    src: &'static str,
    path: &'static str,
    title: &'static str,
    tags: &'static [&'static str],
}

/// Every published, dated page, newest first.
const PUBLISHED: &[Article] = &[
    Article {
        src: "tin-tuc/xss.md",
        path: "tin-tuc/xss/",
        title: HOSTILE_TITLE,
        tags: &["dân vận"],
    },
    Article {
        src: "thong-bao/lich.md",
        path: "thong-bao/lich/",
        title: "Lịch tiếp công dân",
        tags: &["dân vận"],
    },
    Article {
        src: "tin-tuc/co-anh/index.md",
        path: "tin-tuc/co-anh/",
        title: "Ảnh hoạt động tiếp công dân",
        tags: &["dân vận"],
    },
    Article {
        src: "tin-tuc/bai-4.md",
        path: "tin-tuc/bai-4/",
        title: "Bài bốn",
        tags: &["chuyển đổi số"],
    },
    Article {
        src: "tin-tuc/bai-3.md",
        path: "tin-tuc/bai-3/",
        title: "Bài ba",
        tags: &["một cửa"],
    },
    Article {
        src: "tin-tuc/bai-2.md",
        path: "tin-tuc/bai-2/",
        title: "Bài hai",
        tags: &["dân vận"],
    },
    Article {
        src: "tin-tuc/bai-1.md",
        path: "tin-tuc/bai-1/",
        title: "Bài một",
        tags: &["dân vận", "một cửa"],
    },
    Article {
        src: "tin-tuc/rieng.md",
        path: "tin-tuc/rieng/",
        title: "Bài riêng",
        tags: &["khác"],
    },
];

fn article(path: &str) -> &'static Article {
    PUBLISHED
        .iter()
        .find(|a| a.path == path)
        .unwrap_or_else(|| panic!("no article {path}"))
}

fn newsroom_site(root: &Path) {
    write(root, "site-config.toml", CONFIG);
    write(
        root,
        "content/_index.md",
        "+++\ntitle = \"Trang chủ\"\n+++\n",
    );
    write(
        root,
        "content/tin-tuc/_index.md",
        "+++\ntitle = \"Tin tức\"\nfeed = true\npaginate_by = 20\n+++\n",
    );
    write(
        root,
        "content/thong-bao/_index.md",
        "+++\ntitle = \"Thông báo\"\n+++\n",
    );
    write(
        root,
        "content/gioi-thieu.md",
        "+++\ntitle = \"Giới thiệu\"\n+++\nTrang không có ngày.\n",
    );
    let simple = |date: &str, authors: &str, tags: &[&str], title: &str| {
        let tags: Vec<String> = tags.iter().map(|t| format!("{t:?}")).collect();
        format!(
            "+++\ntitle = {title:?}\ndate = {date}\nauthors = [{authors}]\n[taxonomies]\ntags = [{}]\n+++\nNội dung của {title}.\n",
            tags.join(", ")
        )
    };
    let an = "\"Nguyễn Văn An\"";
    for (src, date, authors) in [
        ("tin-tuc/bai-1.md", "2023-01-11T08:30:00", an),
        ("tin-tuc/bai-2.md", "2023-03-05T09:00:00", an),
        ("tin-tuc/bai-3.md", "2023-03-20T10:00:00", an),
        ("tin-tuc/bai-4.md", "2023-07-01", an),
        ("tin-tuc/rieng.md", "2022-12-01", ""),
        ("thong-bao/lich.md", "2024-04-02T07:30:00", ""),
    ] {
        let a = PUBLISHED.iter().find(|a| a.src == src).unwrap();
        write(
            root,
            &format!("content/{src}"),
            simple(date, authors, a.tags, a.title),
        );
    }
    write(
        root,
        "content/tin-tuc/co-anh/index.md",
        r#"+++
title = "Ảnh hoạt động tiếp công dân"
date = 2024-03-15T08:00:00+07:00
description = "Lãnh đạo Sở tiếp công dân định kỳ."
authors = ["Lê Văn Cường"]
image = { src = "anh.jpg", caption = "Buổi tiếp công dân", alt = "Người dân trình bày ý kiến" }
[taxonomies]
tags = ["dân vận"]
localities = ["ha-noi"]
+++
Sáng nay, lãnh đạo Sở tiếp công dân.
"#,
    );
    write(
        root,
        "content/tin-tuc/co-anh/anh.jpg",
        b"\xff\xd8\xff\xe0 not really a JPEG",
    );
    write(
        root,
        "content/tin-tuc/xss.md",
        r#"+++
title = "</title><script>alert(1)</script> & \"trích\" 'đơn'"
date = 2024-05-20T10:00:00+07:00
updated = 2024-05-21T09:00:00+07:00
description = 'Mô tả <b>đậm</b> & "ngoặc"'
authors = ["Trần Thị Bình", "Nguyễn Văn An"]
aliases = ["/tin-cu/xss.html", "/2024/05/xss"]
image = { src = "/hinh/anh.jpg", caption = "Ảnh <chú thích>" }
[taxonomies]
tags = ["dân vận"]
+++
Đoạn mở đầu.
"#,
    );
    write(root, "static/hinh/anh.jpg", b"\xff\xd8 also not a JPEG");
    // Left out: a draft and a page dated after "now" (1 June 2024).
    write(
        root,
        "content/tin-tuc/nhap.md",
        "+++\ntitle = \"Bản nháp bí mật\"\ndate = 2024-01-01\ndraft = true\nauthors = [\"Nguyễn Văn An\"]\n[taxonomies]\ntags = [\"dân vận\"]\n+++\nNháp.\n",
    );
    write(
        root,
        "content/tin-tuc/hen-gio.md",
        "+++\ntitle = \"Bài hẹn giờ\"\ndate = 2030-01-01\n[taxonomies]\ntags = [\"dân vận\"]\n+++\nTương lai.\n",
    );
    write(
        root,
        "data/entities.toml",
        "[[entity]]\nid = \"ha-noi\"\nname = \"Hà Nội\"\nkind = \"province\"\n",
    );
}

fn built() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    newsroom_site(&root);
    let out = tmp.path().join("public");
    build_ok(&root, &out);
    (tmp, out)
}

/// The output file behind a URL of the site (absolute or root-relative).
#[track_caller]
fn file_of(out: &Path, url: &str) -> PathBuf {
    let rel = url
        .strip_prefix(BASE)
        .or_else(|| url.strip_prefix("/portal/"))
        .unwrap_or_else(|| panic!("{url} is not below {BASE}"));
    let rel = rel.split('#').next().unwrap_or_default();
    if rel.is_empty() || rel.ends_with('/') {
        out.join(rel).join("index.html")
    } else {
        out.join(rel)
    }
}

fn rfc3339(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s.trim()).unwrap_or_else(|e| panic!("not RFC 3339: {s:?}: {e}"))
}

/// The feed at `rel`, checked for the elements Atom requires; returns the
/// entries as (link, title, published-or-updated).
#[track_caller]
fn atom_entries(out: &Path, rel: &str) -> Vec<(String, String, DateTime<FixedOffset>)> {
    let feed = xml(rel, &read(out, rel));
    assert_eq!(feed.name, "feed", "{rel}");
    assert_eq!(feed.attr("xmlns"), Some("http://www.w3.org/2005/Atom"));
    assert!(
        !feed.child_text("title").trim().is_empty(),
        "{rel}: no title"
    );
    let id = feed.child_text("id");
    assert!(
        id.starts_with(BASE),
        "{rel}: the feed id is not absolute: {id}"
    );
    let updated = rfc3339(&feed.child_text("updated"));
    let links = feed.all("link");
    let this = format!("{BASE}{rel}");
    assert!(
        links
            .iter()
            .any(|l| l.attr("rel") == Some("self") && l.attr("href") == Some(this.as_str())),
        "{rel}: no <link rel=\"self\" href=\"{this}\">"
    );
    let feed_author = feed
        .first("author")
        .is_some_and(|a| !a.child_text("name").trim().is_empty());
    let mut entries = Vec::new();
    for e in feed.all("entry") {
        let title = e.child_text("title");
        assert!(!title.trim().is_empty(), "{rel}: an entry without a title");
        let eid = e.child_text("id");
        assert!(eid.starts_with(BASE), "{rel}: entry id {eid}");
        let link = e
            .all("link")
            .into_iter()
            .find(|l| l.attr("rel").is_none_or(|r| r == "alternate"))
            .and_then(|l| l.attr("href"))
            .unwrap_or_else(|| panic!("{rel}: entry {title:?} has no link"))
            .to_string();
        assert!(
            link.starts_with(BASE),
            "{rel}: a relative entry link {link}"
        );
        assert!(
            file_of(out, &link).is_file(),
            "{rel}: the entry link {link} leads nowhere"
        );
        let entry_updated = rfc3339(&e.child_text("updated"));
        assert!(
            entry_updated <= updated,
            "{rel}: an entry newer than the feed"
        );
        let authors = e.all("author");
        assert!(
            feed_author || !authors.is_empty(),
            "{rel}: entry {title:?} has no author"
        );
        for a in authors {
            assert!(
                !a.child_text("name").trim().is_empty(),
                "{rel}: an empty author"
            );
        }
        let when = e
            .first("published")
            .map_or(entry_updated, |p| rfc3339(&p.text()));
        entries.push((link, title, when));
    }
    if let Some(newest) = entries.iter().map(|e| e.2).max() {
        assert!(updated >= newest, "{rel}: <updated> is older than an entry");
    }
    entries
}

fn links_of(entries: &[(String, String, DateTime<FixedOffset>)]) -> Vec<String> {
    entries.iter().map(|e| e.0.clone()).collect()
}

fn urls(paths: &[&str]) -> Vec<String> {
    paths.iter().map(|p| format!("{BASE}{p}")).collect()
}

// ---------------------------------------------------------------- feeds

#[test]
fn site_feed_is_well_formed_atom_with_the_required_elements() {
    let (_tmp, out) = built();
    let entries = atom_entries(&out, "atom.xml");
    assert!(!entries.is_empty());
    // Each entry names its own authors; an article without any gets the agency.
    let feed = xml("atom.xml", &read(&out, "atom.xml"));
    let xss = feed
        .all("entry")
        .into_iter()
        .find(|e| e.child_text("title") == HOSTILE_TITLE)
        .expect("the newest entry");
    let names: Vec<String> = xss
        .all("author")
        .iter()
        .map(|a| a.child_text("name"))
        .collect();
    assert_eq!(names, ["Trần Thị Bình", "Nguyễn Văn An"]);
    assert!(xss.first("published").is_some());
    assert_eq!(
        rfc3339(&xss.child_text("updated")),
        rfc3339("2024-05-21T09:00:00+07:00"),
        "an entry's <updated> is its `updated`"
    );
}

#[test]
fn feeds_are_newest_first_and_hold_at_most_feed_limit_entries() {
    let (_tmp, out) = built();
    for (feed, expected) in [
        // All sections: the three newest dated pages.
        (
            "atom.xml",
            vec!["tin-tuc/xss/", "thong-bao/lich/", "tin-tuc/co-anh/"],
        ),
        // The section's own pages only.
        (
            "tin-tuc/atom.xml",
            vec!["tin-tuc/xss/", "tin-tuc/co-anh/", "tin-tuc/bai-4/"],
        ),
        (
            "tags/dan-van/atom.xml",
            vec!["tin-tuc/xss/", "thong-bao/lich/", "tin-tuc/co-anh/"],
        ),
        // Fewer pages than the limit: all of them.
        (
            "tags/mot-cua/atom.xml",
            vec!["tin-tuc/bai-3/", "tin-tuc/bai-1/"],
        ),
    ] {
        let entries = atom_entries(&out, feed);
        assert!(entries.len() <= FEED_LIMIT, "{feed}: more than feed_limit");
        assert_eq!(links_of(&entries), urls(&expected), "{feed}");
        assert!(
            entries.windows(2).all(|w| w[0].2 >= w[1].2),
            "{feed}: not newest first"
        );
    }
}

#[test]
fn section_and_term_feeds_exist_only_where_enabled() {
    let (_tmp, out) = built();
    assert!(out.join("tin-tuc/atom.xml").is_file());
    assert!(
        !out.join("thong-bao/atom.xml").exists(),
        "a section without `feed = true` got a feed"
    );
    for term in ["dan-van", "mot-cua", "chuyen-doi-so", "khac"] {
        assert!(
            out.join(format!("tags/{term}/atom.xml")).is_file(),
            "{term}"
        );
    }
    assert!(out.join("localities/ha-noi/index.html").is_file());
    assert!(
        !out.join("localities/ha-noi/atom.xml").exists(),
        "a taxonomy without `feed = true` got term feeds"
    );
}

/// The text between the first `<title>` and `</title>`.
fn first_title(text: &str) -> &str {
    &text[text.find("<title>").unwrap() + 7..text.find("</title>").unwrap()]
}

/// The `title` of a page's last Atom `<link rel="alternate">` (its own feed,
/// after the site's).
fn feed_link_title(html: &str) -> &str {
    let needle = "type=\"application/atom+xml\" title=\"";
    let link = &html[html.rfind(needle).unwrap() + needle.len()..];
    &link[..link.find('"').unwrap()]
}

#[test]
fn a_term_feed_is_titled_like_its_terms_page() {
    let (_tmp, out) = built();
    let feed = read(&out, "tags/dan-van/atom.xml");
    let html = read(&out, "tags/dan-van/index.html");
    assert_eq!(first_title(&feed), first_title(&html));
    assert!(first_title(&feed).contains(" – Chủ đề – "), "{feed}");
    // Browsers and readers offer a page's feeds by their links' titles:
    // the same as the feeds' own.
    assert_eq!(feed_link_title(&html), first_title(&feed));
    let section = read(&out, "tin-tuc/index.html");
    let section_feed = read(&out, "tin-tuc/atom.xml");
    assert_eq!(feed_link_title(&section), first_title(&section_feed));
}

#[test]
fn a_locality_feed_is_named_after_its_entity_not_its_id() {
    // A `localities` term that is an entity id (`ha-noi`) titled its feed
    // and labelled the feeds' categories with the id, where its page says
    // `Hà Nội`.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    newsroom_site(&root);
    let config = CONFIG.replace(
        "name = \"localities\"\n",
        "name = \"localities\"\ntitle = \"Địa phương\"\nfeed = true\n",
    );
    assert_ne!(config, CONFIG);
    write(&root, "site-config.toml", config);
    let out = tmp.path().join("public");
    build_ok(&root, &out);
    let feed = read(&out, "localities/ha-noi/atom.xml");
    let html = read(&out, "localities/ha-noi/index.html");
    assert_eq!(first_title(&feed), "Hà Nội – Địa phương – Tòa soạn thử");
    assert_eq!(first_title(&html), first_title(&feed));
    assert_eq!(feed_link_title(&html), first_title(&feed));
    for rel in ["atom.xml", "tin-tuc/atom.xml", "localities/ha-noi/atom.xml"] {
        let doc = xml(rel, &read(&out, rel));
        let entry = doc
            .all("entry")
            .into_iter()
            .find(|e| e.child_text("title") == "Ảnh hoạt động tiếp công dân")
            .unwrap_or_else(|| panic!("{rel}: no entry for the page with a locality"));
        let labels: BTreeSet<(&str, &str)> = entry
            .all("category")
            .iter()
            .map(|c| (c.attr("term").unwrap(), c.attr("label").unwrap()))
            .collect();
        let expected = BTreeSet::from([("dan-van", "dân vận"), ("ha-noi", "Hà Nội")]);
        assert_eq!(labels, expected, "{rel}");
    }
}

#[test]
fn markup_in_a_title_is_escaped_in_feeds_and_pages() {
    let (_tmp, out) = built();
    for rel in ["atom.xml", "tin-tuc/atom.xml", "tags/dan-van/atom.xml"] {
        let raw = read(&out, rel);
        assert!(!raw.contains("<script>"), "{rel} writes markup raw");
        let titles: Vec<String> = atom_entries(&out, rel).into_iter().map(|e| e.1).collect();
        assert_eq!(
            titles[0], HOSTILE_TITLE,
            "{rel}: the title does not round-trip"
        );
    }
    let html = read(&out, "tin-tuc/xss/index.html");
    let head = &html[..html.find("</head>").expect("a head")];
    let title = first_title(head);
    assert!(title.starts_with("&lt;/title&gt;&lt;script&gt;"), "{title}");
    assert_eq!(meta(&html, "og:title").as_deref(), Some(HOSTILE_TITLE));
    let ld = json_ld_of_type("tin-tuc/xss/", &html, "NewsArticle");
    assert_eq!(ld["headline"], HOSTILE_TITLE);
    for (p, bytes) in read_tree(&out, false) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("<script>alert"), "{p} writes the title raw");
    }
}

// ---------------------------------------------------------------- sitemap, robots, 404

fn sitemap_locs(out: &Path) -> BTreeSet<String> {
    let map = xml("sitemap.xml", &read(out, "sitemap.xml"));
    assert_eq!(map.name, "urlset");
    assert_eq!(
        map.attr("xmlns"),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    let mut locs = BTreeSet::new();
    for u in map.all("url") {
        let loc = u.child_text("loc");
        if let Some(m) = u.first("lastmod") {
            rfc3339(&m.text());
        }
        assert!(locs.insert(loc.clone()), "{loc} is listed twice");
    }
    locs
}

#[test]
fn sitemap_lists_absolute_urls_of_pages_sections_terms_and_archives() {
    let (_tmp, out) = built();
    let locs = sitemap_locs(&out);
    for loc in &locs {
        assert!(loc.starts_with(BASE), "not absolute with the prefix: {loc}");
        assert!(file_of(&out, loc).is_file(), "{loc} leads nowhere");
    }
    let mut wanted: Vec<&str> = vec![
        "",
        "tin-tuc/",
        "thong-bao/",
        "gioi-thieu/",
        "tags/",
        "tags/dan-van/",
        "tags/mot-cua/",
        "tags/khac/",
        "localities/",
        "localities/ha-noi/",
        "luu-tru/",
        "luu-tru/2024/",
        "luu-tru/2023/",
        "luu-tru/2022/",
    ];
    wanted.extend(PUBLISHED.iter().map(|a| a.path));
    for w in urls(&wanted) {
        assert!(locs.contains(&w), "the sitemap lacks {w}");
    }
    for loc in &locs {
        for left_out in ["nhap", "hen-gio", "tin-cu", "2024/05/xss"] {
            assert!(!loc.contains(left_out), "the sitemap lists {loc}");
        }
    }
}

#[test]
fn sitemap_lists_month_archives() {
    let (_tmp, out) = built();
    let locs = sitemap_locs(&out);
    for month in [
        "luu-tru/2024/05/",
        "luu-tru/2024/04/",
        "luu-tru/2024/03/",
        "luu-tru/2023/07/",
        "luu-tru/2023/03/",
        "luu-tru/2023/01/",
        "luu-tru/2022/12/",
    ] {
        assert!(out.join(month).join("index.html").is_file(), "{month}");
        assert!(
            locs.contains(&format!("{BASE}{month}")),
            "the sitemap lacks the month archive {month}"
        );
    }
}

#[test]
fn robots_txt_points_to_the_sitemap() {
    let (_tmp, out) = built();
    let robots = read(&out, "robots.txt");
    assert!(
        robots
            .lines()
            .any(|l| l.trim() == "Sitemap: https://example.gov.vn/portal/sitemap.xml"),
        "{robots}"
    );
    assert!(robots.contains("User-agent:"), "{robots}");
}

#[test]
fn site_static_robots_txt_replaces_the_generated_one() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    newsroom_site(&root);
    let own = "User-agent: *\nDisallow: /noi-bo/\n";
    write(&root, "static/robots.txt", own);
    let out = tmp.path().join("public");
    build_ok(&root, &out);
    assert_eq!(read(&out, "robots.txt"), own);
}

#[test]
fn not_found_page_exists_at_the_top_of_the_output() {
    let (_tmp, out) = built();
    let html = read(&out, "404.html");
    assert!(html.starts_with("<!doctype html>") || html.starts_with("<!DOCTYPE html>"));
    // Served for any missing path, so its links must not be relative.
    for v in attr_values(&html, "href")
        .into_iter()
        .chain(attr_values(&html, "src"))
    {
        assert!(
            v.starts_with("/portal/")
                || v.starts_with("https://")
                || v.starts_with("mailto:")
                || v.starts_with('#'),
            "a link that breaks below another folder: {v}"
        );
    }
    assert!(
        anchors(&html).iter().any(|h| h == "/portal/"),
        "no way home"
    );
}

// ---------------------------------------------------------------- aliases and archives

#[test]
fn aliases_write_redirect_pages_with_refresh_canonical_and_a_visible_link() {
    let (_tmp, out) = built();
    for rel in ["tin-cu/xss.html", "2024/05/xss/index.html"] {
        let html = read(&out, rel);
        let refresh = tags(&html, "meta")
            .into_iter()
            .find(|a| {
                a.iter()
                    .any(|(k, v)| k == "http-equiv" && v.eq_ignore_ascii_case("refresh"))
            })
            .unwrap_or_else(|| panic!("{rel}: no meta refresh:\n{html}"));
        let content = &refresh.iter().find(|(k, _)| k == "content").unwrap().1;
        assert_eq!(content, "0; url=/portal/tin-tuc/xss/", "{rel}");
        assert_eq!(
            link_href(&html, "canonical").as_deref(),
            Some("https://example.gov.vn/portal/tin-tuc/xss/"),
            "{rel}"
        );
        assert!(
            anchors(&html).iter().any(|h| h == "/portal/tin-tuc/xss/"),
            "{rel}: no visible link:\n{html}"
        );
        assert_eq!(meta(&html, "robots").as_deref(), Some("noindex"), "{rel}");
    }
}

/// The number written after the link to `href` in a list item.
#[track_caller]
fn count_after(html: &str, href: &str) -> usize {
    let at = html
        .find(&format!("href=\"{href}\""))
        .unwrap_or_else(|| panic!("no link to {href}:\n{html}"));
    let rest = &html[at..];
    let rest = &rest[rest.find("</a>").expect("a closed link") + 4..];
    let item = &rest[..rest.find("</li>").unwrap_or(rest.len())];
    let mut text = String::new();
    let mut in_tag = false;
    for c in item.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let digits: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no count after {href}: {item:?}"))
}

/// Positions of `hrefs` in `html`, which must be in this order.
#[track_caller]
fn assert_in_order(html: &str, hrefs: &[String]) {
    let pos: Vec<usize> = hrefs
        .iter()
        .map(|h| {
            html.find(&format!("href=\"{h}\""))
                .unwrap_or_else(|| panic!("no link to {h}"))
        })
        .collect();
    assert!(
        pos.windows(2).all(|w| w[0] < w[1]),
        "not in the order {hrefs:?}"
    );
}

#[test]
fn archives_list_years_and_months_newest_first_with_counts() {
    let (_tmp, out) = built();
    let root = read(&out, "luu-tru/index.html");
    let root = main_of(&root);
    let years = ["2024", "2023", "2022"].map(|y| format!("/portal/luu-tru/{y}/"));
    assert_in_order(root, &years);
    assert_eq!(
        years
            .iter()
            .map(|y| count_after(root, y))
            .collect::<Vec<_>>(),
        [3, 4, 1]
    );
    let y2023 = read(&out, "luu-tru/2023/index.html");
    let y2023 = main_of(&y2023);
    let months = ["07", "03", "01"].map(|m| format!("/portal/luu-tru/2023/{m}/"));
    assert_in_order(y2023, &months);
    assert_eq!(
        months
            .iter()
            .map(|m| count_after(y2023, m))
            .collect::<Vec<_>>(),
        [1, 2, 1]
    );
    assert!(
        !y2023.contains("/portal/luu-tru/2024/05/"),
        "another year's month"
    );
    let march = read(&out, "luu-tru/2023/03/index.html");
    let march = main_of(&march);
    assert_in_order(
        march,
        &[
            "/portal/tin-tuc/bai-3/".to_string(),
            "/portal/tin-tuc/bai-2/".to_string(),
        ],
    );
    assert!(
        !march.contains("/portal/tin-tuc/bai-1/"),
        "a January page in March"
    );
}

// ---------------------------------------------------------------- sharing

#[test]
fn article_has_sharing_metadata_and_news_article_json_ld() {
    let (_tmp, out) = built();
    let html = read(&out, "tin-tuc/co-anh/index.html");
    let url = "https://example.gov.vn/portal/tin-tuc/co-anh/";
    let image = "https://example.gov.vn/portal/tin-tuc/co-anh/anh.jpg";
    assert_eq!(link_href(&html, "canonical").as_deref(), Some(url));
    assert_eq!(
        meta(&html, "og:title").as_deref(),
        Some("Ảnh hoạt động tiếp công dân")
    );
    assert_eq!(
        meta(&html, "og:description").as_deref(),
        Some("Lãnh đạo Sở tiếp công dân định kỳ.")
    );
    assert_eq!(meta(&html, "og:url").as_deref(), Some(url));
    assert_eq!(meta(&html, "og:image").as_deref(), Some(image));
    assert!(
        out.join("tin-tuc/co-anh/anh.jpg").is_file(),
        "the shared image exists"
    );
    assert_eq!(
        meta(&html, "twitter:card").as_deref(),
        Some("summary_large_image")
    );

    let ld = json_ld_of_type("tin-tuc/co-anh/", &html, "NewsArticle");
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["headline"], "Ảnh hoạt động tiếp công dân");
    assert_eq!(
        rfc3339(ld["datePublished"].as_str().expect("datePublished")),
        rfc3339("2024-03-15T08:00:00+07:00")
    );
    assert_eq!(ld["author"][0]["name"], "Lê Văn Cường");
    assert_eq!(ld["author"][0]["@type"], "Person");
    assert_eq!(ld["publisher"]["name"], "Sở Nội vụ thử");
    let images: Vec<&str> = match &ld["image"] {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect(),
        other => panic!("no image in the JSON-LD: {other}"),
    };
    assert_eq!(images, [image]);
    assert_eq!(ld["mainEntityOfPage"], url);

    // Without bylines the agency is the author; without an image, a plain card.
    let html = read(&out, "tin-tuc/rieng/index.html");
    let ld = json_ld_of_type("tin-tuc/rieng/", &html, "NewsArticle");
    assert_eq!(ld["author"][0]["name"], "Sở Nội vụ thử");
    assert_eq!(meta(&html, "twitter:card").as_deref(), Some("summary"));
    assert_eq!(meta(&html, "og:image"), None);
}

// ---------------------------------------------------------------- authors, related

#[test]
fn author_pages_list_their_articles_and_the_author_index_lists_authors() {
    let (_tmp, out) = built();
    let an = read(&out, "tac-gia/nguyen-van-an/index.html");
    let an = main_of(&an);
    let expected: Vec<String> = [
        "tin-tuc/xss/",
        "tin-tuc/bai-4/",
        "tin-tuc/bai-3/",
        "tin-tuc/bai-2/",
        "tin-tuc/bai-1/",
    ]
    .iter()
    .map(|p| format!("/portal/{p}"))
    .collect();
    let listed: Vec<String> = anchors(an)
        .into_iter()
        .filter(|h| {
            PUBLISHED
                .iter()
                .any(|a| format!("/portal/{}", a.path) == *h)
        })
        .fold(Vec::new(), |mut v, h| {
            if !v.contains(&h) {
                v.push(h);
            }
            v
        });
    assert_eq!(
        listed, expected,
        "An's articles, newest first, and only them"
    );
    assert!(!an.contains("Bản nháp"), "a draft on an author page");

    let index = read(&out, "tac-gia/index.html");
    let links = anchors(main_of(&index));
    for slug in ["le-van-cuong", "nguyen-van-an", "tran-thi-binh"] {
        let href = format!("/portal/tac-gia/{slug}/");
        assert!(links.contains(&href), "the author index lacks {href}");
        assert!(out.join(format!("tac-gia/{slug}/index.html")).is_file());
    }
    // The byline links each author's page.
    let xss = read(&out, "tin-tuc/xss/index.html");
    let links = anchors(main_of(&xss));
    assert!(links.iter().any(|h| h == "/portal/tac-gia/tran-thi-binh/"));
    assert!(links.iter().any(|h| h == "/portal/tac-gia/nguyen-van-an/"));
}

/// The article links of the related-articles block of a page.
fn related_of(html: &str) -> Vec<String> {
    match html.find("class=\"related\"") {
        Some(i) => {
            let block = &html[i..];
            let block = &block[..block.find("</aside>").unwrap_or(block.len())];
            anchors(block)
        }
        None => Vec::new(),
    }
}

#[test]
fn related_articles_share_a_tag() {
    let (_tmp, out) = built();
    for a in PUBLISHED {
        let html = std::fs::read_to_string(out.join(a.path).join("index.html")).unwrap();
        let related = related_of(&html);
        for href in &related {
            let path = href
                .strip_prefix("/portal/")
                .unwrap_or_else(|| panic!("{href}"));
            assert_ne!(path, a.path, "{} is related to itself", a.path);
            let other = article(path);
            assert!(
                other.tags.iter().any(|t| a.tags.contains(t)),
                "{} and {} share no tag",
                a.path,
                other.path
            );
        }
        let sharing = PUBLISHED
            .iter()
            .filter(|o| o.path != a.path && o.tags.iter().any(|t| a.tags.contains(t)))
            .count();
        assert_eq!(
            related.len(),
            sharing.min(5),
            "{}: related {related:?}",
            a.path
        );
    }
    assert!(related_of(&read(&out, "tin-tuc/rieng/index.html")).is_empty());
}

// ---------------------------------------------------------------- path prefix

#[test]
fn path_prefix_is_carried_by_links_feeds_sitemap_and_assets() {
    let (_tmp, out) = built();
    let files: BTreeMap<String, Vec<u8>> = read_tree(&out, false);
    for (p, bytes) in &files {
        if p.ends_with(".html") {
            let html = String::from_utf8(bytes.clone()).unwrap();
            for v in attr_values(&html, "href")
                .into_iter()
                .chain(attr_values(&html, "src"))
                .chain(attr_values(&html, "action"))
            {
                assert!(
                    !v.starts_with('/') || v.starts_with("/portal/"),
                    "{p}: a link without the prefix: {v}"
                );
            }
            for v in metas(&html, "og:url")
                .into_iter()
                .chain(metas(&html, "og:image"))
                .chain(link_href(&html, "canonical"))
            {
                assert!(v.starts_with(BASE), "{p}: {v}");
            }
        } else if p.ends_with(".xml") {
            let doc = xml(p, &String::from_utf8(bytes.clone()).unwrap());
            for e in doc.descendants() {
                let values = e
                    .attr("href")
                    .map(str::to_string)
                    .into_iter()
                    .chain(matches!(e.name.as_str(), "id" | "loc").then(|| e.text()));
                for v in values {
                    assert!(v.starts_with(BASE), "{p}: <{}> {v}", e.name);
                }
            }
        }
    }
    // The stylesheet the pages link is where they say.
    let home = read(&out, "index.html");
    let css: Vec<String> = tags(&home, "link")
        .into_iter()
        .filter(|a| a.iter().any(|(k, v)| k == "rel" && v == "stylesheet"))
        .filter_map(|a| a.into_iter().find(|(k, _)| k == "href").map(|(_, v)| v))
        .collect();
    assert!(!css.is_empty());
    for c in css {
        assert!(file_of(&out, &c).is_file(), "{c}");
    }
}

#[test]
fn every_internal_link_leads_to_a_generated_file() {
    let (_tmp, out) = built();
    let mut broken = BTreeSet::new();
    for (p, bytes) in read_tree(&out, false) {
        if !p.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        for v in attr_values(&html, "href")
            .into_iter()
            .chain(attr_values(&html, "src"))
        {
            let Some(rest) = v.strip_prefix("/portal/") else {
                continue;
            };
            let rest = rest.split(['#', '?']).next().unwrap_or_default();
            // The search page is being added (docs/format.md 6.8).
            if rest.starts_with("tim-kiem") {
                continue;
            }
            let target = if rest.is_empty() || rest.ends_with('/') {
                out.join(rest).join("index.html")
            } else {
                out.join(rest)
            };
            if !target.is_file() {
                broken.insert(format!("{p}: {v}"));
            }
        }
    }
    assert!(broken.is_empty(), "links that lead nowhere: {broken:#?}");
}

// ---------------------------------------------------------------- the XML reader itself

#[test]
fn the_xml_reader_accepts_well_formed_and_rejects_broken_documents() {
    let doc = xml(
        "x",
        "<?xml version=\"1.0\"?>\n<a x=\"1 &amp; 2\"><b>t&lt;&#233;</b><c/><!-- c --></a>\n",
    );
    assert_eq!(doc.attr("x"), Some("1 & 2"));
    assert_eq!(doc.child_text("b"), "t<é");
    assert!(doc.first("c").is_some());
    for bad in [
        "<a><b></a></b>",
        "<a>x & y</a>",
        "<a>&nbsp;</a>",
        "<a x=1></a>",
        "<a x=\"<\"></a>",
        "<a></a><b></b>",
        "<a>",
        "<a x=\"1\"x=\"2\"></a>",
        "<title></title><script>alert(1)</script>",
    ] {
        assert!(parse_xml(bad).is_err(), "accepted {bad:?}");
    }
}

fn has_null(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::Array(a) => a.iter().any(has_null),
        serde_json::Value::Object(o) => o.values().any(has_null),
        _ => false,
    }
}

#[test]
fn json_ld_leaves_out_what_a_page_does_not_have_instead_of_writing_null() {
    let (_tmp, out) = built();
    let about = read(&out, "gioi-thieu/index.html");
    let ld = json_ld_of_type("gioi-thieu/", &about, "NewsArticle");
    assert_eq!(ld["headline"], "Giới thiệu");
    for key in ["datePublished", "dateModified", "image", "keywords"] {
        assert!(ld.get(key).is_none(), "{key} in {ld}");
    }
    let (mut blocks, mut dated) = (0, 0);
    for (path, bytes) in read_tree(&out, false) {
        if !path.ends_with(".html") {
            continue;
        }
        for v in json_ld(&path, &String::from_utf8_lossy(&bytes)) {
            assert!(!has_null(&v), "{path}: a null in {v}");
            blocks += 1;
            dated += usize::from(v.get("datePublished").is_some());
        }
    }
    assert!(blocks > 5 && dated > 5, "{blocks} blocks, {dated} dated");
}
