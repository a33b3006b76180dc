//! Subcommands: each turns command-line options into a run of the pipeline.

pub mod build;
pub mod check;
pub mod init;
pub mod new;
pub mod serve;
pub mod translate;
