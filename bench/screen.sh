#!/bin/sh
# Screening: `update` from local files, then (screen_bench) the snapshot
# load from its screening image and rebuilt without it, queries/s on one
# and on all threads, latency, the brute-force Jaro-Winkler baseline per
# query and the ratios; then the real command end to end (process start,
# load, input, screening, JSON output) on the same queries, per query and
# beside the same baseline.
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
done | median | xargs printf 'update from local files (UN + OFAC SDN + OFAC cons, image included), median of 3: %s s\n'
"$ST_BENCH_BIN"/screen_bench "$tmp/home1" "$NQ" "$NB" "$tmp/q.csv" | tee "$tmp/bench.txt"
base=$(sed -n 's/^baseline .*: \([0-9.]*\) us per query.*/\1/p' "$tmp/bench.txt")
"$ST_BIN" screen --data-dir "$tmp/home1" --threads 1 --format jsonl "$tmp/q.csv" >/dev/null 2>&1 || true # image written
for i in 1 2 3; do
  s=$(date +%s.%N); "$ST_BIN" screen --data-dir "$tmp/home1" --threads 1 --format jsonl "$tmp/q.csv" >/dev/null || true; e=$(date +%s.%N)
  echo "$e - $s" | bc
done | median >"$tmp/cli.txt"
cli=$(cat "$tmp/cli.txt")
per=$(echo "scale=1; $cli * 1000000 / $NQ" | bc)
echo "sanctrace screen --threads 1 --format jsonl, $NQ queries, process start and load included, median of 3: $cli s ($per us per query)"
[ -n "$base" ] && echo "ratio baseline / sanctrace screen end to end: $(echo "scale=1; $base / $per" | bc)x"
/usr/bin/time -f '%M' "$ST_BIN" screen --data-dir "$tmp/home1" --threads 1 --format jsonl "$tmp/q.csv" 2>"$tmp/mem" >/dev/null || true
echo "sanctrace screen peak memory: $(echo "scale=1; $(tail -1 "$tmp/mem") / 1024" | bc) MiB"
# One query: what a single check costs (process start, opening the snapshot)
head -2 "$tmp/q.csv" >"$tmp/q1.csv"
for i in 1 2 3 4 5; do
  s=$(date +%s.%N); "$ST_BIN" screen --data-dir "$tmp/home1" --threads 1 --format jsonl "$tmp/q1.csv" >/dev/null || true; e=$(date +%s.%N)
  echo "$e - $s" | bc
done | median >"$tmp/one.txt"
one=$(cat "$tmp/one.txt")
echo "sanctrace screen, one query (process start + snapshot open + 1 query), median of 5: $one s"
qonly=$(sed -n 's/.*queries only: \([0-9.]*\)x.*/\1/p' "$tmp/bench.txt")
if [ -n "$base" ] && [ -n "$qonly" ]; then
  # matching work only (no CSV reading, no JSON writing), as the baseline does none either
  m=$(echo "scale=2; ($one * 1000000 + $NQ * $base / $qonly) / $NQ" | bc)
  echo "process start + open + $NQ queries' matching, no input/output: $m us per query, ratio $(echo "scale=1; $base / $m" | bc)x"
fi
