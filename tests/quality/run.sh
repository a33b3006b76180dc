#!/usr/bin/env bash
# The quality gate: builds the demo portal, serves it with nginx on loopback
# and checks it in a real browser.
#
#   bash tests/quality/run.sh               # the whole gate (what CI runs)
#   bash tests/quality/run.sh --self-test   # breaks a scratch copy of the output
#                                           # and shows that every check fails
# Options:
#   --no-install     do not run install.sh (everything is already there)
#   --keep           keep the temporary folder (output, nginx logs, reports)
#   --site DIR       check this already built output instead of building the demo
#                    (built with the base_url of site-config.toml; the base-path
#                    link check, which needs its own build, is skipped)
#
# Checks (each one runs even when an earlier one failed):
#   server     nginx serves the pages, the 404 page with status 404, CSS as text/css
#   links      internal links, images and #anchors of every page, also in a build
#              with a base path prefix (check-links.mjs)
#   vnu        the Nu Html Checker: --errors-only on every HTML file, --svg on every SVG file
#   browser    headless Debian Chromium via playwright-core: every page loads without
#              console errors or failed requests, charts visible, print hides the
#              navigation, no sideways scrolling at 360 px, axe-core finds no
#              WCAG 2.x A/AA or best-practice violation (browser.mjs)
# The last line is "quality: N passed, M failed"; the exit status is 1 if any failed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

install=1 keep=0 selftest=0 given_site=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) install=0 ;;
    --keep) keep=1 ;;
    --self-test) selftest=1 ;;
    --site) [ $# -ge 2 ] || { echo "run.sh: --site needs a folder" >&2; exit 2; }
            given_site="$(cd "$2" && pwd)"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

t_start=$(date +%s)
[ "$install" = 1 ] && bash "$here/install.sh"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/minhbach-quality.XXXXXX")"
chmod 755 "$tmp" # nginx workers (user nobody when started as root) read the site from here
nginx_pid=""
cleanup() {
  if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  if [ "$keep" = 1 ]; then echo "quality: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

VNU_JAR="${VNU_JAR:-$here/node_modules/vnu-jar/build/dist/vnu.jar}"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

# The site's base_url (top-level key, so before the first table header).
base_url="$(sed -n '/^\[/q; s/^base_url *= *"\([^"]*\)".*/\1/p' "$repo/site-config.toml")"
[ -n "$base_url" ] || { echo "quality: no base_url in site-config.toml" >&2; exit 1; }
# The search page is being added by another change: while it is missing,
# links and the search form pointing to it are warnings, not errors.
pending_search="tim-kiem/"

build() { # build OUTPUT [--base-url URL]
  local out="$1"; shift
  (cd "$repo" && cargo run --release -q -- build --output "$out" "$@")
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start_nginx() { # start_nginx SITE_DIR BASE_PATH -> sets port, nginx_pid
  local site="$1" bpath="$2" conf="$tmp/nginx"
  mkdir -p "$conf"
  chmod -R a+rX "$site" # whatever the umask, the workers (nobody, under root) can read it
  port="$(free_port)"
  local loc
  if [ "$bpath" = "/" ]; then
    loc="root $site; location / { try_files \$uri \$uri/ =404; } error_page 404 /404.html;"
  else
    loc="location ^~ $bpath { alias $site/; } error_page 404 ${bpath}404.html;"
  fi
  cat >"$conf/nginx.conf" <<EOF
# Minimal nginx for the quality gate: one worker, loopback only, everything in $conf.
daemon off;
worker_processes 1;
pid $conf/nginx.pid;
error_log $conf/error.log warn;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  charset utf-8;
  access_log $conf/access.log;
  client_body_temp_path $conf/body;
  proxy_temp_path $conf/proxy;
  fastcgi_temp_path $conf/fastcgi;
  uwsgi_temp_path $conf/uwsgi;
  scgi_temp_path $conf/scgi;
  server {
    listen 127.0.0.1:$port;
    server_name localhost;
    index index.html;
    $loc
  }
}
EOF
  "$NGINX" -p "$conf" -c "$conf/nginx.conf" -e "$conf/error.log" &
  nginx_pid=$!
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    kill -0 "$nginx_pid" 2>/dev/null || { echo "quality: nginx did not start:"; cat "$conf/error.log"; return 1; }
    sleep 0.1
  done
  echo "quality: nginx $("$NGINX" -v 2>&1 | sed 's/.*\///') (pid $nginx_pid) serves $site at http://127.0.0.1:$port$bpath"
}

# --- checks ---------------------------------------------------------------
passed=0 failed=0 failed_names=()
run_check() { # run_check NAME CMD...: runs, shows output, counts
  local name="$1"; shift
  local t0=$SECONDS rc=0
  echo
  echo "== $name"
  "$@" || rc=$?
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1)); echo "-- $name: PASS ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1)); failed_names+=("$name"); echo "-- $name: FAIL (exit $rc, $((SECONDS - t0)) s)"
  fi
}

check_server() { # HTTP basics of the nginx setup
  node --input-type=module -e '
    const base = process.argv[1];
    let bad = 0;
    const expect = async (path, status, type, body) => {
      const r = await fetch(new URL(path, base), { redirect: "manual" });
      const t = await r.text();
      const ct = r.headers.get("content-type") || "";
      const ok = r.status === status && new RegExp(type).test(ct) && (!body || t.includes(body));
      console.log(`${ok ? "ok" : "error"}: GET ${path} -> ${r.status} ${ct}${ok ? "" : ` (expected ${status} ${type}${body ? ` with "${body}"` : ""})`}`);
      if (!ok) bad++;
    };
    await expect("", 200, "^text/html", "<main");
    await expect("style.css", 200, "^text/css");
    await expect("favicon.svg", 200, "^image/svg\\+xml");
    await expect("atom.xml", 200, "xml", "<feed");
    await expect("khong-co-trang-nay/", 404, "^text/html", "Không tìm thấy trang");
    process.exit(bad ? 1 : 0);
  ' "$1"
}

check_vnu() { # check_vnu SITE_DIR
  local site="$1" rc=0 n_html n_svg
  n_html="$(find "$site" -name '*.html' | wc -l)"
  n_svg="$(find "$site" -name '*.svg' | wc -l)"
  echo "vnu $(java -jar "$VNU_JAR" --version): $n_html HTML files (inline chart SVG included), $n_svg SVG files"
  java -jar "$VNU_JAR" --errors-only --format gnu --skip-non-html "$site" 2>&1 | sed "s|\"file:$site/|\"|" || rc=1
  if [ "$n_svg" -gt 0 ]; then
    find "$site" -name '*.svg' -print0 | xargs -0 java -jar "$VNU_JAR" --errors-only --svg --format gnu 2>&1 | sed "s|\"file:$site/|\"|" || rc=1
  fi
  [ "$rc" -eq 0 ] && echo "vnu: 0 errors"
  return "$rc"
}

check_links() { # check_links SITE_DIR BASE_URL
  node "$here/check-links.mjs" --root "$1" --base-url "$2" --pending "$pending_search"
}

check_browser() { # check_browser SITE_DIR URL [ARGS...]
  local site="$1" url="$2"; shift 2
  node "$here/browser.mjs" --root "$site" --url "$url" "$@"
}

base_path() { node -e 'let p=new URL(process.argv[1]).pathname; if(!p.endsWith("/")) p+="/"; console.log(p)' "$1"; }

finish() { # finish LABEL
  local secs=$(( $(date +%s) - t_start ))
  echo
  [ "$failed" -gt 0 ] && echo "$1 failed: ${failed_names[*]}"
  echo "$1 took ${secs} s"
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# --- the gate ----------------------------------------------------------------
bpath="$(base_path "$base_url")"
site="$tmp/site"
if [ -n "$given_site" ]; then
  echo "quality: checking $given_site (not building)"
  cp -a "$given_site" "$site" # a copy: nginx's workers must be able to read it
else
  echo "quality: building the demo portal into $site"
  build "$site"
fi

if [ "$selftest" = 1 ]; then
  # Break a scratch copy of the output; every check must notice.
  # shellcheck source=selftest.sh
  source "$here/selftest.sh"
  exit $?
fi

start_nginx "$site" "$bpath"
url="http://127.0.0.1:$port$bpath"
run_check server check_server "$url"
run_check links check_links "$site" "$base_url"
if [ -z "$given_site" ]; then
  prefixed="$tmp/site-prefixed" prefix_url="https://example.gov.vn/cong-thong-tin/"
  build "$prefixed" --base-url "$prefix_url"
  run_check "links (base path ${prefix_url})" check_links "$prefixed" "$prefix_url"
fi
run_check vnu check_vnu "$site"
run_check browser check_browser "$site" "$url" --axe all --require-kinds
finish quality
