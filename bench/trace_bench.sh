#!/bin/sh
# trace_bench.sh - tracing and exposure speed on a synthetic chain.
#
# Builds a `chain synth` chain of BENCH_SIZE (small = 100k transactions,
# large = 10M), ingests and clusters it, then in one run of
# bench/trace_bench.c: the baseline (one sequential scan of out_value over
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
W=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$W"
LIBS=$(pkg-config --libs icu-uc icu-i18n libxml-2.0 sqlite3 libmicrohttpd jansson libcurl libcrypto libpq)
cc -std=c11 -O2 -D_GNU_SOURCE -Iinclude -Isrc -o "$W/trace_bench" bench/trace_bench.c build/release/libsanctrace.a $LIBS -lm -pthread
t0=$(date +%s.%N)
[ -f "$W/syn/truth.json" ] || "$B" chain synth --txs $N --out "$W/syn" >/dev/null
t1=$(date +%s.%N)
[ -f "$W/db/manifest.json" ] || "$B" chain ingest --db "$W/db" "$W/syn" >/dev/null
t2=$(date +%s.%N)
"$B" chain cluster --db "$W/db" > "$W/cluster.json"
t3=$(date +%s.%N)
echo "synth $N txs: $(echo "$t1 - $t0" | bc) s; ingest: $(echo "$t2 - $t1" | bc) s; cluster: $(echo "$t3 - $t2" | bc) s"
python3 -c "import json; r=json.load(open('$W/cluster.json')); print('clusters: %(addresses)d addresses in %(clusters)d clusters, largest %(largest)d, %(coinjoins_skipped)d CoinJoins left apart' % r)"
"$W/trace_bench" "$W/db" "$W/syn/tagpack.yaml" "$W/syn/truth.json" 200
[ -n "${BENCH_DIR:-}" ] || rm -rf "$W"
