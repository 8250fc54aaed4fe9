#!/bin/sh
# lists_update.sh - how long `sanctrace update` takes from local files
# (UN + OFAC SDN 2021 + OFAC consolidated + OFAC crypto address files).
# Prints the median wall and CPU time of RUNS updates into a fresh data
# directory (each after the first also diffs against its predecessor) and
# the ratio to the 5 s budget.  BENCH_SIZE=large runs more repetitions.
set -eu
: "${ST_BIN:?}"
ST_DATA=${ST_DATA:-../shared/data}
L=$ST_DATA/lists
case "${BENCH_SIZE:-small}" in large) RUNS=15 ;; *) RUNS=5 ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {
  "$ST_BIN" update --data-dir "$tmp/d" --from "$L/un-2026-02-27" --from "$L/ofac-sdn-2021-07" \
    --from "$L/ofac-cons-2025-12" --from "$L/ofac-crypto-2024-09-27" > /dev/null 2>&1
}
i=0
while [ $i -lt $RUNS ]; do
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%e %U %S" -o "$tmp/t$i" sh -c "$(command -v "$ST_BIN") update --data-dir '$tmp/d' \
      --from '$L/un-2026-02-27' --from '$L/ofac-sdn-2021-07' --from '$L/ofac-cons-2025-12' \
      --from '$L/ofac-crypto-2024-09-27' > /dev/null 2>&1"
  else # no GNU time: wall clock only
    t0=$(date +%s%N); run; t1=$(date +%s%N)
    echo "$(( (t1 - t0) / 1000000 ))" | awk '{printf "%.3f 0 0\n", $1 / 1000}' > "$tmp/t$i"
  fi
  i=$((i + 1))
done
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
wall=$(cat "$tmp"/t* | awk '{print $1}' | median)
cpu=$(cat "$tmp"/t* | awk '{print $2+$3}' | median)
n=$(wc -l < "$tmp/d/current/entities.jsonl" | tr -d ' ')
echo "update from local files: $n entities, $RUNS runs, median wall ${wall}s, median cpu ${cpu}s," \
     "$(awk -v w="$wall" 'BEGIN{printf "%.1fx under the 5 s budget", 5/w}')"
