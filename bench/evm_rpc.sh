#!/bin/sh
# evm_rpc.sh - `evm ingest --rpc` from a real node (anvil on loopback)
# beside the floor of the same exchanges: curl posting the very JSON-RPC
# batches sanctrace asks (blocks, receipts, trace_block; 10 blocks each)
# over one kept-alive connection, reading the answers and nothing else.
# Both wait on the node's tracing, so the ratio says what parsing,
# checking, flows and commits add on top.  Medians of RUNS.
#
# Both one batch at a time (--parallel-requests 1 beside curl --next) and
# four at once (the default beside curl --parallel --parallel-max 4).
#
# BENCH_SIZE=small: 50 blocks of 40 transfers, 3 runs; large: 200 of 200.
set -eu
B=${ST_BIN:-build/release/sanctrace}
X=${ST_EVM_TOOLS:-$PWD/tools/node_modules/.bin}
case ${BENCH_SIZE:-small} in
  small) BLOCKS=50; PER=40; RUNS=3 ;;
  medium|large) BLOCKS=200; PER=200; RUNS=3 ;;
  *) echo "BENCH_SIZE is small, medium or large" >&2; exit 2 ;;
esac
[ -x "$X/anvil" ] || { echo "evm_rpc: no anvil in $X (make evm-tools): skipped"; exit 0; }
W=$(mktemp -d /tmp/sanctrace-bench-rpc.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$X/anvil" --host 127.0.0.1 --port "$PORT" --silent >"$W/anvil.log" 2>&1 &
APID=$!
trap 'kill $APID 2>/dev/null || true; rm -rf "$W"' EXIT
U=http://127.0.0.1:$PORT
i=0; until "$X/cast" block-number --rpc-url "$U" >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 100 ]; sleep 0.1; done
python3 tests/lib/evm_node.py fill "$U" $BLOCKS $PER
python3 tests/lib/evm_node.py bodies "$W/bodies" $BLOCKS
set --
for f in "$W"/bodies/*.json; do
  [ $# -gt 0 ] && set -- "$@" --next
  set -- "$@" -s -o /dev/null -H 'Content-Type: application/json' --data-binary "@$f" "$U"
done
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
: >"$W/curl"; : >"$W/curlp"; : >"$W/st"; : >"$W/st1"
for r in $(seq $RUNS); do
  t0=$(now); curl "$@"; t1=$(now); echo "$t0 $t1" | awk '{printf "%.4f\n", $2-$1}' >>"$W/curl"
  # the same batches, four at once (what --parallel-requests 4 asks)
  t0=$(now); curl --no-progress-meter --parallel --parallel-max 4 "$@"; t1=$(now); echo "$t0 $t1" | awk '{printf "%.4f\n", $2-$1}' >>"$W/curlp"
  rm -rf "$W/db"; t0=$(now)
  $B evm ingest --db "$W/db" --rpc "$U" --parallel-requests 1 >"$W/out.json"; t1=$(now)
  echo "$t0 $t1" | awk '{printf "%.4f\n", $2-$1}' >>"$W/st1"
  rm -rf "$W/db"; t0=$(now)
  $B evm ingest --db "$W/db" --rpc "$U" >"$W/out.json"; t1=$(now)
  echo "$t0 $t1" | awk '{printf "%.4f\n", $2-$1}' >>"$W/st"
done
c=$(median <"$W/curl"); cp=$(median <"$W/curlp"); s=$(median <"$W/st"); s1=$(median <"$W/st1")
tx=$(python3 -c "import json; j=json.load(open('$W/out.json')); print(j['transactions_added'], j['flows_added'], j['bytes_received'])")
echo "evm_rpc: $((BLOCKS+1)) blocks, $tx (transactions, flows, bytes of answers), $(nproc) cores"
echo "evm_rpc: one batch at a time: curl floor median ${c} s, evm ingest --rpc --parallel-requests 1 median ${s1} s, ratio $(awk -v a="$s1" -v b="$c" 'BEGIN {printf "%.2f", a/b}')"
echo "evm_rpc: four at once:        curl floor median ${cp} s, evm ingest --rpc (4, the default) median ${s} s, ratio $(awk -v a="$s" -v b="$cp" 'BEGIN {printf "%.2f", a/b}')"
echo "evm_rpc: four at once against one at a time: $(awk -v a="$s1" -v b="$s" 'BEGIN {printf "%.2f", a/b}')x faster (the node traces batches on as many cores as it has)"
