//! `minhbach new`: starts a draft page in a section:
//! `content/<section>/<folded-title>.md` with the title, the current time in
//! Vietnam (+07:00) and `draft = true`. It never overwrites a file.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use chrono::{DateTime, FixedOffset};

use crate::content::{self, PageKind, SectionFrontMatter};
use crate::diag::{Diagnostic, Diagnostics};
use crate::text;

/// Vietnam's offset, which new pages are dated in.
pub fn vietnam_now() -> DateTime<FixedOffset> {
    let ict = FixedOffset::east_opt(7 * 3600).expect("+07:00 is a valid offset");
    chrono::Utc::now().with_timezone(&ict)
}

/// Writes the new page and returns its path.
pub fn run(
    root: &Path,
    section: &str,
    title: &str,
    now: DateTime<FixedOffset>,
) -> Result<PathBuf, Diagnostics> {
    let config = root.join("site-config.toml");
    if !config.is_file() {
        return Err(Diagnostic::file(
            config,
            "not a minhbach site: there is no site-config.toml here (use --root, or `minhbach init`)",
        )
        .into());
    }
    let content = root.join("content");
    let title = title.trim();
    if title.is_empty() {
        return Err(Diagnostic::file(&content, "the title must not be empty").into());
    }
    let dir = section_dir(&content, section)?;
    let slug = text::slugify(title);
    if slug.is_empty() {
        return Err(Diagnostic::file(
            &content,
            format!("the title {title:?} folds to an empty file name; use letters or digits"),
        )
        .into());
    }
    let file = dir.join(format!("{slug}.md"));
    let text = page_text(title, now, section_kind(&content, &dir));
    write_new(
        &file,
        &text,
        "already exists; nothing was written (choose another title, or edit that file)",
    )?;
    Ok(file)
}

/// Writes `text` to `file`, which must not exist: an author's file is never
/// overwritten (`exists` says what to do instead).
pub fn write_new(file: &Path, text: &str, exists: &str) -> Result<(), Diagnostic> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
        .map_err(|e| {
            let msg = if e.kind() == std::io::ErrorKind::AlreadyExists {
                exists.to_string()
            } else {
                format!("cannot create: {e}")
            };
            Diagnostic::file(file, msg)
        })?;
    f.write_all(text.as_bytes())
        .map_err(|e| Diagnostic::file(file, format!("cannot write: {e}")))
}

/// The folder of `section` below `content/`: as written, or an existing
/// folder whose name folds the same (`tin-tuc` finds `Tin tức/`).
fn section_dir(content: &Path, section: &str) -> Result<PathBuf, Diagnostic> {
    let section = section.trim().trim_matches('/');
    if section.is_empty() || section == "." {
        return Ok(content.to_path_buf());
    }
    if Path::new(section)
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
        || section.contains('\\')
    {
        return Err(Diagnostic::file(
            content,
            format!(
                "the section must be a folder inside content/, like \"tin-tuc\"; got {section:?}"
            ),
        ));
    }
    let direct = content.join(section);
    if direct.is_dir() {
        return Ok(direct);
    }
    let wanted: Vec<String> = section.split('/').map(text::slugify).collect();
    let mut sections = Vec::new();
    for e in walkdir::WalkDir::new(content)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir())
    {
        let rel = e.path().strip_prefix(content).unwrap_or(e.path());
        let folded: Vec<String> = rel
            .components()
            .map(|c| text::slugify(&c.as_os_str().to_string_lossy()))
            .collect();
        if folded == wanted {
            return Ok(e.path().to_path_buf());
        }
        if e.path().join("_index.md").is_file() {
            sections.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Err(Diagnostic::file(
        &direct,
        format!(
            "no such section; the sections are: {}",
            if sections.is_empty() {
                "(none yet: create content/<section>/_index.md)".to_string()
            } else {
                sections.join(", ")
            }
        ),
    ))
}

/// The page kind of the nearest section at or above `dir`.
fn section_kind(content: &Path, dir: &Path) -> PageKind {
    let mut d = dir;
    loop {
        let index = d.join("_index.md");
        if index.is_file() {
            let fm = std::fs::read_to_string(&index).ok().and_then(|t| {
                let split = content::split_front_matter(&t).ok()?;
                toml::from_str::<SectionFrontMatter>(split.front_matter).ok()
            });
            return fm.map(|f| f.page_kind).unwrap_or_default();
        }
        if d == content {
            return PageKind::Article;
        }
        match d.parent() {
            Some(p) => d = p,
            None => return PageKind::Article,
        }
    }
}

/// The front matter of a new page, in TOML.
pub fn page_text(title: &str, now: DateTime<FixedOffset>, kind: PageKind) -> String {
    let quoted = toml::Value::String(title.to_string()).to_string();
    let date = now.format("%Y-%m-%dT%H:%M:%S%:z");
    let mut s = format!("+++\ntitle = {quoted}\ndate = {date}\ndraft = true\n");
    match kind {
        PageKind::Article => {}
        PageKind::Conference => s.push_str(&format!(
            "\n# Hội nghị: điền địa điểm trước khi dựng trang.\n[conference]\nstarts = {date}\nvenue = \"\"\n"
        )),
        PageKind::Model => s.push_str(
            "\n# Mô hình: điền địa phương (mã trong data/entities.toml), cơ quan và lĩnh vực.\n\
[model]\nlocality = \"\"\nagency = \"\"\nfield = \"\"\n",
        ),
    }
    s.push_str("+++\n\nViết nội dung ở đây.\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_front_matter_is_valid_toml_with_the_title_escaped() {
        let now = DateTime::parse_from_rfc3339("2024-06-01T12:00:00+07:00").unwrap();
        let t = page_text("Hội nghị \"đặc biệt\"", now, PageKind::Article);
        let split = content::split_front_matter(&t).unwrap();
        let fm: content::PageFrontMatter = toml::from_str(split.front_matter).unwrap();
        assert_eq!(fm.title, "Hội nghị \"đặc biệt\"");
        assert!(fm.draft);
        assert!(t.contains("date = 2024-06-01T12:00:00+07:00"));
    }
}
