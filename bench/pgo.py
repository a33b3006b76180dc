#!/usr/bin/env python3
"""Builds minhbach's release binary with profile-guided optimisation (PGO).

Usage:  python3 bench/pgo.py        # prints the path of the optimised binary

Three steps, each skipped when its result is newer than its inputs:

  1. a release build instrumented to count what runs
     (`-Cprofile-generate`, into target/pgo/gen);
  2. training: that binary builds the demo site (this repository) and a
     2 000-article corpus made with a seed other than the benchmark's
     (gen_corpus.py --seed 7), then rebuilds it after an edit and checks it;
     the counts are merged with LLVM's `llvm-profdata`;
  3. the release build again, laid out and inlined by those counts
     (`-Cprofile-use`, into target/pgo/use).

`cargo build --release` (target/release) is untouched: it is what the README
builds, and works on any machine. `llvm-profdata` must come from the LLVM
release rustc was built with (`rustc -vV`); where it is missing and the
script runs as root, Debian's `llvm-<major>` package is installed. Without it
the script says so and returns nothing, and bench/run.py measures the plain
release build.

Training writes its outputs into memory (/dev/shm) where it can: deleting
files on this VM's disk slows the file creation of the timed runs after it
(BENCHMARKS.md, "What the machine does to these figures").
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from corpora import ROOT, corpus, one_article, restored, with_search

PGO = os.path.join(ROOT, "target", "pgo")
GEN_BIN = os.path.join(PGO, "gen", "release", "minhbach")
USE_BIN = os.path.join(PGO, "use", "release", "minhbach")
RAW = os.path.join(PGO, "raw")
PROFILE = os.path.join(PGO, "minhbach.profdata")
TRAIN_ARTICLES = 2000
TRAIN_SEED = 7  # gen_corpus.py's default is 1: the benchmark's corpus is not the training one


def log(msg):
    print(f"pgo: {msg}", file=sys.stderr, flush=True)


def llvm_major():
    out = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^LLVM version: (\d+)", out, re.M)
    return m.group(1) if m else None


def llvm_profdata():
    """The `llvm-profdata` of rustc's own LLVM release (a profile written by
    one release is not read by another), installing it from Debian if
    needed and allowed."""
    major = llvm_major()
    if not major:
        return None
    candidates = [f"/usr/lib/llvm-{major}/bin/llvm-profdata", shutil.which(f"llvm-profdata-{major}")]
    found = next((c for c in candidates if c and os.path.exists(c)), None)
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        log(f"installing llvm-{major} from Debian for llvm-profdata")
        subprocess.run(["apt-get", "install", "-y", "-qq", f"llvm-{major}"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        found = next((c for c in candidates[:1] if os.path.exists(c)), None)
    if not found:
        log(f"no llvm-profdata for LLVM {major} (Debian package llvm-{major}): no PGO build")
    return found


def cargo_release(target_dir, rustflags):
    env = dict(os.environ, CARGO_TARGET_DIR=target_dir, RUSTFLAGS=rustflags)
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, env=env, check=True)


def mtime(path):
    return os.path.getmtime(path) if os.path.exists(path) else 0.0


def run(args, **kw):
    subprocess.run([GEN_BIN] + args, check=True, stdout=subprocess.DEVNULL, **kw)


def train():
    """The workload the profile describes: what a portal's builds do."""
    shutil.rmtree(RAW, ignore_errors=True)
    os.makedirs(RAW)
    site = corpus(TRAIN_ARTICLES, "zola", seed=TRAIN_SEED)
    # As the benchmark's timed builds: the search index is measured apart.
    with_search(site, False)
    scratch = tempfile.mkdtemp(prefix="minhbach-pgo-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(RAW, "%p-%m.profraw"))
    try:
        run(["build", "--root", ROOT, "--output", os.path.join(scratch, "demo")], env=env)
        out = os.path.join(scratch, "train")
        run(["build", "--root", site, "--output", out], env=env)
        article = one_article(site)
        with restored(article) as original:
            with open(article, "w", encoding="utf-8") as f:
                f.write(original + "\nĐoạn thêm để huấn luyện.\n")
            run(["build", "--root", site, "--output", out], env=env)
        run(["check", "--root", site], env=env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def build():
    """The PGO binary's path, or None when this machine cannot make one."""
    profdata = llvm_profdata()
    if not profdata:
        return None
    log("instrumented release build (target/pgo/gen)")
    cargo_release(os.path.join(PGO, "gen"), f"-Cprofile-generate={RAW}")
    if mtime(GEN_BIN) > mtime(PROFILE):
        log(f"training on the demo site and {TRAIN_ARTICLES} articles (seed {TRAIN_SEED})")
        train()
        raws = [os.path.join(RAW, f) for f in os.listdir(RAW) if f.endswith(".profraw")]
        subprocess.run([profdata, "merge", "-o", PROFILE] + raws, check=True)
        # Every crate is compiled anew against the new profile: cargo does
        # not see that the profile's contents changed.
        shutil.rmtree(os.path.join(PGO, "use"), ignore_errors=True)
    log("optimised release build (target/pgo/use)")
    cargo_release(os.path.join(PGO, "use"), f"-Cprofile-use={PROFILE}")
    return USE_BIN


if __name__ == "__main__":
    path = build()
    if not path:
        sys.exit(1)
    print(path)
