#!/bin/sh
# make eval, rings section (run by scripts/eval.sh): identity-ring quality figures.
set -eu
cd "$(dirname "$0")/.."
: "${ST_BIN:?run through make eval}"
: "${ST_DATA:=../shared/data}"
EVAL_TMP=$(mktemp -d)
trap 'rm -rf "$EVAL_TMP"' EXIT

# ==== rings: identity rings (person dedup and operations) ===================
# Pairwise precision/recall/F1 over "same ring" vs "same true cluster":
# FEBRL dataset1-3 (dedup) and dataset4a+4b (linkage), Splink fake_1000,
# the Senzing truth set, and synthetic applicants (plus the share of
# operation members and of innocents flagged high).  RINGS_SYNTH_N sets the
# synthetic size (default 20000); RINGS_SYNTH_SEED the seed.
rings_eval() {
  T=$EVAL_TMP/rings; mkdir -p "$T"
  ER=$ST_DATA/er
  echo "== rings =="
  for ds in 1 2 3; do
    python3 scripts/rings_er.py febrl "$ER/febrl/dataset$ds.csv" "$T/f$ds.csv" "$T/f$ds.t.csv"
    "$ST_BIN" rings "$T/f$ds.csv" > "$T/f$ds.json" || true
    python3 scripts/rings_score.py "$T/f$ds.json" "$T/f$ds.t.csv" --label "febrl-dataset$ds"
  done
  python3 scripts/rings_er.py febrl "$ER/febrl/dataset4a.csv" "$ER/febrl/dataset4b.csv" "$T/f4.csv" "$T/f4.t.csv"
  "$ST_BIN" rings "$T/f4.csv" > "$T/f4.json" || true
  python3 scripts/rings_score.py "$T/f4.json" "$T/f4.t.csv" --label "febrl-dataset4a+4b"
  python3 scripts/rings_er.py splink "$ER/splink/fake_1000.csv" "$T/sp.csv" "$T/sp.t.csv"
  "$ST_BIN" rings "$T/sp.csv" > "$T/sp.json" || true
  python3 scripts/rings_score.py "$T/sp.json" "$T/sp.t.csv" --label "splink-fake_1000"
  python3 scripts/rings_er.py senzing "$ER/senzing-truthset" "$T/sz.csv" "$T/sz.t.csv"
  "$ST_BIN" rings "$T/sz.csv" > "$T/sz.json" || true
  python3 scripts/rings_score.py "$T/sz.json" "$T/sz.t.csv" --label "senzing-truthset"
  n=${RINGS_SYNTH_N:-20000}; seed=${RINGS_SYNTH_SEED:-2026}
  "$ST_BIN" rings synth --records "$n" --seed "$seed" --out "$T/apps.csv" 2>/dev/null
  "$ST_BIN" rings "$T/apps.csv" > "$T/apps.json" || true
  python3 scripts/rings_score.py "$T/apps.json" "$T/apps.truth.csv" --label "synthetic-applicants-$n-seed$seed"
  "$ST_BIN" rings synth --records "$n" --seed "$seed" --names-dir "$ER/febrl-tables" --out "$T/appsf.csv" 2>/dev/null
  "$ST_BIN" rings "$T/appsf.csv" > "$T/appsf.json" || true
  python3 scripts/rings_score.py "$T/appsf.json" "$T/appsf.truth.csv" --label "synthetic-applicants-$n-febrl-names"
  # the second, independent generator (scripts/rings_synth2.py: chains,
  # stars, bipartite teams, facilitators, generic traps; JSON lines)
  seed2=${RINGS_SYNTH2_SEED:-7}
  python3 scripts/rings_synth2.py --records "$n" --seed "$seed2" --out "$T/apps2.jsonl"
  "$ST_BIN" rings "$T/apps2.jsonl" > "$T/apps2.json" || true
  python3 scripts/rings_score.py "$T/apps2.json" "$T/apps2.truth.csv" --label "synthetic2-applicants-$n-seed$seed2"
}
rings_eval
# ==== end rings ===============================================================
