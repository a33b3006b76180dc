//! Search: the Pagefind bundle and the search page a build writes, what the
//! index holds (the article text, filters, metadata, folded twins of words
//! with `đ`), rebuilds, `check`, and a site with search turned off. The
//! browser side is tested by `tests/browser/search.sh`.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use common::{build_ok, opts, read, write};
use serde_json::Value;

/// A small site on the built-in default theme under the prefix `/portal/`.
fn site(root: &Path, config_extra: &str) {
    write(
        root,
        "site-config.toml",
        format!(
            "title = \"Cổng thử nghiệm\"\nbase_url = \"https://thu.example.gov.vn/portal/\"\n{config_extra}\n\
             [[taxonomies]]\nname = \"localities\"\ntitle = \"Địa phương\"\n"
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
        "+++\ntitle = \"Tin tức\"\n+++\n",
    );
    write(
        root,
        "content/tin-tuc/dang-uy/index.md",
        "+++\ntitle = \"Đảng ủy phường đối thoại với dân\"\ndate = 2023-05-04T08:00:00+07:00\n\
         image = { src = \"anh.svg\", alt = \"Buổi đối thoại\" }\n\
         [taxonomies]\nlocalities = [\"Hà Nội\"]\n+++\n\
         **Đảng ủy** phường tổ chức đối thoại về công tác dân vận.\n",
    );
    write(
        root,
        "content/tin-tuc/dang-uy/anh.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"3\"/>",
    );
    write(
        root,
        "content/tin-tuc/bai-khac.md",
        "+++\ntitle = \"Bài khác\"\ndate = 2021-01-02\n+++\nMột bài không liên quan.\n",
    );
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out.strip_prefix(b"pagefind_dcd").unwrap_or(&out).to_vec()
}

fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// Every indexed page's fragment (its text, filters and metadata), by URL.
fn fragments(out: &Path) -> BTreeMap<String, Value> {
    files_in(&out.join("pagefind/fragment"))
        .iter()
        .map(|p| {
            let v: Value = serde_json::from_slice(&gunzip(p)).unwrap();
            (v["url"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

#[test]
fn the_build_writes_the_bundle_and_the_search_page() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("site"), tmp.path().join("public"));
    site(&root, "");
    build_ok(&root, &out);
    for f in [
        "pagefind.js",
        "pagefind-entry.json",
        "wasm.unknown.pagefind",
    ] {
        assert!(out.join("pagefind").join(f).is_file(), "pagefind/{f}");
    }
    assert!(read(&out, "pagefind/pagefind-entry.json").contains("\"vi\""));
    let page = read(&out, "tim-kiem/index.html");
    assert!(page.contains("data-bundle=\"/portal/pagefind/\""), "{page}");
    assert!(page.contains("data-base=\"/portal/\""));
    assert!(page.contains("Không tìm thấy kết quả nào cho"));
    // The header's search box submits `q` to the search page.
    let home = read(&out, "index.html");
    assert!(home.contains("action=\"/portal/tim-kiem/\""), "{home}");
}

#[test]
fn articles_are_indexed_with_filters_metadata_and_folded_twins() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("site"), tmp.path().join("public"));
    site(&root, "");
    build_ok(&root, &out);
    let frags = fragments(&out);
    // Only the marked pages: the articles, not the home page or section lists.
    assert_eq!(
        frags.keys().collect::<Vec<_>>(),
        ["/tin-tuc/bai-khac/", "/tin-tuc/dang-uy/"],
        "indexed URLs (the search page adds the prefix)"
    );
    let f = &frags["/tin-tuc/dang-uy/"];
    let content = f["content"].as_str().unwrap();
    // Every word with đ is followed by its folded twin, so `dang uy` matches.
    assert!(content.contains("Đảng Dảng ủy phường"), "{content}");
    assert!(content.contains("đối dối thoại"), "{content}");
    // The text of the article, not the navigation around it.
    assert!(!content.contains("Lưu trữ"), "{content}");
    assert_eq!(f["filters"]["section"], serde_json::json!(["Tin tức"]));
    assert_eq!(f["filters"]["year"], serde_json::json!(["2023"]));
    assert_eq!(f["filters"]["locality"], serde_json::json!(["Hà Nội"]));
    assert_eq!(f["meta"]["image"], "/portal/tin-tuc/dang-uy/anh.svg");
    assert_eq!(f["meta"]["image_alt"], "Buổi đối thoại");
    assert_eq!(f["meta"]["date"], "04/05/2023");
    assert!(
        f["meta"]["title"]
            .as_str()
            .unwrap()
            .starts_with("Đảng Dảng ủy")
    );
    assert!(frags["/tin-tuc/bai-khac/"]["meta"].get("image").is_none());
    // The word index holds the folded form.
    let words: Vec<u8> = files_in(&out.join("pagefind/index"))
        .iter()
        .flat_map(|p| gunzip(p))
        .collect();
    assert!(words.windows(4).any(|w| w == b"dang"));
}

#[test]
fn a_rebuild_with_nothing_changed_rewrites_no_search_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("site"), tmp.path().join("public"));
    site(&root, "");
    build_ok(&root, &out);
    let second = build_ok(&root, &out);
    assert_eq!(second.stats.written, 0, "{:?}", second.stats);
}

#[test]
fn check_does_not_build_the_index() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    site(&root, "");
    let g = minhbach::generate_unindexed(&opts(&root)).unwrap();
    assert!(g.files.iter().all(|f| !f.path.starts_with("pagefind/")));
    assert!(g.files.iter().any(|f| f.path == "tim-kiem/index.html"));
    let g = minhbach::generate(&opts(&root)).unwrap();
    assert!(g.files.iter().any(|f| f.path == "pagefind/pagefind.js"));
}

#[test]
fn search_turned_off_writes_no_index_no_page_and_no_box() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("site"), tmp.path().join("public"));
    site(&root, "search = false");
    build_ok(&root, &out);
    assert!(!out.join("pagefind").exists());
    assert!(!out.join("tim-kiem").exists());
    let home = read(&out, "index.html");
    assert!(!home.contains("search-box"), "{home}");
    assert!(!read(&out, "404.html").contains("/portal/tim-kiem/"));
}

#[test]
fn turning_search_off_removes_the_bundle_written_before() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("site"), tmp.path().join("public"));
    site(&root, "");
    build_ok(&root, &out);
    assert!(out.join("pagefind/pagefind.js").is_file());
    site(&root, "search = false");
    build_ok(&root, &out);
    assert!(!out.join("pagefind").exists());
    assert!(!out.join("tim-kiem").exists());
}
