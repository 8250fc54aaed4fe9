#!/bin/sh
# rings check benchmark: one-record hiring-time checks against a state.
# BENCH_SIZE=small (100,000 records, default) or large (1,000,000): the
# synthetic deck's every (N/1000)th row is an application checked (the
# generator writes operations first, so this takes some of theirs), the
# rest the state.  Prints p50/p99 per check beside the baseline of reading the
# same row (rings_check_bench.c).
set -eu
: "${ST_BIN:?run through make bench}" "${ST_BENCH_BIN:?run through make bench}"
case "${BENCH_SIZE:-small}" in
  small) N=100000 ;;
  large) N=1000000 ;;
  *) echo "BENCH_SIZE must be small or large" >&2; exit 2 ;;
esac
DIR=${BENCH_DIR:-build/bench}
mkdir -p "$DIR"
IN=$DIR/rings-$N.csv
[ -s "$IN" ] || "$ST_BIN" rings synth --records "$N" --seed 1 --out "$IN" 2>/dev/null
K=$((N / 1000))
awk -v k="$K" 'NR == 1 || (NR - 1) % k != 0' "$IN" > "$DIR/rings-check-state.csv"
awk -v k="$K" 'NR == 1 || (NR - 1) % k == 0' "$IN" > "$DIR/rings-check-queries.csv"
"$ST_BENCH_BIN/rings_check_bench" "$DIR/rings-check-state.csv" "$DIR/rings-check-queries.csv"
