#!/usr/bin/env bash
# Runs each fuzz target with cargo-fuzz (libFuzzer + AddressSanitizer) for a
# bounded time: `bash fuzz/run.sh [seconds per target]` (default 60).
#
# Targets (fuzz/fuzz_targets/, checks in fuzz/checks.rs):
#   front_matter  content::split_front_matter, then the front matter as TOML
#   shortcode     markdown::parse_shortcode (and its round trip), markdown::render
#   data_files    data::parse (entities, indicator TOML and CSV from text), then
#                 every chart and table of what loaded
#
# Only the stable toolchain is installed here. cargo-fuzz needs -Z flags
# (sanitizers, coverage); RUSTC_BOOTSTRAP=1 lets stable rustc take them.
# Each target reads fuzz/seeds/<t>/ and fuzz/regressions/<t>/ and keeps what
# it finds in fuzz/corpus/<t>/ (not in git). A crash is saved in
# fuzz/artifacts/<t>/: copy it to fuzz/regressions/<t>/, where tests/fuzz.rs
# runs it with every `cargo test`, and fix the bug.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
targets=(front_matter shortcode data_files)

if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build 2>&1 | tail -n 3

status=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/regressions/$t"
    log="fuzz/artifacts/$t.log"
    mkdir -p fuzz/artifacts
    echo "== $t: ${seconds}s"
    if cargo fuzz run "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" "fuzz/regressions/$t" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 >"$log" 2>&1; then
        runs=$(grep -Eo '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
        cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 || true)
        summary+=("$t: no crash, $runs inputs, $cov")
    else
        status=1
        grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -n 20 || true
        summary+=("$t: CRASH (see $log; the input is in fuzz/artifacts/$t/)")
    fi
done
printf '%s\n' "${summary[@]}"
exit "$status"
