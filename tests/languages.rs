//! Language editions (issue 11): a Vietnamese site with an English edition
//! under `/en/`. Translations are linked both ways (hreflang alternates and
//! the language switcher), a page without a translation is absent in English
//! and its switcher points to the English home, data pages use `name_en`,
//! numbers and dates follow the language, and feeds, sitemaps and search are
//! per language.

mod common;

use std::path::Path;

use common::*;

const CONFIG: &str = r#"title = "Cổng thông tin thử"
base_url = "https://example.gov.vn/portal/"
description = "Bản tiếng Việt."

[[taxonomies]]
name = "tags"
title = "Chủ đề"
feed = true

[languages.en]
title = "Test Portal"
description = "The English edition."

[[languages.en.taxonomies]]
name = "tags"
title = "Topics"

[languages.en.extra]
agency = "Department of Home Affairs"
"#;

const ENTITIES: &str = r#"[[entity]]
id = "vn"
name = "Việt Nam"
name_en = "Viet Nam"
kind = "country"

[[entity]]
id = "ha-noi"
name = "Hà Nội"
name_en = "Ha Noi"
kind = "province"
parent = "vn"
"#;

const SIPAS: &str = r#"name = "Chỉ số hài lòng về sự phục vụ hành chính"
short_name = "SIPAS"
name_en = "Satisfaction Index of Public Administrative Services"
unit = "%"
description = "Mô tả tiếng Việt."
description_en = "The English description."

[[targets]]
year = 2025
min = 90.0
label = "Mục tiêu 2025"
label_en = "Target for 2025"

[[values]]
entity = "ha-noi"
year = 2021
value = 87.11
rank = 3
of = 63
"#;

fn site(root: &Path) {
    write(root, "site-config.toml", CONFIG);
    write(root, "data/entities.toml", ENTITIES);
    write(root, "data/indicators/sipas.toml", SIPAS);
    write(
        root,
        "content/_index.md",
        "+++\ntitle = \"Trang chủ\"\n+++\n",
    );
    write(root, "content/_index.en.md", "+++\ntitle = \"Home\"\n+++\n");
    write(
        root,
        "content/tin-tuc/_index.md",
        "+++\ntitle = \"Tin tức\"\nfeed = true\n+++\n",
    );
    write(
        root,
        "content/tin-tuc/_index.en.md",
        "+++\ntitle = \"News\"\nfeed = true\n+++\n",
    );
    write(
        root,
        "content/tin-tuc/chi-so-hai-long.md",
        "+++\ntitle = \"Chỉ số hài lòng tăng\"\ndate = 2017-02-16\n\n[taxonomies]\ntags = [\"SIPAS\"]\n+++\n\nĐạt 87,11%. Xem [bài khác](@/tin-tuc/chi-co-tieng-viet.md).\n\n{{ chart(indicator=\"sipas\", entity=\"ha-noi\") }}\n",
    );
    write(
        root,
        "content/tin-tuc/chi-so-hai-long.en.md",
        "+++\ntitle = \"Satisfaction rises\"\nslug = \"satisfaction-rises\"\ndate = 2017-02-16\n\n[taxonomies]\ntags = [\"SIPAS\"]\n+++\n\nIt reached 87.11%. See [the other story](@/tin-tuc/chi-co-tieng-viet.md) and [this one](@/tin-tuc/chi-so-hai-long.md).\n\n{{ chart(indicator=\"sipas\", entity=\"ha-noi\") }}\n",
    );
    write(
        root,
        "content/tin-tuc/chi-co-tieng-viet.md",
        "+++\ntitle = \"Chỉ có tiếng Việt\"\ndate = 2017-03-01\n+++\n\nBài này chưa dịch.\n",
    );
}

fn built() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root);
    let out = dir.path().join("out");
    build_ok(&root, &out);
    (dir, out)
}

/// The `href` of the `<link rel="alternate" hreflang="…">` for `lang`.
fn alternate(html: &str, lang: &str) -> Option<String> {
    let marker = format!("hreflang=\"{lang}\"");
    html.split("<link")
        .filter(|l| l.contains("rel=\"alternate\"") && l.contains(&marker))
        .find_map(|l| {
            let start = l.find("href=\"")? + 6;
            Some(l[start..start + l[start..].find('"')?].to_string())
        })
}

/// The `href` of the switcher's link to `lang`.
fn switcher_link(html: &str, lang: &str) -> Option<String> {
    let switch = &html[html.find("lang-switch")?..];
    let link = &switch[switch.find(&format!("data-lang=\"{lang}\""))?..];
    let a = &switch[..switch.len() - link.len()];
    let a = &a[a.rfind("<a")?..];
    let tag = format!("{a}{}", &link[..link.find('>')?]);
    let start = tag.find("href=\"")? + 6;
    Some(tag[start..start + tag[start..].find('"')?].to_string())
}

#[test]
fn a_translation_is_linked_both_ways_by_alternates_and_switcher() {
    let (_d, out) = built();
    let vi = read(&out, "tin-tuc/chi-so-hai-long/index.html");
    let en = read(&out, "en/tin-tuc/satisfaction-rises/index.html");
    assert_eq!(
        alternate(&vi, "en").as_deref(),
        Some("https://example.gov.vn/portal/en/tin-tuc/satisfaction-rises/")
    );
    assert_eq!(
        alternate(&en, "vi").as_deref(),
        Some("https://example.gov.vn/portal/tin-tuc/chi-so-hai-long/")
    );
    // Each version also names itself, as search engines ask.
    assert_eq!(
        alternate(&vi, "vi").as_deref(),
        Some("https://example.gov.vn/portal/tin-tuc/chi-so-hai-long/")
    );
    assert_eq!(
        switcher_link(&vi, "en").as_deref(),
        Some("/portal/en/tin-tuc/satisfaction-rises/")
    );
    assert_eq!(
        switcher_link(&en, "vi").as_deref(),
        Some("/portal/tin-tuc/chi-so-hai-long/")
    );
    assert!(vi.contains("<html lang=\"vi\""), "{vi}");
    assert!(en.contains("<html lang=\"en\""), "{en}");
}

#[test]
fn a_page_without_translation_is_absent_and_its_switcher_goes_home() {
    let (_d, out) = built();
    assert!(!out.join("en/tin-tuc/chi-co-tieng-viet").exists());
    let vi = read(&out, "tin-tuc/chi-co-tieng-viet/index.html");
    assert_eq!(alternate(&vi, "en"), None);
    assert_eq!(
        alternate(&vi, "vi"),
        None,
        "no alternates at all without a translation"
    );
    assert_eq!(switcher_link(&vi, "en").as_deref(), Some("/portal/en/"));
    // The English list does not show it; an English link to it goes to the original.
    let news = read(&out, "en/tin-tuc/index.html");
    assert!(!news.contains("Chỉ có tiếng Việt"));
    let en = read(&out, "en/tin-tuc/satisfaction-rises/index.html");
    assert!(en.contains("href=\"/portal/tin-tuc/chi-co-tieng-viet/\""));
    assert!(en.contains("href=\"/portal/en/tin-tuc/satisfaction-rises/\""));
}

#[test]
fn generated_pages_pair_by_path_and_data_pages_speak_english() {
    let (_d, out) = built();
    let vi = read(&out, "chi-so/sipas/index.html");
    let en = read(&out, "en/chi-so/sipas/index.html");
    assert_eq!(
        alternate(&vi, "en").as_deref(),
        Some("https://example.gov.vn/portal/en/chi-so/sipas/")
    );
    assert!(en.contains("Satisfaction Index of Public Administrative Services"));
    assert!(en.contains("Ha Noi"));
    assert!(en.contains("The English description."));
    assert!(en.contains("Target for 2025"));
    assert!(en.contains("87.11"), "English numbers use a decimal point");
    assert!(!en.contains("87,11"));
    assert!(vi.contains("87,11"));
    assert!(vi.contains("Hà Nội"));
    assert!(vi.contains("Mục tiêu 2025"));
    // The chart's own words are English too.
    assert!(en.contains("ranking of provinces"), "English chart titles");
    assert!(!en.contains("xếp hạng các địa phương"));
    // English downloads name entities in English.
    let csv = read(&out, "en/chi-so/sipas.csv");
    assert!(csv.contains("ha-noi,Ha Noi,2021"), "{csv}");
    // The archive exists in both and pairs by path.
    let arch = read(&out, "luu-tru/2017/index.html");
    assert_eq!(
        alternate(&arch, "en").as_deref(),
        Some("https://example.gov.vn/portal/en/luu-tru/2017/")
    );
}

#[test]
fn dates_follow_the_language() {
    let (_d, out) = built();
    let en = read(&out, "en/tin-tuc/satisfaction-rises/index.html");
    let vi = read(&out, "tin-tuc/chi-so-hai-long/index.html");
    assert!(en.contains("16 Feb 2017"), "English dates");
    assert!(!en.contains("16/02/2017"));
    assert!(!en.contains("2/16/2017"));
    assert!(vi.contains("16/02/2017"));
}

#[test]
fn feeds_sitemaps_and_shared_files_are_per_language() {
    let (_d, out) = built();
    let feed = read(&out, "en/atom.xml");
    assert!(feed.contains("Test Portal"));
    assert!(feed.contains("/portal/en/tin-tuc/satisfaction-rises/"));
    assert!(!feed.contains("Chỉ có tiếng Việt"));
    assert!(out.join("en/tin-tuc/atom.xml").is_file());
    let sitemap = read(&out, "en/sitemap.xml");
    assert!(sitemap.contains("https://example.gov.vn/portal/en/chi-so/sipas/"));
    // Vietnamese pages are not listed there (only named as alternates).
    assert!(!sitemap.contains("<loc>https://example.gov.vn/portal/tin-tuc/"));
    let robots = read(&out, "robots.txt");
    assert!(robots.contains("Sitemap: https://example.gov.vn/portal/sitemap.xml"));
    assert!(robots.contains("Sitemap: https://example.gov.vn/portal/en/sitemap.xml"));
    assert!(!out.join("en/robots.txt").exists());
    // Theme files are shared at the root, and English pages load them there.
    assert!(out.join("style.css").is_file());
    assert!(!out.join("en/style.css").exists());
    let en = read(&out, "en/index.html");
    assert!(en.contains("href=\"/portal/style.css\""), "{en}");
    // The English edition's own taxonomy title and agency.
    let topics = read(&out, "en/tags/index.html");
    assert!(topics.contains("Topics"));
    assert!(en.contains("Department of Home Affairs"));
}

/// The `<url>` entry of `loc` in a sitemap.
fn sitemap_entry<'a>(sitemap: &'a str, loc: &str) -> &'a str {
    let start = sitemap
        .find(&format!("<loc>{loc}</loc>"))
        .unwrap_or_else(|| panic!("{loc} not in {sitemap}"));
    let end = start + sitemap[start..].find("</url>").unwrap();
    &sitemap[start..end]
}

#[test]
fn sitemaps_name_each_pages_versions_in_every_language() {
    let (_d, out) = built();
    let vi = read(&out, "sitemap.xml");
    let en = read(&out, "en/sitemap.xml");
    for sitemap in [&vi, &en] {
        assert!(
            sitemap.contains(r#"xmlns:xhtml="http://www.w3.org/1999/xhtml""#),
            "{sitemap}"
        );
    }
    let vi_url = "https://example.gov.vn/portal/tin-tuc/chi-so-hai-long/";
    let en_url = "https://example.gov.vn/portal/en/tin-tuc/satisfaction-rises/";
    // Each version lists itself and the other, whatever their slugs.
    for entry in [sitemap_entry(&vi, vi_url), sitemap_entry(&en, en_url)] {
        assert!(
            entry.contains(&format!(
                r#"<xhtml:link rel="alternate" hreflang="vi" href="{vi_url}"/>"#
            )),
            "{entry}"
        );
        assert!(
            entry.contains(&format!(
                r#"<xhtml:link rel="alternate" hreflang="en" href="{en_url}"/>"#
            )),
            "{entry}"
        );
    }
    // Pages made from data pair by their path.
    let entry = sitemap_entry(&en, "https://example.gov.vn/portal/en/chi-so/sipas/");
    assert!(
        entry.contains(r#"hreflang="vi" href="https://example.gov.vn/portal/chi-so/sipas/""#),
        "{entry}"
    );
    // A page with no translation names no alternates.
    let only = sitemap_entry(
        &vi,
        "https://example.gov.vn/portal/tin-tuc/chi-co-tieng-viet/",
    );
    assert!(!only.contains("xhtml:link"), "{only}");
}

#[test]
fn search_indexes_each_language_apart() {
    let (_d, out) = built();
    let entry = read(&out, "pagefind/pagefind-entry.json");
    assert!(entry.contains("\"vi\""), "{entry}");
    assert!(entry.contains("\"en\""), "{entry}");
    assert!(out.join("en/tim-kiem/index.html").is_file());
}

#[test]
fn a_translated_page_needs_its_section_translated() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root);
    std::fs::remove_file(root.join("content/tin-tuc/_index.en.md")).unwrap();
    let e = build(&root, &dir.path().join("out"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("content/tin-tuc/chi-so-hai-long.en.md:1")
            && e.contains("add tin-tuc/_index.en.md"),
        "{e}"
    );
    assert!(
        !dir.path().join("out").exists(),
        "a failed build writes nothing"
    );
}

#[test]
fn a_language_without_ui_strings_is_an_error_on_its_config_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root);
    let config = format!("{CONFIG}\n[languages.fr]\ntitle = \"Portail\"\n");
    write(&root, "site-config.toml", &config);
    let line = config.lines().position(|l| l == "[languages.fr]").unwrap() + 1;
    let e = build(&root, &dir.path().join("out"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("site-config.toml:{line}"))
            && e.contains("no UI strings for language \"fr\""),
        "{e}"
    );
    // With the site's own strings (the English file's keys) it builds.
    let en = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/i18n/en.toml"),
    )
    .unwrap();
    write(
        &root,
        "i18n/fr.toml",
        en.replace("\"English\"", "\"Français\""),
    );
    build_ok(&root, &dir.path().join("out"));
}

#[test]
fn a_one_language_site_has_no_switcher_and_no_alternates() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root);
    let config = CONFIG.split("[languages.en]").next().unwrap();
    write(&root, "site-config.toml", config);
    for f in [
        "_index.en.md",
        "tin-tuc/_index.en.md",
        "tin-tuc/chi-so-hai-long.en.md",
    ] {
        std::fs::remove_file(root.join("content").join(f)).unwrap();
    }
    let out = dir.path().join("out");
    build_ok(&root, &out);
    let vi = read(&out, "tin-tuc/chi-so-hai-long/index.html");
    assert!(!vi.contains("lang-switch"));
    assert!(!vi.contains("hreflang"));
    assert!(!read(&out, "sitemap.xml").contains("xhtml"));
    assert!(!out.join("en").exists());
}

#[test]
fn an_edition_without_feed_has_no_site_feed_and_links_none() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root);
    let config = CONFIG.replace(
        "description = \"The English edition.\"",
        "description = \"The English edition.\"\nfeed = false",
    );
    write(&root, "site-config.toml", &config);
    let out = dir.path().join("out");
    build_ok(&root, &out);
    assert!(!out.join("en/atom.xml").exists());
    assert!(
        out.join("atom.xml").is_file(),
        "the default edition keeps its feed"
    );
    let en = read(&out, "en/index.html");
    assert!(!en.contains("/portal/en/atom.xml"), "{en}");
    // A section's own feed is the section's choice.
    assert!(out.join("en/tin-tuc/atom.xml").is_file());
}
