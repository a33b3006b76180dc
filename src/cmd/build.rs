//! `minhbach build`: renders the whole site, then writes it; a failed render
//! writes nothing, so the published site stays as it was.

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
    // The record of the last build lives in the output folder, which the
    // config names; a config that does not load is reported by `generate`.
    let mut snapshot = None;
    if let Ok(site) = config::load(&opts.root, opts.base_url.as_deref()) {
        let out = output_dir(&site, output);
        // A refused output folder is reported after the pipeline's errors.
        let check = match check_output_dir(&site.root, &out) {
            Ok(()) => cache::check(opts, &out, now),
            Err(_) => Check::Stale(cache::Snapshot::none()),
        };
        match check {
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
                });
            }
            Check::Stale(s) => snapshot = Some(s),
        }
    }
    let timings = std::env::var_os("MINHBACH_TIMINGS").is_some();
    if timings {
        eprintln!("  {:<24} {:>8.1} ms", "record check", ms(start.elapsed()));
    }
    let crate::Generated {
        site,
        files,
        page_count,
        stages,
    } = generate(opts)?;
    // The intermediate stages serve `serve` and `check`; a build only writes
    // files, so free them first: peak memory is the files alone.
    drop(stages);
    let out = output_dir(&site, output);
    check_output_dir(&site.root, &out)?;
    let writing = Instant::now();
    // The inputs are hashed for the record while the files are written (the
    // one reads, the other mostly waits on the disk).
    let stats = std::thread::scope(|scope| {
        let digest = snapshot.map(|s| {
            scope.spawn(move || {
                let t = Instant::now();
                let d = s.digest(now);
                if timings {
                    eprintln!(
                        "  {:<24} {:>8.1} ms",
                        "record (while writing)",
                        ms(t.elapsed())
                    );
                }
                d
            })
        });
        output::write_recorded(&out, &files, || {
            let d = digest?.join().ok()??;
            Some(d.record(page_count, files.len()))
        })
    })
    .map_err(|e| Diagnostic::file(&out, format!("cannot write the site: {e}")))?;
    if timings {
        eprintln!("  {:<24} {:>8.1} ms", "write", ms(writing.elapsed()));
    }
    Ok(Summary {
        pages: page_count,
        files: files.len(),
        output: out,
        stats,
        elapsed: start.elapsed(),
        up_to_date: false,
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
