#!/bin/sh
# chain_ingest.sh - ingest speed beside the physical floor, store size,
# memory, point-query latency, and the extrapolation to the full chain.
#
# For each size: `chain synth` writes blk files; then, in the same run and
# on the same files, `openssl dgst -sha256` twice (a txid is a double
# SHA-256, so hashing every byte twice is what no ingest can beat) and
# `chain ingest` into a fresh store, RUNS times each; medians are printed.
# BENCH_SIZE=small: 100k transactions, 3 runs; large: 1M and 10M, 1 run.
# Ingest is measured twice: as shipped (fsync at every commit) and with
# SANCTRACE_NO_SYNC=1 (CPU and page cache only), since the disk's sync
# latency on a shared machine is not the ingest's own cost.  Both elapsed
# and CPU (user+sys) seconds are reported: on a machine shared with other
# jobs, CPU time is the steadier comparison.
set -eu
B=${ST_BIN:-build/release/sanctrace}
case ${BENCH_SIZE:-small} in
  small) SIZES="100000"; RUNS=3 ;;
  large) SIZES="1000000 10000000"; RUNS=1 ;;
  *) echo "BENCH_SIZE is small or large" >&2; exit 2 ;;
esac
[ -n "${BENCH_TXS:-}" ] && SIZES=$BENCH_TXS # e.g. BENCH_TXS=1000000 for one size
[ -n "${BENCH_RUNS:-}" ] && RUNS=$BENCH_RUNS # medians over more runs
W=${BENCH_DIR:-$(mktemp -d /tmp/sanctrace-bench-chain.XXXXXX)}
mkdir -p "$W"
trap 'rm -rf "$W"' EXIT
FULL_CHAIN_TXS=1300000000
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# "elapsed cpu" seconds of a command
secs() { /usr/bin/time -f "%e %U %S" -o "$W/t" "$@" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
  awk '{print $1, $2+$3}' "$W/t"; }

echo "chain ingest benchmark: $(nproc) cores, BENCH_SIZE=${BENCH_SIZE:-small}, $(date -u +%FT%TZ), load:$(cut -d' ' -f1-3 /proc/loadavg)"
for N in $SIZES; do
  rm -rf "$W/blocks" "$W/db"
  synth=$(secs "$B" chain synth --txs "$N" --out "$W/blocks" --seed 1)
  bytes=$(cat "$W"/blocks/blk*.dat | wc -c)
  : >"$W/sha"; : >"$W/ing"; : >"$W/ingns"; : >"$W/shac"; : >"$W/ingc"; : >"$W/ingnsc"; : >"$W/ingw"; : >"$W/ingwc"
  for r in $(seq $RUNS); do
    cat "$W"/blocks/blk*.dat >/dev/null # same page-cache state for everyone
    s1=$(secs openssl dgst -sha256 "$W"/blocks/blk*.dat)
    s2=$(secs openssl dgst -sha256 "$W"/blocks/blk*.dat)
    echo "$s1 $s2" | awk '{print $1+$3}' >>"$W/sha"
    echo "$s1 $s2" | awk '{print $2+$4}' >>"$W/shac"
    rm -rf "$W/db"
    secs "$B" chain ingest --db "$W/db" "$W/blocks" >"$W/one"
    awk '{print $1}' "$W/one" >>"$W/ing"; awk '{print $2}' "$W/one" >>"$W/ingc"
    rm -rf "$W/db"
    SANCTRACE_NO_SYNC=1 /usr/bin/time -v -o "$W/tv" "$B" chain ingest --db "$W/db" "$W/blocks" >/dev/null
    awk -F': ' '/Elapsed/ {split($2,t,":"); s=0; for(i=1;i<=length(t);i++) s=s*60+t[i]; print s}' "$W/tv" >>"$W/ingns"
    awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$W/tv" >>"$W/ingnsc"
    rm -rf "$W/db" # the optional BIP141 witness-commitment check: its cost
    secs env SANCTRACE_NO_SYNC=1 "$B" chain ingest --check-witness --db "$W/db" "$W/blocks" >"$W/one"
    awk '{print $1}' "$W/one" >>"$W/ingw"; awk '{print $2}' "$W/one" >>"$W/ingwc"
  done
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$W/tv")
  sha=$(median <"$W/sha"); ing=$(median <"$W/ing"); ingns=$(median <"$W/ingns")
  shac=$(median <"$W/shac"); ingc=$(median <"$W/ingc"); ingnsc=$(median <"$W/ingnsc")
  ingw=$(median <"$W/ingw"); ingwc=$(median <"$W/ingwc")
  synth=$(echo $synth | awk '{print $1}')
  store=$("$B" chain stats --db "$W/db" | awk -F': ' '/"store_bytes"/ {gsub(",","",$2); print $2}')
  q=$("$B" chain querybench --db "$W/db" --txs 5000 | tr '\n' ' ')
  # what a user at a terminal sees: one `chain tx` process per random txid
  # (process start-up and shared libraries included), median of 31
  : >"$W/cli"
  h=$("$B" chain stats --db "$W/db" | awk -F': ' '/"tip_height"/ {gsub(",","",$2); print $2}')
  for r in $(seq 31); do
    id=$("$B" chain block --db "$W/db" $(( (r * 7919) % (h + 1) )) | awk -F'"' -v r="$r" 'NF == 3 && length($2) == 64 {t[n++] = $2} END {if (n) print t[(r * 104729) % n]}')
    [ -n "$id" ] || continue
    /usr/bin/time -f "%e" -o "$W/t1" "$B" chain tx --db "$W/db" "$id" >/dev/null
    awk '{print $1 * 1000}' "$W/t1" >>"$W/cli"
  done
  cli=$(median <"$W/cli")
  # the columns ingest touches at random (lookups and link updates)
  hot=$(cd "$W/db" && cat txidx.tab addridx.tab tx_hash.col tx_first_out.col out_spent.col out_next.col addr.col | wc -c)
  awk -v n="$N" -v bytes="$bytes" -v sha="$sha" -v ing="$ing" -v ingns="$ingns" -v store="$store" \
      -v rss="$rss" -v synth="$synth" -v full="$FULL_CHAIN_TXS" -v shac="$shac" -v ingc="$ingc" \
      -v ingnsc="$ingnsc" -v hot="$hot" -v ingw="$ingw" -v ingwc="$ingwc" 'BEGIN {
    printf "\n%d transactions, %.1f MB of blk files (synth %.2f s)\n", n, bytes/1e6, synth
    printf "                       elapsed s      tx/s  ratio |    cpu s      tx/s  ratio  (ratio: to 2 x SHA-256)\n"
    printf "  2 x openssl sha256 : %9.3f %9s %6s | %8.3f %9s %6s  (%.0f MB/s per pass, cpu)\n", sha, "", "", shac, "", "", 2*bytes/1e6/shac
    printf "  ingest (fsync)     : %9.3f %9.0f %6.2f | %8.3f %9.0f %6.2f\n", ing, n/ing, ing/sha, ingc, n/ingc, ingc/shac
    printf "  ingest (no fsync)  : %9.3f %9.0f %6.2f | %8.3f %9.0f %6.2f\n", ingns, n/ingns, ingns/sha, ingnsc, n/ingnsc, ingnsc/shac
    printf "  + --check-witness  : %9.3f %9.0f %6.2f | %8.3f %9.0f %6.2f  (no fsync)\n", ingw, n/ingw, ingw/sha, ingwc, n/ingwc, ingwc/shac
    printf "  store              : %8.1f MB  %.0f bytes/tx   peak RSS %.0f MB (mapped store pages included)\n", store/1e6, store/n, rss/1024
    printf "  full chain (%.1e tx) at the cpu rate: %.1f h ingest, %.0f GB store\n", full, full/(n/ingnsc)/3600, store/n*full/1e9
    printf "  random-access set  : %.0f bytes/tx -> %.0f GB at full chain (that rate holds while it fits in RAM)\n", hot/n, hot/n*full/1e9
  }'
  echo "  point queries: $q"
  echo "  chain tx as a fresh process (start-up included): median $cli ms over $(wc -l <"$W/cli") random txids"
done
