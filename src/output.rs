//! Output: writes the rendered site into the output folder — only the files
//! whose bytes changed, each replaced atomically, and removes the files an
//! earlier build wrote that this one no longer produces.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::diag::Diagnostic;

/// Lists what an earlier build wrote, so that stale files can be removed
/// without touching anything else in the folder. After the entries it may
/// hold the build's record (from [`crate::cache`]), after a [`RECORD_MARK`]
/// line: kept in the same file so that the writer's first rewrite of the
/// manifest, before it changes anything, also voids the record.
pub const MANIFEST: &str = ".minhbach-manifest";
/// The line that separates the manifest's entries from the build's record.
const RECORD_MARK: &str = "@record";
/// The line after the entries of a manifest written by a build that
/// finished; without it, the last build was cut short and may have left
/// temporary files to clean up.
const DONE_MARK: &str = "@done";
const TMP_SUFFIX: &str = ".minhbach-tmp";

#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Vec<u8>),
    /// A file copied as it is (static files, photos).
    Copy(PathBuf),
    /// A file built into the binary (the default theme's).
    Static(&'static [u8]),
}

#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Relative to the output folder, `/`-separated, never `..` or absolute.
    pub path: String,
    pub body: Body,
    /// What produced it, to name both sides of a collision.
    pub source: PathBuf,
}

impl OutputFile {
    pub fn bytes(
        path: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
        source: impl Into<PathBuf>,
    ) -> Self {
        // Rendered pages grow their buffers by doubling: on a large site the
        // unused tails were a third of all rendered bytes, held until written.
        // Shrinking in place is a realloc that gives the tail back.
        let mut bytes = bytes.into();
        bytes.shrink_to_fit();
        OutputFile {
            path: path.into(),
            body: Body::Bytes(bytes),
            source: source.into(),
        }
    }

    pub fn html_page(
        site_path: &str,
        html: impl Into<Vec<u8>>,
        source: impl Into<PathBuf>,
    ) -> Self {
        Self::bytes(format!("{site_path}index.html"), html, source)
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Two producers of the same output path are an error naming both.
pub fn check_collisions(files: &[OutputFile], root: &Path) -> Vec<Diagnostic> {
    let mut seen: HashMap<&str, &Path> = HashMap::with_capacity(files.len());
    let mut errors = Vec::new();
    for f in files {
        if let Some(prev) = seen.insert(f.path.as_str(), f.source.as_path()) {
            errors.push(Diagnostic::file(
                &f.source,
                format!(
                    "writes /{} which {} also writes; change a slug or remove one",
                    f.path,
                    prev.strip_prefix(root).unwrap_or(prev).display()
                ),
            ));
        }
    }
    errors
}

/// Whether `p` is a plain relative path that stays inside the output folder.
pub fn is_safe_output_path(p: &str) -> bool {
    !p.is_empty()
        && !p.contains('\\')
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Why the file system would refuse the output path `p`, if it would: a
/// control character (NUL among them), or a name longer than 255 bytes (a
/// long tag or title folded to a slug). Checked before anything is written.
pub fn name_problem(p: &str) -> Option<String> {
    if p.chars().any(char::is_control) {
        return Some("it holds a control character".into());
    }
    p.split('/').find(|c| c.len() > 255).map(|c| {
        let start: String = c.chars().take(40).collect();
        format!("the name \"{start}…\" is longer than 255 bytes")
    })
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    hash: u64,
    size: u64,
    mtime: i128,
}

/// The entries of `out`'s manifest, and whether the build that wrote it may
/// have left temporary files behind (it did not finish, or left no manifest
/// in a folder that holds files).
fn read_manifest(out: &Path) -> (HashMap<String, Entry>, bool) {
    let Ok(text) = fs::read_to_string(out.join(MANIFEST)) else {
        let debris = fs::read_dir(out).map_or(true, |mut d| d.next().is_some());
        return (HashMap::new(), debris);
    };
    let done = text.lines().any(|l| l == DONE_MARK);
    (parse_entries(&text).collect(), !done)
}

/// The entries of a manifest's text (the record after them left out).
fn parse_entries(text: &str) -> impl Iterator<Item = (String, Entry)> + '_ {
    text.lines()
        .take_while(|l| !l.starts_with('@'))
        .filter_map(|l| {
            let mut it = l.splitn(4, '\t');
            let hash = u64::from_str_radix(it.next()?, 16).ok()?;
            let size = it.next()?.parse().ok()?;
            let mtime = it.next()?.parse().ok()?;
            let path = it.next()?.to_string();
            is_safe_output_path(&path).then_some((path, Entry { hash, size, mtime }))
        })
}

/// Writes the manifest: `entries`, then, once the build is `done`, the
/// [`DONE_MARK`] and the optional `record`.
fn write_manifest(
    out: &Path,
    entries: &[(&str, Entry)],
    done: bool,
    record: Option<&str>,
) -> io::Result<()> {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(entries.len() * 80);
    for (p, e) in entries {
        let _ = writeln!(text, "{:016x}\t{}\t{}\t{}", e.hash, e.size, e.mtime, p);
    }
    if done {
        text.push_str(DONE_MARK);
        text.push('\n');
    }
    if let Some(r) = record.filter(|_| done) {
        text.push_str(RECORD_MARK);
        text.push('\n');
        text.push_str(r);
    }
    atomic_write(&out.join(MANIFEST), text.as_bytes())
}

/// The record the last build left in `out`'s manifest, provided every file
/// the manifest lists is still there with the size and modification time it
/// was written with (a file edited, removed or replaced by hand, or a build
/// that did not finish, gives `None`).
pub fn recorded(out: &Path) -> Option<String> {
    let text = fs::read_to_string(out.join(MANIFEST)).ok()?;
    let record = match text.strip_prefix(&format!("{RECORD_MARK}\n")) {
        Some(r) => r,
        None => text.split_once(&format!("\n{RECORD_MARK}\n"))?.1,
    };
    let entries: Vec<(String, Entry)> = parse_entries(&text).collect();
    let intact = entries.par_iter().all(|(p, e)| {
        e.size != u64::MAX
            && fs::metadata(out.join(p)).is_ok_and(|m| m.len() == e.size && mtime_of(&m) == e.mtime)
    });
    intact.then(|| record.to_string())
}

/// Replaces the record in `out`'s manifest, keeping its entries (the inputs
/// were found unchanged, some with a new modification time).
pub fn rerecord(out: &Path, record: &str) -> io::Result<()> {
    let text = fs::read_to_string(out.join(MANIFEST))?;
    let mut entries: Vec<(String, Entry)> = parse_entries(&text).collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let entries: Vec<(&str, Entry)> = entries.iter().map(|(p, e)| (p.as_str(), *e)).collect();
    write_manifest(out, &entries, true, Some(record))
}

fn mtime_of(meta: &fs::Metadata) -> i128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128)
}

/// Writes `bytes` to a temporary file beside `path` and renames it over
/// `path`, so readers see the old file or the new one, never half of one.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_replacing(path, bytes).map(|_| ())
}

/// [`atomic_write`], returning the new file's metadata (read from the open
/// file: renaming keeps the inode, and this saves a lookup by path).
fn write_replacing(path: &Path, bytes: &[u8]) -> io::Result<fs::Metadata> {
    let (tmp, meta) = write_temp(path, bytes, std::process::id())?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })?;
    Ok(meta)
}

/// What writing one output file came to.
enum Staged {
    Unchanged(Entry),
    /// Written to `tmp`, to be renamed to `dest`.
    Written {
        tmp: PathBuf,
        dest: PathBuf,
        entry: Entry,
    },
}

/// Writes `bytes` to a temporary file beside `path`, returning its name and
/// metadata (renaming keeps the inode, so the mtime stays valid).
/// A missing folder is made on the way (only for files that are written:
/// an unchanged file's folder is there already).
fn write_temp(path: &Path, bytes: &[u8], pid: u32) -> io::Result<(PathBuf, fs::Metadata)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{pid}{TMP_SUFFIX}"));
    let result = (|| {
        let mut f = match fs::File::create(&tmp) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(tmp.parent().expect("an output file has a folder"))?;
                fs::File::create(&tmp)?
            }
            r => r?,
        };
        f.write_all(bytes)?;
        f.metadata()
    })();
    match result {
        Ok(meta) => Ok((tmp, meta)),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Writes `files` into `out`. Nothing outside `out` is ever touched.
pub fn write(out: &Path, files: &[OutputFile]) -> io::Result<WriteStats> {
    write_recorded(out, files, || None)
}

/// [`write`], then stores `record()` (called once every file is in place)
/// in the manifest: what the build was made from, for [`recorded`].
pub fn write_recorded(
    out: &Path,
    files: &[OutputFile],
    record: impl FnOnce() -> Option<String>,
) -> io::Result<WriteStats> {
    if let Some(bad) = files
        .iter()
        .find(|f| !is_safe_output_path(&f.path) || name_problem(&f.path).is_some())
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "refusing to write outside the output folder: {:?}",
                bad.path
            ),
        ));
    }
    fs::create_dir_all(out)?;
    let (old, debris) = read_manifest(out);

    // Record every path this build may write before writing any, so a build
    // killed half-way still knows, next time, which files are its own.
    let produced: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut union: Vec<(&str, Entry)> = old.iter().map(|(p, e)| (p.as_str(), *e)).collect();
    union.extend(
        files
            .iter()
            .filter(|f| !old.contains_key(&f.path))
            .map(|f| {
                (
                    f.path.as_str(),
                    Entry {
                        hash: 0,
                        size: u64::MAX,
                        mtime: 0,
                    },
                )
            }),
    );
    union.sort_by(|a, b| a.0.cmp(b.0));
    // Without a record: from here until the end, the output is not what any
    // record describes.
    write_manifest(out, &union, false, None)?;

    // Two phases, so that a build killed or failing while it writes leaves
    // the published site as it was: first every changed file goes to a
    // temporary name beside its destination (the slow part), then all are
    // renamed into place in one short burst.
    let pid = std::process::id();
    let results: Vec<io::Result<Staged>> = files
        .par_iter()
        .map(|f| {
            let dest = out.join(&f.path);
            let copied;
            let bytes: &[u8] = match &f.body {
                Body::Bytes(b) => b,
                Body::Copy(src) => {
                    copied = fs::read(src)?;
                    &copied
                }
                Body::Static(b) => b,
            };
            let hash = xxh3_64(bytes);
            let size = bytes.len() as u64;
            if let (Some(prev), Ok(meta)) = (old.get(&f.path), fs::metadata(&dest))
                && prev.hash == hash
                && prev.size == size
                && meta.len() == size
                && mtime_of(&meta) == prev.mtime
            {
                return Ok(Staged::Unchanged(*prev));
            }
            let (tmp, meta) = write_temp(&dest, bytes, pid)?;
            Ok(Staged::Written {
                tmp,
                dest,
                entry: Entry {
                    hash,
                    size,
                    mtime: mtime_of(&meta),
                },
            })
        })
        .collect();
    if results.iter().any(Result::is_err) {
        for r in &results {
            if let Ok(Staged::Written { tmp, .. }) = r {
                let _ = fs::remove_file(tmp);
            }
        }
        return Err(results
            .into_iter()
            .find_map(Result::err)
            .expect("an error was seen"));
    }
    let staged: Vec<Staged> = results.into_iter().map(|r| r.expect("no errors")).collect();
    staged.par_iter().try_for_each(|s| match s {
        Staged::Written { tmp, dest, .. } => fs::rename(tmp, dest),
        Staged::Unchanged(_) => Ok(()),
    })?;

    let mut stats = WriteStats::default();
    let mut entries = Vec::with_capacity(files.len());
    for (f, s) in files.iter().zip(&staged) {
        let entry = match s {
            Staged::Written { entry, .. } => {
                stats.written += 1;
                *entry
            }
            Staged::Unchanged(entry) => {
                stats.unchanged += 1;
                *entry
            }
        };
        entries.push((f.path.as_str(), entry));
    }

    let mut emptied: HashSet<PathBuf> = HashSet::new();
    for (p, _) in union.iter().filter(|(p, _)| !produced.contains(p)) {
        let dest = out.join(p);
        match fs::remove_file(&dest) {
            Ok(()) => stats.removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if let Some(parent) = Path::new(p).parent() {
            emptied.insert(parent.to_path_buf());
        }
    }
    // Remove folders left empty, deepest first; a folder with other files stays.
    let mut emptied: Vec<PathBuf> = emptied
        .into_iter()
        .flat_map(|d| d.ancestors().map(Path::to_path_buf).collect::<Vec<_>>())
        .filter(|d| !d.as_os_str().is_empty())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    emptied.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in emptied {
        let _ = fs::remove_dir(out.join(d)); // fails, harmlessly, when not empty
    }
    // Walking the whole output is skipped when no earlier build was cut short.
    if debris {
        remove_temp_debris(out);
    }
    entries.sort_by(|a, b| a.0.cmp(b.0));
    write_manifest(out, &entries, true, record().as_deref())?;
    Ok(stats)
}

/// Temporary files of a build that was killed mid-write.
fn remove_temp_debris(out: &Path) {
    for e in walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
    {
        if e.file_type().is_file() && e.file_name().to_string_lossy().ends_with(TMP_SUFFIX) {
            let _ = fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(p: &str, s: &str) -> OutputFile {
        OutputFile::bytes(p, s.as_bytes(), "src.md")
    }

    #[test]
    fn writes_only_changed_files_and_removes_stale_ones() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let s = write(
            &out,
            &[file("a/index.html", "A"), file("b/index.html", "B")],
        )
        .unwrap();
        assert_eq!(
            s,
            WriteStats {
                written: 2,
                unchanged: 0,
                removed: 0
            }
        );
        let s = write(&out, &[file("a/index.html", "A"), file("c.txt", "C")]).unwrap();
        assert_eq!(
            s,
            WriteStats {
                written: 1,
                unchanged: 1,
                removed: 1
            }
        );
        assert!(!out.join("b").exists(), "the emptied folder is removed");
        assert_eq!(fs::read_to_string(out.join("c.txt")).unwrap(), "C");
    }

    #[test]
    fn leaves_files_it_did_not_write() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("keep.txt"), "mine").unwrap();
        write(&out, &[file("a.html", "A")]).unwrap();
        write(&out, &[file("b.html", "B")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("keep.txt")).unwrap(), "mine");
        assert!(!out.join("a.html").exists());
    }

    #[test]
    fn rewrites_a_file_edited_by_hand() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&out, &[file("a.html", "A")]).unwrap();
        fs::write(out.join("a.html"), "tampered!").unwrap();
        let s = write(&out, &[file("a.html", "A")]).unwrap();
        assert_eq!(s.written, 1);
        assert_eq!(fs::read_to_string(out.join("a.html")).unwrap(), "A");
    }

    #[test]
    fn cleans_temp_debris_of_a_killed_build() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join(".a.html.123.minhbach-tmp"), "half").unwrap();
        write(&out, &[file("a.html", "A")]).unwrap();
        assert!(!out.join(".a.html.123.minhbach-tmp").exists());
    }

    #[test]
    fn refuses_paths_outside_the_output() {
        let dir = tempfile::tempdir().unwrap();
        for p in ["../x.html", "/etc/x", "a/../../x", ""] {
            assert!(write(dir.path(), &[file(p, "x")]).is_err(), "{p}");
        }
        assert!(!dir.path().parent().unwrap().join("x.html").exists());
    }

    #[test]
    fn the_record_is_kept_until_an_output_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_recorded(&out, &[file("a/index.html", "A")], || Some("R\n".into())).unwrap();
        assert_eq!(recorded(&out).as_deref(), Some("R\n"));
        rerecord(&out, "S\n").unwrap();
        assert_eq!(recorded(&out).as_deref(), Some("S\n"));
        fs::write(out.join("a/index.html"), "B").unwrap();
        assert_eq!(recorded(&out), None);
    }

    #[test]
    fn a_build_that_fails_while_writing_voids_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_recorded(&out, &[file("a.html", "A")], || Some("R\n".into())).unwrap();
        // `x` is a file, so `x/y.html` cannot be written.
        fs::write(out.join("x"), "").unwrap();
        let failed = write_recorded(&out, &[file("a.html", "A"), file("x/y.html", "Y")], || {
            Some("T\n".into())
        });
        assert!(failed.is_err());
        assert_eq!(recorded(&out), None, "a failed write left a record");
    }

    #[test]
    fn collisions_name_both_sources() {
        let files = vec![
            OutputFile::bytes("a/index.html", "1", "content/a.md"),
            OutputFile::bytes("a/index.html", "2", "content/a/index.md"),
        ];
        let e = check_collisions(&files, Path::new(""));
        assert_eq!(e.len(), 1);
        assert!(e[0].to_string().contains("content/a/index.md"));
        assert!(e[0].to_string().contains("content/a.md"));
    }
}
