# shellcheck shell=bash disable=SC2154 # variables and functions come from run.sh
# Sourced by run.sh --self-test, after the demo was built into $site.
# Copies the output to a scratch folder, breaks one thing per page, serves the
# broken copy with nginx, runs every check on it and expects each breakage to
# be reported, with the check's own message. The repository is not touched.

scratch="$tmp/scratch"
cp -a "$site" "$scratch"
echo "self-test: breaking a scratch copy in $scratch"

# Pages to break, found by what they contain so content edits don't break the self-test.
first_with() { # first_with REGEX [PATH-FILTER] -> the first HTML file (relative) whose text matches
  (cd "$scratch" && grep -rlE --include='*.html' "$1" . | sed 's|^\./||' | grep -F -- "${2:-.html}" | sort | head -n1)
}
p_alt="$(first_with 'class="lead-photo"')"                  # an article with a lead photo
p_alt2="$(first_with 'class="card-media"' /)"               # a list with card images, not the home
p_link="index.html"                                          # the home page
p_js="$(first_with 'class="article conference"')"           # a conference
p_chart="$(first_with 'class="chart-svg')"                  # a page with a chart
p_print="$(first_with 'class="article model"')"             # a model
p_wide="$(cd "$scratch" && ls chi-so/index.html 2>/dev/null || first_with 'class="indicator-grid"')" # indicators
for v in p_alt p_alt2 p_link p_js p_chart p_print p_wide; do
  [ -n "${!v}" ] && [ -f "$scratch/${!v}" ] || { echo "self-test: found no page for $v"; exit 1; }
done

edit() { # edit FILE PERL-SUBSTITUTION: must change the file
  local f="$scratch/$1" before
  before="$(sha256sum "$f")"
  perl -0pi -e "$2" "$f"
  [ "$(sha256sum "$f")" != "$before" ] || { echo "self-test: could not edit $1 with $2"; exit 1; }
}
# 1. missing alts: the lead photo (axe; vnu allows it, as the figure has a caption)
#    and a card image outside any figure (vnu; axe skips it, the card's image link is aria-hidden)
edit "$p_alt" 's/(<figure class="lead-photo">\s*<img\b[^>]*?)\s+alt="[^"]*"/$1/'
edit "$p_alt2" 's/(<a class="card-media"[^>]*><img\b[^>]*?)\s+alt="[^"]*"/$1/'
# 2. a broken link, a broken #anchor and a missing image (links; browser: failed request, image)
edit "$p_link" "s|</main>|<p><a href=\"${bpath}khong-ton-tai/\">Liên kết hỏng</a> <a href=\"#khong-co-muc-nay\">Neo hỏng</a> <img src=\"${bpath}anh-khong-co.png\" alt=\"Ảnh không có\"></p></main>|"
# 3. a script error (browser: console)
edit "$p_js" 's|</main>|<script>khongCoHamNay();</script></main>|'
# 4. hidden charts (browser: charts)
edit "$p_chart" 's|</head>|<style>svg.chart-svg { display: none; }</style></head>|'
# 5. no print stylesheet (browser: print hides the navigation)
edit "$p_print" 's|<link rel="stylesheet" href="[^"]*print\.css" media="print">||'
# 6. something 900 px wide (browser: layout at 360 px)
edit "$p_wide" 's|</main>|<div style="width: 900px">Bảng quá rộng</div></main>|'
cat <<EOF
self-test: broke
  $p_alt: removed the alt of the lead photo
  $p_alt2: removed the alt of the first card image
  $p_link: added a link to ${bpath}khong-ton-tai/, a link to #khong-co-muc-nay, an image ${bpath}anh-khong-co.png
  $p_js: added <script>khongCoHamNay();</script>
  $p_chart: hid svg.chart-svg
  $p_print: removed the print stylesheet
  $p_wide: added a 900 px wide block
EOF

start_nginx "$scratch" "$bpath"
url="http://127.0.0.1:$port$bpath"

# Run each checker once on the broken copy; each must fail.
out_links="$tmp/selftest-links.txt" out_vnu="$tmp/selftest-vnu.txt" out_browser="$tmp/selftest-browser.txt"
rc_links=0 rc_vnu=0 rc_browser=0
check_links "$scratch" "$base_url" >"$out_links" 2>&1 || rc_links=$?
check_vnu "$scratch" >"$out_vnu" 2>&1 || rc_vnu=$?
only=()
for pg in "$p_alt" "$p_alt2" "$p_link" "$p_js" "$p_chart" "$p_print" "$p_wide"; do only+=(--only "$pg"); done
check_browser "$scratch" "$url" --axe all "${only[@]}" >"$out_browser" 2>&1 || rc_browser=$?

expect() { # expect NAME RC FILE FIXED-STRING...: the checker failed and said all the strings
  local name="$1" rc="$2" file="$3"; shift 3
  local missing=()
  for s in "$@"; do grep -qF -- "$s" "$file" || missing+=("$s"); done
  if [ "$rc" -ne 0 ] && [ "${#missing[@]}" -eq 0 ]; then
    passed=$((passed + 1)); echo "ok: $name"
  else
    failed=$((failed + 1)); failed_names+=("$name")
    echo "NOT DETECTED: $name (exit $rc${missing:+, missing: ${missing[*]}})"
  fi
}

echo
echo "== what the checks said about the broken copy"
echo "-- links (exit $rc_links)"; grep -v '^warning:' "$out_links"
echo "-- vnu (exit $rc_vnu)"; cat "$out_vnu"
echo "-- browser (exit $rc_browser)"; cat "$out_browser"
echo
echo "== self-test"
expect "links: broken link" "$rc_links" "$out_links" "$p_link" "khong-ton-tai/" "no such file"
expect "links: broken #anchor" "$rc_links" "$out_links" 'no element with id="khong-co-muc-nay"'
expect "links: missing image" "$rc_links" "$out_links" '<img src> "'"${bpath}"'anh-khong-co.png"'
# shellcheck disable=SC1111 # vnu quotes with “ ”
expect "vnu: img without alt" "$rc_vnu" "$out_vnu" "$p_alt2" "“alt” attribute"
expect "axe: img without alt (lead photo)" "$rc_browser" "$out_browser" "$p_alt: [axe] axe image-alt"
expect "browser: failed request" "$rc_browser" "$out_browser" "$p_link: [requests] HTTP 404" "anh-khong-co.png"
expect "browser: broken image" "$rc_browser" "$out_browser" "$p_link: [images] image did not load"
expect "browser: script error" "$rc_browser" "$out_browser" "$p_js: [console]" "khongCoHamNay"
expect "browser: hidden chart" "$rc_browser" "$out_browser" "$p_chart: [charts] chart"
expect "browser: navigation printed" "$rc_browser" "$out_browser" "$p_print: [print] nav.mainnav is visible in print"
expect "browser: overflow at 360 px" "$rc_browser" "$out_browser" "$p_wide: [layout-360] the document is" "div"
finish self-test
