//! The `basic` fixture: a small site in the documented format with its own
//! templates, built with a fixed clock and compared with a snapshot, plus the
//! facts that matter asserted one by one.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use minhbach::Options;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic")
}

/// Builds the fixture into a fresh temporary folder.
fn build_fixture(opts: Options) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    minhbach::cmd::build::run(&opts, Some(&out))
        .unwrap_or_else(|e| panic!("the fixture failed to build:\n{e}"));
    (tmp, out)
}

fn built() -> (tempfile::TempDir, PathBuf) {
    build_fixture(opts(&fixture()))
}

fn exists(out: &Path, rel: &str) -> bool {
    out.join(rel).is_file()
}

/// Every `.html` and `.xml` output file with its text.
fn all_html(out: &Path) -> Vec<(String, String)> {
    read_tree(out, false)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html") || p.ends_with(".xml"))
        .map(|(p, b)| (p, String::from_utf8(b).expect("HTML/XML output is UTF-8")))
        .collect()
}

#[test]
fn output_tree_matches_snapshot() {
    let (_tmp, out) = built();
    assert_snapshot("basic", &out);
}

#[test]
fn building_twice_gives_identical_bytes() {
    let (_a, out_a) = built();
    let (_b, out_b) = built();
    assert!(
        read_tree(&out_a, false) == read_tree(&out_b, false),
        "two builds of the same site differ"
    );
}

#[test]
fn vietnamese_file_and_folder_names_fold_to_ascii_urls() {
    let (_tmp, out) = built();
    for rel in [
        "tin-tuc/day-manh-dan-van/index.html",  // Đẩy mạnh dân vận.md
        "tin-tuc/hoi-nghi-so-ket/index.html",   // Hội nghị sơ kết.md
        "tin-tuc/dia-phuong/index.html",        // Địa phương/_index.md
        "tin-tuc/dia-phuong/ap-bac/index.html", // Ấp Bắc.md
        "tin-tuc/dia-phuong/binh-dinh/index.html", // Bình Định.md
        "tin-tuc/dia-phuong/xa-dong-hoa/index.html", // Xã Đông Hòa.md
    ] {
        assert!(exists(&out, rel), "missing {rel}");
    }
    for (p, _) in read_tree(&out, false) {
        assert!(p.is_ascii(), "a non-ASCII output path: {p}");
    }
}

#[test]
fn explicit_slug_replaces_the_file_name() {
    let (_tmp, out) = built();
    assert!(exists(&out, "tin-tuc/thong-bao-2016/index.html"));
    assert!(!out.join("tin-tuc/bai-co-slug-rieng").exists());
}

#[test]
fn section_is_paginated_and_page_one_redirects_to_the_section() {
    let (_tmp, out) = built();
    // 4 published pages, paginate_by = 2, newest first.
    let first = read(&out, "tin-tuc/index.html");
    assert_eq!(
        links_in(&first, "class=\"pages\""),
        ["/tin-tuc/anh-hoat-dong/", "/tin-tuc/hoi-nghi-so-ket/"]
    );
    assert!(first.contains("href=\"/tin-tuc/page/2/\""), "{first}");
    let second = read(&out, "tin-tuc/page/2/index.html");
    assert_eq!(
        links_in(&second, "class=\"pages\""),
        ["/tin-tuc/day-manh-dan-van/", "/tin-tuc/thong-bao-2016/"]
    );
    assert!(second.contains("Trang 2/2"), "{second}");
    assert!(!out.join("tin-tuc/page/3").exists());
    let one = read(&out, "tin-tuc/page/1/index.html");
    assert!(
        one.contains("http-equiv=\"refresh\" content=\"0; url=/tin-tuc/\""),
        "{one}"
    );
}

#[test]
fn sections_sort_by_date_title_and_weight() {
    let (_tmp, out) = built();
    // sort_by = "title": folded titles, so Ấp comes before Bình and Xã.
    assert_eq!(
        links_in(
            &read(&out, "tin-tuc/dia-phuong/index.html"),
            "class=\"pages\""
        ),
        [
            "/tin-tuc/dia-phuong/ap-bac/",
            "/tin-tuc/dia-phuong/binh-dinh/",
            "/tin-tuc/dia-phuong/xa-dong-hoa/"
        ]
    );
    // sort_by = "weight": 1, 2, 3 (file order is chuc-nang, lich-su, lien-he).
    assert_eq!(
        links_in(&read(&out, "gioi-thieu/index.html"), "class=\"pages\""),
        [
            "/gioi-thieu/lich-su/",
            "/gioi-thieu/lien-he/",
            "/gioi-thieu/chuc-nang/"
        ]
    );
    // The nested section is listed by its parent.
    assert_eq!(
        links_in(&read(&out, "tin-tuc/index.html"), "class=\"subsections\""),
        ["/tin-tuc/dia-phuong/"]
    );
}

#[test]
fn drafts_and_future_pages_are_left_out() {
    let (_tmp, out) = built();
    assert!(!out.join("tin-tuc/ban-nhap").exists());
    assert!(!out.join("tin-tuc/sap-dang").exists());
    for (p, html) in all_html(&out) {
        for leak in ["ban-nhap", "sap-dang", "Bản nháp", "hẹn giờ", "2030"] {
            assert!(!html.contains(leak), "{p} mentions {leak:?}");
        }
    }
    assert!(!out.join("luu-tru/2030").exists());
}

#[test]
fn drafts_option_includes_drafts_and_future_pages() {
    let (_tmp, out) = build_fixture(Options {
        drafts: true,
        ..opts(&fixture())
    });
    assert!(exists(&out, "tin-tuc/ban-nhap/index.html"));
    assert!(exists(&out, "tin-tuc/sap-dang/index.html"));
    // 6 pages now: three pagers.
    assert!(exists(&out, "tin-tuc/page/3/index.html"));
    assert_eq!(
        links_in(&read(&out, "tin-tuc/index.html"), "class=\"pages\""),
        ["/tin-tuc/sap-dang/", "/tin-tuc/anh-hoat-dong/"]
    );
}

#[test]
fn future_page_is_published_once_its_date_has_passed() {
    let (_tmp, out) = build_fixture(Options {
        now: Some(at("2030-01-01T08:00:00+07:00")),
        ..opts(&fixture())
    });
    assert!(exists(&out, "tin-tuc/sap-dang/index.html"));
    assert!(!out.join("tin-tuc/ban-nhap").exists(), "a draft stays out");

    // One minute earlier it is still in the future (its date has no offset: +07:00).
    let (_tmp, out) = build_fixture(Options {
        now: Some(at("2030-01-01T00:59:00Z")),
        ..opts(&fixture())
    });
    assert!(!out.join("tin-tuc/sap-dang").exists());
}

#[test]
fn datetime_without_offset_is_shown_in_hanoi_time() {
    let (_tmp, out) = built();
    let html = read(&out, "tin-tuc/day-manh-dan-van/index.html");
    assert!(
        html.contains("<time datetime=\"2017-02-16T14:12:00+07:00\">16/02/2017 14:12</time>"),
        "{html}"
    );
    assert!(html.contains("16/02/2017"));
    assert!(html.contains("14:12"));
}

#[test]
fn bundle_asset_is_copied_beside_its_page() {
    let (_tmp, out) = built();
    let src = std::fs::read(fixture().join("content/tin-tuc/anh-hoat-dong/anh.jpg")).unwrap();
    assert_eq!(
        std::fs::read(out.join("tin-tuc/anh-hoat-dong/anh.jpg")).unwrap(),
        src
    );
    let html = read(&out, "tin-tuc/anh-hoat-dong/index.html");
    assert!(
        html.contains("<img class=\"lead\" src=\"/tin-tuc/anh-hoat-dong/anh.jpg\""),
        "{html}"
    );
    assert!(
        html.contains("<img src=\"/tin-tuc/anh-hoat-dong/anh.jpg\" alt=\"Tiếp công dân\""),
        "{html}"
    );
    assert!(!out.join("tin-tuc/anh-hoat-dong/index.md").exists());
    let copies = read_tree(&out, false)
        .into_keys()
        .filter(|p| p.ends_with("anh.jpg"))
        .count();
    assert_eq!(copies, 1);
}

#[test]
fn internal_links_are_rewritten_to_urls() {
    let (_tmp, out) = built();
    let html = read(&out, "tin-tuc/hoi-nghi-so-ket/index.html");
    assert!(
        html.contains("<a href=\"/tin-tuc/day-manh-dan-van/#ket-qua\">bài trước</a>"),
        "{html}"
    );
    let html = read(&out, "gioi-thieu/lien-he/index.html");
    assert!(
        html.contains("href=\"/gioi-thieu/lich-su/#giai-doan\""),
        "{html}"
    );
    assert!(html.contains("href=\"/tin-tuc/\""), "{html}");
    // The anchors exist on their targets.
    assert!(read(&out, "tin-tuc/day-manh-dan-van/index.html").contains("id=\"ket-qua\""));
    assert!(read(&out, "gioi-thieu/lich-su/index.html").contains("id=\"giai-doan\""));
    for (p, html) in all_html(&out) {
        assert!(!html.contains("@/"), "{p} keeps an unresolved @/ link");
    }
}

#[test]
fn taxonomy_terms_keep_their_display_names() {
    let (_tmp, out) = built();
    let term = read(&out, "tags/dan-van-chinh-quyen/index.html");
    assert!(term.contains("<h1>dân vận chính quyền</h1>"), "{term}");
    assert_eq!(
        links_in(&term, "class=\"pages\""),
        ["/tin-tuc/hoi-nghi-so-ket/", "/tin-tuc/day-manh-dan-van/"]
    );
    let list = read(&out, "tags/index.html");
    assert!(
        list.contains("<a href=\"/tags/dan-van-chinh-quyen/\">dân vận chính quyền</a> (2)"),
        "{list}"
    );
    // "Cải cách" and "cải cách" are one term.
    assert!(
        list.contains("<a href=\"/tags/cai-cach/\">Cải cách</a> (2)"),
        "{list}"
    );
    let loc = read(&out, "localities/thua-thien-hue/index.html");
    assert!(loc.contains("<h1>Thừa Thiên Huế</h1>"), "{loc}");
    assert!(exists(&out, "tac-gia/nguyen-van-duc/index.html"));
}

#[test]
fn more_marker_ends_the_summary() {
    let (_tmp, out) = built();
    let list = read(&out, "tin-tuc/page/2/index.html");
    let start = list.find("/tin-tuc/day-manh-dan-van/").unwrap();
    let item = &list[start..start + list[start..].find("</li>").unwrap()];
    assert!(item.contains("<p>Sáng 16/2, Ban Dân vận"), "{item}");
    assert!(
        item.contains("<p>Đoạn này vẫn thuộc phần tóm tắt.</p>"),
        "{item}"
    );
    assert!(
        !item.contains("Kết quả"),
        "the summary runs past <!-- more -->: {item}"
    );
    // Without the marker, the first paragraph is the summary.
    let list = read(&out, "tin-tuc/index.html");
    let start = list.find("/tin-tuc/hoi-nghi-so-ket/").unwrap();
    let item = &list[start..start + list[start..].find("</li>").unwrap()];
    assert!(
        item.contains("<p>Đoạn mở đầu không dùng làm mô tả.</p>"),
        "{item}"
    );
    assert!(!item.contains("Xem thêm"), "{item}");
}

#[test]
fn description_from_summary_separates_paragraphs() {
    let (_tmp, out) = built();
    let html = read(&out, "tin-tuc/day-manh-dan-van/index.html");
    assert!(
        html.contains(
            "<p class=\"description\">Sáng 16/2, Ban Dân vận tổ chức hội nghị triển khai nhiệm vụ năm 2017. Đoạn này vẫn thuộc phần tóm tắt.</p>"
        ),
        "the two summary paragraphs must be joined with a space:\n{html}"
    );
    // An explicit description wins over the summary.
    let html = read(&out, "tin-tuc/hoi-nghi-so-ket/index.html");
    assert!(html.contains("<p class=\"description\">Mô tả do biên tập viên viết.</p>"));
}

#[test]
fn aliases_redirect_to_the_page() {
    let (_tmp, out) = built();
    for rel in ["tin-cu/day-manh-dan-van.html", "2017/02/dan-van/index.html"] {
        let html = read(&out, rel);
        assert!(
            html.contains("content=\"0; url=/tin-tuc/day-manh-dan-van/\""),
            "{rel}: {html}"
        );
        assert!(
            html.contains(
                "rel=\"canonical\" href=\"https://thu-nghiem.example.gov.vn/tin-tuc/day-manh-dan-van/\""
            ),
            "{rel}: {html}"
        );
    }
}

#[test]
fn base_url_path_prefix_is_applied_to_every_link() {
    let (_tmp, out) = build_fixture(Options {
        base_url: Some("https://thu-nghiem.example.gov.vn/portal/".into()),
        ..opts(&fixture())
    });
    // Files stay at the top of the output folder; links carry the prefix.
    assert!(exists(&out, "tin-tuc/day-manh-dan-van/index.html"));
    let html = read(&out, "tin-tuc/hoi-nghi-so-ket/index.html");
    assert!(
        html.contains("href=\"/portal/tin-tuc/day-manh-dan-van/#ket-qua\""),
        "{html}"
    );
    for (p, html) in all_html(&out) {
        for attr in ["href=\"/", "src=\"/", "url=/"] {
            for (i, _) in html.match_indices(attr) {
                let rest = &html[i + attr.len()..];
                assert!(
                    rest.starts_with("portal/"),
                    "{p}: a link without the /portal/ prefix: {}",
                    &html[i..(i + 60).min(html.len())]
                );
            }
        }
    }
}

#[test]
fn locality_term_that_is_an_entity_shows_the_entity_name() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    copy_dir(&fixture(), &root);
    write(
        &root,
        "data/entities.toml",
        "[[entity]]\nid = \"ha-noi\"\nname = \"Hà Nội\"\nkind = \"province\"\n",
    );
    // Data pages need templates of their own; their content is not under test.
    for name in [
        "indicators.html",
        "entities.html",
        "indicator.html",
        "entity.html",
    ] {
        write(&root, &format!("templates/{name}"), "data");
    }
    let out = tmp.path().join("public");
    build_ok(&root, &out);
    let term = read(&out, "localities/ha-noi/index.html");
    assert!(term.contains("<h1>Hà Nội</h1>"), "{term}");
    let page = read(&out, "tin-tuc/day-manh-dan-van/index.html");
    assert!(
        // FORMAT.md: a `localities` term that is an entity links its profile.
        page.contains("<a href=\"/dia-phuong/ha-noi/\">Hà Nội</a>"),
        "{page}"
    );
}

#[test]
fn pages_of_equal_date_keep_the_order_of_folders_sorted_by_name() {
    // Equal dates keep file order, and file order is that of a walk sorting
    // each folder by name: `a/` before `a-b/`, although "a-b/" < "a/" as
    // whole strings ('-' sorts before '/').
    let (_tmp, root, out) = tiny_site_in_temp();
    for (file, title) in [
        ("a-b/y.md", "Bài Y"),
        ("a/x.md", "Bài X"),
        ("a/z.md", "Bài Z"),
    ] {
        write(
            &root,
            &format!("content/{file}"),
            format!("+++\ntitle = \"{title}\"\ndate = 2021-05-01\n+++\nNội dung.\n"),
        );
    }
    build_ok(&root, &out);
    let home = read(&out, "index.html");
    let at = |t: &str| home.find(t).unwrap_or_else(|| panic!("{t}: {home}"));
    assert!(
        at("Bài X") < at("Bài Z") && at("Bài Z") < at("Bài Y"),
        "{home}"
    );
}

#[test]
fn site_partials_are_rendered_once_and_given_to_every_template() {
    let (_tmp, root, out) = tiny_site_in_temp();
    // Shared variables only; the file's last line break is dropped.
    write(
        &root,
        "templates/partials/site/banner.html",
        "<p class=\"banner\">{{ config.title }} · {{ lang }} · {{ t.home }}</p>\n",
    );
    write(
        &root,
        "templates/index.html",
        "[{{ site_partials.banner }}]",
    );
    build_ok(&root, &out);
    let home = read(&out, "index.html");
    assert!(
        home.contains("[<p class=\"banner\">Thử nghiệm · vi · Trang chủ</p>]"),
        "{home}"
    );
    // A built-in template the theme lacks (the search page) reaches the
    // built-in theme's own masthead and footer, not the theme's partials.
    let search = read(&out, "tim-kiem/index.html");
    for part in [
        "class=\"topbar-links\"",
        "class=\"brand wrap\"",
        "class=\"site-footer\"",
    ] {
        assert!(search.contains(part), "{part}: {search}");
    }
}

#[test]
fn each_page_card_is_rendered_once_and_shown_as_it_is_in_every_list() {
    let (_tmp, root, out) = tiny_site_in_temp();
    write(
        &root,
        "content/b.md",
        "+++\ntitle = \"Thu < chi\"\ndate = 2020-02-01\n[taxonomies]\ntags = [\"Cải cách\"]\n+++\nB.\n",
    );
    write(
        &root,
        "site-config.toml",
        "title = \"Thử nghiệm\"\nbase_url = \"https://example.gov.vn/\"\ntheme = \"t\"\n[[taxonomies]]\nname = \"tags\"\n",
    );
    // The site's card replaces the built-in one; lists show `p.card`.
    write(
        &root,
        "templates/partials/card.html",
        "<li class=\"the-card\">{{ p.title }} · {{ lang }} · {{ config.title }}</li>",
    );
    let list = "{% for p in paginator.pages %}{{ p.card }}\n{% endfor %}";
    write(&root, "templates/index.html", list);
    write(&root, "templates/taxonomy_single.html", list);
    build_ok(&root, &out);
    let card = "<li class=\"the-card\">Thu &lt; chi · vi · Thử nghiệm</li>";
    for list in ["index.html", "tags/cai-cach/index.html"] {
        let html = read(&out, list);
        assert!(html.contains(card), "{list}: {html}");
        assert!(!html.contains("&amp;lt;"), "{list}: escaped twice: {html}");
    }
    assert!(read(&out, "index.html").contains("<li class=\"the-card\">Bài A · vi"));
}

/// A build hands each page's HTML to that page's job, which frees it once
/// the page is rendered (on 100 000 articles the bodies were 1.1 GB held to
/// the end): the stages a build returns hold no page HTML, and every page it
/// wrote is byte for byte the page `generate` (which keeps the HTML, for
/// `serve`) makes.
#[test]
fn a_build_frees_each_pages_html_once_its_page_is_written() {
    let opts = opts(&fixture());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let stager = minhbach::output::Stager::begin(&out).unwrap();
    let built = minhbach::generate_into(&opts, &stager, None)
        .unwrap_or_else(|e| panic!("the fixture failed to build:\n{e}"));
    let page_md = &built.stages.model.page_md;
    assert!(page_md.len() > 3, "the fixture has pages");
    assert!(
        page_md.iter().all(|md| md.html.is_empty()),
        "a build kept page HTML after writing the pages"
    );
    stager.commit(&built.files, || None).unwrap();

    let kept = minhbach::generate(&opts).unwrap();
    assert!(
        kept.stages
            .model
            .page_md
            .iter()
            .any(|md| !md.html.is_empty())
    );
    let mut compared = 0;
    for (i, page) in kept.stages.model.content.pages.iter().enumerate() {
        let path = format!("{}index.html", page.path);
        let Some(f) = kept.files.iter().find(|f| f.path == path) else {
            continue;
        };
        let minhbach::output::Body::Bytes(bytes) = &f.body else {
            panic!("{path}: generate keeps every page's bytes");
        };
        let written = std::fs::read(out.join(&path)).unwrap();
        assert!(written == *bytes, "{path}: the build wrote another page");
        let body = &kept.stages.model.page_md[i].html;
        assert!(
            String::from_utf8_lossy(&written).contains(body.as_str()),
            "{path}: the written page lacks its body ({})",
            page.file.display()
        );
        compared += 1;
    }
    assert_eq!(compared, kept.stages.model.content.pages.len());
}
