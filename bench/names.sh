#!/bin/sh
# Name matcher speed: comparisons per second on prepared names and index
# queries per second (candidates + scoring, one thread) against a list of
# N names, beside a brute-force Jaro-Winkler scan in the same run; medians
# of 5 rounds.  BENCH_SIZE=small: 5,000 names; large: 30,000 (the size of
# UN + OFAC).
set -e
cd "$(dirname "$0")/.."
: "${ST_BIN:?}" "${ST_DATA:=../shared/data}"
case "${BENCH_SIZE:-small}" in
  large) n=30000; q=5000 ;;
  *) n=5000; q=1000 ;;
esac
"$ST_BIN" bench-names --un "$ST_DATA/lists/un-2026-02-27/consolidated.xml" \
  --ofac "$ST_DATA/lists/ofac-sdn-2021-07/sdn.csv" --list-size "$n" --queries "$q"
