#!/bin/sh
# evm_commit.sh - what one small commit costs on top of a large Ethereum
# store, as `evm ingest --rpc` following a node's tip pays it every
# --commit-blocks (100) blocks: the store is built from a synthetic export
# but its last COMMITS x BLOCKS blocks, which are then ingested BLOCKS at a
# time into two copies of it, alternately: one that rebuilds every index
# whole at each commit (SANCTRACE_EVM_FULL_INDEX, the layout before the
# index deltas) and one that rewrites only the deltas (merging them into a
# new base when they outgrow an eighth of it).  Each commit is a whole
# `evm ingest` process, fsync included.  Medians of the commits, the ratio,
# and the mean (which carries the merges' share).
#
# BENCH_SIZE=small: 100k flows; medium: 1M; large: 10M.  BENCH_FLOWS=N
# overrides the size; BENCH_COMMITS (5) commits of BENCH_BLOCKS (100; 10 at
# small) blocks.
# BENCH_NEAR_LIMIT=1 builds the store in two ingests, the second a tenth
# of it, so the commits measured start with a delta near its limit (an
# eighth of the base): the most a delta commit costs, until it merges.
set -eu
B=${ST_BIN:-build/release/sanctrace}
case ${BENCH_SIZE:-small} in
  small) N=100000; BL=10 ;; # 100 synthetic blocks would be a third of this store
  medium) N=1000000; BL=100 ;;
  large) N=10000000; BL=100 ;;
  *) echo "BENCH_SIZE is small, medium or large" >&2; exit 2 ;;
esac
[ -n "${BENCH_FLOWS:-}" ] && N=$BENCH_FLOWS
COMMITS=${BENCH_COMMITS:-5}; BLOCKS=${BENCH_BLOCKS:-$BL}
W=${BENCH_DIR:-$(mktemp -d /tmp/sanctrace-bench-evmc.XXXXXX)}
mkdir -p "$W"
trap 'rm -rf "$W"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mean() { awk '{s+=$1} END {printf "%.3f", NR ? s/NR : 0}'; }
# "elapsed cpu" seconds of a command
secs() { t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$W/t" "$@" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
  t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" '{printf "%.4f %.2f\n", b-a, $1+$2}' "$W/t"; }

echo "evm commit benchmark: $(nproc) cores, $N flows, $COMMITS commits of $BLOCKS blocks, $(date -u +%FT%TZ), load:$(cut -d' ' -f1-3 /proc/loadavg)"
"$B" evm synth --flows "$N" --out "$W/x" --seed 1 >/dev/null
last=$(tail -n +2 "$W/x/blocks.csv" | cut -d, -f1 | sort -n | tail -1)
cut=$((last - COMMITS * BLOCKS))
# the export split by block: base/ up to $cut, then c1/ .. cN/ of BLOCKS blocks
# (the block number's column in each table; the fields before it are never quoted)
for f in "$W"/x/*.csv; do
  t=$(basename "$f")
  case $t in blocks.csv|traces.csv) col=1 ;; logs.csv) col=5 ;; token_transfers.csv) col=7 ;; *) col=4 ;; esac
  awk -F, -v col=$col -v cut=$cut -v k=$BLOCKS -v W="$W" -v t="$t" -v n=$COMMITS '
    BEGIN { system("mkdir -p " W "/base"); for (i = 1; i <= n; i++) system("mkdir -p " W "/c" i) }
    NR == 1 { h = $0; print h > (W "/base/" t); for (i = 1; i <= n; i++) print h > (W "/c" i "/" t); next }
    { b = $col + 0; p = b <= cut ? "base" : "c" (1 + int((b - cut - 1) / k)); print > (W "/" p "/" t) }' "$f"
done
rm -rf "$W/x"
if [ -n "${BENCH_NEAR_LIMIT:-}" ]; then # base/ split again: the last tenth of its blocks in mid/
  first=$(sed -n 2p "$W/base/blocks.csv" | cut -d, -f1); cut0=$((first + (cut - first) * 9 / 10))
  mkdir -p "$W/mid"
  for f in "$W"/base/*.csv; do
    t=$(basename "$f")
    case $t in blocks.csv|traces.csv) col=1 ;; logs.csv) col=5 ;; token_transfers.csv) col=7 ;; *) col=4 ;; esac
    awk -F, -v col=$col -v cut=$cut0 -v M="$W/mid/$t" 'NR == 1 { print > M; print; next }
      { if ($col + 0 <= cut) print; else print > M }' "$f" >"$f.new"
    mv "$f.new" "$f"
  done
fi
SANCTRACE_NO_SYNC=1 "$B" evm ingest --db "$W/db" "$W/base" >/dev/null
[ -d "$W/mid" ] && SANCTRACE_NO_SYNC=1 "$B" evm ingest --db "$W/db" "$W/mid" >/dev/null
# the flows the per-address index's base and delta cover (their headers)
word() { od -An -t u8 -j $(($2 * 8)) -N 8 "$1" | tr -d ' '; }
start="the commits start with a delta of $(($(word "$W/db/addr_flows.delta.idx" 3) - \
  $(word "$W/db/addr_flows.delta.idx" 2))) flows on a base of $(word "$W/db/addr_flows.idx" 2)"
base=$("$B" evm stats --db "$W/db" | python3 -c 'import json,sys; print(json.load(sys.stdin)["flows"])')
cp -r "$W/db" "$W/full"; mv "$W/db" "$W/delta"
sync
: >"$W/tf"; : >"$W/td"; merges=0; added=0
for i in $(seq "$COMMITS"); do
  secs env SANCTRACE_EVM_FULL_INDEX=1 "$B" evm ingest --db "$W/full" "$W/c$i" >>"$W/tf"
  cp "$W/delta/addr_flows.idx" "$W/base.idx"
  secs "$B" evm ingest --db "$W/delta" "$W/c$i" >>"$W/td"
  cmp -s "$W/delta/addr_flows.idx" "$W/base.idx" || merges=$((merges + 1))
done
flows=$("$B" evm stats --db "$W/delta" | python3 -c 'import json,sys; print(json.load(sys.stdin)["flows"])')
for c in "$W"/full/*.col; do cmp -s "$c" "$W/delta/$(basename "$c")" || { echo "the two stores differ: $c" >&2; exit 1; }; done
col() { awk -v c=$1 '{print $c}' "$2"; }
tf=$(col 1 "$W/tf" | median); td=$(col 1 "$W/td" | median); cf=$(col 2 "$W/tf" | median); cd=$(col 2 "$W/td" | median)
echo "store $base flows, then $COMMITS commits adding $((flows - base)) flows ($(( (flows - base) / COMMITS )) a commit);" \
  "$start (a merge past an eighth)"
echo "  whole rebuild  $tf s median a commit, cpu $cf s (means $(col 1 "$W/tf" | mean) s, cpu $(col 2 "$W/tf" | mean) s)"
echo "  delta index    $td s median a commit, cpu $cd s (means $(col 1 "$W/td" | mean) s, cpu $(col 2 "$W/td" | mean) s;" \
  "$merges of the $COMMITS merged into a new base)"
echo "  ratio          whole / delta $(echo "$tf $td" | awk '{printf "%.1f", $1/($2>0?$2:0.0001)}') x wall," \
  "$(echo "$cf $cd" | awk '{printf "%.1f", $1/($2>0?$2:0.01)}') x cpu (medians; cpu in 10 ms steps; wall carries the fsyncs of both)"
