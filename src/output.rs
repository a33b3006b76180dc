//! Output: writes the rendered site into the output folder — only the files
//! whose bytes changed, each replaced atomically, and removes the files an
//! earlier build wrote that this one no longer produces.

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

// Output paths are hashed for each of a build's files (the manifest, the
// staged set, the collision check): foldhash rather than SipHash, whose
// protection against chosen keys these paths, the site's own, do not need.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
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
/// The first line of the manifest a build writes into an empty folder before
/// it writes its files there under their own names. Without a [`DONE_MARK`]
/// after it, that build was cut short, and every file in the folder is one
/// it wrote (the folder was empty): the next build treats them all as its
/// own, to rewrite or remove.
const FRESH_MARK: &str = "@fresh";
const TMP_SUFFIX: &str = ".minhbach-tmp";

#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Vec<u8>),
    /// A file copied as it is (static files, photos).
    Copy(PathBuf),
    /// A file built into the binary (the default theme's).
    Static(&'static [u8]),
    /// Handed to a [`Stager`] as soon as it was made, its bytes released: a
    /// build holds only the names of the files it has written.
    Staged,
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
        OutputFile {
            path: path.into(),
            body: Body::Bytes(bytes.into()),
            source: source.into(),
        }
    }

    /// This file, its body's unused capacity given back, for a file that is
    /// held after it is made (until the search index is built, or the end of
    /// a build without a writer). Rendered pages leave room to grow, a third
    /// of all rendered bytes on a large site. A page written as soon as it
    /// is rendered is not shrunk: that is a copy of it (a smaller size class
    /// is another place), a hundredth of a build's instructions for nothing.
    pub fn held(mut self) -> Self {
        if let Body::Bytes(b) = &mut self.body {
            b.shrink_to_fit();
        }
        self
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

/// `out`'s manifest as it is on disk, its entries, and whether the build
/// that wrote it may have left temporary files behind (it did not finish, or
/// left no readable manifest in a folder that holds files).
fn read_manifest(out: &Path) -> (Option<Vec<u8>>, HashMap<String, Entry>, bool) {
    let bytes = fs::read(out.join(MANIFEST)).ok();
    match bytes.as_deref().map(std::str::from_utf8) {
        Some(Ok(text)) => {
            let done = text.lines().any(|l| l == DONE_MARK);
            let entries = if !done && text.lines().next() == Some(FRESH_MARK) {
                files_below(out)
            } else {
                parse_entries(text).collect()
            };
            (bytes, entries, !done)
        }
        _ => {
            let debris = fs::read_dir(out).map_or(true, |mut d| d.next().is_some());
            (bytes, HashMap::new(), debris)
        }
    }
}

/// Every file below `out` but the manifest, as entries that match no file
/// (so none is taken as unchanged): what a build cut short while writing into
/// an empty folder left there.
fn files_below(out: &Path) -> HashMap<String, Entry> {
    walkdir::WalkDir::new(out)
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| crate::cache::rel_path(out, e.path()))
        .filter(|rel| rel != MANIFEST && is_safe_output_path(rel))
        .map(|rel| (rel, UNKNOWN))
        .collect()
}

/// The entry of a file whose bytes are not known: it matches no file.
const UNKNOWN: Entry = Entry {
    hash: 0,
    size: u64::MAX,
    mtime: 0,
};

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
    /// Written to `tmp`, to be renamed to its destination.
    Written {
        tmp: PathBuf,
        entry: Entry,
    },
    /// Written under its own name, into a folder that was empty
    /// ([`Stager::fresh`]).
    Placed(Entry),
}

impl Staged {
    /// The file this build wrote for output `path` (relative to `out`):
    /// what a failed build, or a file the build then dropped, leaves to remove.
    fn written(&self, out: &Path, path: &str) -> Option<PathBuf> {
        match self {
            Staged::Written { tmp, .. } => Some(tmp.clone()),
            Staged::Placed(_) => Some(out.join(path)),
            Staged::Unchanged(_) => None,
        }
    }
}

/// The temporary name of process `pid`'s new copy of `path`, beside it.
fn temp_path(path: &Path, pid: u32) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{pid}{TMP_SUFFIX}"))
}

/// Writes `bytes` to a temporary file beside `path`, returning its name and
/// metadata (renaming keeps the inode, so the mtime stays valid).
/// A missing folder is made on the way (only for files that are written:
/// an unchanged file's folder is there already).
fn write_temp(path: &Path, bytes: &[u8], pid: u32) -> io::Result<(PathBuf, fs::Metadata)> {
    let tmp = temp_path(path, pid);
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
    Stager::begin(out)?.commit(files, record)
}

fn writable_path(p: &str) -> bool {
    is_safe_output_path(p) && name_problem(p).is_none()
}

fn refused(path: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("refusing to write outside the output folder: {path:?}"),
    )
}

/// Writes a build's files into the output folder as they are made, and puts
/// them in place only when the whole build succeeded.
///
/// Two phases, so that a build killed or failing while it writes leaves the
/// published site as it was: first every changed file goes to a temporary
/// name beside its destination ([`Stager::stage`], from any thread, while
/// the rest of the site is still being rendered: the disk works while the
/// processors do), then [`Stager::commit`] renames them all into place in one
/// short burst. Dropped without a commit, it removes what it staged.
///
/// Into an empty folder there is no published site to keep: files go
/// straight to their own names, each folder made once, with no temporary
/// name and no rename (renaming 12 800 pages was 4% of a clean build's processor
/// time, with a failed lookup per new folder besides).
/// The manifest says so first ([`FRESH_MARK`]), for a build killed on the way.
pub struct Stager {
    out: PathBuf,
    /// The last build's manifest entries.
    old: HashMap<String, Entry>,
    /// The output folder was made by this build (removed again on failure).
    made_out: bool,
    /// The manifest as the last build left it, put back on failure.
    old_manifest: Option<Vec<u8>>,
    /// The last build may have left temporary files (it did not finish).
    debris: bool,
    /// The folder was empty: files are written under their own names.
    fresh: bool,
    /// Folders this build made for its files (when `fresh`), each with
    /// whether a file was placed in it yet: shared with the thread that
    /// makes folders ahead of their files ([`Stager::make_folders`]).
    made: Arc<Mutex<HashMap<PathBuf, bool>>>,
    /// That thread, joined before the build commits or is undone.
    ahead: Mutex<Option<JoinHandle<()>>>,
    pid: u32,
    staged: Mutex<HashMap<String, Staged>>,
    /// The first error met while staging, reported by [`Stager::commit`].
    error: Mutex<Option<io::Error>>,
    finished: bool,
}

impl Stager {
    /// Opens `out` for a build. The manifest loses its record and its
    /// [`DONE_MARK`] before anything is staged: until this build commits,
    /// the folder is not what any record describes, and a build killed on
    /// the way leaves temporary files that the next one must look for.
    pub fn begin(out: &Path) -> io::Result<Stager> {
        let made_out = !out.exists();
        fs::create_dir_all(out)?;
        let (old_manifest, old, debris) = read_manifest(out);
        // No manifest and nothing else: an empty folder.
        let fresh = old_manifest.is_none() && !debris;
        if fresh {
            atomic_write(&out.join(MANIFEST), format!("{FRESH_MARK}\n").as_bytes())?;
        } else {
            let mut entries: Vec<(&str, Entry)> =
                old.iter().map(|(p, e)| (p.as_str(), *e)).collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            write_manifest(out, &entries, false, None)?;
        }
        Ok(Stager {
            out: out.to_path_buf(),
            old,
            made_out,
            old_manifest,
            debris,
            fresh,
            made: Arc::new(Mutex::new(HashMap::new())),
            ahead: Mutex::new(None),
            pid: std::process::id(),
            staged: Mutex::new(HashMap::new()),
            error: Mutex::new(None),
            finished: false,
        })
    }

    /// Into an empty folder, makes the folders of `paths` (files the build
    /// will write, relative to the output folder) on a thread of its own,
    /// while the build goes on; elsewhere does nothing. A file whose folder
    /// is not made yet when it is written has it made then, as before. A
    /// second call's folders are made after the first's.
    ///
    /// Folders made one after the other cost half the processor time of the
    /// same folders made from two threads at once: each new folder locks its
    /// parent, and 10 000 articles have one parent. Made by the workers as
    /// they wrote their pages, they were a fifth of a clean build's
    /// processor time on disk (BENCHMARKS.md, twenty-first session).
    pub fn make_folders(&self, paths: Vec<String>) {
        if !self.fresh {
            return;
        }
        let out = self.out.clone();
        let made = Arc::clone(&self.made);
        let mut ahead = self.ahead.lock().expect("stager lock");
        let before = ahead.take();
        *ahead = Some(std::thread::spawn(move || {
            if let Some(before) = before {
                let _ = before.join();
            }
            for p in paths.iter().filter(|p| writable_path(p)) {
                let dest = out.join(p);
                let Some(dir) = dest.parent().filter(|d| *d != out) else {
                    continue;
                };
                if made.lock().expect("stager lock").contains_key(dir) {
                    continue;
                }
                // A folder that cannot be made is left to the file's own
                // write, which reports why.
                if fs::create_dir_all(dir).is_err() {
                    return;
                }
                made.lock()
                    .expect("stager lock")
                    .entry(dir.to_path_buf())
                    .or_insert(false);
            }
        }));
    }

    /// Waits for the folders made ahead ([`Stager::make_folders`]).
    fn join_ahead(&mut self) {
        let ahead = self.ahead.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(h) = ahead.take() {
            let _ = h.join();
        }
    }

    /// The folders this build made, relative to the output; with
    /// `only_unused`, those in which no file was placed.
    fn made_folders(&self, only_unused: bool) -> HashSet<PathBuf> {
        let made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        made.iter()
            .filter(|(_, used)| !(only_unused && **used))
            .filter_map(|(d, _)| Some(d.strip_prefix(&self.out).ok()?.to_path_buf()))
            .collect()
    }

    /// Writes `f` to its temporary name when its bytes differ from what the
    /// last build wrote, and returns it with its bytes released
    /// ([`Body::Staged`]) unless `keep_body` (a later stage reads them). A
    /// path the writer refuses, or a write that fails, leaves `f` as it was:
    /// the pipeline reports the first, [`Stager::commit`] the second.
    pub fn stage(&self, mut f: OutputFile, keep_body: bool) -> OutputFile {
        if !writable_path(&f.path) || matches!(f.body, Body::Staged) {
            return f;
        }
        match self.stage_one(&f) {
            Ok(s) => {
                let unchanged = matches!(s, Staged::Unchanged(_));
                let replaced = self
                    .staged
                    .lock()
                    .expect("stager lock")
                    .insert(f.path.clone(), s);
                // Two files with one path: the build fails on the collision,
                // and removes what the map holds. Both use one temporary name:
                // only when the second needed none is the first's left over.
                if let (Some(Staged::Written { tmp, .. }), true) = (replaced, unchanged) {
                    let _ = fs::remove_file(tmp);
                }
                if !keep_body {
                    f.body = Body::Staged;
                }
            }
            Err(e) => {
                self.error.lock().expect("stager lock").get_or_insert(e);
            }
        }
        f
    }

    /// Stages what is not staged yet among `files` (the build's every file),
    /// renames all into place, removes the files the last build wrote that
    /// this one does not, and writes the manifest with `record()`.
    pub fn commit(
        mut self,
        files: &[OutputFile],
        record: impl FnOnce() -> Option<String>,
    ) -> io::Result<WriteStats> {
        self.join_ahead();
        let pending: Vec<&OutputFile> = {
            let staged = self.staged.get_mut().expect("stager lock");
            files
                .iter()
                .filter(|f| !staged.contains_key(&f.path))
                .collect()
        };
        // A staged file's path was checked when it was staged (`stage` leaves
        // the others to this point): only the rest are looked at again.
        if let Some(bad) = pending.iter().find(|f| !writable_path(&f.path)) {
            return Err(refused(&bad.path));
        }
        let results: Vec<(String, io::Result<Staged>)> = pending
            .par_iter()
            .map(|f| (f.path.clone(), self.stage_one(f)))
            .collect();
        let staged = self.staged.get_mut().expect("stager lock");
        for (path, r) in results {
            match r {
                Ok(s) => {
                    staged.insert(path, s);
                }
                Err(e) => {
                    self.error.get_mut().expect("stager lock").get_or_insert(e);
                }
            }
        }
        if let Some(e) = self.error.get_mut().expect("stager lock").take() {
            return Err(e);
        }
        // Every file is staged now: it was before this call, or it was just
        // staged above or failed there (a file rendered into the stager that
        // never reached it fails in `stage_one`). Each lookup in `staged` is a
        // cache miss or two on 100 000 articles, so the files are looked up
        // once, below, not once per question (five passes were most of the
        // 0.4-0.8 s this step took there).
        let out = self.out.clone();
        // Record every path this build may write before renaming any, so a
        // build killed half-way still knows, next time, which files are its
        // own (a fresh build's manifest says so already).
        if !self.fresh {
            let mut union: Vec<(&str, Entry)> =
                self.old.iter().map(|(p, e)| (p.as_str(), *e)).collect();
            union.extend(
                files
                    .iter()
                    .filter(|f| !self.old.contains_key(&f.path))
                    .map(|f| (f.path.as_str(), UNKNOWN)),
            );
            union.sort_by(|a, b| a.0.cmp(b.0));
            write_manifest(&out, &union, false, None)?;
        }
        // From here on the folder changes: nothing is left to undo on drop.
        self.finished = true;
        let mut staged = std::mem::take(self.staged.get_mut().expect("stager lock"));
        // Taken out in the files' order; a path listed twice is published
        // once (the collision check before the writer refuses that anyway).
        let published: Vec<(&str, Staged)> = files
            .iter()
            .filter_map(|f| Some((f.path.as_str(), staged.remove(&f.path)?)))
            .collect();
        // What is left was staged, then dropped by a later stage: not published.
        for (path, s) in &staged {
            if let Some(written) = s.written(&out, path) {
                let _ = fs::remove_file(written);
            }
        }
        published.par_iter().try_for_each(|(path, s)| match s {
            Staged::Written { tmp, .. } => fs::rename(tmp, out.join(path)),
            Staged::Unchanged(_) | Staged::Placed(_) => Ok(()),
        })?;

        let mut stats = WriteStats::default();
        let mut entries: Vec<(&str, Entry)> = published
            .iter()
            .map(|&(path, ref s)| match s {
                Staged::Written { entry, .. } | Staged::Placed(entry) => {
                    stats.written += 1;
                    (path, *entry)
                }
                Staged::Unchanged(entry) => {
                    stats.unchanged += 1;
                    (path, *entry)
                }
            })
            .collect();
        // The old files this build does not publish (none in a fresh build,
        // which asks no set of paths for it).
        let produced: HashSet<&str> = if self.old.is_empty() {
            HashSet::new()
        } else {
            entries.iter().map(|&(p, _)| p).collect()
        };

        let mut emptied: HashSet<PathBuf> = HashSet::new();
        for p in self.old.keys().filter(|p| !produced.contains(p.as_str())) {
            match fs::remove_file(out.join(p)) {
                Ok(()) => stats.removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            if let Some(parent) = Path::new(p).parent() {
                emptied.insert(parent.to_path_buf());
            }
        }
        // Folders made ahead for files the build did not write after all.
        emptied.extend(self.made_folders(true));
        remove_empty_folders(&out, emptied);
        // Walking the whole output is skipped when no earlier build was cut short.
        if self.debris {
            remove_temp_debris(&out);
        }
        entries.sort_by(|a, b| a.0.cmp(b.0));
        write_manifest(&out, &entries, true, record().as_deref())?;
        Ok(stats)
    }
}

impl Drop for Stager {
    /// A build that failed: its temporary files go, and the folders made for
    /// them, and the manifest is put back; the published files were never
    /// touched, so the folder is as the last build left it, byte for byte.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        self.join_ahead();
        let staged = std::mem::take(self.staged.get_mut().unwrap_or_else(|e| e.into_inner()));
        // Every folder this build made, for a file or ahead of one.
        let mut folders = self.made_folders(false);
        for (path, s) in staged {
            let Some(written) = s.written(&self.out, &path) else {
                continue;
            };
            let _ = fs::remove_file(written);
            if let Some(parent) = Path::new(&path).parent() {
                folders.insert(parent.to_path_buf());
            }
        }
        remove_empty_folders(&self.out, folders);
        let manifest = self.out.join(MANIFEST);
        match &self.old_manifest {
            Some(text) => {
                let _ = atomic_write(&manifest, text);
            }
            None => {
                let _ = fs::remove_file(manifest);
            }
        }
        if self.made_out {
            let _ = fs::remove_dir(&self.out);
        }
    }
}

/// Removes `folders` (relative to `out`) and their ancestors below `out`
/// when they are empty, deepest first; a folder with other files stays.
fn remove_empty_folders(out: &Path, folders: HashSet<PathBuf>) {
    let mut folders: Vec<PathBuf> = folders
        .into_iter()
        .flat_map(|d| d.ancestors().map(Path::to_path_buf).collect::<Vec<_>>())
        .filter(|d| !d.as_os_str().is_empty())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    folders.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in folders {
        let _ = fs::remove_dir(out.join(d)); // fails, harmlessly, when not empty
    }
}

impl Stager {
    /// Compares `f` with the last build's entry and writes it to a temporary
    /// name when it changed; into an empty folder, writes it under its own name.
    fn stage_one(&self, f: &OutputFile) -> io::Result<Staged> {
        let dest = self.out.join(&f.path);
        let copied;
        let bytes: &[u8] = match &f.body {
            Body::Bytes(b) => b,
            Body::Copy(src) => {
                copied = fs::read(src)?;
                &copied
            }
            Body::Static(b) => b,
            Body::Staged => {
                return Err(io::Error::other(format!("{:?} was never written", f.path)));
            }
        };
        let hash = xxh3_64(bytes);
        let size = bytes.len() as u64;
        if self.fresh {
            let meta = self.write_placed(&dest, bytes)?;
            return Ok(Staged::Placed(Entry {
                hash,
                size,
                mtime: mtime_of(&meta),
            }));
        }
        // The file on disk is looked at only when the manifest says it may be
        // unchanged (a clean build asks nothing of the disk here).
        if let Some(prev) = self.old.get(&f.path)
            && prev.hash == hash
            && prev.size == size
            && let Ok(meta) = fs::metadata(&dest)
            && meta.len() == size
            && mtime_of(&meta) == prev.mtime
        {
            return Ok(Staged::Unchanged(*prev));
        }
        let (tmp, meta) = write_temp(&dest, bytes, self.pid)?;
        Ok(Staged::Written {
            tmp,
            entry: Entry {
                hash,
                size,
                mtime: mtime_of(&meta),
            },
        })
    }

    /// Writes a new file at `dest` in a fresh build, making its folder first if
    /// this build has not (asking the file system first, rather than trying the
    /// file and making the folder on failure, saves a failed lookup per page).
    /// The file must not exist: two producers of one path are a collision.
    fn write_placed(&self, dest: &Path, bytes: &[u8]) -> io::Result<fs::Metadata> {
        let dir = dest.parent().expect("an output file has a folder");
        if dir != self.out {
            let made = self
                .made
                .lock()
                .expect("stager lock")
                .get_mut(dir)
                .map(|used| *used = true)
                .is_some();
            if !made {
                fs::create_dir_all(dir)?;
                self.made
                    .lock()
                    .expect("stager lock")
                    .insert(dir.to_path_buf(), true);
            }
        }
        let mut f = fs::File::create_new(dest)?;
        f.write_all(bytes)
            .and_then(|_| f.metadata())
            .inspect_err(|_| {
                // Half a file this build made: not left for the next one to find.
                let _ = fs::remove_file(dest);
            })
    }
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
    fn a_build_that_fails_while_staging_leaves_the_folder_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_recorded(&out, &[file("a.html", "A")], || Some("R\n".into())).unwrap();
        // `x` is a file, so `x/y.html` cannot be written.
        fs::write(out.join("x"), "").unwrap();
        let before = fs::read(out.join(MANIFEST)).unwrap();
        let failed = write_recorded(
            &out,
            &[
                file("a.html", "B"),
                file("b/c.html", "C"),
                file("x/y.html", "Y"),
            ],
            || Some("T\n".into()),
        );
        assert!(failed.is_err());
        // Nothing was renamed into place: the record still describes the folder.
        assert_eq!(fs::read(out.join("a.html")).unwrap(), b"A");
        assert_eq!(fs::read(out.join(MANIFEST)).unwrap(), before);
        assert_eq!(recorded(&out).as_deref(), Some("R\n"));
        let mut left: Vec<String> = walkdir::WalkDir::new(&out)
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| {
                e.path()
                    .strip_prefix(&out)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["", MANIFEST, "a.html", "x"],
            "temporary files or folders left"
        );
    }

    #[test]
    fn a_staged_file_the_build_then_dropped_is_not_published() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let stager = Stager::begin(&out).unwrap();
        let _dropped = stager.stage(file("robots.txt", "generated"), false);
        let stats = stager.commit(&[file("a.html", "A")], || None).unwrap();
        assert_eq!(stats.written, 1);
        assert!(!out.join("robots.txt").exists());
        assert!(!temp_path(&out.join("robots.txt"), std::process::id()).exists());
    }

    #[test]
    fn a_staged_file_the_build_then_dropped_over_a_published_site_is_neither_published_nor_listed()
    {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&out, &[file("old.html", "O"), file("same.html", "S")]).unwrap();
        let stager = Stager::begin(&out).unwrap();
        assert!(!stager.fresh);
        let _dropped = stager.stage(file("robots.txt", "generated"), false);
        let page = stager.stage(file("a/index.html", "A"), false);
        let stats = stager
            .commit(&[file("same.html", "S"), page], || None)
            .unwrap();
        assert_eq!((stats.written, stats.unchanged, stats.removed), (1, 1, 1));
        assert!(!out.join("robots.txt").exists());
        assert!(!temp_path(&out.join("robots.txt"), std::process::id()).exists());
        assert!(!out.join("old.html").exists());
        let manifest = fs::read_to_string(out.join(MANIFEST)).unwrap();
        let listed: Vec<String> = parse_entries(&manifest).map(|(p, _)| p).collect();
        assert_eq!(listed, ["a/index.html", "same.html"]);
    }

    #[test]
    fn a_failed_build_into_a_new_folder_leaves_no_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let stager = Stager::begin(&out).unwrap();
        let kept = stager.stage(file("a/b/index.html", "A"), false);
        assert!(matches!(kept.body, Body::Staged));
        assert!(out.join("a/b").is_dir());
        drop(stager);
        assert!(!out.exists(), "the failed build left its output folder");
    }

    #[test]
    fn folders_made_ahead_are_used_and_the_unused_one_removed_at_commit() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let mut stager = Stager::begin(&out).unwrap();
        stager.make_folders(vec![
            "a/index.html".into(),
            "b/c/index.html".into(),
            "index.html".into(),
            "../outside/index.html".into(),
        ]);
        // A second call's folders come after the first's.
        stager.make_folders(vec!["a/index.html".into(), "d/index.html".into()]);
        stager.join_ahead();
        assert_eq!(tree(&out), [MANIFEST, "a", "b", "b/c", "d"]);
        assert!(!dir.path().join("outside").exists());
        let page = stager.stage(file("a/index.html", "A"), false);
        let files = [page, file("b/c/index.html", "C")];
        stager.commit(&files, || None).unwrap();
        // No file went to d/: the folder made for it goes with the build.
        assert_eq!(
            tree(&out),
            [MANIFEST, "a", "a/index.html", "b", "b/c", "b/c/index.html"]
        );
    }

    #[test]
    fn folders_made_ahead_for_a_build_that_fails_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let stager = Stager::begin(&out).unwrap();
        stager.make_folders(vec!["a/index.html".into(), "b/c/index.html".into()]);
        let _ = stager.stage(file("a/index.html", "A"), false);
        drop(stager);
        assert!(!out.exists(), "the failed build left its output folder");
    }

    #[test]
    fn no_folder_is_made_ahead_over_a_published_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&out, &[file("x.css", "X")]).unwrap();
        let mut stager = Stager::begin(&out).unwrap();
        stager.make_folders(vec!["a/index.html".into()]);
        stager.join_ahead();
        assert!(!out.join("a").exists());
    }

    #[test]
    fn staged_pages_are_committed_with_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        // A published site: pages are staged under temporary names.
        write(&out, &[file("old.html", "O")]).unwrap();
        let stager = Stager::begin(&out).unwrap();
        let page = stager.stage(file("a/index.html", "A"), false);
        let kept = stager.stage(file("b/index.html", "B"), true);
        assert!(
            matches!(kept.body, Body::Bytes(_)),
            "keep_body kept no bytes"
        );
        // Staged, not yet in place.
        assert!(!out.join("a/index.html").exists());
        let stats = stager
            .commit(&[page, kept, file("c.css", "C")], || None)
            .unwrap();
        assert_eq!(stats.written, 3);
        assert_eq!(stats.removed, 1);
        assert_eq!(fs::read(out.join("a/index.html")).unwrap(), b"A");
        assert_eq!(fs::read(out.join("b/index.html")).unwrap(), b"B");
        assert_eq!(fs::read(out.join("c.css")).unwrap(), b"C");
    }

    /// Every path below `out`, relative, sorted (folders too).
    fn tree(out: &Path) -> Vec<String> {
        let mut left: Vec<String> = walkdir::WalkDir::new(out)
            .min_depth(1)
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| crate::cache::rel_path(out, e.path()).unwrap())
            .collect();
        left.sort();
        left
    }

    #[test]
    fn into_an_empty_folder_files_go_straight_to_their_names() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir(&out).unwrap();
        let stager = Stager::begin(&out).unwrap();
        assert!(stager.fresh);
        let page = stager.stage(file("a/b/index.html", "A"), false);
        // In place at once, under its own name: no temporary file.
        assert_eq!(fs::read(out.join("a/b/index.html")).unwrap(), b"A");
        assert_eq!(tree(&out), [MANIFEST, "a", "a/b", "a/b/index.html"]);
        let stats = stager
            .commit(&[page, file("c.css", "C")], || Some("R\n".into()))
            .unwrap();
        assert_eq!(stats.written, 2);
        assert_eq!(fs::read(out.join("c.css")).unwrap(), b"C");
        // The manifest describes the files: the next build finds them unchanged.
        assert_eq!(recorded(&out).as_deref(), Some("R\n"));
        let again = write(&out, &[file("a/b/index.html", "A"), file("c.css", "C")]).unwrap();
        assert_eq!(again.unchanged, 2);
    }

    #[test]
    fn a_fresh_build_that_fails_removes_what_it_wrote_and_keeps_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir(&out).unwrap();
        let stager = Stager::begin(&out).unwrap();
        let _ = stager.stage(file("a/b/index.html", "A"), false);
        let _ = stager.stage(file("c.html", "C"), false);
        drop(stager);
        assert!(out.is_dir(), "the folder was there before the build");
        assert_eq!(tree(&out), Vec::<String>::new());
    }

    #[test]
    fn a_fresh_build_with_two_files_at_one_path_fails_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let stager = Stager::begin(&out).unwrap();
        let a = stager.stage(file("a.html", "1"), false);
        let b = stager.stage(file("a.html", "2"), false);
        assert!(stager.commit(&[a, b], || None).is_err());
        assert!(!out.exists());
    }

    #[test]
    fn files_of_a_killed_fresh_build_are_the_next_builds_to_replace() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let stager = Stager::begin(&out).unwrap();
        let _ = stager.stage(file("a/index.html", "half"), false);
        let _ = stager.stage(file("gone/index.html", "G"), false);
        // Killed: neither commit nor drop runs.
        std::mem::forget(stager);
        assert_eq!(recorded(&out), None);
        let stats =
            write_recorded(&out, &[file("a/index.html", "A")], || Some("R\n".into())).unwrap();
        assert_eq!((stats.written, stats.removed), (1, 1));
        assert_eq!(tree(&out), [MANIFEST, "a", "a/index.html"]);
        assert_eq!(fs::read(out.join("a/index.html")).unwrap(), b"A");
        assert_eq!(recorded(&out).as_deref(), Some("R\n"));
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
