#!/usr/bin/env python3
"""Live-reload latency of `minhbach serve` on a large site.

Copies a benchmark site (default bench/out/c10k, made by
`python3 ../shared/bench/gen_corpus.py bench/out/c10k --articles 10000`) to a
temporary folder, starts `minhbach serve` on a free loopback port, listens to
the live-reload event stream like a browser tab, then edits articles and
measures, from just before the file is written:

  event  the reload event naming the edited page arrives
  page   the page, fetched again, shows the edit (what a person sees)

Two kinds of edit: a paragraph added to the body (the page alone changes, and
lists if its summary or reading time changed), and a new title (the lists that
show the page change too; their reload event is timed as `lists`).

Usage: python3 bench/live_reload.py [SITE] [--edits N] [--bin PATH]
Loopback only; everything it starts it stops.
"""

import argparse
import http.client
import json
import os
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listen(port, events, stop):
    """Reads the server-sent events, putting (time, name, data) on `events`."""
    s = socket.create_connection(("127.0.0.1", port), timeout=600)
    s.sendall(b"GET /__minhbach/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
    f = s.makefile("rb")
    name = None
    while not stop.is_set():
        line = f.readline()
        if not line:
            break
        now = time.perf_counter()
        line = line.decode("utf-8").rstrip("\r\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: ") and name:
            events.put((now, name, line[6:]))
            name = None
    s.close()


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read().decode("utf-8", "replace")
    c.close()
    return r.status, body


def wait_for(events, pred, timeout):
    end = time.perf_counter() + timeout
    while True:
        left = end - time.perf_counter()
        if left <= 0:
            return None
        try:
            t, name, data = events.get(timeout=left)
        except queue.Empty:
            return None
        if pred(name, data):
            return t


def drain(events, quiet_for=0.4):
    """Lets the follow-up of the last edit finish, and forgets its events."""
    while True:
        try:
            events.get(timeout=quiet_for)
        except queue.Empty:
            return


def summary(label, xs):
    xs = sorted(xs)
    if not xs:
        return f"{label}: no samples"
    p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
    return (f"{label}: median {statistics.median(xs):.1f} ms, p90 {p90:.1f} ms, "
            f"max {xs[-1]:.1f} ms (n={len(xs)})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site", nargs="?", default=os.path.join(REPO, "bench/out/c10k"))
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--bin", default=os.path.join(REPO, "target/release/minhbach"))
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.site, "site-config.toml")):
        sys.exit(f"no site at {args.site}; make it with ../shared/bench/gen_corpus.py")
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"no binary at {args.bin}; run `cargo build --release`")

    tmp = tempfile.mkdtemp(prefix="minhbach-live-")
    site = os.path.join(tmp, "site")
    shutil.copytree(args.site, site, ignore=shutil.ignore_patterns("public"))
    section = os.path.join(site, "content", "tin-tuc")
    articles = sorted(f for f in os.listdir(section) if f.endswith(".md") and f != "_index.md")
    port = free_port()
    log = open(os.path.join(tmp, "serve.log"), "w+")
    t_start = time.perf_counter()
    proc = subprocess.Popen([args.bin, "serve", "--root", site, "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    stop = threading.Event()
    try:
        # Wait for the first build.
        deadline = time.time() + 300
        while time.time() < deadline:
            log.seek(0)
            if "Serving at" in log.read():
                break
            if proc.poll() is not None:
                log.seek(0)
                sys.exit("serve stopped:\n" + log.read())
            time.sleep(0.05)
        first_build = time.perf_counter() - t_start
        events = queue.Queue()
        threading.Thread(target=listen, args=(port, events, stop), daemon=True).start()
        time.sleep(0.5)
        # The stages for single-page rebuilds are kept right after the first
        # build; give them time before the first edit.
        time.sleep(2.0)
        drain(events)

        body_event, body_page, title_event, title_page, title_lists = [], [], [], [], []
        # Published articles only (the corpus has drafts and future-dated ones).
        step = max(1, len(articles) // (4 * args.edits + 1))
        picks = [a for a in articles[step::step] if get(port, f"/tin-tuc/{a[:-3]}/")[0] == 200]
        picks = picks[: 2 * args.edits]
        for k, name in enumerate(picks):
            path = os.path.join(section, name)
            url = f"/tin-tuc/{name[:-3]}/"
            with open(path, encoding="utf-8") as f:
                text = f.read()
            marker = f"Đoạn chỉnh sửa số {k} lúc {time.time():.3f}."
            title_edit = k % 2 == 1
            if title_edit:
                # A new title: the page and every list that shows it change.
                rest = text.split("\n", 2)[2]
                new = f"+++\ntitle = \"{marker}\"\n" + rest
            else:
                new = text.rstrip("\n") + f"\n\n{marker}\n"
            t0 = time.perf_counter()
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
            t_event = wait_for(events, lambda n, d: n == "reload" and url in json.loads(d), 10)
            if t_event is None:
                print(f"no reload event for {url}", file=sys.stderr)
                continue
            status, html = get(port, url)
            t_page = time.perf_counter()
            if status != 200 or marker not in html:
                print(f"{url}: the edit is not in the page (status {status})", file=sys.stderr)
                continue
            if title_edit:
                t_lists = wait_for(
                    events, lambda n, d: n == "reload" and any(p != url for p in json.loads(d)), 10)
                title_event.append((t_event - t0) * 1000)
                title_page.append((t_page - t0) * 1000)
                if t_lists is not None:
                    title_lists.append((t_lists - t0) * 1000)
            else:
                body_event.append((t_event - t0) * 1000)
                body_page.append((t_page - t0) * 1000)
            drain(events)

        log.seek(0)
        log_text = log.read()
        lines = [l for l in log_text.splitlines() if l.startswith("Rebuilt ")]
        print(f"site: {args.site} ({len(articles)} articles); first build and serve: {first_build:.1f} s")
        print(summary("body edit   → reload event", body_event))
        print(summary("body edit   → page shows it", body_page))
        print(summary("title edit  → reload event", title_event))
        print(summary("title edit  → page shows it", title_page))
        print(summary("title edit  → lists reloaded", title_lists))
        errors = [l for l in log_text.splitlines() if l.startswith("error")]
        if errors:
            print(f"the server reported {len(errors)} errors, the first: {errors[0]}")
        print("server's own log (last 3):")
        for l in lines[-3:]:
            print("  " + l)
    finally:
        stop.set()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
