#!/bin/sh
# xtrace.sh - `trace --evm-db` against one sequential scan of the Ethereum
# store, and exposure at 5 hops (bench/xtrace_bench.c, in process, medians
# and the ratio printed).  BENCH_SIZE=small: 200k flows; large: 10M flows.
set -e
B=${ST_BIN:-build/release/sanctrace}
XB=${ST_BENCH_BIN:-build/release/bench}/xtrace_bench # make build/release/bench/xtrace_bench
[ -x "$XB" ] || { echo "  (no $XB: make build/release/bench/xtrace_bench)"; exit 0; }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
case "${BENCH_SIZE:-small}" in large) N=10000000 ;; *) N=200000 ;; esac
"$B" evm synth --flows $N --out "$W/ex" --seed 3
"$B" evm ingest --db "$W/db" "$W/ex" >/dev/null
echo "flows $N"
"$XB" "$W/db"
