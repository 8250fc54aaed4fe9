#!/bin/sh
# rings benchmark: `sanctrace rings` over synthetic applicants.
# BENCH_SIZE=small (100,000 records, default) or large (1,000,000).
# Prints the median of 3 runs, peak resident memory (/usr/bin/time -v),
# records per second, and the ratio to a baseline measured in the same
# run: GNU sort over the same file (one O(n log n) pass over the bytes,
# the floor any grouping tool pays).
set -eu
: "${ST_BIN:?run through make bench}"
case "${BENCH_SIZE:-small}" in
  small) N=100000 ;;
  large) N=1000000 ;;
  *) echo "BENCH_SIZE must be small or large" >&2; exit 2 ;;
esac
DIR=${BENCH_DIR:-build/bench}
mkdir -p "$DIR"
IN=$DIR/rings-$N.csv
[ -s "$IN" ] || "$ST_BIN" rings synth --records "$N" --seed 1 --out "$IN" 2>/dev/null
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
runs=3
: > "$DIR/rings.times"; : > "$DIR/base.times"; : > "$DIR/rings.rss"
i=0
while [ $i -lt $runs ]; do
  t0=$(now); LC_ALL=C sort -t, -k2,2 "$IN" > /dev/null; t1=$(now)
  echo "$t1 - $t0" | bc >> "$DIR/base.times"
  t0=$(now)
  /usr/bin/time -v "$ST_BIN" rings "$IN" > "$DIR/rings-out.json" 2> "$DIR/rings.timev" || true
  t1=$(now)
  echo "$t1 - $t0" | bc >> "$DIR/rings.times"
  awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$DIR/rings.timev" >> "$DIR/rings.rss"
  i=$((i + 1))
done
R=$(median < "$DIR/rings.times"); B=$(median < "$DIR/base.times"); M=$(median < "$DIR/rings.rss")
MB=$(size=$(stat -c %s "$IN"); echo "$size / 1048576" | bc)
printf 'rings bench: %d records (%s MiB CSV), %d runs\n' "$N" "$MB" "$runs"
printf '  sanctrace rings  median %.2f s  (%.0f records/s)  peak RSS %d MiB\n' "$R" "$(echo "$N / $R" | bc -l)" "$((M / 1024))"
printf '  baseline sort    median %.2f s\n' "$B"
printf '  ratio rings/sort %.2f\n' "$(echo "$R / $B" | bc -l)"
