#!/usr/bin/env bash
# Installs what the quality gate needs, idempotently and quietly:
#   Debian: chromium, nginx, fonts, and a Java runtime (17+) for vnu.jar;
#   npm (tests/quality/node_modules, from the committed package-lock.json):
#   playwright-core, axe-core, vnu-jar, parse5.
# Installs from Debian's packages need root; when something is missing and we
# are not root, prints the command to run and fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

log() { printf '%s\n' "quality/install: $*"; }

# --- Debian packages -------------------------------------------------------
missing=()
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for pkg in chromium nginx fonts-dejavu-core fonts-liberation; do
  installed "$pkg" || missing+=("$pkg")
done
java_ok() {
  command -v java >/dev/null 2>&1 || return 1
  local v
  v="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  [ -n "$v" ] && [ "$v" -ge 17 ]
}
java_ok || missing+=(default-jre-headless)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]}"
    log "run as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
  fi
  log "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v chromium >/dev/null || { log "chromium is not on PATH after installing"; exit 1; }
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || { log "nginx is not installed"; exit 1; }
java_ok || { log "need Java 17 or newer for vnu.jar (java -version: $(java -version 2>&1 | head -n1))"; exit 1; }

# --- npm packages ----------------------------------------------------------
command -v node >/dev/null && command -v npm >/dev/null || { log "need node (20+) and npm"; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || { log "need node 20 or newer, have $(node --version)"; exit 1; }
stamp="$here/node_modules/.quality-lock-sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "npm ci in tests/quality"
  # playwright-core downloads nothing; the variable makes sure of it.
  (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error --no-progress >/dev/null)
  printf '%s\n' "$want" >"$stamp"
fi
