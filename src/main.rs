//! The `minhbach` command line: parses arguments and reports results.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use minhbach::{Options, cmd, diag::Diagnostics, progress};

// jemalloc keeps freed memory for the next allocation instead of handing it
// back to the system and faulting it in again; on 10 000 articles a clean
// build spends a fifth less time than with glibc's allocator, and the search
// index a third less (BENCHMARKS.md). Pagefind pins the same version.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

// jemalloc runs with its defaults: it does not ask for transparent huge
// pages (`thp:always`, which earlier versions set). On a virtual machine
// that hands freed memory back to its host (free page reporting, as here)
// a huge page's first touch is the costly one: the kernel builds it from
// memory the host has taken back, where small pages mostly come from memory
// just freed. With a few seconds between builds, as builds run, the clean
// build of 10 000 articles took 1.30 s against 1.44 s with huge pages
// (medians of 8, alternating), 100 000 articles 13.0 s against 16.0 s and
// the search index build 32.6 s against 44.1 s; peak memory 242 -> 222 MB
// on 10 000 (BENCHMARKS.md). `_RJEM_MALLOC_CONF=thp:always` still asks for
// them.

// Memory a build frees goes back to the system within a second, by
// jemalloc's own background thread (`dirty_decay_ms:1000`, straight to
// `MADV_DONTNEED` with `muzzy_decay_ms:0`): the kernel then puts the files
// the build writes (their page cache) in it, instead of in memory the
// system has yet to hand out. With the defaults (10 s, then `MADV_FREE`,
// which the kernel reclaims only when short of memory) the bodies each
// article frees once it is written stayed with the process. On 100 000
// articles the build's heap plus the output it had written peaked at
// 3.33-3.36 GB against 3.82-3.94 GB (8.9-9.5 s against 10.2-11.3 s; twice
// each, alternating, into /dev/shm), with no cost on 10 000 (0.89 s against
// 0.93 s into memory, medians of 8, alternating). `_RJEM_MALLOC_CONF` still
// overrides these.
#[repr(transparent)]
struct MallocConf(*const std::ffi::c_char);
// Safety: a pointer to a string literal, never written to.
unsafe impl Sync for MallocConf {}
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: MallocConf =
    MallocConf(c"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0".as_ptr());

#[derive(Parser)]
#[command(
    name = "minhbach",
    version,
    about = "Static-site generator for transparency portals"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder.
    Build {
        /// The site folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write (default: `output_dir` of site-config.toml, relative to the root).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Include drafts and future-dated pages.
        #[arg(long)]
        drafts: bool,
        /// Override `base_url`.
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Load, parse and render everything, check referenced files, write
    /// nothing, report every problem.
    Check {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long)]
        drafts: bool,
        /// Also request every external link (http/https).
        #[arg(long)]
        external: bool,
        /// Seconds one external link may take.
        #[arg(long, default_value_t = 10, value_name = "SECONDS")]
        timeout: u64,
    },
    /// Build, serve the site on loopback, rebuild on changes and reload the browser.
    Serve {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, default_value_t = 1111)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        #[arg(long)]
        drafts: bool,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
    },
    /// Start a draft page: content/<SECTION>/<folded title>.md.
    New {
        /// The section folder below content/, like `tin-tuc`.
        section: String,
        /// The page's title, like "Hội nghị sơ kết cải cách hành chính".
        title: String,
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Start another language's version of a page or section: x.<LANG>.md beside x.md.
    Translate {
        /// The page or section source, like content/tin-tuc/bai-viet.md.
        file: PathBuf,
        /// The language, one of the site's `[languages.<code>]` editions, like `en`.
        lang: String,
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Create a new site (config, a sample article, the default theme) in an empty folder.
    Init {
        /// The folder to create the site in (made if missing; must be empty).
        dir: PathBuf,
    },
}

fn fail(errors: Diagnostics, what: &str) -> ExitCode {
    eprint!("{errors}");
    eprintln!(
        "{} error{} found{what}.",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if std::io::stderr().is_terminal() {
        progress::enable();
    }
    match cli.command {
        Command::Build {
            root,
            output,
            drafts,
            base_url,
        } => {
            let opts = Options {
                root,
                drafts,
                base_url,
                now: None,
            };
            let result = cmd::build::run(&opts, output.as_deref());
            progress::clear();
            match result {
                Ok(s) if s.up_to_date => {
                    eprintln!(
                        "Up to date: {} pages ({} files) in {}, nothing changed since the last build; checked in {:.0?}",
                        s.pages,
                        s.files,
                        s.output.display(),
                        s.elapsed
                    );
                    ExitCode::SUCCESS
                }
                Ok(s) => {
                    eprintln!(
                        "Built {} pages ({} files: {} written, {} unchanged, {} removed) into {} in {:.0?}",
                        s.pages,
                        s.files,
                        s.stats.written,
                        s.stats.unchanged,
                        s.stats.removed,
                        s.output.display(),
                        s.elapsed
                    );
                    s.leftovers.abandon();
                    ExitCode::SUCCESS
                }
                // Only an I/O error while writing (a full disk) comes after
                // the first file is replaced; every file is whole all the same.
                Err(e)
                    if e.0
                        .iter()
                        .any(|d| d.message.starts_with("cannot write the site")) =>
                {
                    fail(
                        e,
                        "; the files written before it are whole, the others are as before",
                    )
                }
                Err(e) => fail(e, "; nothing was written"),
            }
        }
        Command::Check {
            root,
            drafts,
            external,
            timeout,
        } => {
            let opts = Options {
                root,
                drafts,
                base_url: None,
                now: None,
            };
            let check = cmd::check::CheckOptions {
                external,
                timeout: Duration::from_secs(timeout.max(1)),
                ..Default::default()
            };
            let (report, errors) = cmd::check::run_with(&opts, &check);
            progress::clear();
            if !errors.is_empty() {
                eprint!("{errors}");
            }
            if let Some(x) = &report.external {
                eprintln!(
                    "External links: {} checked in {:.1} s, {} broken.",
                    x.links,
                    x.elapsed.as_secs_f64(),
                    x.broken
                );
            }
            if errors.is_empty() {
                eprintln!("Checked {} pages: no problems found.", report.pages);
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "{} error{} found.",
                    errors.len(),
                    if errors.len() == 1 { "" } else { "s" }
                );
                ExitCode::FAILURE
            }
        }
        Command::Serve {
            root,
            port,
            bind,
            drafts,
            open,
        } => {
            let opts = Options {
                root,
                drafts,
                base_url: None,
                now: None,
            };
            let serve = cmd::serve::ServeOptions {
                addr: SocketAddr::new(bind, port),
                open,
            };
            match cmd::serve::run(&opts, &serve) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e, ""),
            }
        }
        Command::New {
            section,
            title,
            root,
        } => match cmd::new::run(&root, &section, &title, cmd::new::vietnam_now()) {
            Ok(file) => {
                eprintln!(
                    "Created {} (a draft: remove `draft = true` to publish)",
                    file.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e, "; nothing was written"),
        },
        Command::Translate { file, lang, root } => match cmd::translate::run(&root, &file, &lang) {
            Ok(created) => {
                eprintln!(
                    "Created {} (a copy of the original to translate{})",
                    created.file.display(),
                    if created.draft {
                        "; a draft until you remove `draft = true`"
                    } else {
                        ": it is published with the next build"
                    }
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e, "; nothing was written"),
        },
        Command::Init { dir } => match cmd::init::run(&dir, cmd::new::vietnam_now()) {
            Ok(n) => {
                eprintln!(
                    "Created a new site in {} ({n} files). Next: cd {} && minhbach serve",
                    dir.display(),
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e, "; nothing was written"),
        },
    }
}
