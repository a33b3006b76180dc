#!/usr/bin/env python3
"""Benchmark minhbach against Hugo on the shared Vietnamese corpus.

Usage:  python3 bench/run.py [--articles 10000] [--runs 3] [--scale] [--no-hugo] [--no-pgo]

Generates the corpus (../shared/bench/gen_corpus.py) and its Hugo twin under
bench/out/, builds minhbach in release mode, and again with profile-guided
optimisation (bench/pgo.py, trained on other sites than the one measured;
skipped with --no-pgo or where no matching llvm-profdata can be had),
installs Hugo from Debian's packages if it is missing, then times, each
several times (medians):

  * minhbach (the PGO build where there is one): clean build into an empty
    folder (search off), and the plain release build's clean build beside
    it; rebuild with
    nothing changed, rebuild after editing one article, peak memory; the
    same build with the search index, and the stage times (from
    MINHBACH_TIMINGS);
  * `cp -r` of minhbach's own output into a new folder (the floor);
  * Hugo: clean build into an empty folder and rebuild over its output;
  * with --scale: a 100k-article corpus (medians too), to show no step
    grows faster than the site, with its stage times;
  * the clean builds and `cp -r` again into memory (/dev/shm), to show the
    processors' share apart from the disk's;
  * at the end, what touching new memory costs gigabyte by gigabyte, which
    on this VM moves the larger build's figure most.

Every timed clean run (of any tool) starts with an empty folder on an idle
disk: earlier outputs are moved aside rather than deleted until the end
(see `fresh`), and what earlier runs left to write is flushed first.

It prints the figures, the ratios and whether each target of the
performance issue is met, and beside the figures on disk the seconds in
which some task waited on the disk (Linux's /proc/pressure/io): a run whose
disk stalled says so. Nothing here is a test: it measures.
"""
import argparse
import fcntl
import mmap
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import pgo
from corpora import OUT, ROOT, corpus, one_article, restored, with_search

PLAIN_BIN = os.path.join(ROOT, "target", "release", "minhbach")
# The binary measured: the PGO build (bench/pgo.py) where this machine can
# make one, else the plain release build; `main` decides.
BIN = PLAIN_BIN


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def io_stalled():
    """Seconds, since boot, in which some task waited on the disk (Linux's
    pressure stall information); None where the kernel does not tell."""
    try:
        with open("/proc/pressure/io") as f:
            for line in f:
                if line.startswith("some "):
                    return int(line.rsplit("total=", 1)[1]) / 1e6
    except (OSError, ValueError, IndexError):
        pass
    return None


# Seconds stalled on the disk during each named set of runs (medians), to
# print beside the figures: on this VM the disk's moods move the on-disk
# figures by a factor of two from one run to the next (BENCHMARKS.md).
STALLS = {}


def timed(cmd, cwd=None, env=None):
    """Wall seconds and peak RSS (MB) of one run of `cmd`; the seconds in
    which something waited on the disk meanwhile go to `timed.stalled`."""
    before = io_stalled()
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = io_stalled()
    timed.stalled = after - before if before is not None and after is not None else None
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    peak_kb = int(p.stderr.strip().splitlines()[-1])
    return wall, peak_kb / 1024, p.stderr


TRASH = os.path.join(OUT, ".trash")


def settle_disk(timeout=60):
    """Flushes what earlier runs left to write and waits until it is
    written, so that no timed run pays for another's writes."""
    os.sync()
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        meminfo = open("/proc/meminfo").read()
        dirty = sum(int(m.group(1)) for m in re.finditer(r"^(?:Dirty|Writeback):\s+(\d+) kB", meminfo, re.M))
        if dirty < 8 * 1024:
            break
        time.sleep(0.2)
        os.sync()
    time.sleep(1)


def fresh(path):
    """An empty place for an output folder, for every tool's clean runs
    alike. The earlier output is moved aside, not deleted: on ext4 without
    a journal (this VM's disk) a file deleted less than a minute ago (six
    when its inode table is not yet written) cannot lend its inode to a new
    file, and the allocator scans past every such inode for each file it
    creates. Creating 13 000 files right after deleting 13 000 then takes
    several times longer, whichever tool does it."""
    moved = None
    if os.path.exists(path):
        os.makedirs(TRASH, exist_ok=True)
        moved = os.path.join(TRASH, str(len(os.listdir(TRASH))))
        os.rename(path, moved)
    settle_disk()
    if moved:
        drop_cached(moved)


def drop_cached(folder):
    """Asks the kernel to drop the written (clean) pages of every file under
    `folder` from the page cache. An output moved aside stays in memory
    until the script deletes it at its end: three 100 000-article outputs
    are 6 GB, and in the fourteenth session each run's later 100 000-article
    builds, made with those piling up, took up to twice the first's time.
    Dropped, every timed run starts with the same memory free (which did
    not make the slow builds go away: BENCHMARKS.md, run D)."""
    for d, _, files in os.walk(folder):
        for f in files:
            try:
                fd = os.open(os.path.join(d, f), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


EMPTIED = os.path.join(OUT, ".trash-emptied")
# How long ext4 without a journal keeps a deleted inode out of use when the
# block of the inode table that holds it is dirty (60 s, plus 300 s while it
# is not written): creating a file beside it dirties that block, so a build
# that creates many files scans past every inode deleted in the last six
# minutes, not only in the last one.
INODE_QUARANTINE = 370


def empty_trash():
    """Deletes the outputs moved aside, noting when."""
    if os.path.isdir(TRASH):
        shutil.rmtree(TRASH)
        settle_disk()
        with open(EMPTIED, "w") as f:
            f.write(f"{time.time()}\n")


def wait_for_inodes():
    """Before timing anything: waits until the inodes deleted last (by this
    run or the one before) are old enough not to slow file creation down.
    Called after the binaries are built, so that the build's minutes count
    towards the wait and whatever the build deletes comes before it."""
    if os.path.exists(EMPTIED):
        try:
            since = time.time() - float(open(EMPTIED).read())
        except ValueError:
            since = 0
        if since < INODE_QUARANTINE:
            wait = INODE_QUARANTINE - since
            print(f"waiting {wait:.0f} s for the inodes deleted {since:.0f} s ago to be reusable", flush=True)
            time.sleep(wait)


def warm_inputs(site):
    """Reads every input file once, as the earlier runs did for the 10 000
    articles: the runs before (Hugo's outputs, the search index) can push
    the larger corpus out of the page cache, and reading 870 MB back from
    the disk (about 3 s here) is no part of the build's own cost."""
    for d, _, files in os.walk(site):
        if os.path.basename(d) == "public" or "/public/" in d:
            continue
        for f in files:
            with open(os.path.join(d, f), "rb") as fh:
                while fh.read(1 << 20):
                    pass


def median_runs(runs, fn, label=None):
    results, stalls = [], []
    for _ in range(runs):
        results.append(fn())
        stalls.append(timed.stalled)
    if label and None not in stalls:
        STALLS[label] = statistics.median(stalls)
    return statistics.median(r[0] for r in results), max(r[1] for r in results), results[-1][2]


def stalled(label):
    """`, disk stalls 0.42 s` for a set of runs, when the kernel told."""
    return f", disk stalls {STALLS[label]:.2f} s" if label in STALLS else ""


def ensure_hugo():
    if shutil.which("hugo"):
        return True
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "hugo"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return shutil.which("hugo") is not None


def minhbach_figures(site, runs):
    out = os.path.join(site, "public")

    def clean():
        fresh(out)
        return timed([BIN, "build", "--root", site])

    with_search(site, False)
    clean_t, clean_mem, _ = median_runs(runs, clean, "minhbach clean")
    re_t, re_mem, re_log = median_runs(runs, lambda: timed([BIN, "build", "--root", site]))
    files = sum(len(f) for _, _, f in os.walk(out))

    # One article edited (a paragraph added) before each build.
    article = one_article(site)
    edits = iter(range(1000))
    with restored(article) as original:
        def edited():
            with open(article, "w", encoding="utf-8") as f:
                f.write(original + f"\nĐoạn thêm số {next(edits)} để đo.\n")
            return timed([BIN, "build", "--root", site])

        edit_t, edit_mem, _ = median_runs(runs, edited)
    timed([BIN, "build", "--root", site])

    def copy():
        dest = os.path.join(OUT, "cp-floor")
        fresh(dest)
        return timed(["cp", "-r", out, dest])

    cp_t, _, _ = median_runs(runs, copy, "cp -r")
    fresh(os.path.join(OUT, "cp-floor"))

    # The plain `cargo build --release` binary's clean build, beside the
    # PGO one's: what a build from the README's command takes.
    plain_t = None
    if BIN != PLAIN_BIN:
        def plain_clean():
            fresh(out)
            return timed([PLAIN_BIN, "build", "--root", site])

        plain_t, _, _ = median_runs(runs, plain_clean, "plain clean")

    env = dict(os.environ, MINHBACH_TIMINGS="1")
    fresh(out)
    _, _, log = timed([BIN, "build", "--root", site], env=env)
    stages = stage_times(log)

    with_search(site, True)
    search_t, search_mem, _ = median_runs(1, clean)
    with_search(site, False)
    pf = pagefind_cli_figure(out)
    return {
        "pagefind_cli": pf,
        "clean": clean_t, "clean_mem": clean_mem, "rebuild": re_t, "rebuild_mem": re_mem,
        "up_to_date": "Up to date" in re_log, "edit": edit_t, "edit_mem": edit_mem,
        "cp": cp_t, "plain": plain_t, "files": files, "stages": stages, "search": search_t, "search_mem": search_mem,
    }


PAGEFIND = "1.6.0"  # the version minhbach builds in (Cargo.lock)


def pagefind_cli_figure(out):
    """Pagefind's own command line (the release minhbach uses as a library,
    from the npm registry) indexing the pages minhbach just built: what any
    site pays for the same index, e.g. Hugo's build followed by Pagefind.
    None when npm is missing or the install fails."""
    prefix = os.path.join(OUT, "npm")
    exe = os.path.join(prefix, "node_modules", "@pagefind", "linux-x64", "bin", "pagefind_extended")
    if not os.path.exists(exe):
        if not shutil.which("npm"):
            return None
        subprocess.run(["npm", "install", "--silent", "--prefix", prefix, f"@pagefind/linux-x64@{PAGEFIND}"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.path.exists(exe):
            return None
    dest = os.path.join(OUT, "pagefind-cli")
    fresh(dest)
    t, mem, _ = timed([exe, "--site", out, "--output-path", dest, "--quiet"])
    fresh(dest)
    return t, mem


def hugo_figures(site, runs):
    out = os.path.join(site, "public")

    def clean():
        shutil.rmtree(os.path.join(site, "resources"), ignore_errors=True)
        fresh(out)
        return timed(["hugo", "--quiet"], cwd=site)

    clean_t, clean_mem, _ = median_runs(runs, clean, "hugo clean")
    re_t, re_mem, _ = median_runs(runs, lambda: timed(["hugo", "--quiet"], cwd=site))
    files = sum(len(f) for _, _, f in os.walk(out))
    return {"clean": clean_t, "clean_mem": clean_mem, "rebuild": re_t, "rebuild_mem": re_mem, "files": files}


def scale_figures(big, runs):
    """The clean build of the larger corpus at `big`, timed as the 10 000-article
    one is (the median of `runs`, each into an empty folder): one run alone
    is at the mercy of the machine's moods, and its ratio to a median says
    little. Each run reports its stages; those of the median run are kept."""
    with_search(big, False)
    out = os.path.join(big, "public")
    warm_inputs(big)
    env = dict(os.environ, MINHBACH_TIMINGS="1")
    logs = []

    def clean():
        fresh(out)
        r = timed([BIN, "build", "--root", big], env=env)
        logs.append((r[0], r[2]))
        return r

    t, mem, _ = median_runs(runs, clean, "scale")
    log = min(logs, key=lambda r: abs(r[0] - t))[1]
    # The floor at this size: what creating the same files costs anyone. One
    # run (two million kilobytes a copy): it says how the file system and the
    # machine scale, which the 10x target takes for granted.
    dest = os.path.join(OUT, "cp-floor-scale")
    fresh(dest)
    cp_t = timed(["cp", "-r", out, dest])[0]
    fresh(dest)
    return {"clean": t, "clean_mem": mem, "each": [r[0] for r in logs], "stages": stage_times(log), "cp": cp_t}


def stage_times(log):
    """The stage times MINHBACH_TIMINGS prints, by stage: the wall time in
    ms, and after a slash the processor time of all threads where it was
    printed (two busy cores give twice the wall time)."""
    times = {}
    for m in re.finditer(r"^\s+(\S[^\n]*?)\s+([\d.]+) ms(?:\s+(\d+) ms processor)?(?:  .*)?$", log, re.M):
        times[m.group(1).strip()] = f"{float(m.group(2)):.0f}" + (f"/{m.group(3)}" if m.group(3) else "")
    return times


def touch(m, start, end):
    """Seconds to write one byte to each 4 KB page of `m` from `start` to `end`."""
    t = time.perf_counter()
    for i in range(start, end, 4096):
        m[i] = 1
    return time.perf_counter() - t


def fresh_memory_cost(mb=256, tries=3):
    """What this machine takes to hand a program memory it has not touched
    yet (first write to each page), in seconds per GB, for small (4 KB) and
    huge (2 MB) pages: the best and worst of a few tries. On a virtual
    machine the host may back the memory only then, and take it back soon
    after it is freed; a build holding 2 GB (100 000 articles) pays this for
    each GB (why minhbach's allocator asks for no huge pages: BENCHMARKS.md)."""
    size = mb << 20
    costs = {}
    for label, advice in (("4 KB", getattr(mmap, "MADV_NOHUGEPAGE", None)), ("huge", getattr(mmap, "MADV_HUGEPAGE", None))):
        if advice is None:
            continue
        runs = []
        for _ in range(tries):
            m = mmap.mmap(-1, size)
            m.madvise(advice)
            runs.append(touch(m, 0, size) * 1024 / mb)
            m.close()
        costs[label] = f"{min(runs):.2f}-{max(runs):.2f} s/GB"
    return ", ".join(f"{k} pages {v}" for k, v in costs.items()) or "not measured"


def fresh_memory_by_gb(gbs=3):
    """Seconds to touch each of `gbs` gigabytes of new memory, one after the
    other, in one mapping: on this VM the first one to three come at the
    price the small probe above sees, each further one at up to twenty times
    that (the host has taken it back: BENCHMARKS.md, "What the machine does
    to these figures"). Measured last, when it can slow nothing timed."""
    m = mmap.mmap(-1, gbs << 30)
    if hasattr(mmap, "MADV_NOHUGEPAGE"):
        m.madvise(mmap.MADV_NOHUGEPAGE)
    times = [touch(m, g << 30, (g + 1) << 30) for g in range(gbs)]
    m.close()
    return ", ".join(f"{t:.2f}" for t in times)


def tmpfs_figures(site_m, site_h, runs):
    """The same clean builds into memory (/dev/shm): what the processors
    take, without the disk. Printed apart from the targets' figures."""
    shm = "/dev/shm"
    if not os.path.isdir(shm):
        return None
    m_out, h_out, cp_out = (os.path.join(shm, f"minhbach-bench-{k}") for k in ("m", "h", "cp"))

    def m_clean():
        shutil.rmtree(m_out, ignore_errors=True)
        return timed([BIN, "build", "--root", site_m, "--output", m_out])

    def cp():
        shutil.rmtree(cp_out, ignore_errors=True)
        return timed(["cp", "-r", m_out, cp_out])

    res = {"m": median_runs(runs, m_clean)[:2], "cp": median_runs(runs, cp)[0]}
    if site_h:
        def h_clean():
            shutil.rmtree(os.path.join(site_h, "resources"), ignore_errors=True)
            shutil.rmtree(h_out, ignore_errors=True)
            return timed(["hugo", "--quiet", "--destination", h_out], cwd=site_h)

        res["h"] = median_runs(runs, h_clean)[:2]
    for d in (m_out, h_out, cp_out):
        shutil.rmtree(d, ignore_errors=True)
    return res


def verdict(ok):
    return "met" if ok else "NOT met"


def target(name, measured, goal, ok):
    print(f"  {name:<34} {measured:<26} {goal:<22} {verdict(ok)}")


def only_run():
    """Holds bench/out/.lock for the rest of the process, or exits: two runs
    at once time each other's builds, and each deletes the outputs the other
    is deleting (in the twenty-first session both runs' deletions failed)."""
    lock = open(os.path.join(OUT, ".lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit("bench/run.py: another run is under way (it holds bench/out/.lock)")
    return lock


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scale", action="store_true", help="also build 100k articles")
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--no-pgo", action="store_true", help="measure the plain release build only")
    a = ap.parse_args()

    os.makedirs(OUT, exist_ok=True)
    lock = only_run()  # noqa: F841 (held until the process exits)
    empty_trash()
    sh(["cargo", "build", "--release", "-q"], cwd=ROOT)
    global BIN
    BIN = (None if a.no_pgo else pgo.build()) or PLAIN_BIN
    site = corpus(a.articles, "zola")
    # Every corpus the run uses is made (or mended, which deletes) before the wait.
    hugo_site = None if a.no_hugo else corpus(a.articles, "hugo")
    big_site = corpus(a.articles * 10, "zola") if a.scale else None
    wait_for_inodes()
    print(f"binary: {os.path.relpath(BIN, ROOT)} ({'release build with PGO, bench/pgo.py' if BIN != PLAIN_BIN else 'plain release build'})")
    print(f"machine: {os.cpu_count()} cores; corpus: {a.articles} articles; {a.runs} runs each, medians")
    print(f"fresh memory (first touch): {fresh_memory_cost()}\n")

    m = minhbach_figures(site, a.runs)
    print(f"minhbach clean build (no search)  {m['clean']:7.2f} s   peak {m['clean_mem']:6.0f} MB   {m['files']} files{stalled('minhbach clean')}")
    if m["plain"] is not None:
        print(f"  the same, plain release build   {m['plain']:7.2f} s{stalled('plain clean')}")
    print(f"minhbach rebuild, nothing changed {m['rebuild']:7.2f} s   peak {m['rebuild_mem']:6.0f} MB   {'(up to date: nothing built)' if m['up_to_date'] else '(built)'}")
    print(f"minhbach rebuild, one article edit{m['edit']:7.2f} s   peak {m['edit_mem']:6.0f} MB")
    print(f"cp -r of minhbach's output        {m['cp']:7.2f} s   {stalled('cp -r')[2:]}")
    print(f"minhbach clean build with search  {m['search']:7.2f} s   peak {m['search_mem']:6.0f} MB   (search adds {m['search'] - m['clean']:.2f} s)")
    if m["pagefind_cli"]:
        print(f"Pagefind {PAGEFIND}'s CLI on those pages  {m['pagefind_cli'][0]:7.2f} s   peak {m['pagefind_cli'][1]:6.0f} MB   (the same index built apart)")
    print("stages of one clean build (ms, wall/processor):  " + ", ".join(f"{k} {v}" for k, v in m["stages"].items()))

    h = None
    if not a.no_hugo and ensure_hugo():
        hv = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.strip()
        h = hugo_figures(hugo_site, a.runs)
        print(f"\n{hv}")
        print(f"hugo clean build                  {h['clean']:7.2f} s   peak {h['clean_mem']:6.0f} MB   {h['files']} files{stalled('hugo clean')}")
        print(f"hugo rebuild over its output      {h['rebuild']:7.2f} s   peak {h['rebuild_mem']:6.0f} MB")
    elif not a.no_hugo:
        print("\nhugo: not available (apt-get install hugo failed)")

    t = tmpfs_figures(site, hugo_site if h else None, a.runs)
    if t:
        print("\ninto memory (/dev/shm, no disk: the processors' share)")
        print(f"minhbach clean build              {t['m'][0]:7.2f} s   peak {t['m'][1]:6.0f} MB")
        if "h" in t:
            print(f"hugo clean build                  {t['h'][0]:7.2f} s   peak {t['h'][1]:6.0f} MB   (minhbach = {t['m'][0] / t['h'][0]:.3f} of it)")
        print(f"cp -r of minhbach's output        {t['cp']:7.2f} s   (minhbach = {t['m'][0] / t['cp']:.2f}x)")

    print(f"\nload average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\ntargets                              measured                   target                 verdict")
    if h:
        target("clean build vs Hugo's", f"{m['clean']:.2f} s = {m['clean'] / h['clean']:.3f}", "<= 1/5 (0.200)", m["clean"] * 5 <= h["clean"])
        if m["plain"] is not None:
            print(f"  {'':<34} (plain release build: {m['plain']:.2f} s = {m['plain'] / h['clean']:.3f})")
        target("rebuild, nothing changed, vs Hugo's", f"{m['rebuild']:.2f} s = {m['rebuild'] / h['rebuild']:.3f}", "<= 1/10 (0.100)", m["rebuild"] * 10 <= h["rebuild"])
    target("clean build vs cp -r", f"{m['clean']:.2f} s = {m['clean'] / m['cp']:.2f}x", "<= 1.5x", m["clean"] <= 1.5 * m["cp"])
    target("peak memory (clean build)", f"{m['clean_mem']:.0f} MB", "<= 400 MB", m["clean_mem"] <= 400)
    pf = f"; Pagefind's CLI alone {m['pagefind_cli'][0]:.2f} s" if m["pagefind_cli"] else ""
    print(f"  {'search index adds (no target)':<34} {m['search'] - m['clean']:.2f} s, peak {m['search_mem']:.0f} MB{pf}")

    if a.scale:
        big = scale_figures(big_site, a.runs)
        t, mem = big["clean"], big["clean_mem"]
        target(f"{a.articles * 10} articles vs {a.articles}", f"{t:.2f} s = {t / m['clean']:.1f}x, {mem:.0f} MB", "<= 10x", t <= 10 * m["clean"])
        each = ", ".join(f"{r:.2f}" for r in big["each"])
        print(f"  {'':<34} (runs {each} s{stalled('scale')}; fresh memory then: {fresh_memory_cost()})")
        print(f"  {'':<34} stages of the median run (ms, wall/processor): " + ", ".join(f"{k} {v}" for k, v in big["stages"].items()))
        print(f"  {'':<34} cp -r of its output (one run): {big['cp']:.2f} s = {big['cp'] / m['cp']:.1f}x the cp -r of the {a.articles}-article output")
    empty_trash()
    print(f"\nfresh memory at the end, gigabyte by gigabyte (s): {fresh_memory_by_gb()}")


if __name__ == "__main__":
    main()
