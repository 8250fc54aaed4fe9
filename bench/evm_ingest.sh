#!/bin/sh
# evm_ingest.sh - `evm ingest` of a synthetic ethereum-etl export beside
# `wc -l` over the same files (the floor: every byte read once, lines
# counted), medians of RUNS, with the ratio, bytes per flow and the
# point-query latency of `evm tx` and `evm address` (whole process).
#
# BENCH_SIZE=small: 100k flows, 3 runs (CI); medium: 1M, 3 runs;
# large: 10M, 3 runs (the first ingest on a fresh machine also pays for
# the pages the host hands out for the first time: one run read 6.9 s of
# CPU where the next ones read 4.5 s).  BENCH_FLOWS=N overrides the size.
# BENCH_MIX=lean (the default: 345 bytes a flow, the hardest case beside
# wc -l) or mainnet (swaps too, the bytes a flow of mainnet blocks: 1,230;
# evm synth --mix).  BENCH_GZIP=0 leaves out the gzip runs (gzip takes
# minutes over a large mainnet-mix export).  BENCH_REPLAY=DIR measures a
# real ethereum-etl export of a few blocks instead, written out again
# BENCH_COPIES times by bench/evm_replay.py (ethereum-etl's own
# tests/resources/test_stream/blocks_17173049_17173050: 9175 copies make
# 10M flows).  Ingest runs with
# fsync (as shipped) and with SANCTRACE_NO_SYNC=1 (CPU and page cache only).
# The same export gzipped (gzip's default level, as BigQuery and archived
# dumps are) is ingested beside `zcat | wc -l` over the same files: the
# time, and the peak memory, which must stay about one window's (the files
# stream), not grow with the export.
# The in-process p50/p99 of the queries come from bench/evm_query.c.
# The floor under the ingest, reading and parsing alone (no join, flows or
# store), comes from bench/evm_parse.c, in the same runs.
set -eu
B=${ST_BIN:-build/release/sanctrace}
case ${BENCH_SIZE:-small} in
  small) SIZES="100000"; RUNS=3 ;;
  medium) SIZES="1000000"; RUNS=3 ;;
  large) SIZES="10000000"; RUNS=3 ;;
  *) echo "BENCH_SIZE is small, medium or large" >&2; exit 2 ;;
esac
[ -n "${BENCH_FLOWS:-}" ] && SIZES=$BENCH_FLOWS
[ -n "${BENCH_RUNS:-}" ] && RUNS=$BENCH_RUNS
W=${BENCH_DIR:-$(mktemp -d /tmp/sanctrace-bench-evm.XXXXXX)}
mkdir -p "$W"
trap 'rm -rf "$W"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# "elapsed cpu" seconds of a command (elapsed to the microsecond: wc -l
# over a small export takes a few milliseconds)
secs() { t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S %M" -o "$W/t" "$@" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
  awk '{print $3}' "$W/t" >"$W/rss" # KiB, of the last command
  t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" '{printf "%.6f %.2f\n", b-a, $1+$2}' "$W/t"; }

PB=${ST_BENCH_BIN:-build/release/bench}/evm_parse # make build/release/bench/evm_parse
label="BENCH_SIZE=${BENCH_SIZE:-small}"; [ -n "${BENCH_FLOWS:-}" ] && label="BENCH_FLOWS=$BENCH_FLOWS"
label="$label BENCH_MIX=${BENCH_MIX:-lean}"
[ -n "${BENCH_REPLAY:-}" ] && label="BENCH_REPLAY=$BENCH_REPLAY BENCH_COPIES=${BENCH_COPIES:-100}" && SIZES=replay
echo "evm ingest benchmark: $(nproc) cores, $label, $(date -u +%FT%TZ), load:$(cut -d' ' -f1-3 /proc/loadavg)"
for N in $SIZES; do
  rm -rf "$W/x" "$W/db"
  if [ -n "${BENCH_REPLAY:-}" ]; then
    python3 "$(dirname "$0")/evm_replay.py" "$BENCH_REPLAY" "$W/x" "${BENCH_COPIES:-100}" >/dev/null
  else
    "$B" evm synth --flows "$N" --out "$W/x" --seed 1 --mix "${BENCH_MIX:-lean}"
  fi
  bytes=$(cat "$W"/x/*.csv | wc -c)
  : >"$W/wc"; : >"$W/wcc"; : >"$W/par"; : >"$W/parc"; : >"$W/ing"; : >"$W/ingc"; : >"$W/ingns"; : >"$W/ingnsc"
  rm -rf "$W/z"; mkdir -p "$W/z"
  GZ=${BENCH_GZIP:-1}
  zbytes=0
  if [ "$GZ" != 0 ]; then
    for f in "$W"/x/*.csv; do gzip -c "$f" >"$W/z/$(basename "$f").gz"; done
    zbytes=$(cat "$W"/z/*.gz | wc -c)
  fi
  # the export written out first: its writeback would otherwise run under
  # the first runs (and their fsyncs wait behind it)
  sync
  : >"$W/zwc"; : >"$W/zwcc"; : >"$W/zing"; : >"$W/zingc"
  for r in $(seq $RUNS); do
    cat "$W"/x/*.csv >/dev/null # the same page-cache state for both
    secs wc -l "$W"/x/*.csv >"$W/one"
    awk '{print $1}' "$W/one" >>"$W/wc"; awk '{print $2}' "$W/one" >>"$W/wcc"
    if [ -x "$PB" ]; then
      secs "$PB" "$W"/x/*.csv >"$W/one"
      awk '{print $1}' "$W/one" >>"$W/par"; awk '{print $2}' "$W/one" >>"$W/parc"
    fi
    rm -rf "$W/db"
    secs "$B" evm ingest --db "$W/db" "$W/x" >"$W/one"
    awk '{print $1}' "$W/one" >>"$W/ing"; awk '{print $2}' "$W/one" >>"$W/ingc"
    rm -rf "$W/db"
    secs env SANCTRACE_NO_SYNC=1 "$B" evm ingest --db "$W/db" "$W/x" >"$W/one"
    awk '{print $1}' "$W/one" >>"$W/ingns"; awk '{print $2}' "$W/one" >>"$W/ingnsc"
    rss=$(cat "$W/rss")
    zrss=0
    [ "$GZ" = 0 ] && continue
    cat "$W"/z/*.gz >/dev/null
    secs sh -c "zcat '$W'/z/*.gz | wc -l" >"$W/one"
    awk '{print $1}' "$W/one" >>"$W/zwc"; awk '{print $2}' "$W/one" >>"$W/zwcc"
    rm -rf "$W/dbz"
    secs "$B" evm ingest --db "$W/dbz" "$W/z" >"$W/one"
    awk '{print $1}' "$W/one" >>"$W/zing"; awk '{print $2}' "$W/one" >>"$W/zingc"
    zrss=$(cat "$W/rss")
  done
  rm -rf "$W/dbz"
  /usr/bin/time -v -o "$W/tv" "$B" evm stats --db "$W/db" >"$W/stats.json"
  flows=$(python3 -c "import json; print(json.load(open('$W/stats.json'))['flows'])")
  store=$(python3 -c "import json; print(json.load(open('$W/stats.json'))['store_bytes'])")
  bpf=$(python3 -c "import json; print(json.load(open('$W/stats.json'))['bytes_per_flow'])")
  wcm=$(median <"$W/wc"); wcc=$(median <"$W/wcc"); ing=$(median <"$W/ing"); ingc=$(median <"$W/ingc")
  ingns=$(median <"$W/ingns"); ingnsc=$(median <"$W/ingnsc")
  zwc=$(median <"$W/zwc"); zwcc=$(median <"$W/zwcc"); zing=$(median <"$W/zing"); zingc=$(median <"$W/zingc")
  # point queries: a transaction and an address from the export, 20 processes each
  set -- $(python3 -c "import csv; r = next(csv.DictReader(open('$W/x/transactions.csv'))); print(r['hash'], r['from_address'])")
  tx=$1; ad=$2
  : >"$W/q"
  for i in $(seq 20); do secs "$B" evm tx --db "$W/db" "$tx" | awk '{print $1}' >>"$W/q"; done
  qtx=$(median <"$W/q"); : >"$W/q"
  for i in $(seq 20); do secs "$B" evm address --db "$W/db" "$ad" | awk '{print $1}' >>"$W/q"; done
  qad=$(median <"$W/q")
  echo "flows $flows  export $bytes bytes ($(echo "$bytes $flows" | awk '{printf "%.0f", $1/$2}') bytes/flow)  runs $RUNS"
  echo "  wc -l          $wcm s (cpu $wcc s)"
  if [ -s "$W/par" ]; then
    par=$(median <"$W/par"); parc=$(median <"$W/parc")
    echo "  parse alone    $par s (cpu $parc s)   $(echo "$par $wcm" | awk '{printf "%.1f", $1/($2>0?$2:0.01)}') x wc -l (bench/evm_parse: the rows read and parsed as the ingest reads them, nothing built or written)"
  else echo "  (no $PB: the parse floor not measured)"; fi
  echo "  evm ingest     $ing s (cpu $ingc s)   $(echo "$ing $wcm" | awk '{printf "%.1f", $1/($2>0?$2:0.01)}') x wc -l"
  echo "  + no fsync     $ingns s (cpu $ingnsc s)   $(echo "$ingns $wcm" | awk '{printf "%.1f", $1/($2>0?$2:0.01)}') x wc -l"
  echo "  cpu ratio      $(echo "$ingc $wcc" | awk '{printf "%.1f", $1/($2>0?$2:0.01)}') x wc -l's cpu (cpu is in 10 ms steps: read it at medium and large; the machine's other load inflates wall, not cpu)"
  echo "  ingest memory  $(echo $rss | awk '{printf "%.0f", $1/1024}') MiB peak resident (one window of blocks is held; the address table grows with the addresses)"
  [ "$GZ" = 0 ] && echo "  (BENCH_GZIP=0: no gzip runs)"
  [ "$GZ" = 0 ] || echo "  gzip export    $zbytes bytes: zcat | wc -l $zwc s (cpu $zwcc s), evm ingest $zing s (cpu $zingc s)   $(echo "$zing $zwc" | awk '{printf "%.1f", $1/($2>0?$2:0.01)}') x zcat | wc -l"
  [ "$GZ" = 0 ] || echo "  gzip memory    $(echo $zrss | awk '{printf "%.0f", $1/1024}') MiB peak resident (the files stream: $(echo $rss | awk '{printf "%.0f", $1/1024}') MiB for the plain files, $(echo $bytes | awk '{printf "%.0f", $1/1048576}') MiB decompressed)"
  echo "  store          $store bytes: $(echo "$store $flows" | awk '{printf "%.0f", $1/$2}') bytes/flow in all, $bpf in the flow columns and index"
  echo "  evm tx         $(echo $qtx | awk '{printf "%.1f", $1*1000}') ms median (a whole process: exec, open, map, answer)"
  echo "  evm address    $(echo $qad | awk '{printf "%.1f", $1*1000}') ms median (a whole process)"
  QB=${ST_BENCH_BIN:-build/release/bench}/evm_query # in process: make build/release/bench/evm_query
  if [ -x "$QB" ]; then "$QB" "$W/db" 20000; else echo "  (no $QB: in-process query latency not measured)"; fi
done
