#!/bin/sh
# Runs every bench/*_bench.sh (each prints its medians and baseline ratio).
set -eu
for b in bench/*_bench.sh; do
  [ -f "$b" ] || continue
  sh "$b"
done
