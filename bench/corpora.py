"""The benchmark's generated sites, shared by bench/run.py (the sites it
measures) and bench/pgo.py (the site it trains on): where they live, how
they are made, and the one edit both scripts make to an article."""
import contextlib
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench", "gen_corpus.py")
OUT = os.path.join(ROOT, "bench", "out")


def corpus(n, flavor, seed=None):
    """`gen_corpus.py`'s site of `n` articles under bench/out/, made once
    (a `.complete` marker says it was made whole); `seed` None is the
    generator's own default, the benchmark's corpus."""
    name = f"c{n}-{flavor}" + (f"-seed{seed}" if seed is not None else "")
    path = os.path.join(OUT, name)
    marker = os.path.join(path, ".complete")
    if not os.path.exists(marker):
        shutil.rmtree(path, ignore_errors=True)
        args = [sys.executable, SHARED, path, "--articles", str(n), "--flavor", flavor]
        if seed is not None:
            args += ["--seed", str(seed)]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        open(marker, "w").close()
    return path


def with_search(site, on):
    """The corpus config with `search` set; the generator writes none. The
    file is rewritten only when it changes: a new modification time would
    make the next build a full one (minhbach's build record)."""
    cfg = os.path.join(site, "site-config.toml")
    old = open(cfg, encoding="utf-8").read()
    text = re.sub(r"(?m)^search = (true|false)\n", "", old)
    text = f"search = {'true' if on else 'false'}\n" + text
    if text != old:
        open(cfg, "w", encoding="utf-8").write(text)
        # Let the file age past minhbach's 2-second window for recent files.
        time.sleep(2.5)


def one_article(site):
    """A published article of the corpus (the first, by name)."""
    d = os.path.join(site, "content", "tin-tuc")
    for name in sorted(os.listdir(d)):
        path = os.path.join(d, name)
        if name.endswith(".md") and "draft = true" not in open(path, encoding="utf-8").read():
            return path
    sys.exit(f"no article in {d}")


@contextlib.contextmanager
def restored(path):
    """Yields the file's text and writes it back afterwards, whatever the
    block did to the file (an edit measured or trained on)."""
    original = open(path, encoding="utf-8").read()
    try:
        yield original
    finally:
        with open(path, "w", encoding="utf-8") as f:
            f.write(original)
