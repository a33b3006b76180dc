//! `minhbach build`: renders the whole site, then writes it; a failed render
//! writes nothing, so the published site stays as it was.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::diag::{Diagnostic, Diagnostics};
use crate::output::{self, WriteStats};
use crate::{Options, generate};

#[derive(Debug)]
pub struct Summary {
    pub pages: usize,
    pub files: usize,
    pub output: PathBuf,
    pub stats: WriteStats,
    pub elapsed: Duration,
}

/// Builds the site below `opts.root` into `output` (default: the config's `output_dir`).
pub fn run(opts: &Options, output: Option<&Path>) -> Result<Summary, Diagnostics> {
    let start = Instant::now();
    let crate::Generated {
        site,
        files,
        page_count,
        stages,
    } = generate(opts)?;
    // The intermediate stages serve `serve` and `check`; a build only writes
    // files, so free them first: peak memory is the files alone.
    drop(stages);
    let out = match output {
        Some(o) if o.is_absolute() => o.to_path_buf(),
        Some(o) => std::env::current_dir()
            .map(|d| d.join(o))
            .unwrap_or_else(|_| o.to_path_buf()),
        None => site.root.join(&site.config.output_dir),
    };
    check_output_dir(&site.root, &out)?;
    let stats = output::write(&out, &files)
        .map_err(|e| Diagnostic::file(&out, format!("cannot write the site: {e}")))?;
    Ok(Summary {
        pages: page_count,
        files: files.len(),
        output: out,
        stats,
        elapsed: start.elapsed(),
    })
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
