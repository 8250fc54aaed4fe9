#!/bin/sh
# make eval (names part): the DPRK deck against the name comparator alone,
# brute force over the listed DPRK individuals (UN KPi.* names and aliases,
# OFAC DPRK-programme individuals): recall per spelling kind and the share
# of innocent names flagged.  Run by scripts/eval.sh with ST_BIN set.
set -e
cd "$(dirname "$0")/.."
: "${ST_BIN:?}" "${ST_DATA:=../shared/data}"
echo "== names: DPRK deck, comparator alone (brute force over the listed DPRK names)"
"$ST_BIN" eval-deck --un "$ST_DATA/lists/un-2026-02-27/consolidated.xml" \
  --ofac "$ST_DATA/lists/ofac-sdn-2021-07/sdn.csv" --innocents "${EVAL_INNOCENTS:-20000}"
