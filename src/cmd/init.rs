//! `minhbach init`: a new site in an empty folder: the config, a home page,
//! a news section with one sample article in Vietnamese, and the default
//! theme written out from the copy built into the binary (no network).

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};

use crate::diag::{Diagnostic, Diagnostics};
use crate::theme;

const CONFIG: &str = r#"title = "Cổng thông tin Cải cách hành chính"
base_url = "https://example.gov.vn"
language = "vi"
description = "Công khai kết quả cải cách hành chính của cơ quan."
theme = "default"
output_dir = "public"

[[taxonomies]]
name = "tags"
title = "Chủ đề"
feed = true

[extra]
agency = "Tên cơ quan"
"#;

const HOME: &str = r#"+++
title = "Cổng thông tin Cải cách hành chính"
+++
Trang này công khai kết quả cải cách hành chính của cơ quan: tin bài, chỉ số và tài liệu.
"#;

const NEWS: &str = r#"+++
title = "Tin tức"
description = "Tin hoạt động cải cách hành chính."
sort_by = "date"
paginate_by = 10
feed = true
weight = 1
+++
"#;

fn sample_article(now: DateTime<FixedOffset>) -> String {
    format!(
        r#"+++
title = "Khai trương cổng thông tin cải cách hành chính"
date = {date}
description = "Cổng thông tin mới công khai kết quả cải cách hành chính cho người dân và doanh nghiệp."
authors = ["Ban biên tập"]

[taxonomies]
tags = ["cải cách hành chính", "chuyển đổi số"]
+++
Cổng thông tin cải cách hành chính chính thức đi vào hoạt động. Người dân và doanh
nghiệp có thể theo dõi tin tức, kết quả các chỉ số và tải về số liệu công khai.

<!-- more -->

## Cổng thông tin có gì

- **Tin tức** về hoạt động cải cách hành chính của cơ quan.
- **Chỉ số** PAR INDEX, SIPAS, PAPI, PCI theo địa phương và năm, có biểu đồ và bảng.
- **Tài liệu** tải về ở dạng CSV và JSON.

## Cách viết bài mới

Chạy `minhbach new tin-tuc "Tiêu đề bài viết"`, viết nội dung bằng Markdown, rồi
chạy `minhbach serve` để xem trang ngay trên máy. Khi bài đã sẵn sàng, xóa dòng
`draft = true` và chạy `minhbach build`.
"#,
        date = now.format("%Y-%m-%dT%H:%M:%S%:z")
    )
}

/// Creates the site in `dir` (made if missing; refused if not empty) and
/// returns how many files were written.
pub fn run(dir: &Path, now: DateTime<FixedOffset>) -> Result<usize, Diagnostics> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(Diagnostic::file(dir, "exists and is not a folder").into());
        }
        let mut entries = std::fs::read_dir(dir)
            .map_err(|e| Diagnostic::file(dir, format!("cannot read: {e}")))?;
        if entries.next().is_some() {
            return Err(Diagnostic::file(
                dir,
                "the folder is not empty; give a new or empty folder (nothing was written)",
            )
            .into());
        }
    }
    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![
        (dir.join("site-config.toml"), CONFIG.as_bytes().to_vec()),
        (dir.join("content/_index.md"), HOME.as_bytes().to_vec()),
        (
            dir.join("content/tin-tuc/_index.md"),
            NEWS.as_bytes().to_vec(),
        ),
        (
            dir.join("content/tin-tuc/khai-truong-cong-thong-tin.md"),
            sample_article(now).into_bytes(),
        ),
        (dir.join("static/.gitkeep"), Vec::new()),
        (dir.join(".gitignore"), b"/public\n".to_vec()),
    ];
    let theme_dir = dir.join("themes").join(theme::NAME);
    files.extend(
        theme::all_files()
            .into_iter()
            .map(|(rel, bytes)| (theme_dir.join(rel), bytes.to_vec())),
    );
    for (path, bytes) in &files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Diagnostic::file(parent, format!("cannot create: {e}")))?;
        }
        std::fs::write(path, bytes)
            .map_err(|e| Diagnostic::file(path, format!("cannot write: {e}")))?;
    }
    Ok(files.len())
}
