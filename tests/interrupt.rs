//! Interruption (issue 10): a build killed while it writes (SIGKILL, SIGINT)
//! leaves every output file whole — the earlier build's version or the new
//! one, never a truncated file — and the next build completes, removes the
//! debris and leaves exactly the site it built.
//!
//! The writer first writes every changed file to a temporary name, then
//! renames them all into place in one short burst. A kill while it writes
//! (the long part) therefore leaves the earlier site exactly as it was; only
//! a kill inside the rename burst could leave a mix of whole old and whole
//! new files, which this test tolerates and reports.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Static files per site: enough that writing takes a good part of a second.
const FILES: usize = 2500;
const PAGES: usize = 60;

/// Version `v` ('A' or 'B') of a site with many files. Both versions share
/// most paths with different bytes; each also has files of its own.
fn big_site(root: &Path, v: char) {
    tiny_site(root);
    write(
        root,
        "site-config.toml",
        "title = \"Thử ngắt\"\nbase_url = \"https://example.gov.vn/\"\ntheme = \"t\"\nsearch = false\n",
    );
    write(
        root,
        "content/tin/_index.md",
        "+++\ntitle = \"Tin\"\nsort_by = \"none\"\n+++\n",
    );
    for i in 0..PAGES {
        write(
            root,
            &format!("content/tin/bai-{i:03}.md"),
            format!(
                "+++\ntitle = \"Bài {i} ({v})\"\n+++\n{}\n",
                format!("Phiên bản {v} của bài {i}. ").repeat(30)
            ),
        );
    }
    let line = format!("Tệp tĩnh, phiên bản {v}. ").repeat(40);
    for i in 0..FILES {
        write(
            root,
            &format!("static/tep/{:02}/{i:04}.txt", i % 50),
            format!("{i}\n{line}\n"),
        );
    }
    for i in 0..40 {
        write(
            root,
            &format!("static/rieng-{}/{i}.txt", v.to_ascii_lowercase()),
            format!("{v} {i}\n"),
        );
    }
}

/// A small deterministic generator (xorshift), so runs are repeatable.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn hashes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut tree = read_tree(dir, false);
    tree.retain(|p, _| !p.ends_with(".minhbach-tmp"));
    tree
}

fn start_build(root: &Path, out: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_minhbach"))
        .arg("build")
        .arg("--root")
        .arg(root)
        .arg("--output")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts")
}

fn full_build(root: &Path, out: &Path) {
    let status = start_build(root, out).wait().unwrap();
    assert!(status.success(), "a build after the kill failed: {status}");
}

fn manifest_stamp(out: &Path) -> Option<(u64, std::time::SystemTime)> {
    let m = std::fs::metadata(out.join(MANIFEST)).ok()?;
    Some((m.len(), m.modified().ok()?))
}

/// Whether a build has staged a file under `out` yet (temporary names).
fn staging_begun(out: &Path) -> bool {
    walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().ends_with(".minhbach-tmp"))
}

#[derive(Clone, Copy, Debug)]
enum Signal {
    Kill,
    Int,
}

#[test]
fn killed_builds_leave_the_earlier_site_and_the_next_build_recovers() {
    let tmp = tempfile::tempdir().unwrap();
    let (site_a, site_b) = (tmp.path().join("a"), tmp.path().join("b"));
    big_site(&site_a, 'A');
    big_site(&site_b, 'B');
    // Clean builds: the only versions any output file may have.
    let (clean_a, clean_b) = (tmp.path().join("clean-a"), tmp.path().join("clean-b"));
    full_build(&site_a, &clean_a);
    let started = Instant::now();
    full_build(&site_b, &clean_b);
    let build_time = started.elapsed();
    let (ref_a, ref_b) = (hashes(&clean_a), hashes(&clean_b));
    assert!(ref_a.len() > FILES && ref_b.len() > FILES);

    let out = tmp.path().join("public");
    full_build(&site_a, &out);
    let mut rng = Rng(0x5eed_2024_0601);
    let mut mixed = 0;
    let mut during_writes = 0;
    let mut report = Vec::new();
    // Kill a build of B over A, let B complete; kill a build of A over B,
    // let A complete; and so on, with kills at varied moments.
    for round in 0..6 {
        let (to_site, to_ref, from_ref) = if round % 2 == 0 {
            (&site_b, &ref_b, &ref_a)
        } else {
            (&site_a, &ref_a, &ref_b)
        };
        let signal = if round == 3 {
            Signal::Int
        } else {
            Signal::Kill
        };
        let before = manifest_stamp(&out);
        let mut child = start_build(to_site, &out);
        let t0 = Instant::now();
        if round == 4 {
            // An early moment: while loading and rendering.
            std::thread::sleep(Duration::from_millis(rng.below(40)));
        } else {
            // Wait until writing has begun (the manifest of the files about
            // to be written comes first, then the first staged file: a
            // loaded machine can take a while between them, rendering the
            // cards), then a little more.
            while manifest_stamp(&out) == before && t0.elapsed() < build_time * 4 {
                std::thread::sleep(Duration::from_millis(1));
            }
            while !staging_begun(&out) && t0.elapsed() < build_time * 4 {
                std::thread::sleep(Duration::from_millis(2));
            }
            std::thread::sleep(Duration::from_millis(rng.below(150)));
        }
        match signal {
            Signal::Kill => child.kill().unwrap(),
            Signal::Int => {
                let ok = Command::new("kill")
                    .args(["-INT", &child.id().to_string()])
                    .status()
                    .unwrap()
                    .success();
                assert!(ok, "kill -INT failed");
            }
        }
        let status = child.wait().unwrap();
        let killed_after = t0.elapsed();
        let left = read_tree(&out, false)
            .keys()
            .filter(|p| p.ends_with(".minhbach-tmp"))
            .count();

        // Every file is whole: its bytes are one of the two clean versions.
        let (mut new, mut old) = (0, 0);
        for (path, bytes) in hashes(&out) {
            let is_new = to_ref.get(&path) == Some(&bytes);
            let is_old = from_ref.get(&path) == Some(&bytes);
            assert!(
                is_new || is_old,
                "round {round}: {path} is neither version ({} bytes): truncated or foreign",
                bytes.len()
            );
            if is_new && !is_old {
                new += 1;
            } else if is_old && !is_new {
                old += 1;
            }
        }
        if new > 0 && old > 0 {
            mixed += 1;
        }
        // Killed while staging files (temporary ones left, none renamed yet):
        // the published site must be exactly the earlier one.
        if left > 0 && new == 0 {
            during_writes += 1;
            assert!(
                &hashes(&out) == from_ref,
                "round {round}: killed while writing, yet the earlier site changed"
            );
        }
        report.push(format!(
            "round {round}: {signal:?} after {killed_after:?} ({status}): {new} new files, {old} old files, {left} temporary files"
        ));

        // The next build completes and leaves exactly its site, no debris.
        full_build(to_site, &out);
        let tree = read_tree(&out, false);
        let debris: Vec<&String> = tree
            .keys()
            .filter(|p| p.ends_with(".minhbach-tmp"))
            .collect();
        assert!(debris.is_empty(), "round {round}: debris left: {debris:?}");
        assert!(
            &hashes(&out) == to_ref,
            "round {round}: the build after the kill differs from a clean build"
        );
    }
    eprintln!("{}", report.join("\n"));
    assert!(
        during_writes > 0 || mixed > 0,
        "no kill landed while files were being written:\n{}",
        report.join("\n")
    );
}
