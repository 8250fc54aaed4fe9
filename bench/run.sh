#!/bin/sh
# Runs every benchmark script in bench/ (each prints its medians and the
# ratio to its baseline).  BENCH_SIZE=small (CI-sized) or large (by hand).
set -e
cd "$(dirname "$0")/.."
for b in bench/*.sh; do
  [ "$b" = bench/run.sh ] && continue
  echo "== $b (BENCH_SIZE=${BENCH_SIZE:-small})"
  sh "$b"
done
