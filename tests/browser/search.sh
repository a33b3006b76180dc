#!/usr/bin/env bash
# Browser test of search: builds the demo portal (plus one test page with
# "Đảng ủy") under the path prefix /portal/, serves it over HTTP on 127.0.0.1
# with a plain static server (python3 -m http.server), and runs search.mjs,
# which drives headless Chromium through playwright-core and checks what each
# search returns.
#
#   tests/browser/search.sh            (CHROMIUM=/path/to/chromium to choose one)
#
# Needs chromium, python3 and node; .ci/run installs Chromium when it is
# missing, and this script installs playwright-core (npm ci) when it is.
set -euo pipefail
cd "$(dirname "$0")/../.."

chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [ -z "$chromium" ]; then
  echo "search.sh: no chromium found (install Debian's chromium, or set CHROMIUM)" >&2
  exit 1
fi

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The demo site, and one page whose words start with đ.
site="$work/site"
mkdir -p "$site"
cp site-config.toml "$site/"
for d in content data static templates themes; do
  if [ -d "$d" ]; then cp -r "$d" "$site/"; fi
done
cp tests/browser/fixtures/dang-uy-phuong-hoan-kiem.md "$site/content/tin-tuc/"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port/portal/"
cargo build --release -q
target/release/minhbach build --root "$site" --output "$work/srv/portal" --base-url "$base"

python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/srv" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  if python3 -c "import urllib.request; urllib.request.urlopen('${base}tim-kiem/')" 2>/dev/null; then break; fi
  sleep 0.1
done

if [ ! -d tests/browser/node_modules/playwright-core ]; then
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
fi
CHROMIUM="$chromium" node tests/browser/search.mjs "$base"
