//! Build record: what a successful build was made from (every input file's
//! size, modification time and content hash, the binary, the build options,
//! the time the next hidden future-dated page comes due), kept in the output
//! folder's manifest, so that a build whose inputs and outputs are all
//! unchanged skips the pipeline and writes nothing.
//!
//! Soundness rests on four rules: the inputs are listed and stat'ed *before*
//! the pipeline reads them (an edit during the build leaves a stale record);
//! a file's hash is recorded only when its size and modification time were
//! the same before and after hashing it, and its modification time is older
//! than the build by more than a file-system clock tick (else a second edit
//! within the same tick could go unnoticed: such files always rebuild); the
//! writer voids the record before it changes the output (a failed or killed
//! build leaves none); and every output file must still have the size and
//! modification time it was written with.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, FixedOffset};
// Each input's path is hashed once per build: foldhash, not SipHash (the
// keys are the site's own paths).
use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use crate::{Options, config, content, output};

/// Every folder below the site root that the pipeline reads. A new kind of
/// input must be added here, or edits to it
/// would not trigger a build.
pub const INPUT_DIRS: &[&str] = &["content", "data", "templates", "themes", "static", "i18n"];
/// The files at the site root that the pipeline reads.
pub const INPUT_FILES: &[&str] = &[config::CONFIG_FILE];

/// A modification time this close to the start of the build (or later) may
/// hide a second edit within the same tick of the file system's clock (two
/// seconds on FAT, a few milliseconds on ext4): such a file's hash is not
/// trusted, and the next build rebuilds.
const RACY_NS: i128 = 2_000_000_000;

/// The first line of a record; a record in any other format is ignored.
const FORMAT: &str = "minhbach-record 2";

/// How the record names an input file or the key: by a hash. The manifest
/// sits in the published folder, and source names (drafts', future pages')
/// and the site's folder on the build machine are not for publishing.
fn name(text: &str) -> String {
    format!("{:032x}", xxh3_128(text.as_bytes()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stat {
    size: u64,
    mtime: i128,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Input {
    stat: Stat,
    /// `None`: not trusted (changed while the build read it, or too recent).
    hash: Option<u64>,
    /// A page's front-matter `date` ([`nanos`]).
    date: Option<i64>,
}

#[derive(Debug, Default, PartialEq)]
struct Record {
    key: String,
    pages: usize,
    files: usize,
    /// The earliest `date` not yet due when the build ran: the build is
    /// stale from then on, since the page it hid must now be published.
    next_due: Option<i64>,
    inputs: BTreeMap<String, Input>,
}

impl Record {
    fn to_text(&self) -> String {
        let mut t = String::with_capacity(self.inputs.len() * 64 + 256);
        let opt = |v: Option<i64>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
        let _ = writeln!(t, "{FORMAT}");
        let _ = writeln!(t, "key {}", self.key);
        let _ = writeln!(t, "pages {}", self.pages);
        let _ = writeln!(t, "files {}", self.files);
        let _ = writeln!(t, "next-due {}", opt(self.next_due));
        for (path, i) in &self.inputs {
            let hash = i
                .hash
                .map_or_else(|| "-".to_string(), |h| format!("{h:016x}"));
            let _ = writeln!(
                t,
                "{hash}\t{}\t{}\t{}\t{path}",
                i.stat.size,
                i.stat.mtime,
                opt(i.date)
            );
        }
        t
    }

    fn parse(text: &str) -> Option<Record> {
        let mut lines = text.lines();
        if lines.next()? != FORMAT {
            return None;
        }
        let mut field = |name: &str| {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name))
                .and_then(|l| l.strip_prefix(' '))
                .map(str::to_string)
        };
        let key = field("key")?;
        let pages = field("pages")?.parse().ok()?;
        let files = field("files")?.parse().ok()?;
        let next_due = match field("next-due")?.as_str() {
            "-" => None,
            d => Some(d.parse().ok()?),
        };
        let mut inputs = BTreeMap::new();
        for l in lines {
            let mut it = l.splitn(5, '\t');
            let hash = match it.next()? {
                "-" => None,
                h => Some(u64::from_str_radix(h, 16).ok()?),
            };
            let size = it.next()?.parse().ok()?;
            let mtime = it.next()?.parse().ok()?;
            let date = match it.next()? {
                "-" => None,
                d => Some(d.parse().ok()?),
            };
            let path = it.next()?.to_string();
            inputs.insert(
                path,
                Input {
                    stat: Stat { size, mtime },
                    hash,
                    date,
                },
            );
        }
        Some(Record {
            key,
            pages,
            files,
            next_due,
            inputs,
        })
    }
}

/// What [`check`] found.
pub enum Check {
    /// The output is what a build would write: nothing to do.
    UpToDate { pages: usize, files: usize },
    /// A build is needed; the snapshot of the inputs taken before it, to
    /// record once the build succeeds ([`Snapshot::digest`]).
    Stale(Snapshot),
}

/// The inputs as they were listed before a build read them.
pub struct Snapshot {
    root: PathBuf,
    /// `None`: some input could not be listed, or the binary is unknown;
    /// such a build leaves no record.
    key: Option<String>,
    /// By [`name`]: path and stat.
    stats: Option<BTreeMap<String, (String, Stat)>>,
    started: i128,
    /// The last record's inputs, whose hashes are reused for unchanged files.
    previous: BTreeMap<String, Input>,
}

/// A snapshot's inputs, hashed: the record of a build, once it succeeded.
pub struct Digest {
    record: Record,
}

impl Digest {
    /// The text stored in the manifest, for a build of `pages` pages into
    /// `files` files.
    pub fn record(mut self, pages: usize, files: usize) -> String {
        self.record.pages = pages;
        self.record.files = files;
        self.record.to_text()
    }
}

fn now_ns() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

fn mtime_ns(meta: &std::fs::Metadata) -> i128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128)
}

fn stat_of(meta: &std::fs::Metadata) -> Stat {
    Stat {
        size: meta.len(),
        mtime: mtime_ns(meta),
    }
}

/// What, besides the input files, decides the output: the binary (its
/// version, and its size and modification time as a build id: the default
/// theme is built into it), the site folder and the options.
fn key(opts: &Options) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&exe).ok()?;
    let root = config::real_root(&opts.root);
    Some(name(&format!(
        "{} {}/{} root={:?} drafts={} base_url={:?}",
        env!("CARGO_PKG_VERSION"),
        meta.len(),
        mtime_ns(&meta),
        root,
        opts.drafts,
        opts.base_url
    )))
}

/// `file` relative to `root`, `/`-separated, as the record names inputs:
/// the listing and what the build saw must agree on it. `None` outside
/// `root` or for a name that is not UTF-8.
pub(crate) fn rel_path(root: &Path, file: &Path) -> Option<String> {
    Some(
        file.strip_prefix(root)
            .ok()?
            .components()
            .map(|c| c.as_os_str().to_str())
            .collect::<Option<Vec<_>>>()?
            .join("/"),
    )
}

/// Every input file below `root`, by [`name`], with its path (relative,
/// `/`-separated), size and modification time (links followed, as the
/// pipeline follows them). `None` when one cannot be listed.
fn list_inputs(root: &Path) -> Option<BTreeMap<String, (String, Stat)>> {
    // The walk reads folders (a file's type comes with its name); each file's
    // metadata is one `stat`, asked on every core: one after the other they
    // were most of a clean build's first 30-50 ms, before anything else ran.
    let mut files = Vec::new();
    for dir in INPUT_DIRS {
        let base = root.join(dir);
        if !base.exists() {
            continue;
        }
        for e in walkdir::WalkDir::new(&base).follow_links(true) {
            let e = e.ok()?;
            if e.file_type().is_file() {
                files.push(e.into_path());
            }
        }
    }
    let mut out: BTreeMap<String, (String, Stat)> = files
        .par_iter()
        .map(|path| {
            let rel = rel_path(root, path)?;
            let stat = stat_of(&std::fs::metadata(path).ok()?);
            Some((name(&rel), (rel, stat)))
        })
        .collect::<Option<_>>()?;
    for file in INPUT_FILES {
        match std::fs::metadata(root.join(file)) {
            Ok(m) => {
                out.insert(name(file), (file.to_string(), stat_of(&m)));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => return None,
        }
    }
    Some(out)
}

/// Nanoseconds since 1970, saturated (a date after 2262 comes due in 2262:
/// early, which costs one needless build, never a missed one).
fn nanos(t: DateTime<FixedOffset>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(if t.timestamp() > 0 {
        i64::MAX
    } else {
        i64::MIN
    })
}

/// The front-matter `date` of a page source (`content/**.md`), in
/// [`nanos`]; `None` for other files and pages without one.
fn page_date(rel: &str, bytes: &[u8]) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct DateOnly {
        date: Option<toml::value::Datetime>,
    }
    if !is_page_source(rel) {
        return None;
    }
    // Only the front matter is read: up to the end of the closing `+++` line
    // (validating the whole file as UTF-8 was a good part of the cost).
    let head = memchr::memmem::find(bytes.get(3..).unwrap_or_default(), b"\n+++").map_or(
        bytes.len(),
        |p| {
            let close = p + 3 + 1;
            bytes[close..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |n| close + n + 1)
        },
    );
    // A `+++x` line ends the head early: the whole file is read then.
    let split = match std::str::from_utf8(&bytes[..head])
        .ok()
        .and_then(|t| content::split_front_matter(t).ok())
    {
        Some(split) => split,
        None => content::split_front_matter(std::str::from_utf8(bytes).ok()?).ok()?,
    };
    let at = |d: &toml::value::Datetime| content::to_datetime(d).map(nanos).map_err(|_| ());
    let parse = |toml: &str| -> Result<Option<i64>, ()> {
        let fm: DateOnly = toml::from_str(toml).map_err(|_| ())?;
        fm.date.as_ref().map(at).transpose()
    };
    // Parsing whole front matters took most of the record's time. A
    // top-level key always starts a line, so the lines assigning a `date`
    // (in any table: the earliest counts, which can only be early) are
    // parsed alone; a line that does not parse alone gives the whole parse.
    let mut earliest: Option<i64> = None;
    for line in split.front_matter.lines() {
        let l = line.trim_start();
        let Some(value) = ["date", "\"date\"", "'date'"]
            .iter()
            .find_map(|k| l.strip_prefix(k))
            .and_then(|rest| rest.trim_start().strip_prefix('='))
        else {
            continue;
        };
        // A bare date or date-time (the usual line) is read as one; what
        // else follows the `=` (a comment, a string) goes to the parser.
        let parsed = match value.trim().parse::<toml::value::Datetime>() {
            Ok(d) => at(&d).map(Some),
            Err(_) => parse(l),
        };
        match parsed {
            Ok(Some(d)) => earliest = Some(earliest.map_or(d, |e| e.min(d))),
            Ok(None) => {}
            Err(()) => return parse(split.front_matter).ok().flatten(),
        }
    }
    earliest
}

/// Whether the output in `out` is what building `opts` at `now` would write.
/// Inputs whose modification time changed but whose bytes did not are
/// recorded again with their new time.
pub fn check(opts: &Options, out: &Path, now: DateTime<FixedOffset>) -> Check {
    let started = now_ns();
    let mut snap = Snapshot {
        root: opts.root.clone(),
        key: key(opts),
        stats: list_inputs(&opts.root),
        started,
        previous: BTreeMap::new(),
    };
    let Some(mut rec) = output::recorded(out).and_then(|t| Record::parse(&t)) else {
        return Check::Stale(snap);
    };
    let fresh = |snap: &Snapshot, rec: &mut Record| -> bool {
        let (Some(key), Some(stats)) = (&snap.key, &snap.stats) else {
            return false;
        };
        if *key != rec.key
            || rec.next_due.is_some_and(|d| nanos(now) >= d)
            || stats.len() != rec.inputs.len()
            || !stats.keys().eq(rec.inputs.keys())
        {
            return false;
        }
        // Per input: `None` stale, `Some(None)` unchanged, `Some(Some(i))`
        // unchanged bytes under a new modification time.
        let pairs: Vec<(&String, &Stat, &Input)> = stats
            .values()
            .zip(rec.inputs.values())
            .map(|((path, stat), prev)| (path, stat, prev))
            .collect();
        let verdicts: Vec<Option<Option<Input>>> = pairs
            .par_iter()
            .map(|&(path, stat, prev)| {
                let hash = prev.hash?;
                if prev.stat == *stat {
                    return Some(None);
                }
                if prev.stat.size != stat.size {
                    return None;
                }
                let file = snap.root.join(path);
                let bytes = std::fs::read(&file).ok()?;
                let after = stat_of(&std::fs::metadata(&file).ok()?);
                if xxh3_64(&bytes) != hash || after != *stat {
                    return None;
                }
                // A recent time is not recorded: the old one keeps the
                // file hashed at every check until it is old enough.
                Some((stat.mtime < started - RACY_NS).then_some(Input {
                    stat: *stat,
                    hash: Some(hash),
                    date: prev.date,
                }))
            })
            .collect();
        let mut updated = false;
        for (v, input) in verdicts.into_iter().zip(rec.inputs.values_mut()) {
            match v {
                None => return false,
                Some(None) => {}
                Some(Some(new)) => {
                    *input = new;
                    updated = true;
                }
            }
        }
        if updated {
            // Failing to store it costs only hashing those files again.
            let _ = output::rerecord(out, &rec.to_text());
        }
        true
    };
    if fresh(&snap, &mut rec) {
        return Check::UpToDate {
            pages: rec.pages,
            files: rec.files,
        };
    }
    snap.previous = rec.inputs;
    Check::Stale(snap)
}

impl Snapshot {
    /// A snapshot that leaves no record.
    pub fn none() -> Snapshot {
        Snapshot {
            root: PathBuf::new(),
            key: None,
            stats: None,
            started: 0,
            previous: BTreeMap::new(),
        }
    }

    /// Whether a build from this snapshot leaves a record.
    pub fn records(&self) -> bool {
        self.key.is_some() && self.stats.is_some()
    }

    /// Hashes the inputs listed before the build (reusing the last record's
    /// hashes where size and modification time are unchanged), except the
    /// Markdown sources, which the build reads anyway: [`Pending::finish`]
    /// takes their hashes from what the build saw ([`Seen`]). `None` when the
    /// build must leave no record. Meant to run while the site is built.
    pub fn digest(self) -> Option<Pending> {
        let key = self.key?;
        let stats = self.stats?;
        let mut inputs = BTreeMap::new();
        let mut sources = Vec::new();
        for (name, (path, stat)) in stats {
            if let Some(prev) = self.previous.get(&name)
                && prev.stat == stat
                && prev.hash.is_some()
            {
                inputs.insert(name, prev.clone());
            } else if is_page_source(&path) {
                sources.push((name, path, stat));
            } else {
                let input = hash_file(&self.root, &path, stat, self.started);
                inputs.insert(name, input);
            }
        }
        Some(Pending {
            root: self.root,
            key,
            started: self.started,
            inputs,
            sources,
        })
    }
}

/// `content/**.md`: read by every build, and the only files with a `date`.
fn is_page_source(rel: &str) -> bool {
    rel.starts_with("content/") && rel.ends_with(".md")
}

/// An input read and hashed here; untrusted when too recent, or when it
/// changed between the listing and the reading.
fn hash_file(root: &Path, path: &str, stat: Stat, started: i128) -> Input {
    let untrusted = Input {
        stat,
        hash: None,
        date: None,
    };
    if stat.mtime >= started - RACY_NS {
        return untrusted;
    }
    let file = root.join(path);
    std::fs::read(&file)
        .ok()
        .and_then(|bytes| {
            let after = stat_of(&std::fs::metadata(&file).ok()?);
            (after == stat).then(|| Input {
                stat,
                hash: Some(xxh3_64(&bytes)),
                date: page_date(path, &bytes),
            })
        })
        .unwrap_or(untrusted)
}

/// The Markdown sources the build read, as it read them: their hash, date
/// and metadata taken on the open file after reading. Filled from the
/// content stage's threads ([`Seen::see`]), so that the record does not read
/// every page a second time (a tenth of a clean build's processor time).
pub struct Seen {
    root: PathBuf,
    inputs: std::sync::Mutex<HashMap<String, Input>>,
}

impl Seen {
    pub fn new(root: &Path) -> Seen {
        Seen {
            root: root.to_path_buf(),
            inputs: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Notes that `file` held `bytes`, with `meta` read after reading them.
    pub fn see(&self, file: &Path, bytes: &[u8], meta: &std::fs::Metadata) {
        let Some(rel) = rel_path(&self.root, file) else {
            return;
        };
        let input = Input {
            stat: stat_of(meta),
            hash: Some(xxh3_64(bytes)),
            date: page_date(&rel, bytes),
        };
        self.inputs.lock().expect("seen lock").insert(rel, input);
    }
}

/// A digest waiting for the Markdown sources' hashes ([`Snapshot::digest`]).
pub struct Pending {
    root: PathBuf,
    key: String,
    started: i128,
    inputs: BTreeMap<String, Input>,
    /// Name, path and listed stat of each Markdown source not hashed yet.
    sources: Vec<(String, String, Stat)>,
}

impl Pending {
    /// Completes the digest with what the build saw of the Markdown sources
    /// (those it did not read, or saw changed since the listing, are read
    /// here as any other input) and finds the next due date after `now`.
    pub fn finish(self, seen: Option<Seen>, now: DateTime<FixedOffset>) -> Digest {
        let mut seen = seen.map_or_else(HashMap::new, |s| {
            s.inputs.into_inner().unwrap_or_else(|e| e.into_inner())
        });
        let (root, started) = (&self.root, self.started);
        let mut inputs = self.inputs;
        inputs.extend(self.sources.into_iter().map(|(name, path, stat)| {
            let input = match seen.remove(&path) {
                // The same size and time as listed before the build read it,
                // and old enough: the bytes hashed are the bytes listed.
                Some(s) if s.stat == stat && stat.mtime < started - RACY_NS => s,
                _ => hash_file(root, &path, stat, started),
            };
            (name, input)
        }));
        // The pipeline hides a page while `date > now`.
        let now = nanos(now);
        let next_due = inputs
            .values()
            .filter_map(|i| i.date)
            .filter(|d| *d > now)
            .min();
        Digest {
            record: Record {
                key: self.key,
                pages: 0,
                files: 0,
                next_due,
                inputs,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_as_written() {
        let mut inputs = BTreeMap::new();
        inputs.insert(
            name("content/tin tức/bài.md"),
            Input {
                stat: Stat {
                    size: 12,
                    mtime: 1_700_000_000_123_456_789,
                },
                hash: Some(0xdead_beef),
                date: Some(1_700_000_000),
            },
        );
        inputs.insert(
            name("static/a.css"),
            Input {
                stat: Stat { size: 0, mtime: 0 },
                hash: None,
                date: None,
            },
        );
        let rec = Record {
            key: "0.1.0 1/2 root=\"/s\" drafts=false base_url=None".into(),
            pages: 3,
            files: 7,
            next_due: Some(1_800_000_000),
            inputs,
        };
        assert_eq!(Record::parse(&rec.to_text()), Some(rec));
    }

    /// A site with one page written an hour ago, listed in a snapshot.
    fn listed_site() -> (tempfile::TempDir, PathBuf, Snapshot) {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("content/a.md");
        std::fs::create_dir_all(page.parent().unwrap()).unwrap();
        std::fs::write(&page, "+++\ntitle = \"a\"\ndate = 2099-01-01\n+++\nx\n").unwrap();
        let hour_ago = SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&page)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
        let opts = Options {
            root: dir.path().to_path_buf(),
            drafts: false,
            base_url: None,
            now: None,
        };
        let now = chrono::Utc::now().fixed_offset();
        let Check::Stale(snap) = check(&opts, &dir.path().join("public"), now) else {
            panic!("a site never built is stale");
        };
        (dir, page, snap)
    }

    fn only_input(d: &Digest) -> &Input {
        assert_eq!(d.record.inputs.len(), 1);
        d.record.inputs.values().next().unwrap()
    }

    #[test]
    fn the_record_takes_a_page_hash_from_what_the_build_read() {
        let (dir, page, snap) = listed_site();
        let seen = Seen::new(dir.path());
        // Bytes other than the file's: the record must hold what was seen,
        // not what a second reading would give.
        let meta = std::fs::metadata(&page).unwrap();
        seen.see(&page, b"+++\ndate = 2098-01-01\n+++\n", &meta);
        let now = chrono::Utc::now().fixed_offset();
        let d = snap.digest().unwrap().finish(Some(seen), now);
        let input = only_input(&d);
        assert_eq!(input.hash, Some(xxh3_64(b"+++\ndate = 2098-01-01\n+++\n")));
        assert_eq!(
            input.date,
            page_date("content/a.md", b"+++\ndate = 2098-01-01\n+++\n")
        );
        assert_eq!(d.record.next_due, input.date);
    }

    #[test]
    fn a_page_the_build_saw_changed_since_the_listing_is_not_trusted() {
        let (dir, page, snap) = listed_site();
        // Edited after the listing, before the content stage read it.
        std::fs::write(&page, "+++\ntitle = \"b, longer\"\n+++\n").unwrap();
        let seen = Seen::new(dir.path());
        let meta = std::fs::metadata(&page).unwrap();
        seen.see(&page, &std::fs::read(&page).unwrap(), &meta);
        let now = chrono::Utc::now().fixed_offset();
        let d = snap.digest().unwrap().finish(Some(seen), now);
        assert_eq!(only_input(&d).hash, None);
    }

    #[test]
    fn a_page_the_build_did_not_see_is_read_for_the_record() {
        let (_dir, page, snap) = listed_site();
        let now = chrono::Utc::now().fixed_offset();
        let d = snap.digest().unwrap().finish(None, now);
        let bytes = std::fs::read(&page).unwrap();
        let input = only_input(&d);
        assert_eq!(input.hash, Some(xxh3_64(&bytes)));
        assert!(input.date.is_some());
    }

    #[test]
    fn a_record_of_another_format_is_ignored() {
        assert_eq!(Record::parse("minhbach-record 0\nkey x\n"), None);
        assert_eq!(Record::parse(""), None);
    }

    #[test]
    fn page_dates_come_from_the_front_matter_of_pages_only() {
        let page = b"+++\ntitle = \"a\"\ndate = 2030-01-02\n+++\nbody date = 2020-01-01\n";
        // Midnight in Hà Nội (+07:00) on 2 January 2030.
        assert_eq!(
            page_date("content/a.md", page),
            Some(1_893_517_200_000_000_000)
        );
        assert_eq!(page_date("static/a.md", page), None);
        assert_eq!(
            page_date("content/b.md", b"+++\ntitle = \"b\"\n+++\n"),
            None
        );
        // The body is not read: a closing line there does not matter.
        let page = b"+++\ndate = 2030-01-02\n+++\nbody\n+++\ndate = 2000-01-01\n\xff";
        assert_eq!(
            page_date("content/e.md", page),
            Some(1_893_517_200_000_000_000)
        );
        let page = b"+++\nx = \"\"\"\n+++x\n\"\"\"\ndate = 2030-01-02\n+++\n";
        assert_eq!(
            page_date("content/f.md", page),
            Some(1_893_517_200_000_000_000)
        );
        // A date in a table counts too (earlier: a needless build at worst).
        let page = b"+++\ndate = 2030-01-02\n[extra]\ndate = 2029-01-01T00:00:00Z\n+++\n";
        assert_eq!(
            page_date("content/c.md", page),
            Some(1_861_920_000_000_000_000)
        );
        // What a line alone does not parse as is read in full.
        let page =
            "+++\n\"date\" = 2030-01-02 # mới\nx = \"\"\"\ndate = ?\n\"\"\"\n+++\n".as_bytes();
        assert_eq!(
            page_date("content/d.md", page),
            Some(1_893_517_200_000_000_000)
        );
    }
}
