#!/bin/sh
# Screening: `update` from local files, then queries/s, latency, memory and
# the per-query cost beside a brute-force Jaro-Winkler scan of every name.
set -e
: "${ST_BIN:?}" "${ST_BENCH_BIN:?}" "${ST_DATA:=../shared/data}"
case "${BENCH_SIZE:-small}" in large) NQ=100000; NB=1000 ;; *) NQ=10000; NB=200 ;; esac
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
src=$tmp/src; mkdir -p "$src"
cp "$ST_DATA"/lists/un-2026-02-27/consolidated.xml "$ST_DATA"/lists/ofac-sdn-2021-07/*.csv \
   "$ST_DATA"/lists/ofac-cons-2025-12/*.csv "$src"/
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for i in 1 2 3; do
  s=$(date +%s.%N); "$ST_BIN" update --from "$src" --data-dir "$tmp/home$i" >/dev/null 2>&1; e=$(date +%s.%N)
  echo "$e - $s" | bc
done | median | xargs printf 'update from local files (UN + OFAC SDN + OFAC cons), median of 3: %s s\n'
"$ST_BENCH_BIN"/screen_bench "$tmp/home1" "$NQ" "$NB" "$tmp/q.csv"
for i in 1 2 3; do
  s=$(date +%s.%N); "$ST_BIN" screen --data-dir "$tmp/home1" --threads 1 --format jsonl "$tmp/q.csv" >/dev/null || true; e=$(date +%s.%N)
  echo "$e - $s" | bc
done | median | xargs -I{} sh -c 'echo "sanctrace screen, $0 queries, one thread, process start and load included, median of 3: {} s ($(echo "{} * 1000000 / $0" | bc) us per query)"' "$NQ"
