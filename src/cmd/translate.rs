//! `minhbach translate`: starts another language's version of a page or a
//! section: `x.<code>.md` beside `x.md` (`_index.<code>.md` beside
//! `_index.md`), the original's front matter and body copied to translate in
//! place, a page marked `draft = true` and kept to the taxonomies the
//! edition declares. It never overwrites a file.

use std::path::{Path, PathBuf};

use crate::config;
use crate::content::{self, PageFrontMatter, SectionFrontMatter};
use crate::diag::{Diagnostic, Diagnostics};

/// The file a translation was started in.
pub struct Created {
    pub file: PathBuf,
    /// A page's translation is a draft; a section's is published as written.
    pub draft: bool,
}

/// Writes the new version of `file` in `lang`.
pub fn run(root: &Path, file: &Path, lang: &str) -> Result<Created, Diagnostics> {
    let site = config::load(root, None)?;
    let content = root.join("content");
    let codes: Vec<&str> = site.config.languages.keys().map(String::as_str).collect();
    let config_file = root.join("site-config.toml");
    if lang == site.config.language {
        return Err(Diagnostic::file(
            &config_file,
            format!(
                "{lang} is the site's own language (`language`): its pages are the plain `.md` files; translate into one of the `[languages.<code>]` editions"
            ),
        )
        .into());
    }
    if !codes.contains(&lang) {
        let known = if codes.is_empty() {
            "it declares no other language: add a `[languages.<code>]` table first".to_string()
        } else {
            format!(
                "it declares {}",
                codes
                    .iter()
                    .map(|c| format!("[languages.{c}]"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(Diagnostic::file(
            &config_file,
            format!("no {lang} edition in site-config.toml; {known}"),
        )
        .into());
    }

    let source = find_source(root, &content, file)?;
    let rel = content::rel_slash(&source, &content);
    let Some(stem) = rel.strip_suffix(".md") else {
        return Err(Diagnostic::file(&source, "not a Markdown page or section (`.md`)").into());
    };
    if let (Some(l), original) = content::split_lang(&rel, &codes) {
        return Err(Diagnostic::file(
            &source,
            format!("this is already the {l} version of content/{original}; translate that file"),
        )
        .into());
    }
    let is_section = content::rel_file_in(&rel, content::SECTION_FILE).is_some();
    if !is_section && let Some(dir) = untranslated_section(&content, &rel, lang) {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        return Err(Diagnostic::file(
            &source,
            format!(
                "its section content/{prefix}_index.md has no {lang} version, which the {lang} page needs: start it first with `minhbach translate content/{prefix}_index.md {lang}`"
            ),
        )
        .into());
    }

    let text = std::fs::read_to_string(&source)
        .map_err(|e| Diagnostic::file(&source, format!("cannot read: {e}")))?;
    let split = content::split_front_matter(&text)
        .map_err(|(line, msg)| Diagnostic::at(&source, line, msg))?;
    let declared: Vec<&str> = site.config.languages[lang]
        .taxonomies
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    // What is written must load as the original does: a front matter that
    // does not is reported against the original, before anything is written.
    let front_matter = translation_front_matter(
        split.front_matter,
        &rel,
        lang,
        (!is_section).then_some(declared.as_slice()),
    )
    .and_then(|fm| {
        let loads = if is_section {
            toml::from_str::<SectionFrontMatter>(&fm).map(drop)
        } else {
            toml::from_str::<PageFrontMatter>(&fm).map(drop)
        };
        loads.map(|()| fm).map_err(|e| e.message().to_string())
    })
    .map_err(|e| {
        Diagnostic::file(
            &source,
            format!(
                "its front matter does not load ({}); fix it before translating",
                e.trim()
            ),
        )
    })?;

    let target = content.join(format!("{stem}.{lang}.md"));
    let out = format!("+++\n{front_matter}+++\n{}", split.body);
    super::new::write_new(
        &target,
        &out,
        &format!("the {lang} version already exists; nothing was written (edit that file)"),
    )?;
    Ok(Created {
        file: target,
        draft: !is_section,
    })
}

/// The source file `file` names: as given (from the working folder), below
/// the site's root, or below `content/`.
fn find_source(root: &Path, content: &Path, file: &Path) -> Result<PathBuf, Diagnostic> {
    let found = [file.to_path_buf(), root.join(file), content.join(file)]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Diagnostic::file(
                file,
                "no such file; name a page or section source, like content/tin-tuc/bai-viet.md",
            )
        })?;
    let (Ok(abs), Ok(content_abs)) = (found.canonicalize(), content.canonicalize()) else {
        return Err(Diagnostic::file(
            &found,
            "not inside the site's content/ folder",
        ));
    };
    if !abs.starts_with(&content_abs) {
        return Err(Diagnostic::file(
            &found,
            "not inside the site's content/ folder",
        ));
    }
    Ok(content.join(abs.strip_prefix(&content_abs).unwrap_or(&abs)))
}

/// The folder (below `content/`, `""` for the root) of the nearest section
/// above page `rel` when that section has no `lang` version: a translated page
/// there is an error (its list would not show it). `None` when the page's
/// section is translated, or is the root.
fn untranslated_section(content: &Path, rel: &str, lang: &str) -> Option<String> {
    // A bundle's folder holds no `_index.md` (that is an error), so its
    // `index.md` finds the section above the folder like any page.
    let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
    let section = content::nearest_dir(dir, |d| {
        content.join(d).join(content::SECTION_FILE).is_file()
    })?;
    let translated = content
        .join(section)
        .join(format!("_index.{lang}.md"))
        .is_file();
    (!translated && !section.is_empty()).then(|| section.to_string())
}

/// The original's front matter for the translation, its comments and layout
/// kept: a comment saying what to translate, and for a page `draft = true`
/// as its first key (in place of any top-level `draft`), so that it is not
/// published half-translated, and only the taxonomies the edition declares
/// (`taxonomies`; any other is an error in that edition).
fn translation_front_matter(
    original: &str,
    rel: &str,
    lang: &str,
    page: Option<&[&str]>,
) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = original.parse().map_err(|e| format!("{e}"))?;
    let mut dropped = Vec::new();
    if let Some(declared) = page {
        doc.remove("draft");
        if let Some(t) = doc
            .get_mut("taxonomies")
            .and_then(|t| t.as_table_like_mut())
        {
            let names: Vec<String> = t.iter().map(|(k, _)| k.to_string()).collect();
            for name in names {
                if !declared.contains(&name.as_str()) {
                    t.remove(&name);
                    dropped.push(name);
                }
            }
            if t.is_empty() {
                doc.remove("taxonomies");
            }
        }
    }
    let mut out = format!(
        "# Bản {lang} của content/{rel}: dịch tiêu đề, mô tả, chủ đề và nội dung{}.\n",
        if page.is_some() {
            ", rồi xóa `draft = true` để đăng"
        } else {
            ""
        }
    );
    if !dropped.is_empty() {
        out.push_str(&format!(
            "# Đã bỏ {}: bản {lang} không khai báo (xem [[languages.{lang}.taxonomies]] trong site-config.toml).\n",
            dropped.join(", ")
        ));
    }
    if page.is_some() {
        out.push_str("draft = true\n");
    }
    out.push_str(&doc.to_string());
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pages_translation_is_a_draft_whatever_the_original_said() {
        let fm = "title = \"Bài\" # tiêu đề\ndraft = false\ndate = 2024-01-01\n[extra]\ndraft = \"giữ\"\n";
        let out = translation_front_matter(fm, "tin-tuc/bai.md", "en", Some(&[])).unwrap();
        let parsed: PageFrontMatter = toml::from_str(&out).unwrap();
        assert!(parsed.draft);
        assert_eq!(parsed.title, "Bài");
        // A key named `draft` inside a table is the author's own: kept, as
        // are comments.
        assert!(out.contains("[extra]\ndraft = \"giữ\"\n"), "{out}");
        assert!(out.contains("title = \"Bài\" # tiêu đề\n"), "{out}");
        assert!(
            out.starts_with("# Bản en của content/tin-tuc/bai.md"),
            "{out}"
        );
    }

    #[test]
    fn taxonomies_the_edition_does_not_declare_are_left_out_and_named() {
        let fm = "title = \"Bài\"\n[taxonomies]\ntags = [\"dân vận\"]\nlocalities = [\"ha-noi\"]\n";
        let out =
            translation_front_matter(fm, "tin-tuc/bai.md", "en", Some(&["localities"])).unwrap();
        let parsed: PageFrontMatter = toml::from_str(&out).unwrap();
        assert!(!parsed.taxonomies.contains_key("tags"), "{out}");
        assert_eq!(parsed.taxonomies["localities"], ["ha-noi"]);
        assert!(out.contains("# Đã bỏ tags: bản en không khai báo"), "{out}");
        // None declared: the table goes.
        let out = translation_front_matter(fm, "tin-tuc/bai.md", "en", Some(&[])).unwrap();
        assert!(!out.contains("[taxonomies]"), "{out}");
        assert!(out.contains("# Đã bỏ tags, localities:"), "{out}");
    }

    #[test]
    fn the_section_a_page_needs_is_its_nearest_bundles_included() {
        let tmp = tempfile::tempdir().unwrap();
        let content = tmp.path();
        for f in [
            "_index.md",
            "tin-tuc/_index.md",
            "tin-tuc/_index.en.md",
            "tin-tuc/2024/ghi-chu.txt",
            "mo-hinh/_index.md",
            "mo-hinh/a/index.md",
        ] {
            let p = content.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        // A folder without `_index.md` belongs to the section above it.
        assert_eq!(
            untranslated_section(content, "tin-tuc/2024/x.md", "en"),
            None
        );
        assert_eq!(untranslated_section(content, "tin-tuc/x.md", "en"), None);
        // A bundle's section is the one above its own folder.
        assert_eq!(
            untranslated_section(content, "mo-hinh/a/index.md", "en").as_deref(),
            Some("mo-hinh")
        );
        assert_eq!(
            untranslated_section(content, "mo-hinh/x.md", "en").as_deref(),
            Some("mo-hinh")
        );
        // The home section needs no translation of its own.
        assert_eq!(untranslated_section(content, "gioi-thieu.md", "en"), None);
    }

    #[test]
    fn a_sections_translation_gets_no_draft_key() {
        let out = translation_front_matter("title = \"Tin tức\"", "tin-tuc/_index.md", "en", None)
            .unwrap();
        assert!(!out.contains("draft"), "{out}");
        let parsed: SectionFrontMatter = toml::from_str(&out).unwrap();
        assert_eq!(parsed.title.as_deref(), Some("Tin tức"));
    }
}
