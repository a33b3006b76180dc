//! Conference summaries and model showcases (issue 5): a conference section
//! (`page_kind = "conference"`) and a model section (`page_kind = "model"`)
//! with the default theme: their validation errors (file and line, through
//! the binary, earlier output untouched), the conference page and its
//! JSON-LD Event, the list by year, the model cards, the static filter pages
//! by field and by locality, and the models on entity profiles.

mod common;
#[path = "common/site_checks.rs"]
mod site_checks;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;
use site_checks::*;

const ENTITIES: &str = r#"[[entity]]
id = "vn"
name = "Việt Nam"
kind = "country"

[[entity]]
id = "quang-binh"
name = "Quảng Bình"
kind = "province"
parent = "vn"

[[entity]]
id = "le-thuy"
name = "Lệ Thủy"
kind = "district"
parent = "quang-binh"

[[entity]]
id = "da-nang"
name = "Đà Nẵng"
kind = "province"
parent = "vn"

[[entity]]
id = "ha-noi"
name = "Hà Nội"
kind = "province"
parent = "vn"
"#;

const TONG_KET: &str = r#"+++
title = "Hội nghị tổng kết công tác cải cách hành chính năm 2019"
date = 2019-12-21T09:00:00+07:00
description = "Tổng kết năm 2019 và nhiệm vụ năm 2020."

[conference]
starts = 2019-12-19
ends = 2019-12-20
venue = "Hội trường UBND thành phố"
organisers = ["UBND thành phố", "Sở Nội vụ"]
chairs = [
  { name = "Nguyễn Văn Chủ", role = "Phó Chủ tịch UBND thành phố" },
  { name = "Trần Thị Trì" },
]
participants = 1250
conclusions = ["Giữ vững vị trí 2/63.", "Tăng cường kỷ luật, kỷ cương."]
recommendations = ["Giao chỉ tiêu cho từng sở.", "Số hóa hồ sơ."]
documents = [
  { title = "Báo cáo tổng kết năm 2019", url = "https://example.gov.vn/tai-lieu/bao-cao-2019.pdf" },
]
+++
Hội nghị đã đánh giá kết quả năm 2019.
"#;

/// (file under content/hoi-nghi/, front matter after the title)
const OTHER_CONFERENCES: &[(&str, &str)] = &[
    (
        "hoi-thao-2019.md",
        "date = 2019-03-01\n\n[conference]\nstarts = 2019-02-28T08:00:00\nvenue = \"Huế\"\n",
    ),
    (
        "so-ket-2020.md",
        "date = 2020-07-01\n\n[conference]\nstarts = 2020-06-30\nvenue = \"Đà Nẵng\"\n",
    ),
    (
        "hoi-nghi-2021.md",
        "date = 2021-12-03\n\n[conference]\nstarts = 2021-11-30\nends = 2021-12-02\nvenue = \"Hà Nội\"\n",
    ),
];

const NGUOI_CO_CONG: &str = r#"+++
title = "Đưa chính sách người có công đến tận nhà ở Lệ Thủy"
date = 2019-07-24

[model]
locality = "le-thuy"
agency = "Phòng Lao động - Thương binh và Xã hội huyện Lệ Thủy"
field = "Chính sách người có công"
started = 2017
status = "replicated"
replicated_in = 15
replicable_units = 20
results = [{ label = "Hồ sơ giải quyết đúng hạn", value = 98.5, unit = "%" }]
+++
Mô hình ở huyện Lệ Thủy.
"#;

/// (slug, locality, field, status, date line)
const OTHER_MODELS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "mot-cua-quang-binh",
        "quang-binh",
        "Cải cách thủ tục hành chính",
        "active",
        "date = 2020-01-10\n",
    ),
    (
        "xin-loi-da-nang",
        "da-nang",
        "cải cách thủ tục hành chính",
        "ended",
        "date = 2021-01-10\n",
    ),
    // No date: still a model, still listed.
    (
        "doi-thoai-ha-noi",
        "ha-noi",
        "Đối thoại với nhân dân",
        "active",
        "",
    ),
];

fn showcase_site(root: &Path) {
    write(
        root,
        "site-config.toml",
        "title = \"Trình diễn\"\nbase_url = \"https://example.gov.vn/\"\n",
    );
    write(root, "data/entities.toml", ENTITIES);
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
    write(
        root,
        "content/tin-tuc/bai.md",
        "+++\ntitle = \"Một bài tin\"\ndate = 2020-02-02\n+++\nTin.\n",
    );
    write(
        root,
        "content/hoi-nghi/_index.md",
        "+++\ntitle = \"Hội nghị\"\npage_kind = \"conference\"\n+++\n",
    );
    write(root, "content/hoi-nghi/tong-ket-2019.md", TONG_KET);
    for (file, fm) in OTHER_CONFERENCES {
        write(
            root,
            &format!("content/hoi-nghi/{file}"),
            format!("+++\ntitle = \"Hội nghị {file}\"\n{fm}+++\nNội dung.\n"),
        );
    }
    write(
        root,
        "content/mo-hinh/_index.md",
        "+++\ntitle = \"Mô hình\"\npage_kind = \"model\"\n+++\n",
    );
    write(root, "content/mo-hinh/nguoi-co-cong.md", NGUOI_CO_CONG);
    for (slug, locality, field, status, date) in OTHER_MODELS {
        write(
            root,
            &format!("content/mo-hinh/{slug}.md"),
            format!(
                "+++\ntitle = \"Mô hình {slug}\"\n{date}\n[model]\nlocality = \"{locality}\"\nagency = \"UBND\"\nfield = \"{field}\"\nstatus = \"{status}\"\n+++\nMô tả.\n"
            ),
        );
    }
}

fn built() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    showcase_site(&root);
    let out = tmp.path().join("public");
    build_ok(&root, &out);
    (tmp, out)
}

const MODELS: [&str; 4] = [
    "nguoi-co-cong",
    "mot-cua-quang-binh",
    "xin-loi-da-nang",
    "doi-thoai-ha-noi",
];

/// The model pages a page links to (as slugs), in document order, once each.
fn models_listed(html: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for h in anchors(main_of(html)) {
        if let Some(slug) = h
            .strip_prefix("/mo-hinh/")
            .and_then(|s| s.strip_suffix('/'))
            .filter(|s| MODELS.contains(s))
            && !out.iter().any(|o| o == slug)
        {
            out.push(slug.to_string());
        }
    }
    out
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- conferences

#[test]
fn conference_page_shows_dates_venue_people_conclusions_and_documents() {
    let (_tmp, out) = built();
    let html = read(&out, "hoi-nghi/tong-ket-2019/index.html");
    let main = main_of(&html);
    for want in [
        "19–20/12/2019",
        "Hội trường UBND thành phố",
        "UBND thành phố",
        "Sở Nội vụ",
        "1.250",
        "Hội nghị đã đánh giá kết quả năm 2019.",
    ] {
        assert!(main.contains(want), "the page lacks {want:?}:\n{main}");
    }
    // Each chair with their role, the role after the name.
    let chair = main.find("Nguyễn Văn Chủ").expect("the first chair");
    let role = main
        .find("Phó Chủ tịch UBND thành phố")
        .expect("their role");
    assert!(
        chair < role && role - chair < 200,
        "the role is not by its chair"
    );
    assert!(main.contains("Trần Thị Trì"), "a chair without a role");
    // Conclusions and recommendations are lists, one item each.
    for items in [
        ["Giữ vững vị trí 2/63.", "Tăng cường kỷ luật, kỷ cương."],
        ["Giao chỉ tiêu cho từng sở.", "Số hóa hồ sơ."],
    ] {
        for item in items {
            assert!(
                main.contains(&format!("<li>{item}</li>")),
                "{item} is not a list item"
            );
        }
        let (a, b) = (main.find(items[0]).unwrap(), main.find(items[1]).unwrap());
        let between = &main[a..b];
        assert!(
            !between.contains("</ol>") && !between.contains("</ul>"),
            "the items of one list are split"
        );
    }
    assert!(
        main.contains(
            "<a href=\"https://example.gov.vn/tai-lieu/bao-cao-2019.pdf\">Báo cáo tổng kết năm 2019</a>"
        ),
        "the document is not linked"
    );
}

#[test]
fn conference_date_ranges_are_written_the_vietnamese_way() {
    let (_tmp, out) = built();
    for (page, dates) in [
        ("hoi-nghi/so-ket-2020/", "30/06/2020"),
        ("hoi-nghi/hoi-nghi-2021/", "30/11–02/12/2021"),
        ("hoi-nghi/hoi-thao-2019/", "28/02/2019"),
    ] {
        let html = read(&out, &format!("{page}index.html"));
        assert!(main_of(&html).contains(dates), "{page}: no {dates}");
    }
}

#[test]
fn conference_page_has_a_valid_event_json_ld() {
    let (_tmp, out) = built();
    let html = read(&out, "hoi-nghi/tong-ket-2019/index.html");
    let ev = json_ld_of_type("hoi-nghi/tong-ket-2019/", &html, "Event");
    assert_eq!(ev["@context"], "https://schema.org");
    assert_eq!(
        ev["name"],
        "Hội nghị tổng kết công tác cải cách hành chính năm 2019"
    );
    assert!(
        ev["startDate"]
            .as_str()
            .is_some_and(|d| d.starts_with("2019-12-19")),
        "{ev}"
    );
    assert!(
        ev["endDate"]
            .as_str()
            .is_some_and(|d| d.starts_with("2019-12-20")),
        "{ev}"
    );
    assert_eq!(ev["location"]["name"], "Hội trường UBND thành phố");
    let organisers: Vec<&str> = ev["organizer"]
        .as_array()
        .expect("organisers")
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(organisers, ["UBND thành phố", "Sở Nội vụ"]);
    assert_eq!(ev["url"], "https://example.gov.vn/hoi-nghi/tong-ket-2019/");
    // A one-day conference ends the day it starts.
    let html = read(&out, "hoi-nghi/so-ket-2020/index.html");
    let ev = json_ld_of_type("hoi-nghi/so-ket-2020/", &html, "Event");
    assert!(
        ev["endDate"]
            .as_str()
            .is_some_and(|d| d.starts_with("2020-06-30")),
        "{ev}"
    );
}

#[test]
fn conference_list_groups_by_year_newest_first() {
    let (_tmp, out) = built();
    let html = read(&out, "hoi-nghi/index.html");
    let main = main_of(&html);
    let pos = |needle: &str| {
        main.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{main}"))
    };
    // Year heading, then that year's conferences, newest first.
    let order = [
        pos("Năm 2021"),
        pos("href=\"/hoi-nghi/hoi-nghi-2021/\""),
        pos("Năm 2020"),
        pos("href=\"/hoi-nghi/so-ket-2020/\""),
        pos("Năm 2019"),
        pos("href=\"/hoi-nghi/tong-ket-2019/\""),
        pos("href=\"/hoi-nghi/hoi-thao-2019/\""),
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "not grouped by year, newest first: {order:?}"
    );
    assert_eq!(main.matches("Năm 2019").count(), 1, "one heading per year");
}

// ---------------------------------------------------------------- models

/// `(data-field, data-localities, the model it links)` of each card.
fn cards(html: &str) -> Vec<(String, Vec<String>, String)> {
    let main = main_of(html);
    let mut out = Vec::new();
    let starts: Vec<usize> = main
        .match_indices("data-field=\"")
        .map(|(i, _)| i)
        .collect();
    for (k, &s) in starts.iter().enumerate() {
        let tag_start = main[..s].rfind('<').unwrap();
        let end = starts.get(k + 1).copied().unwrap_or(main.len());
        let card = &main[tag_start..end];
        let attrs = &tags(card, card[1..].split(char::is_whitespace).next().unwrap())[0];
        let get = |k: &str| {
            attrs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("a card without {k}: {card}"))
        };
        let model = models_listed(card)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("a card that links no model: {card}"));
        out.push((
            get("data-field"),
            get("data-localities")
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            model,
        ));
    }
    out
}

#[test]
fn model_section_cards_carry_field_and_locality_data() {
    let (_tmp, out) = built();
    let html = read(&out, "mo-hinh/index.html");
    let cards = cards(&html);
    let mut linked: Vec<&str> = cards.iter().map(|c| c.2.as_str()).collect();
    linked.sort_unstable();
    let mut all = MODELS.to_vec();
    all.sort_unstable();
    assert_eq!(linked, all, "one card per model");
    for (field, localities, model) in &cards {
        let (want_field, want_localities): (&str, &[&str]) = match model.as_str() {
            "nguoi-co-cong" => ("chinh-sach-nguoi-co-cong", &["le-thuy", "quang-binh"]),
            "mot-cua-quang-binh" => ("cai-cach-thu-tuc-hanh-chinh", &["quang-binh"]),
            "xin-loi-da-nang" => ("cai-cach-thu-tuc-hanh-chinh", &["da-nang"]),
            _ => ("doi-thoai-voi-nhan-dan", &["ha-noi"]),
        };
        assert_eq!(field, want_field, "{model}");
        for l in want_localities {
            assert!(
                localities.iter().any(|x| x == l),
                "{model}: {localities:?} lacks {l}"
            );
        }
        for other in ["le-thuy", "quang-binh", "da-nang", "ha-noi"] {
            if !want_localities.contains(&other) {
                assert!(
                    !localities.iter().any(|x| x == other),
                    "{model} claims {other}: {localities:?}"
                );
            }
        }
    }
}

#[test]
fn field_filter_pages_list_exactly_the_models_of_the_field() {
    let (_tmp, out) = built();
    for (field, models) in [
        // Two spellings of one field fold to one slug.
        (
            "cai-cach-thu-tuc-hanh-chinh",
            &["mot-cua-quang-binh", "xin-loi-da-nang"][..],
        ),
        ("chinh-sach-nguoi-co-cong", &["nguoi-co-cong"][..]),
        ("doi-thoai-voi-nhan-dan", &["doi-thoai-ha-noi"][..]),
    ] {
        let rel = format!("mo-hinh/linh-vuc/{field}/index.html");
        let html = read(&out, &rel);
        let listed: BTreeSet<String> = cards(&html).into_iter().map(|c| c.2).collect();
        assert_eq!(listed, set(models), "{rel}");
    }
    // Each model page's field link leads to its filter page.
    let html = read(&out, "mo-hinh/nguoi-co-cong/index.html");
    assert!(
        anchors(main_of(&html))
            .iter()
            .any(|h| h == "/mo-hinh/linh-vuc/chinh-sach-nguoi-co-cong/"),
        "the model page does not link its field"
    );
}

#[test]
fn locality_filter_pages_include_the_models_of_child_units() {
    let (_tmp, out) = built();
    for (entity, models) in [
        // The district's model counts for its province too.
        ("quang-binh", &["nguoi-co-cong", "mot-cua-quang-binh"][..]),
        ("le-thuy", &["nguoi-co-cong"][..]),
        ("da-nang", &["xin-loi-da-nang"][..]),
        ("ha-noi", &["doi-thoai-ha-noi"][..]),
    ] {
        let rel = format!("mo-hinh/dia-phuong/{entity}/index.html");
        let html = read(&out, &rel);
        let listed: BTreeSet<String> = cards(&html).into_iter().map(|c| c.2).collect();
        assert_eq!(listed, set(models), "{rel}");
    }
}

#[test]
fn entity_profile_lists_the_models_in_it_and_its_children() {
    let (_tmp, out) = built();
    for (entity, models) in [
        ("quang-binh", &["nguoi-co-cong", "mot-cua-quang-binh"][..]),
        ("le-thuy", &["nguoi-co-cong"][..]),
        ("da-nang", &["xin-loi-da-nang"][..]),
        // An undated model is listed too.
        ("ha-noi", &["doi-thoai-ha-noi"][..]),
    ] {
        let html = read(&out, &format!("dia-phuong/{entity}/index.html"));
        let listed: BTreeSet<String> = models_listed(&html).into_iter().collect();
        assert_eq!(listed, set(models), "dia-phuong/{entity}/");
    }
}

#[test]
fn model_page_shows_locality_with_parents_agency_status_and_results() {
    let (_tmp, out) = built();
    let html = read(&out, "mo-hinh/nguoi-co-cong/index.html");
    let main = main_of(&html);
    let links = anchors(main);
    for want in ["/dia-phuong/le-thuy/", "/dia-phuong/quang-binh/"] {
        assert!(links.iter().any(|h| h == want), "no link to {want}");
    }
    for want in [
        "Phòng Lao động - Thương binh và Xã hội huyện Lệ Thủy",
        "98,5",
        "Hồ sơ giải quyết đúng hạn",
        "15/20",
        "2017",
    ] {
        assert!(main.contains(want), "the model page lacks {want:?}");
    }
    assert!(!main.contains("98.5"), "a decimal point");
}

// ---------------------------------------------------------------- validation

const CONF: &str = "content/hoi-nghi/loi.md";
const MODEL: &str = "content/mo-hinh/loi.md";

fn failing_page(file: &str, text: impl AsRef<[u8]>) -> String {
    failing_build_with(showcase_site, move |root| write(root, file, text))
}

#[test]
fn conference_page_without_conference_table_is_an_error() {
    let err = failing_page(
        CONF,
        "+++\ntitle = \"Thiếu bảng\"\ndate = 2020-01-01\n+++\nx\n",
    );
    assert_error_at(&err, CONF, 1, &["[conference]"]);
}

#[test]
fn conference_without_starts_names_the_table_line() {
    let err = failing_page(
        CONF,
        "+++\ntitle = \"Thiếu ngày\"\ndate = 2020-01-01\n\n[conference]\nvenue = \"Huế\"\n+++\nx\n",
    );
    assert_error_at(&err, CONF, 5, &["starts"]);
}

#[test]
fn conference_without_venue_names_the_table_line() {
    let err = failing_page(
        CONF,
        "+++\ntitle = \"Thiếu nơi\"\ndate = 2020-01-01\n\n[conference]\nstarts = 2020-01-01\n+++\nx\n",
    );
    assert_error_at(&err, CONF, 5, &["venue"]);
}

#[test]
fn conference_ending_before_it_starts_names_the_ends_line() {
    let err = failing_page(
        CONF,
        "+++\ntitle = \"Ngược\"\ndate = 2020-01-01\n\n[conference]\nstarts = 2020-01-05\nvenue = \"Huế\"\nends = 2020-01-04\n+++\nx\n",
    );
    assert_error_at(&err, CONF, 8, &["ends", "starts"]);
}

#[test]
fn model_without_agency_field_or_locality_names_the_table_line() {
    for (missing, table) in [
        ("agency", "field = \"x\"\nlocality = \"da-nang\"\n"),
        ("field", "agency = \"x\"\nlocality = \"da-nang\"\n"),
        ("locality", "agency = \"x\"\nfield = \"y\"\n"),
    ] {
        let err = failing_page(
            MODEL,
            format!("+++\ntitle = \"Thiếu {missing}\"\n\n[model]\n{table}+++\nx\n"),
        );
        assert_error_at(&err, MODEL, 4, &[missing]);
    }
}

#[test]
fn model_locality_that_is_not_an_entity_names_the_locality_line() {
    let err = failing_page(
        MODEL,
        "+++\ntitle = \"Sai nơi\"\n\n[model]\nagency = \"x\"\nfield = \"y\"\nlocality = \"hue\"\n+++\nx\n",
    );
    assert_error_at(&err, MODEL, 7, &["\"hue\"", "entit"]);
}

#[test]
fn model_status_outside_the_three_names_the_status_line() {
    let err = failing_page(
        MODEL,
        "+++\ntitle = \"Sai trạng thái\"\n\n[model]\nagency = \"x\"\nfield = \"y\"\nlocality = \"da-nang\"\nstatus = \"paused\"\n+++\nx\n",
    );
    assert_error_at(&err, MODEL, 8, &["paused", "active", "replicated", "ended"]);
}

#[test]
fn model_replicated_in_more_units_than_replicable_names_the_line() {
    let err = failing_page(
        MODEL,
        "+++\ntitle = \"Quá số\"\n\n[model]\nagency = \"x\"\nfield = \"y\"\nlocality = \"da-nang\"\nreplicable_units = 10\nreplicated_in = 12\n+++\nx\n",
    );
    assert_error_at(&err, MODEL, 9, &["replicated_in", "replicable_units"]);
}

#[test]
fn model_table_in_an_article_section_names_the_table_line() {
    let file = "content/tin-tuc/loi.md";
    let err = failing_page(
        file,
        "+++\ntitle = \"Bài có mô hình\"\ndate = 2020-01-01\n\n[model]\nagency = \"x\"\nfield = \"y\"\nlocality = \"da-nang\"\n+++\nx\n",
    );
    assert_error_at(&err, file, 5, &["[model]", "page_kind"]);
}

#[test]
fn conference_table_in_an_article_section_names_the_table_line() {
    let file = "content/tin-tuc/loi.md";
    let err = failing_page(
        file,
        "+++\ntitle = \"Bài có hội nghị\"\n\n[conference]\nstarts = 2020-01-01\nvenue = \"x\"\n+++\nx\n",
    );
    assert_error_at(&err, file, 4, &["[conference]", "page_kind"]);
}
