#!/bin/sh
# run.sh - every bench/*.sh in turn (BENCH_SIZE=small|large passes through).
set -e
for b in bench/*.sh; do
  [ "$b" = bench/run.sh ] && continue
  echo "== $b"
  sh "$b"
done
