//! Diagnostics: every problem the pipeline finds, with the file and line as data.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in one file. `line` is 1-based and counted from the top of the
/// file (not from a front-matter fence), so an editor can jump straight to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    pub fn new(file: impl Into<PathBuf>, line: Option<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            line,
            message: message.into(),
        }
    }

    pub fn at(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Self::new(file, Some(line), message)
    }

    pub fn file(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(file, None, message)
    }

    /// Makes the path relative to `root` for display, when it lies below it.
    pub fn relative_to(mut self, root: &Path) -> Self {
        if let Ok(rel) = self.file.strip_prefix(root) {
            self.file = rel.to_path_buf();
        }
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// The errors of a failed run, sorted by file and line so that the report reads
/// like a compiler's.
#[derive(Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(ds);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn sorted(mut self) -> Self {
        self.0
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        self.0.dedup();
        self
    }

    /// `Ok(value)` when nothing was reported, else the diagnostics.
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "error: {d}")?;
        }
        Ok(())
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Line numbers of byte offsets in one text, answered by binary search: for
/// files with thousands of spans (indicator values), where `line_of` for each
/// would rescan the file every time.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        LineIndex {
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        }
    }

    /// The 1-based line of byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

/// Decodes a file's bytes as UTF-8; otherwise an error at the line of the
/// first bad byte.
pub fn utf8(file: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Diagnostic::at(file, line, "the file is not valid UTF-8; save it as UTF-8")
    })
}

/// Turns a `toml` parse error into a diagnostic. `first_line` is the line of the
/// file on which `text` starts, so front-matter errors point into the whole file.
pub fn from_toml(file: &Path, text: &str, first_line: usize, err: &toml::de::Error) -> Diagnostic {
    let line = err.span().map(|s| line_of(text, s.start) + first_line - 1);
    // toml's message is often multi-line with a caret drawing; the first
    // non-empty line is the useful sentence.
    let mut message = err
        .message()
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid TOML")
        .trim()
        .to_string();
    // serde speaks of Rust types; editors know integers and numbers.
    for (rust, plain) in [
        ("i64", "an integer"),
        ("i32", "an integer"),
        ("u64", "a whole number"),
        ("u32", "a whole number"),
        ("usize", "a whole number"),
        ("f64", "a number"),
        ("a string", "a quoted string"),
    ] {
        message = message.replace(&format!("expected {rust}"), &format!("expected {plain}"));
    }
    // A type error names no key: name the one assigned on that line.
    if let Some(span) = err.span() {
        let line_start = text[..span.start.min(text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let key = text[line_start..]
            .split('=')
            .next()
            .map(str::trim)
            .filter(|k| {
                !k.is_empty()
                    && k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
            });
        if let (Some(k), false) = (key, message.contains('`')) {
            message = format!("`{k}`: {message}");
        }
    }
    Diagnostic::new(file, line.or(Some(first_line)), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_counts_newlines_before_offset() {
        let t = "a\nb\nc";
        assert_eq!(line_of(t, 0), 1);
        assert_eq!(line_of(t, 2), 2);
        assert_eq!(line_of(t, 4), 3);
        assert_eq!(line_of(t, 100), 3);
    }

    #[test]
    fn line_index_agrees_with_line_of() {
        let t = "a\nbb\n\nccc\n";
        let idx = LineIndex::new(t);
        for off in 0..t.len() + 2 {
            assert_eq!(idx.line(off.min(t.len())), line_of(t, off), "offset {off}");
        }
    }

    #[test]
    fn toml_errors_point_at_the_file_line() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            a: i32,
        }
        let text = "a = 1\nb = 2\n";
        let err = toml::from_str::<T>(text).unwrap_err();
        let d = from_toml(Path::new("x.md"), text, 2, &err);
        assert_eq!(d.line, Some(3), "{d}");
        assert!(d.message.contains("unknown field `b`"), "{d}");
    }

    #[test]
    fn type_errors_name_the_key_in_plain_words() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            weight: i64,
        }
        let text = "weight = \"hai\"\n";
        let err = toml::from_str::<T>(text).unwrap_err();
        let d = from_toml(Path::new("x.md"), text, 2, &err);
        assert_eq!(d.line, Some(2));
        assert!(d.message.starts_with("`weight`: "), "{d}");
        assert!(d.message.contains("expected an integer"), "{d}");
    }
}
