//! Errors: each case breaks a tiny, previously built site in one way. The
//! build must fail with exit code 1, name the file and the line (front-matter
//! lines counted from the top of the file), and leave the earlier output
//! folder byte for byte as it was.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// Builds a valid tiny site, breaks it with `breakage`, runs
/// `minhbach build --root DIR --output OUT` and returns its stderr after
/// checking the exit code and that OUT did not change.
fn failing_build(breakage: impl FnOnce(&Path)) -> String {
    let (_tmp, root, out) = tiny_site_in_temp();
    build_ok(&root, &out);
    let before = hash_tree(&out);
    assert!(
        before.contains_key("a/index.html"),
        "the valid site was built"
    );

    breakage(&root);
    let result = Command::new(env!("CARGO_BIN_EXE_minhbach"))
        .arg("build")
        .arg("--root")
        .arg(&root)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
    assert_eq!(
        result.status.code(),
        Some(1),
        "the build must fail with exit code 1; stderr:\n{stderr}"
    );
    assert!(
        hash_tree(&out) == before,
        "a failed build changed the output folder; stderr:\n{stderr}"
    );
    stderr
}

/// Asserts that `stderr` has an error at `file:line:` whose message contains
/// every one of `words`.
#[track_caller]
fn assert_error(stderr: &str, file: &str, line: usize, words: &[&str]) {
    let at = format!("{file}:{line}: ");
    let Some(msg) = stderr.lines().find(|l| l.contains(&at)) else {
        panic!("no error at {at} in:\n{stderr}");
    };
    for w in words {
        assert!(
            msg.contains(w),
            "the error at {at} does not mention {w:?}:\n{msg}"
        );
    }
}

const FM_A: &str = "content/a.md";

#[test]
fn unknown_key_in_site_config_names_key_and_line() {
    let err = failing_build(|root| {
        write(
            root,
            "site-config.toml",
            "title = \"Thử nghiệm\"\nbase_url = \"https://example.gov.vn/\"\ntheme = \"t\"\ntitel = \"Gõ nhầm\"\n",
        );
    });
    assert_error(&err, "site-config.toml", 4, &["titel"]);
}

#[test]
fn unknown_front_matter_key_names_key_and_file_line() {
    let err = failing_build(|root| {
        write(
            root,
            FM_A,
            "+++\ntitle = \"Bài A\"\ndate = 2020-01-01\nathors = [\"Nguyễn Văn A\"]\n+++\nNội dung.\n",
        );
    });
    assert_error(&err, FM_A, 4, &["athors"]);
}

#[test]
fn wrong_type_in_front_matter_names_line_and_what_was_expected() {
    let err = failing_build(|root| {
        write(
            root,
            FM_A,
            "+++\ntitle = \"Bài A\"\n\nweight = \"hai\"\n+++\nNội dung.\n",
        );
    });
    assert_error(&err, FM_A, 4, &["expected"]);
}

#[test]
fn wrong_date_type_names_the_line() {
    let err = failing_build(|root| {
        write(
            root,
            FM_A,
            "+++\ntitle = \"Bài A\"\ndate = \"16/02/2017\"\n+++\nNội dung.\n",
        );
    });
    assert_error(&err, FM_A, 3, &[]);
}

#[test]
fn unterminated_front_matter_is_reported() {
    let err = failing_build(|root| {
        write(
            root,
            FM_A,
            "+++\ntitle = \"Bài A\"\n\nNội dung, mà quên +++.\n",
        );
    });
    assert_error(&err, FM_A, 1, &["unterminated"]);
}

#[test]
fn empty_markdown_file_is_reported() {
    let err = failing_build(|root| write(root, FM_A, ""));
    assert_error(&err, FM_A, 1, &["empty"]);
}

#[test]
fn non_utf8_file_names_the_line_of_the_bad_byte() {
    let err = failing_build(|root| {
        // Line 5 holds "Vi\xea.t" in Windows-1258-like bytes.
        write(
            root,
            FM_A,
            b"+++\ntitle = \"B\xc3\xa0i A\"\n+++\nD\xc3\xb2ng ba.\nVi\xea.t Nam\n".as_slice(),
        );
    });
    assert_error(&err, FM_A, 5, &["UTF-8"]);
}

#[test]
fn broken_internal_link_names_the_line_and_target() {
    let err = failing_build(|root| {
        write(
            root,
            FM_A,
            "+++\ntitle = \"Bài A\"\n+++\nMở đầu.\n\nXem [bài khác](@/khong-co.md).\n",
        );
    });
    assert_error(&err, FM_A, 6, &["khong-co.md"]);
}

#[test]
fn broken_anchor_names_the_line_and_anchor() {
    let err = failing_build(|root| {
        write(
            root,
            "content/b.md",
            "+++\ntitle = \"Bài B\"\n+++\nXem [mục](@/a.md#muc-hai) và [mục đúng](@/a.md#muc-mot).\n",
        );
    });
    assert_error(&err, "content/b.md", 4, &["muc-hai"]);
    assert!(
        !err.contains("muc-mot"),
        "a valid anchor was reported:\n{err}"
    );
}

#[test]
fn two_sources_writing_one_url_name_both_files() {
    let err = failing_build(|root| {
        write(
            root,
            "content/a/index.md",
            "+++\ntitle = \"Bài A nữa\"\n+++\nTrùng địa chỉ.\n",
        );
    });
    let line = err
        .lines()
        .find(|l| l.contains("a/index.html"))
        .unwrap_or_else(|| panic!("no collision reported:\n{err}"));
    assert!(line.contains("content/a.md"), "{line}");
    assert!(line.contains("content/a/index.md"), "{line}");
}

#[test]
fn slug_with_dots_is_rejected_at_its_line() {
    let err = failing_build(|root| {
        write(
            root,
            FM_A,
            "+++\ntitle = \"Bài A\"\nslug = \"../x\"\n+++\nNội dung.\n",
        );
    });
    assert_error(&err, FM_A, 3, &["slug"]);
}

#[test]
fn alias_leaving_the_site_is_rejected_at_its_line() {
    let err = failing_build(|root| {
        write(
            root,
            FM_A,
            "+++\ntitle = \"Bài A\"\ndate = 2020-01-01\naliases = [\"/../x\"]\n+++\nNội dung.\n",
        );
    });
    assert_error(&err, FM_A, 4, &["alias", "/../x"]);
}

#[test]
fn unknown_shortcode_names_the_line() {
    let err = failing_build(|root| {
        write(
            root,
            FM_A,
            "+++\ntitle = \"Bài A\"\n+++\nMở đầu.\n\n{{ bieu_do(chi_so=\"sipas\") }}\n",
        );
    });
    assert_error(&err, FM_A, 6, &["bieu_do"]);
}

#[test]
fn template_runtime_error_names_the_template_file_and_line() {
    let err = failing_build(|root| {
        write(
            root,
            "templates/page.html",
            "<h1>{{ page.title }}</h1>\n<div>{{ page.content | safe }}</div>\n<p>{{ page.khong_co }}</p>\n",
        );
    });
    assert_error(&err, "templates/page.html", 3, &["khong_co"]);
}

#[test]
fn card_template_error_names_the_template_line_and_the_page() {
    // Cards are rendered once per page, apart from any list: the error
    // still points at the partial's line and names the page.
    let err = failing_build(|root| {
        write(
            root,
            "templates/partials/card.html",
            "<article>\n{{ p.khong_co }}\n</article>\n",
        );
    });
    assert_error(
        &err,
        "templates/partials/card.html",
        2,
        &["khong_co", "content/a.md"],
    );
}

#[test]
fn site_partial_that_uses_a_page_variable_names_its_file_and_line() {
    // A site partial is rendered once for every page: `page` is not there.
    // Every broken partial is reported in the one run, not only the first.
    let err = failing_build(|root| {
        write(
            root,
            "templates/partials/site/footer.html",
            "<footer>\n{{ page.title }}\n</footer>\n",
        );
        write(
            root,
            "templates/partials/site/banner.html",
            "{{ paginator.pages }}\n",
        );
    });
    assert_error(&err, "templates/partials/site/footer.html", 2, &["page"]);
    assert_error(
        &err,
        "templates/partials/site/banner.html",
        1,
        &["paginator"],
    );
}

#[test]
fn check_reports_errors_of_several_files_in_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    tiny_site(&root);
    write(
        &root,
        FM_A,
        "+++\ntitle = \"Bài A\"\ntitel = \"x\"\n+++\nNội dung.\n",
    );
    write(
        &root,
        "content/b.md",
        "+++\ntitle = \"Bài B\"\n+++\n\nXem [bài C](@/c.md).\n",
    );
    write(&root, "content/tin-tuc/c.md", "+++\ntitle = \"Bài C\"\n");
    let result = Command::new(env!("CARGO_BIN_EXE_minhbach"))
        .arg("check")
        .arg("--root")
        .arg(&root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert_error(&stderr, FM_A, 3, &["titel"]);
    assert_error(&stderr, "content/b.md", 5, &["c.md"]);
    assert_error(&stderr, "content/tin-tuc/c.md", 1, &["unterminated"]);
    assert!(stderr.contains("3 errors"), "{stderr}");
    assert!(!root.join("public").exists(), "check must not write");
}

#[test]
fn errors_are_reported_through_the_library_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    tiny_site(&root);
    write(
        &root,
        FM_A,
        "+++\ntitle = \"Bài A\"\n\n\nweight = 1.5\n+++\n",
    );
    let errs = minhbach::generate(&opts(&root))
        .err()
        .expect("the site is broken");
    assert_eq!(errs.len(), 1, "{errs}");
    let d = &errs.0[0];
    assert_eq!(d.file, Path::new(FM_A), "{d}");
    assert_eq!(d.line, Some(5), "{d}");
}

/// A broken card is reported once for each page, and alone: the lists that
/// show the cards add no errors of their own (the cards are made before any
/// page, and a build whose cards fail renders no page).
#[test]
fn a_broken_card_is_reported_once_per_page_and_alone() {
    let err = failing_build(|root| {
        write(
            root,
            "content/b.md",
            "+++\ntitle = \"Trang B\"\ndate = 2024-02-01\n+++\nNội dung.\n",
        );
        write(
            root,
            "templates/partials/card.html",
            "<article>\n{{ p.khong_co }}\n</article>\n",
        );
        let list = "{% for p in paginator.pages %}{{ p.card | safe }}\n{% endfor %}";
        write(root, "templates/section.html", list);
        write(root, "templates/index.html", list);
    });
    let errors: Vec<&str> = err.lines().filter(|l| l.contains(".html:")).collect();
    assert_eq!(errors.len(), 2, "one error for each page's card:\n{err}");
    for page in ["content/a.md", "content/b.md"] {
        assert_eq!(
            errors.iter().filter(|l| l.contains(page)).count(),
            1,
            "{page}'s card once:\n{err}"
        );
    }
    assert!(
        errors
            .iter()
            .all(|l| l.contains("templates/partials/card.html:2: ")),
        "only the card's errors:\n{err}"
    );
}
