#!/bin/sh
# demo_rings.sh OUT - identity rings, for `make demo`: synthetic applicants
# with planted DPRK-style operations and shared-value traps, grouped into
# rings with evidence, screened against the snapshot of step 1.
set -e
: "${ST_BIN:?set ST_BIN to the sanctrace binary}"
out=${1:-build/demo}
mkdir -p "$out"
echo "== sanctrace rings synth --records 5000"
"$ST_BIN" rings synth --records 5000 --out "$out/applicants.csv" --truth "$out/applicants.truth.csv" >/dev/null
echo "== sanctrace rings --format table (the first rings of the brief)"
"$ST_BIN" rings --format table "$out/applicants.csv" > "$out/rings.txt" || true
head -n 60 "$out/rings.txt"
echo "... full brief: $out/rings.txt"
"$ST_BIN" rings --format json "$out/applicants.csv" > "$out/rings.json" || true
echo "rings as JSON: $out/rings.json"
