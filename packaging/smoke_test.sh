#!/usr/bin/env bash
# Exercise the built bundle (python packaging/build.py first):
#   1. the window opens offscreen and exits 0 (leadgen-desktop --smoke), start-up time printed;
#   2. the console `leadgen` runs the offline demo and writes a CSV with a header and 10 rows.
# Usage: packaging/smoke_test.sh [BUNDLE_DIR]   (default: dist/leadgen-desktop next to this folder)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bundle="${1:-$here/../dist/leadgen-desktop}"
bundle="$(cd "$bundle" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Isolate from the user's data, config and keychain; the demo needs no network and no keys.
export HOME="$tmp/home" XDG_DATA_HOME="$tmp/xdg-data" XDG_CONFIG_HOME="$tmp/xdg-config"
export XDG_CACHE_HOME="$tmp/xdg-cache" XDG_STATE_HOME="$tmp/xdg-state"
export PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring
export LEADGEN_DEMO_LATENCY=0
unset LEADGEN_RESOURCES_DIR LEADGEN_DB
mkdir -p "$HOME"
cd "$tmp"  # prove nothing is read from the source tree via the working directory

fail() { echo "smoke: FAIL: $*" >&2; exit 1; }

echo "smoke: bundle $bundle"
[[ -x "$bundle/leadgen-desktop" ]] || fail "missing $bundle/leadgen-desktop"
[[ -x "$bundle/leadgen" ]] || fail "missing $bundle/leadgen"

# 1. the window
start=$EPOCHREALTIME
QT_QPA_PLATFORM=offscreen "$bundle/leadgen-desktop" --smoke --db "$tmp/x.db" \
    || fail "leadgen-desktop --smoke exited $?"
end=$EPOCHREALTIME
[[ -s "$tmp/x.db" ]] || fail "leadgen-desktop --smoke did not create the database"
awk -v s="$start" -v e="$end" 'BEGIN { printf "smoke: leadgen-desktop --smoke ok (%.2f s wall)\n", e - s }'

# 2. the console command, demo providers
"$bundle/leadgen" --help >/dev/null || fail "leadgen --help"
"$bundle/leadgen" run --demo --business-type dentist --location "Austin, TX" --max-results 10 \
    --min-score 0 --output "$tmp/leads.csv" --db "$tmp/x.db" --json >"$tmp/run.json" \
    || fail "leadgen run --demo exited $? ($(cat "$tmp/run.json"))"
[[ -f "$tmp/leads.csv" ]] || fail "no CSV written"
lines=$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))))' \
    "$tmp/leads.csv")
[[ "$lines" == 11 ]] || fail "expected header + 10 rows, got $lines lines"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/run.json" || fail "--json output is not JSON"
echo "smoke: leadgen run --demo ok (header + $((lines - 1)) rows)"
echo "smoke: PASS"
