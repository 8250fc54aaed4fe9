#!/bin/sh
# make eval: accuracy on the reference data, every figure the issues name.
#   screening: the labelled name-pair benchmark at the default threshold, and
#   the DPRK deck through the whole pipeline against UN + OFAC; the listed
#   DPRK names in every script (scripts/eval_scripts.py) and innocents of four
#   nations through the same pipeline.
set -e
cd "$(dirname "$0")/.."
: "${ST_BIN:?}" "${ST_DATA:=../shared/data}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "== screening: name-pair benchmark ($ST_DATA/names/name-pairs-bench.csv)"
"$ST_BIN" compare --pairs "$ST_DATA/names/name-pairs-bench.csv"
echo
echo "== screening: DPRK deck against UN 2026 + OFAC SDN 2021 + OFAC consolidated 2025"
mkdir -p "$tmp/src"
cp "$ST_DATA"/lists/un-2026-02-27/consolidated.xml "$ST_DATA"/lists/ofac-sdn-2021-07/*.csv \
   "$ST_DATA"/lists/ofac-cons-2025-12/*.csv "$tmp/src"/
"$ST_BIN" update --from "$tmp/src" --data-dir "$tmp/home" >/dev/null
"$ST_BIN" eval deck --data-dir "$tmp/home" --innocents "${EVAL_INNOCENTS:-20000}"
echo
python3 scripts/eval_scripts.py --bin "$ST_BIN" --data-dir "$tmp/home" --lists "$ST_DATA/lists" \
  --innocents 2000 --realworld tests/cli/data/names_scripts_realworld.tsv
for s in scripts/eval_*.sh; do
  [ -f "$s" ] || continue
  echo; sh "$s"
done
