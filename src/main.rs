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

// jemalloc's options, read when it starts (`_RJEM_MALLOC_CONF` in the
// environment still overrides them). Its arenas and metadata are given
// transparent huge pages where the kernel allows them (Debian's default is
// "madvise", which this asks for): a build touches some 280 MB, and with
// 4 KiB pages it took 73 000 page faults and as many TLB misses. On 10 000
// articles: 5 000 faults, 11% less CPU time, 15 MB more peak memory
// (BENCHMARKS.md).
#[allow(non_upper_case_globals)]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static malloc_conf: &[u8; 31] = b"thp:always,metadata_thp:always\0";

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
