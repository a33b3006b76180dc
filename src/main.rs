//! The `minhbach` command line: parses arguments and reports results.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use minhbach::{Options, cmd, diag::Diagnostics};

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
    /// Load, parse and render everything, write nothing, report every problem.
    Check {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long)]
        drafts: bool,
    },
    /// Build, then serve the site on loopback.
    Serve {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, default_value_t = 1111)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        #[arg(long)]
        drafts: bool,
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

fn fail(errors: Diagnostics) -> ExitCode {
    eprint!("{errors}");
    eprintln!(
        "{} error{} found; nothing was written.",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
            match cmd::build::run(&opts, output.as_deref()) {
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
                Err(e) => fail(e),
            }
        }
        Command::Check { root, drafts } => match cmd::check::run(&Options {
            root,
            drafts,
            base_url: None,
            now: None,
        }) {
            Ok(n) => {
                eprintln!("Checked {n} pages: no problems found.");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        Command::Serve {
            root,
            port,
            bind,
            drafts,
            output,
        } => {
            let opts = Options {
                root,
                drafts,
                base_url: None,
                now: None,
            };
            match cmd::serve::run(&opts, SocketAddr::new(bind, port), output.as_deref()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }
    }
}
