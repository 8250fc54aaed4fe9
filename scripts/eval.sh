#!/bin/sh
# make eval: accuracy on the reference data, every figure the issues name.
#   screening: the labelled name-pair benchmark at the default threshold, and
#   the DPRK deck through the whole pipeline against UN + OFAC.
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
for s in scripts/eval_*.sh; do
  [ -f "$s" ] || continue
  echo; sh "$s"
done
