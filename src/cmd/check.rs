//! `minhbach check`: runs every stage but the writing, and reports every
//! problem found in one run.

use crate::diag::Diagnostics;
use crate::{Options, generate};

/// The number of pages checked, or every problem found.
pub fn run(opts: &Options) -> Result<usize, Diagnostics> {
    generate(opts).map(|g| g.page_count)
}
