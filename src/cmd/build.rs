//! `minhbach build`: renders the site, handing each page to the writer as it
//! is made, and puts every file in place once all rendered; a failed build
//! leaves the published site as it was.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cache::{self, Check};
use crate::diag::{Diagnostic, Diagnostics};
use crate::output::{self, WriteStats};
use crate::{Options, config, generate};

#[derive(Debug)]
pub struct Summary {
    pub pages: usize,
    pub files: usize,
    pub output: PathBuf,
    pub stats: WriteStats,
    pub elapsed: Duration,
    /// Nothing was built: the inputs, the options and the output were all as
    /// the last build left them ([`cache`]).
    pub up_to_date: bool,
    /// What the files were rendered from, freed with the summary.
    pub leftovers: Leftovers,
}

/// The pipeline's stages a build rendered its files from (every page, its
/// HTML, its views: on 100 000 articles 1.3 GB resident when the last files
/// are written).
/// Dropped, they are freed; a process about to exit lets them go instead
/// ([`Leftovers::abandon`]).
pub struct Leftovers(Option<crate::Stages>);

impl Leftovers {
    /// Leaves the stages unfreed, for the system to take back when the
    /// process exits, all at once. Freed one by one, on the other core while
    /// the last files were written, they competed with that one-core step
    /// (BENCHMARKS.md, nineteenth session).
    pub fn abandon(self) {
        std::mem::forget(self);
    }
}

impl std::fmt::Debug for Leftovers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Leftovers(stages)"
        } else {
            "Leftovers(none)"
        })
    }
}

/// Builds the site below `opts.root` into `output` (default: the config's `output_dir`).
pub fn run(opts: &Options, output: Option<&Path>) -> Result<Summary, Diagnostics> {
    let start = Instant::now();
    // One "now" for the record and the build, so both hide the same pages.
    let now = opts
        .now
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
    let opts = &Options {
        now: Some(now),
        ..opts.clone()
    };
    // The output folder, which holds the record of the last build, must be
    // known and accepted before anything is built: pages are written (under
    // temporary names) while the rest of the site renders.
    let site = match config::load(&opts.root, opts.base_url.as_deref()) {
        Ok(site) => site,
        // The pipeline reports a config that does not load, with the rest.
        Err(e) => {
            generate(opts)?;
            return Err(e);
        }
    };
    let out = output_dir(&site, output);
    if let Err(e) = check_output_dir(&site.root, &out) {
        // A refused output folder is reported after the pipeline's errors.
        generate(opts)?;
        return Err(e.into());
    }
    let snapshot = match cache::check(opts, &out, now) {
        Check::UpToDate { pages, files } => {
            return Ok(Summary {
                pages,
                files,
                output: out,
                stats: WriteStats {
                    written: 0,
                    unchanged: files,
                    removed: 0,
                },
                elapsed: start.elapsed(),
                up_to_date: true,
                leftovers: Leftovers(None),
            });
        }
        Check::Stale(s) => s,
    };
    let timings = std::env::var_os("MINHBACH_TIMINGS").is_some();
    if timings {
        eprintln!("  {:<24} {:>8.1} ms", "record check", ms(start.elapsed()));
    }
    let fail = |e: std::io::Error| Diagnostic::file(&out, format!("cannot write the site: {e}"));
    let stager = output::Stager::begin(&out).map_err(fail)?;
    // The record hashes the Markdown sources as the content stage reads them,
    // and the other inputs on a thread of its own while the site is built.
    let seen = snapshot.records().then(|| cache::Seen::new(&opts.root));
    let (page_count, files, stats, stages) = std::thread::scope(|scope| {
        let digest = scope.spawn(move || {
            let t = Instant::now();
            let d = snapshot.digest();
            if timings {
                eprintln!(
                    "  {:<24} {:>8.1} ms",
                    "record (in parallel)",
                    ms(t.elapsed())
                );
            }
            d
        });
        let crate::Generated {
            files,
            page_count,
            stages,
            ..
        } = crate::generate_into(opts, &stager, seen.as_ref())?;
        let writing = Instant::now();
        // Every input is read by now: the record (a hundredth of a clean
        // build, on one core) is made while the writer finishes its work.
        let file_count = files.len();
        let record = scope.spawn(move || {
            let d = digest.join().ok()??;
            Some(d.finish(seen, now).record(page_count, file_count))
        });
        let stats = stager
            .commit(&files, || record.join().ok().flatten())
            .map_err(fail)?;
        if timings {
            eprintln!(
                "  {:<24} {:>8.1} ms",
                "write (the rest)",
                ms(writing.elapsed())
            );
        }
        Ok::<_, Diagnostics>((page_count, files.len(), stats, stages))
    })?;
    Ok(Summary {
        pages: page_count,
        files,
        output: out,
        stats,
        elapsed: start.elapsed(),
        up_to_date: false,
        leftovers: Leftovers(Some(stages)),
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `output` made absolute, or the config's `output_dir` below the site.
fn output_dir(site: &config::Site, output: Option<&Path>) -> PathBuf {
    match output {
        Some(o) if o.is_absolute() => o.to_path_buf(),
        Some(o) => std::env::current_dir()
            .map(|d| d.join(o))
            .unwrap_or_else(|_| o.to_path_buf()),
        None => site.root.join(&site.config.output_dir),
    }
}

/// The output folder must not be the site itself, hold it, or sit inside
/// one of the folders the site is read from.
fn check_output_dir(root: &Path, out: &Path) -> Result<(), Diagnostic> {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (root, out_abs) = (abs(root), abs(out));
    let bad = root.starts_with(&out_abs)
        || ["content", "data", "static", "templates", "themes"]
            .iter()
            .any(|d| out_abs.starts_with(root.join(d)));
    if bad {
        return Err(Diagnostic::file(
            out,
            "the output folder must not be the site folder, contain it, or lie inside content/, data/, static/, templates/ or themes/",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_may_not_overlap_the_sources() {
        let root = Path::new("/site");
        assert!(check_output_dir(root, Path::new("/site/public")).is_ok());
        assert!(check_output_dir(root, Path::new("/tmp/out")).is_ok());
        assert!(check_output_dir(root, Path::new("/site")).is_err());
        assert!(check_output_dir(root, Path::new("/")).is_err());
        assert!(check_output_dir(root, Path::new("/site/content/x")).is_err());
    }
}
