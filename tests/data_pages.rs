//! Indicator pages, entity profiles, downloads and the data shortcodes
//! (issue 3): a small site with entities (a country, provinces, one merged
//! in 2025 with a successor, a district) and three indicators (TOML and CSV
//! values, a target band and a threshold, ranks whose `of` changes from 63 to
//! 34, rank-only rows, one indicator where lower is better), built with the
//! default theme that is built into the binary.

mod common;
#[path = "common/site_checks.rs"]
mod site_checks;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use minhbach::Options;
use serde_json::Value;
use site_checks::*;

/// An entity name that would run script if any output wrote it raw.
const HOSTILE: &str = "</script><script>alert(1)</script> & \"x\"";

const CONFIG: &str = r#"title = "Cổng dữ liệu thử"
base_url = "https://example.gov.vn/"
description = "Số liệu cải cách hành chính."

[[taxonomies]]
name = "tags"

[[taxonomies]]
name = "localities"

[extra]
agency = "Sở Nội vụ thử"
"#;

const ENTITIES: &str = r#"[[entity]]
id = "vn"
name = "Việt Nam"
kind = "country"

[[entity]]
id = "ha-noi"
name = "Hà Nội"
name_en = "Ha Noi"
kind = "province"
parent = "vn"

[[entity]]
id = "quang-binh"
name = "Quảng Bình"
kind = "province"
parent = "vn"
valid_to = 2025-06-30
successor = "quang-tri"

[[entity]]
id = "quang-tri"
name = "Quảng Trị"
kind = "province"
parent = "vn"

[[entity]]
id = "le-thuy"
name = "Lệ Thủy"
kind = "district"
parent = "quang-binh"
valid_to = 2025-06-30

[[entity]]
id = "xss"
name = '</script><script>alert(1)</script> & "x"'
kind = "province"
parent = "vn"
"#;

const SIPAS: &str = r#"name = "Chỉ số hài lòng về sự phục vụ hành chính"
short_name = "SIPAS"
name_en = "Satisfaction Index of Public Administrative Services"
unit = "%"
source = "Bộ Nội vụ"
source_url = "https://chiso.example.gov.vn/sipas"
methodology_url = "https://chiso.example.gov.vn/sipas/phuong-phap"
updated = 2025-12-20
description = "Mức độ hài lòng của người dân, tổ chức."

[[targets]]
entity = "ha-noi"
year = 2025
min = 90.0
max = 95.0
label = "Mục tiêu 2025"

[[targets]]
year = 2024
min = 85.0

[[values]]
entity = "vn"
year = 2021
value = 85.5

[[values]]
entity = "vn"
year = 2025
value = 88.5

[[values]]
entity = "ha-noi"
year = 2021
value = 87.11
rank = 3
of = 63

[[values]]
entity = "ha-noi"
year = 2023
value = 89.15
rank = 2
of = 63

[[values]]
entity = "ha-noi"
year = 2025
value = 91.2
rank = 2
of = 34

[[values]]
entity = "quang-binh"
year = 2021
value = 80.5
rank = 20
of = 63

[[values]]
entity = "quang-binh"
year = 2023
rank = 15
of = 63
note = "Chỉ công bố thứ hạng"

[[values]]
entity = "quang-tri"
year = 2025
value = 87.11
rank = 5
of = 34

[[values]]
entity = "xss"
year = 2021
value = 70.25
rank = 30
of = 63
"#;

/// PAPI: metadata and one rank-only row in TOML, the rest in CSV. Its
/// source is hostile too, to reach the Dataset JSON-LD.
const PAPI: &str = r#"name = "Chỉ số Hiệu quả quản trị và hành chính công cấp tỉnh"
short_name = "PAPI"
unit = "điểm"
source = '</script><script>alert(1)</script> & "x"'

[[values]]
entity = "ha-noi"
year = 2021
rank = 48
of = 63
"#;

const PAPI_CSV: &str = "entity,year,value,rank,of,note
vn,2023,43.1,,,
ha-noi,2023,44.5,9,63,\"Tăng 39 bậc, từ 48/63\"
quang-binh,2023,42.75,20,63,
quang-tri,2023,43,21,63,
";

/// Lower is better: the leader has the smallest value.
const THOI_GIAN: &str = r#"name = "Thời gian giải quyết hồ sơ bình quân"
unit = "ngày"
higher_is_better = false

[[values]]
entity = "vn"
year = 2024
value = 5.5

[[values]]
entity = "ha-noi"
year = 2024
value = 4.25

[[values]]
entity = "quang-tri"
year = 2024
value = 3.75

[[values]]
entity = "quang-binh"
year = 2024
value = 6.0
"#;

/// An article that uses every data shortcode.
const REPORT: &str = r#"+++
title = "Báo cáo chỉ số"
date = 2024-01-10
[taxonomies]
localities = ["ha-noi", "xss"]
+++
Mở đầu báo cáo.

{{ chart(indicator="sipas", entity="ha-noi") }}

{{ chart(indicator="sipas", entity="ha-noi", show="rank") }}

{{ chart(indicator="sipas", year=2021) }}

{{ table(indicator="sipas", year=2023) }}

{{ table(indicator="sipas", entity="quang-binh") }}

Hết.
"#;

fn data_site(root: &Path) {
    write(root, "site-config.toml", CONFIG);
    write(root, "data/entities.toml", ENTITIES);
    write(root, "data/indicators/sipas.toml", SIPAS);
    write(root, "data/indicators/papi.toml", PAPI);
    write(root, "data/indicators/papi.csv", PAPI_CSV);
    write(root, "data/indicators/thoi-gian.toml", THOI_GIAN);
    write(
        root,
        "content/_index.md",
        "+++\ntitle = \"Trang chủ\"\n+++\n",
    );
    write(
        root,
        "content/tin-tuc/_index.md",
        "+++\ntitle = \"Tin tức\"\n+++\n",
    );
    write(root, "content/tin-tuc/bao-cao.md", REPORT);
}

fn built_with(base_url: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    data_site(&root);
    let out = tmp.path().join("public");
    minhbach::cmd::build::run(
        &Options {
            base_url: base_url.map(str::to_string),
            ..opts(&root)
        },
        Some(&out),
    )
    .unwrap_or_else(|e| panic!("the data site failed to build:\n{e}"));
    (tmp, out)
}

fn built() -> (tempfile::TempDir, PathBuf) {
    built_with(None)
}

/// The part of `html` from `from` up to the nearest of `until` (or the end).
#[track_caller]
fn region<'a>(html: &'a str, from: &str, until: &[&str]) -> &'a str {
    let start = html
        .find(from)
        .unwrap_or_else(|| panic!("no {from:?} in:\n{html}"));
    let rest = &html[start + from.len()..];
    let end = until
        .iter()
        .filter_map(|u| rest.find(u))
        .min()
        .unwrap_or(rest.len());
    &html[start..start + from.len() + end]
}

/// The chart SVG of `page` whose `<title>` starts with `title`.
#[track_caller]
fn chart_titled(page: &str, html: &str, title: &str) -> Element {
    let svgs = chart_svgs(page, html);
    let titles: Vec<String> = svgs.iter().map(|s| s.child_text("title")).collect();
    svgs.into_iter()
        .find(|s| s.child_text("title").starts_with(title))
        .unwrap_or_else(|| panic!("{page}: no chart titled {title:?}; charts: {titles:?}"))
}

// ---------------------------------------------------------------- /chi-so/

#[test]
fn indicator_index_lists_every_indicator_with_latest_national_value_and_leader() {
    let (_tmp, out) = built();
    let html = read(&out, "chi-so/index.html");
    let main = main_of(&html);
    // (id, national value in the latest year, leader's link, leader's value)
    for (id, national, leader, value) in [
        ("sipas", "88,5%", "/dia-phuong/ha-noi/", "91,2%"),
        ("papi", "43,1 điểm", "/dia-phuong/ha-noi/", "44,5 điểm"),
        // Lower is better: Quảng Trị's 3,75 days lead, not Quảng Bình's 6.
        (
            "thoi-gian",
            "5,5 ngày",
            "/dia-phuong/quang-tri/",
            "3,75 ngày",
        ),
    ] {
        let card = region(
            main,
            &format!("href=\"/chi-so/{id}/\""),
            &["href=\"/chi-so/", "</article>", "</li>", "<h2"],
        );
        assert!(
            card.contains(national),
            "{id}: no national {national}:\n{card}"
        );
        assert!(
            card.contains(&format!("href=\"{leader}\"")),
            "{id}: the leader is not {leader}:\n{card}"
        );
        assert!(
            card.contains(value),
            "{id}: no leader value {value}:\n{card}"
        );
    }
    // Every indicator, and nothing else, has a card.
    let mut linked: Vec<String> = anchors(main)
        .into_iter()
        .filter(|h| h.starts_with("/chi-so/") && h.len() > "/chi-so/".len())
        .collect();
    linked.sort();
    linked.dedup();
    assert_eq!(
        linked,
        ["/chi-so/papi/", "/chi-so/sipas/", "/chi-so/thoi-gian/"]
    );
}

#[test]
fn indicator_page_has_an_accessible_ranking_chart_with_vietnamese_numbers() {
    let (_tmp, out) = built();
    let html = read(&out, "chi-so/sipas/index.html");
    let svg = chart_titled("chi-so/sipas/", &html, "SIPAS năm 2025");
    assert_eq!(svg.attr("role"), Some("img"));
    let desc = svg.child_text("desc");
    // 2025: Hà Nội 91,2 first, Quảng Trị 87,11 last; the country is the
    // national line, not a bar.
    for want in ["Hà Nội (91,2%)", "Quảng Trị (87,11%)", "cả nước 88,5%"] {
        assert!(desc.contains(want), "the desc lacks {want:?}: {desc}");
    }
    assert!(
        !desc.contains("87.11"),
        "a decimal point in the desc: {desc}"
    );
    assert!(desc.starts_with("2 "), "two entities are ranked: {desc}");
    assert!(
        svg_texts(&svg).iter().any(|t| t == "87,11"),
        "the bar is labelled 87,11"
    );
    // The title and desc are referenced for assistive technology.
    let labelled = svg.attr("aria-labelledby").unwrap_or_default();
    for el in ["title", "desc"] {
        let id = svg.first(el).and_then(|e| e.attr("id")).unwrap_or_default();
        assert!(
            !id.is_empty() && labelled.split(' ').any(|x| x == id),
            "<{el}> is not referenced by aria-labelledby={labelled:?}"
        );
    }
    // Lower is better: the best is the smallest.
    let html = read(&out, "chi-so/thoi-gian/index.html");
    let desc = chart_titled(
        "chi-so/thoi-gian/",
        &html,
        "Thời gian giải quyết hồ sơ bình quân năm 2024",
    )
    .child_text("desc");
    assert!(
        desc.contains("Quảng Trị (3,75 ngày)") && desc.find("Quảng Trị") < desc.find("Quảng Bình"),
        "{desc}"
    );
}

#[test]
fn indicator_page_has_the_ranking_table_and_download_links() {
    let (_tmp, out) = built();
    let html = read(&out, "chi-so/sipas/index.html");
    let main = main_of(&html);
    let table = region(main, "<table", &["</table>"]);
    assert!(table.contains("2025"), "{table}");
    let (hn, qt) = (
        table.find("Hà Nội").expect("Hà Nội in the table"),
        table.find("Quảng Trị").expect("Quảng Trị in the table"),
    );
    assert!(hn < qt, "the table is not best first:\n{table}");
    assert!(
        !table.contains("Quảng Bình"),
        "another year's row:\n{table}"
    );
    for want in ["91,2", "87,11", "5/34", "2/34"] {
        assert!(table.contains(want), "the table lacks {want}:\n{table}");
    }
    let links = anchors(main);
    for file in ["/chi-so/sipas.csv", "/chi-so/sipas.json"] {
        assert!(links.iter().any(|l| l == file), "no link to {file}");
        assert!(
            out.join(&file[1..]).is_file(),
            "{file} is linked but missing"
        );
    }
}

#[test]
fn indicator_page_json_ld_is_a_valid_dataset_as_written() {
    let (_tmp, out) = built();
    let html = read(&out, "chi-so/sipas/index.html");
    let ds = json_ld_of_type("chi-so/sipas/", &html, "Dataset");
    assert_eq!(ds["@context"], "https://schema.org");
    assert_eq!(ds["name"], "Chỉ số hài lòng về sự phục vụ hành chính");
    assert_eq!(ds["url"], "https://example.gov.vn/chi-so/sipas/");
    assert_eq!(ds["temporalCoverage"], "2021/2025");
    let urls: Vec<&str> = ds["distribution"]
        .as_array()
        .expect("a distribution list")
        .iter()
        .map(|d| d["contentUrl"].as_str().expect("a contentUrl"))
        .collect();
    assert_eq!(
        urls,
        [
            "https://example.gov.vn/chi-so/sipas.csv",
            "https://example.gov.vn/chi-so/sipas.json"
        ]
    );
}

// ---------------------------------------------------------------- downloads

#[test]
fn indicator_csv_has_the_documented_header_dot_decimals_and_utf8_names() {
    let (_tmp, out) = built();
    let bytes = std::fs::read(out.join("chi-so/sipas.csv")).unwrap();
    let text = String::from_utf8(bytes).expect("the CSV is UTF-8");
    assert!(!text.starts_with('\u{feff}'), "no byte-order mark");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "entity",
            "entity_name",
            "year",
            "value",
            "rank",
            "of",
            "note"
        ]
    );
    let rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 9, "one row per value: {rows:?}");
    let row = |e: &str, y: &str| -> Vec<String> {
        rows.iter()
            .find(|r| r[0] == e && r[2] == y)
            .unwrap_or_else(|| panic!("no row {e} {y} in {rows:?}"))
            .clone()
    };
    assert_eq!(
        row("ha-noi", "2021"),
        ["ha-noi", "Hà Nội", "2021", "87.11", "3", "63", ""]
    );
    assert_eq!(row("ha-noi", "2025")[3..6], ["91.2", "2", "34"]);
    // The rank-only row: no value.
    assert_eq!(
        row("quang-binh", "2023"),
        [
            "quang-binh",
            "Quảng Bình",
            "2023",
            "",
            "15",
            "63",
            "Chỉ công bố thứ hạng"
        ]
    );
    for r in &rows {
        if !r[3].is_empty() {
            r[3].parse::<f64>()
                .unwrap_or_else(|_| panic!("not a `.` decimal: {r:?}"));
        }
    }
    // CSV values merge with TOML ones; a note with a comma survives quoting.
    let papi = read(&out, "chi-so/papi.csv");
    let mut rdr = csv::Reader::from_reader(papi.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5, "4 CSV rows + 1 TOML row:\n{papi}");
    assert!(
        rows.iter().any(|r| &r[0] == "ha-noi"
            && &r[2] == "2023"
            && &r[3] == "44.5"
            && &r[6] == "Tăng 39 bậc, từ 48/63"),
        "{papi}"
    );
    assert!(
        rows.iter()
            .any(|r| &r[0] == "ha-noi" && &r[2] == "2021" && r[3].is_empty() && &r[4] == "48"),
        "{papi}"
    );
}

#[test]
fn indicator_json_parses_and_holds_every_value() {
    let (_tmp, out) = built();
    let doc: Value =
        serde_json::from_str(&read(&out, "chi-so/sipas.json")).expect("the JSON download parses");
    assert_eq!(doc["id"], "sipas");
    assert_eq!(doc["unit"], "%");
    assert_eq!(doc["url"], "https://example.gov.vn/chi-so/sipas/");
    let values = doc["values"].as_array().expect("values");
    assert_eq!(values.len(), 9);
    let find = |e: &str, y: i64| -> &Value {
        values
            .iter()
            .find(|v| v["entity"] == e && v["year"] == y)
            .unwrap_or_else(|| panic!("no value {e} {y}"))
    };
    let v = find("ha-noi", 2021);
    assert_eq!(v["value"].as_f64(), Some(87.11));
    assert_eq!((v["rank"].as_u64(), v["of"].as_u64()), (Some(3), Some(63)));
    assert_eq!(v["entity_name"], "Hà Nội");
    let v = find("quang-binh", 2023);
    assert!(v["value"].is_null(), "a rank-only row has no value: {v}");
    assert_eq!(v["rank"].as_u64(), Some(15));
    assert_eq!(find("ha-noi", 2025)["of"].as_u64(), Some(34));
    assert_eq!(find("xss", 2021)["entity_name"], HOSTILE);
    let targets = doc["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 2, "{targets:?}");
}

#[test]
fn data_catalogue_lists_each_indicator_with_absolute_download_urls() {
    let (_tmp, out) = built();
    let cat: Value = serde_json::from_str(&read(&out, "data.json")).expect("data.json parses");
    let datasets = cat["dataset"].as_array().expect("a dataset list");
    assert_eq!(datasets.len(), 3);
    let mut ids = Vec::new();
    for ds in datasets {
        let landing = ds["landingPage"].as_str().expect("a landing page");
        let id = landing
            .strip_prefix("https://example.gov.vn/chi-so/")
            .and_then(|r| r.strip_suffix('/'))
            .unwrap_or_else(|| panic!("a landing page off the site: {landing}"));
        ids.push(id.to_string());
        let urls: Vec<&str> = ds["distribution"]
            .as_array()
            .expect("a distribution list")
            .iter()
            .map(|d| d["downloadURL"].as_str().expect("a downloadURL"))
            .collect();
        assert_eq!(
            urls,
            [
                format!("https://example.gov.vn/chi-so/{id}.csv"),
                format!("https://example.gov.vn/chi-so/{id}.json")
            ]
        );
        for u in urls {
            let rel = u.strip_prefix("https://example.gov.vn/").unwrap();
            assert!(out.join(rel).is_file(), "{u} is listed but not written");
        }
    }
    ids.sort();
    assert_eq!(ids, ["papi", "sipas", "thoi-gian"]);
}

#[test]
fn path_prefix_reaches_data_pages_downloads_and_catalogue() {
    let (_tmp, out) = built_with(Some("https://example.gov.vn/portal/"));
    let cat: Value = serde_json::from_str(&read(&out, "data.json")).unwrap();
    for ds in cat["dataset"].as_array().unwrap() {
        for d in ds["distribution"].as_array().unwrap() {
            let u = d["downloadURL"].as_str().unwrap();
            assert!(
                u.starts_with("https://example.gov.vn/portal/chi-so/"),
                "{u}"
            );
        }
    }
    let html = read(&out, "chi-so/sipas/index.html");
    let links = anchors(&html);
    assert!(
        links.iter().any(|l| l == "/portal/chi-so/sipas.csv"),
        "{links:?}"
    );
    assert!(
        links.iter().any(|l| l == "/portal/chi-so/sipas.json"),
        "{links:?}"
    );
    let ds = json_ld_of_type("chi-so/sipas/", &html, "Dataset");
    assert_eq!(ds["url"], "https://example.gov.vn/portal/chi-so/sipas/");
    assert_eq!(
        ds["distribution"][0]["contentUrl"],
        "https://example.gov.vn/portal/chi-so/sipas.csv"
    );
    let json: Value = serde_json::from_str(&read(&out, "chi-so/sipas.json")).unwrap();
    assert_eq!(json["url"], "https://example.gov.vn/portal/chi-so/sipas/");
    // Chart captions in Markdown and profile links carry the prefix too.
    let report = read(&out, "tin-tuc/bao-cao/index.html");
    assert!(
        report.contains("<figure class=\"chart\"") && !report.contains("href=\"/chi-so/"),
        "a chart links without the prefix"
    );
    assert!(report.contains("href=\"/portal/chi-so/sipas/\""));
    for (p, bytes) in read_tree(&out, false) {
        if !p.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        for v in attr_values(&html, "href")
            .into_iter()
            .chain(attr_values(&html, "src"))
        {
            assert!(
                !v.starts_with('/') || v.starts_with("/portal/"),
                "{p}: a link without the /portal/ prefix: {v}"
            );
        }
    }
}

// ---------------------------------------------------------------- profiles

#[test]
fn entity_profile_has_trend_and_rank_charts_labelled_rank_of() {
    let (_tmp, out) = built();
    let html = read(&out, "dia-phuong/ha-noi/index.html");
    let trend = chart_titled("dia-phuong/ha-noi/", &html, "SIPAS: Hà Nội");
    let desc = trend.child_text("desc");
    for want in ["87,11%", "89,15%", "91,2%", "Việt Nam"] {
        assert!(desc.contains(want), "the trend desc lacks {want:?}: {desc}");
    }
    let rank = chart_titled("dia-phuong/ha-noi/", &html, "Xếp hạng SIPAS");
    let texts = svg_texts(&rank);
    for label in ["3/63", "2/63", "2/34"] {
        assert!(
            texts.iter().any(|t| t == label),
            "no point labelled {label} in {texts:?}"
        );
    }
    // The number of ranked units changes to 34 in 2025, and the chart says so.
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Từ 2025") && t.contains("34")),
        "the change to 34 units is not shown: {texts:?}"
    );
    let desc = rank.child_text("desc");
    assert!(
        desc.contains("3/63") && desc.contains("2/34"),
        "the rank desc: {desc}"
    );
    // PAPI 2021 is rank-only (48/63): the rank chart has it, the trend has no point for it.
    let papi_rank = chart_titled("dia-phuong/ha-noi/", &html, "Xếp hạng PAPI");
    assert!(svg_texts(&papi_rank).iter().any(|t| t == "48/63"));
    let papi_trend = chart_titled("dia-phuong/ha-noi/", &html, "PAPI: Hà Nội");
    assert!(
        !papi_trend.child_text("desc").contains("2021"),
        "a rank-only year drawn as a value"
    );
}

#[test]
fn entity_profile_links_its_parent_and_children() {
    let (_tmp, out) = built();
    let qb = read(&out, "dia-phuong/quang-binh/index.html");
    let links = anchors(main_of(&qb));
    assert!(links.iter().any(|l| l == "/dia-phuong/vn/"), "{links:?}");
    assert!(
        links.iter().any(|l| l == "/dia-phuong/le-thuy/"),
        "the district child is not linked: {links:?}"
    );
    let lt = read(&out, "dia-phuong/le-thuy/index.html");
    let links = anchors(main_of(&lt));
    assert!(
        links.iter().any(|l| l == "/dia-phuong/quang-binh/"),
        "the district does not link its province: {links:?}"
    );
    // Siblings are not children.
    let hn = read(&out, "dia-phuong/ha-noi/index.html");
    assert!(
        !anchors(main_of(&hn))
            .iter()
            .any(|l| l == "/dia-phuong/le-thuy/")
    );
}

#[test]
fn merged_unit_says_it_ceased_and_links_its_successor() {
    let (_tmp, out) = built();
    let qb = read(&out, "dia-phuong/quang-binh/index.html");
    let main = main_of(&qb);
    assert!(
        main.contains("30/06/2025") || main.contains("2025-06-30"),
        "the profile does not say when the unit ceased:\n{main}"
    );
    assert!(
        main.contains("<a href=\"/dia-phuong/quang-tri/\">Quảng Trị</a>"),
        "the successor is not linked:\n{main}"
    );
    // A unit that continues says nothing of the kind.
    for id in ["ha-noi", "quang-tri"] {
        let html = read(&out, &format!("dia-phuong/{id}/index.html"));
        let main = main_of(&html);
        assert!(
            !main.contains("30/06/2025") && !main.contains("2025-06-30"),
            "{id} is said to have ceased"
        );
    }
}

#[test]
fn trend_chart_desc_names_the_targets() {
    let (_tmp, out) = built();
    let html = read(&out, "dia-phuong/ha-noi/index.html");
    let desc = chart_titled("dia-phuong/ha-noi/", &html, "SIPAS: Hà Nội").child_text("desc");
    assert!(desc.contains("mục tiêu 2025: 90–95%"), "the band: {desc}");
    assert!(
        desc.contains("mục tiêu 2024: ≥ 85%"),
        "the threshold: {desc}"
    );
    // Hà Nội's own band does not apply to Quảng Trị; the threshold for all does.
    let html = read(&out, "dia-phuong/quang-tri/index.html");
    let desc = chart_titled("dia-phuong/quang-tri/", &html, "SIPAS: Quảng Trị").child_text("desc");
    assert!(!desc.contains("90–95"), "{desc}");
    assert!(desc.contains("≥ 85%"), "{desc}");
}

// ---------------------------------------------------------------- shortcodes

#[test]
fn chart_and_table_shortcodes_render_in_markdown() {
    let (_tmp, out) = built();
    let html = read(&out, "tin-tuc/bao-cao/index.html");
    let main = main_of(&html);
    assert!(!main.contains("{{"), "a shortcode left as text:\n{main}");
    assert_eq!(
        main.matches("<figure class=\"chart\"").count(),
        3,
        "three chart figures"
    );
    assert_eq!(
        main.matches("<figcaption><a href=\"/chi-so/sipas/\">")
            .count(),
        3,
        "each chart caption links the indicator page"
    );
    let svgs = chart_svgs("tin-tuc/bao-cao/", main);
    assert_eq!(svgs.len(), 3);
    // 1: the trend, with the band.
    assert!(svgs[0].child_text("desc").contains("mục tiêu 2025: 90–95%"));
    // 2: show="rank".
    let texts = svg_texts(&svgs[1]);
    assert!(texts.iter().any(|t| t == "3/63"), "{texts:?}");
    // 3: year=2021: the 2021 ranking, not the latest year's.
    assert!(svgs[2].child_text("title").contains("2021"));
    let desc = svgs[2].child_text("desc");
    assert!(desc.contains("Hà Nội (87,11%)"), "{desc}");
    let labels = svg_texts(&svgs[2]);
    assert!(labels.iter().any(|t| t == "80,5"), "{labels:?}");
    assert!(
        !desc.contains("91,2"),
        "the latest year drawn instead: {desc}"
    );

    // {{ table(indicator="sipas", year=2023) }}: valued rows first, then rank-only ones.
    let tables: Vec<&str> = main
        .split("<div class=\"table-scroll data-table\">")
        .skip(1)
        .map(|t| &t[..t.find("</table>").expect("a closed table")])
        .collect();
    assert_eq!(tables.len(), 2, "two table shortcodes");
    let t = tables[0];
    assert!(t.contains("89,15") && t.contains("15/63"), "{t}");
    assert!(
        t.find("Hà Nội") < t.find("Quảng Bình"),
        "a rank-only row before a valued one:\n{t}"
    );
    assert!(!t.contains("91,2"), "another year in the table:\n{t}");
    // {{ table(indicator="sipas", entity="quang-binh") }}: its years.
    let t = tables[1];
    for want in [
        "2021",
        "80,5",
        "20/63",
        "2023",
        "15/63",
        "Chỉ công bố thứ hạng",
    ] {
        assert!(t.contains(want), "the series table lacks {want}:\n{t}");
    }
    assert!(!t.contains("Hà Nội"), "{t}");
}

// ---------------------------------------------------------------- errors

/// A page whose line 9 is `call`.
fn page_calling(call: &str) -> String {
    format!(
        "+++\ntitle = \"Lỗi\"\ndate = 2024-02-01\n+++\nMở đầu.\n\nĐoạn hai.\n\n{call}\n\nHết.\n"
    )
}

const BROKEN: &str = "content/tin-tuc/loi.md";

fn failing_call(call: &str) -> String {
    failing_build_with(data_site, |root| write(root, BROKEN, page_calling(call)))
}

#[test]
fn unknown_shortcode_names_file_and_line() {
    let err = failing_call("{{ bieu_do(indicator=\"sipas\") }}");
    assert_error_at(&err, BROKEN, 9, &["bieu_do"]);
}

#[test]
fn unknown_argument_names_file_line_and_the_allowed_ones() {
    let err = failing_call("{{ chart(indicator=\"sipas\", colour=\"red\") }}");
    assert_error_at(
        &err,
        BROKEN,
        9,
        &["colour", "indicator", "entity", "year", "show"],
    );
}

#[test]
fn unknown_indicator_names_file_and_line() {
    let err = failing_call("{{ chart(indicator=\"khong-co\", entity=\"ha-noi\") }}");
    assert_error_at(&err, BROKEN, 9, &["khong-co", "sipas"]);
}

#[test]
fn unknown_entity_names_file_and_line() {
    let err = failing_call("{{ table(indicator=\"sipas\", entity=\"hue\") }}");
    assert_error_at(&err, BROKEN, 9, &["\"hue\""]);
}

#[test]
fn rank_chart_with_a_year_names_file_and_line() {
    let err = failing_call(
        "{{ chart(indicator=\"sipas\", entity=\"ha-noi\", show=\"rank\", year=2021) }}",
    );
    assert_error_at(&err, BROKEN, 9, &["show=\"rank\"", "year"]);
}

#[test]
fn year_without_values_names_file_and_line() {
    let err = failing_call("{{ chart(indicator=\"sipas\", year=2030) }}");
    assert_error_at(&err, BROKEN, 9, &["sipas", "2030"]);
    let err = failing_call("{{ table(indicator=\"papi\", entity=\"ha-noi\", year=2019) }}");
    assert_error_at(&err, BROKEN, 9, &["papi", "2019"]);
}

// ---------------------------------------------------------------- escaping

#[test]
fn hostile_entity_name_is_inert_in_every_output_file() {
    let (_tmp, out) = built();
    let files: BTreeMap<String, Vec<u8>> = read_tree(&out, false);
    let mut json_ld_blocks = 0;
    for (path, bytes) in &files {
        let text =
            || String::from_utf8(bytes.clone()).unwrap_or_else(|_| panic!("{path} is not UTF-8"));
        if path.ends_with(".html") {
            let html = text();
            assert!(
                !html.contains("<script>alert"),
                "{path} writes the name raw"
            );
            json_ld_blocks += json_ld(path, &html).len();
            chart_svgs(path, &html);
        } else if path.ends_with(".xml") || path.ends_with(".svg") {
            let x = text();
            assert!(!x.contains("<script>alert"), "{path} writes the name raw");
            xml(path, &x);
        } else if path.ends_with(".json") {
            serde_json::from_slice::<Value>(bytes)
                .unwrap_or_else(|e| panic!("{path} is not valid JSON: {e}"));
        } else if path.ends_with(".csv") {
            for r in csv::Reader::from_reader(bytes.as_slice()).records() {
                r.unwrap_or_else(|e| panic!("{path} is not valid CSV: {e}"));
            }
        }
    }
    assert!(json_ld_blocks >= 4, "JSON-LD was checked on several pages");

    // The name does reach those files, as text.
    let profile = read(&out, "dia-phuong/xss/index.html");
    assert!(
        profile.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp;"),
        "the profile does not show the name escaped"
    );
    let svg = chart_titled("dia-phuong/xss/", &profile, "SIPAS: ");
    assert!(
        svg.child_text("title").contains(HOSTILE),
        "the SVG title decodes to the name"
    );
    let report = read(&out, "tin-tuc/bao-cao/index.html");
    let svg = chart_titled("tin-tuc/bao-cao/", &report, "SIPAS năm 2021");
    assert!(svg.child_text("desc").contains(HOSTILE));
    assert!(
        svg_texts(&svg).iter().any(|t| t == HOSTILE),
        "the bar label"
    );
    let papi = read(&out, "chi-so/papi/index.html");
    let ds = json_ld_of_type("chi-so/papi/", &papi, "Dataset");
    assert_eq!(
        ds["creator"]["name"], HOSTILE,
        "the source round-trips through JSON-LD"
    );
    let csv = read(&out, "chi-so/sipas.csv");
    let row = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "xss")
        .expect("the xss row");
    assert_eq!(&row[1], HOSTILE);
    let term = read(&out, "localities/xss/index.html");
    assert!(!term.contains("<script>alert"));
    assert!(
        term.contains("&lt;script&gt;alert(1)"),
        "the term page shows the name"
    );
}
