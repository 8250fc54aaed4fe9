#!/bin/sh
# trace_bench.sh - tracing and exposure speed on a synthetic chain.
#
# Builds a `chain synth` chain of BENCH_SIZE (small = 100k transactions,
# large = 10M; BENCH_TXS=N for another size), ingests and clusters it,
# then in one run of bench/trace_bench.c: the baseline (one sequential scan of out_value over
# every output), the planted theft traced to its whole frontier (target:
# within 3x the scan), exposure queries at 3 and 5 hops (target: p99 under
# 50 ms).  Work files go to BENCH_DIR (default a temporary directory).
set -e
cd "$(dirname "$0")/.."
B=${ST_BIN:-build/release/sanctrace}
[ -x "$B" ] || make -s build/release/sanctrace
case ${BENCH_SIZE:-small} in
  large) N=10000000 ;;
  *) N=100000 ;;
esac
[ -n "${BENCH_TXS:-}" ] && N=$BENCH_TXS
W=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$W"
# built by the Makefile (its own library list: the one spelt out here went
# stale when the library took zlib and libyaml)
TB=${ST_BENCH_BIN:-build/release/bench}/trace_bench
[ -n "${ST_BENCH_BIN:-}" ] || make -s build/release/bench/trace_bench
t0=$(date +%s.%N)
[ -f "$W/syn/truth.json" ] || "$B" chain synth --txs $N --out "$W/syn" >/dev/null
t1=$(date +%s.%N)
[ -f "$W/db/manifest.json" ] || "$B" chain ingest --db "$W/db" "$W/syn" >/dev/null
t2=$(date +%s.%N)
"$B" chain cluster --db "$W/db" > "$W/cluster.json"
t3=$(date +%s.%N)
echo "synth $N txs: $(echo "$t1 - $t0" | bc) s; ingest: $(echo "$t2 - $t1" | bc) s; cluster: $(echo "$t3 - $t2" | bc) s"
python3 -c "import json; r=json.load(open('$W/cluster.json')); print('clusters: %(addresses)d addresses in %(clusters)d clusters, largest %(largest)d, %(coinjoins_skipped)d CoinJoins left apart' % r)"
"$TB" "$W/db" "$W/syn/tagpack.yaml" "$W/syn/truth.json" 200
[ -n "${BENCH_DIR:-}" ] || rm -rf "$W"
