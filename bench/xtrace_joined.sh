#!/bin/sh
# xtrace_joined.sh - `trace --evm-db E --db B` from the Bybit-shaped theft
# to its whole frontier, on a large synthetic Ethereum store joined to a
# large synthetic Bitcoin store, against one sequential scan of both
# stores; and exposure at 5 hops on Ethereum addresses.
#
# The stores (BENCH_SIZE=small: 200k flows + 200k transactions, seconds;
# large: 10M + 10M, by hand; BENCH_FLOWS / BENCH_TXS override):
# * Bitcoin: `chain synth --txs N` ingested, then the scenario's Bitcoin
#   blocks (THORChain's OUT: payments, peel chains, the CoinJoin, the
#   exchange deposits) built on that store's tip (`evm synth --scenario
#   bybit --btc-tip HASH --btc-height H`) and ingested on top of it;
# * Ethereum: the scenario's export (blocks 20,000,000..) ingested first,
#   then `evm synth --flows N --from-block <scenario's last + 1>` on top of
#   it: the theft is at the start, so the walk reads the whole store
#   after it (every later flow), as a trace run today over a theft of
#   the past would.
# Then, in this run: (a) one sequential scan of both stores: every file
# of both store directories read once (`cat`, page cache warm, as after
# the ingest), median of 3; (b) the trace under FIFO and haircut, each a
# fresh process (start-up, opening both stores, the TagPacks, the
# OP_RETURN index of the Bitcoin store: all included), median of 3,
# printed as the ratio to (a); the FIFO answer is checked against the
# scenario's truth.json (each Bitcoin exchange's amount, the mixer's,
# every bridge linked and whole, every (chain, asset) balanced), so the
# benchmark times a correct trace; (c) bench/xtrace_bench.c on the
# Ethereum store: its in-process scan and walk, and exposure at 5 hops of
# 300 random addresses (p50, p99).  Elapsed and CPU (user+sys) seconds are
# both printed: the machine is shared, CPU time is the steadier figure.
set -eu
cd "$(dirname "$0")/.."
B=${ST_BIN:-build/release/sanctrace}
XB=${ST_BENCH_BIN:-build/release/bench}/xtrace_bench
[ -x "$B" ] || make -s build/release/sanctrace
[ -x "$XB" ] || make -s "$XB" >/dev/null 2>&1 || XB=
case ${BENCH_SIZE:-small} in
  small) FLOWS=200000; TXS=200000 ;;
  large) FLOWS=10000000; TXS=10000000 ;;
  *) echo "BENCH_SIZE is small or large" >&2; exit 2 ;;
esac
FLOWS=${BENCH_FLOWS:-$FLOWS}; TXS=${BENCH_TXS:-$TXS}
W=${BENCH_DIR:-$(mktemp -d /tmp/sanctrace-bench-xjoin.XXXXXX)}
mkdir -p "$W"
[ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$W"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# "elapsed cpu" seconds of a command; its stdout into $OUT (default /dev/null)
# (elapsed from the clock in ns, /usr/bin/time's %e having 10 ms steps; but
# this machine's wall clock has been seen to step during a run, so when it
# disagrees with /proc/uptime (monotonic, 10 ms) by over 50 ms, uptime's
# figure is taken and the step is said on stderr)
secs() { read u0 _ </proc/uptime; t0=$(date +%s%N)
  /usr/bin/time -f "%U %S" -o "$W/t" "$@" >"${OUT:-/dev/null}" 2>"$W/err" || {
  rc=$?; cat "$W/err" >&2; echo "xtrace_joined: '$*' failed ($rc)" >&2; exit 1; }
  t1=$(date +%s%N); read u1 _ </proc/uptime
  awk -v e=$((t1 - t0)) -v u0="$u0" -v u1="$u1" '{ e /= 1e9; u = u1 - u0
    if (e - u > 0.05 || u - e > 0.05) { printf "  (wall clock stepped: %.3f s by the clock, %.2f s by uptime)\n", e, u > "/dev/stderr"; e = u }
    printf "%.4f %.2f\n", e, $1 + $2 }' "$W/t"; }
jget() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }

echo "cross-chain trace, joined stores: $(nproc) cores, BENCH_SIZE=${BENCH_SIZE:-small}, $(date -u +%FT%TZ), load:$(cut -d' ' -f1-3 /proc/loadavg)"
# --- Bitcoin: the synthetic chain, then the scenario's blocks on its tip
if [ ! -f "$W/btc.done" ]; then
  rm -rf "$W/blocks" "$W/btc" "$W/scen" "$W/evm" "$W/ex" "$W/evm.done"
  t=$(secs "$B" chain synth --txs "$TXS" --out "$W/blocks" --seed 1)
  echo "  chain synth --txs $TXS: $t (elapsed cpu s)"
  t=$(secs env SANCTRACE_NO_SYNC=1 "$B" chain ingest --db "$W/btc" --network regtest "$W/blocks")
  echo "  chain ingest: $t"
  OUT=$W/stats.json secs "$B" chain stats --db "$W/btc" >/dev/null
  TIP=$(jget "$W/stats.json" '["tip_hash"]'); H=$(jget "$W/stats.json" '["tip_height"]')
  "$B" evm synth --scenario bybit --out "$W/scen" --seed 7 --btc-tip "$TIP" --btc-height "$H"
  SANCTRACE_NO_SYNC=1 "$B" chain ingest --db "$W/btc" --network regtest "$W/scen/btc" >/dev/null
  OUT=$W/stats2.json secs "$B" chain stats --db "$W/btc" >/dev/null
  H2=$(jget "$W/stats2.json" '["tip_height"]')
  [ "$H2" -gt "$H" ] || { echo "xtrace_joined: the scenario's blocks did not extend the tip ($H -> $H2)" >&2; exit 1; }
  echo "  scenario's Bitcoin blocks on tip $H: tip now $H2"
  touch "$W/btc.done"
fi
# --- Ethereum: the scenario's export, then the synthetic chain after it
if [ ! -f "$W/evm.done" ]; then
  rm -rf "$W/evm" "$W/ex"
  SANCTRACE_NO_SYNC=1 "$B" evm ingest --db "$W/evm" "$W/scen/evm" >/dev/null
  LAST=$(awk -F, 'NR > 1 && $4 + 0 > m {m = $4 + 0} END {print m}' "$W/scen/evm/transactions.csv")
  t=$(secs "$B" evm synth --flows "$FLOWS" --from-block $((LAST + 1)) --out "$W/ex" --seed 3)
  echo "  evm synth --flows $FLOWS --from-block $((LAST + 1)): $t"
  t=$(secs env SANCTRACE_NO_SYNC=1 "$B" evm ingest --db "$W/evm" "$W/ex")
  echo "  evm ingest: $t"
  rm -rf "$W/ex" # the export is not needed any more (disk)
  touch "$W/evm.done"
fi
OUT=$W/es.json secs "$B" evm stats --db "$W/evm" --format json >/dev/null
python3 - "$W/es.json" "$W/stats2.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
pick = lambda d, ks: ", ".join("%s %s" % (k, d[k]) for k in ks if k in d)
print("  ethereum store:", pick(e, ("flows", "transactions", "addresses", "first_block", "last_block")))
print("  bitcoin store: ", pick(b, ("transactions", "outputs", "addresses", "tip_height")))
PY
ebytes=$(find "$W/evm" -type f -exec cat {} + | wc -c); bbytes=$(find "$W/btc" -type f -exec cat {} + | wc -c)
echo "  store files: ethereum $ebytes bytes, bitcoin $bbytes bytes"

SRC=$(jget "$W/scen/truth.json" '["source"]')
TAGS="--tags $W/scen/tagpack.yaml --tags $W/blocks/tagpack.yaml --no-sanctions --data-dir $W"
: >"$W/scan"; : >"$W/scanc"
for m in fifo haircut escan bscan eonly; do : >"$W/$m"; : >"$W/${m}c"; done
for r in 1 2 3; do
  s=$(secs sh -c "find '$W/evm' '$W/btc' -type f -exec cat {} + >/dev/null")
  echo "$s" | awk '{print $1}' >>"$W/scan"; echo "$s" | awk '{print $2}' >>"$W/scanc"
  # the breakdown: each store's scan alone, the trace on Ethereum alone
  for k in e b; do
    [ $k = e ] && d=$W/evm || d=$W/btc
    s=$(secs sh -c "find '$d' -type f -exec cat {} + >/dev/null")
    echo "$s" | awk '{print $1}' >>"$W/${k}scan"; echo "$s" | awk '{print $2}' >>"$W/${k}scanc"
  done
  s=$(OUT=$W/eonly.json secs "$B" trace --evm-db "$W/evm" $TAGS --from "$SRC" --model fifo --format json)
  echo "$s" | awk '{print $1}' >>"$W/eonly"; echo "$s" | awk '{print $2}' >>"$W/eonlyc"
  for m in fifo haircut; do
    s=$(OUT=$W/$m.json secs "$B" trace --evm-db "$W/evm" --db "$W/btc" $TAGS --from "$SRC" --model $m --format json)
    echo "$s" | awk '{print $1}' >>"$W/$m"; echo "$s" | awk '{print $2}' >>"$W/${m}c"
  done
done
# the answer is right: the per-exchange FIFO amounts are the truth's
python3 - "$W/scen/truth.json" "$W/fifo.json" "$W/haircut.json" <<'PY'
import json, sys
truth = json.load(open(sys.argv[1]))
for path in sys.argv[2:]:
    j = json.load(open(path)); model = j["model"]
    assert not j["cut"], j["cuts"]
    for t in j["totals"]:
        v = {k: int(t[k]) for k in ("source", "in", "frontier", "fees", "stopped", "rounding", "out")}
        assert v["source"] + v["in"] == v["frontier"] + v["fees"] + v["stopped"] + v["rounding"] + v["out"], t
    eth = [t for t in j["totals"] if t["chain"] == "ethereum" and t["asset"] == "ETH"][0]
    assert int(eth["source"]) == int(truth["stolen_eth"]), eth
    eth_in = [b for b in j["bridges"] if b["in_chain"] == "ethereum"]
    assert len(eth_in) == truth["thorchain_inbounds"], len(eth_in)
    svc = {(s["chain"], s["label"]): int(s["amount"]) for s in j["services"]}
    if model == "fifo":
        for b in eth_in:
            assert "note" not in b and b["tainted_out"] == b["amount_out"], b
        for name, amount in truth["btc_exchanges"].items():
            assert svc.get(("bitcoin", name)) == int(amount), (name, svc.get(("bitcoin", name)), amount)
        mx = [m for m in j["mixers"] if m["chain"] == "ethereum"]
        assert len(mx) == 1 and int(mx[0]["amount"]) == int(truth["mixer"]["amount"]), mx
        back = truth["back_to_ethereum"]
        fr = [f for f in j["frontier"] if f["address"] == back["address"]]
        assert len(fr) == 1 and fr[0]["tainted"] == back["amount"], fr
    print("  %-8s answer: flows walked %s, %d bridges, exchanges %s%s" % (model, j["flows_walked"], len(j["bridges"]),
          ", ".join("%s %d" % (k[1].split()[-1], v) for k, v in sorted(svc.items()) if k[0] == "bitcoin"),
          " = truth.json" if model == "fifo" else "; every (chain, asset) balances"))
PY
scan=$(median <"$W/scan"); scanc=$(median <"$W/scanc")
awk -v b=$((ebytes + bbytes)) -v s="$scan" -v c="$scanc" 'BEGIN {
  printf "  (a) one sequential scan of both stores (cat every file)  %7.3f s elapsed %7.3f s cpu  (%.0f MB/s)\n", s, c, b / 1e6 / s }'
for m in fifo haircut; do
  e=$(median <"$W/$m"); c=$(median <"$W/${m}c")
  awk -v m=$m -v e="$e" -v c="$c" -v s="$scan" -v sc="$scanc" 'BEGIN {
    printf "  (b) trace %-8s to the whole frontier (a process)     %7.3f s elapsed %7.3f s cpu  = %.2fx the scan elapsed, %.2fx cpu (target <= 3x)\n", m, e, c, e / s, c / sc }'
done
awk -v e="$(median <"$W/escan")" -v ec="$(median <"$W/escanc")" -v b="$(median <"$W/bscan")" -v bc="$(median <"$W/bscanc")" \
    -v t="$(median <"$W/eonly")" -v tc="$(median <"$W/eonlyc")" 'BEGIN {
  printf "      breakdown: scan of the ethereum store %.3f s (%.2f cpu), of the bitcoin store %.3f s (%.2f cpu);\n", e, ec, b, bc
  printf "      trace fifo on the ethereum store alone (no --db) %.3f s (%.2f cpu) = %.2fx its scan\n", t, tc, t / e }'
echo "  (medians of 3; load after: $(cut -d' ' -f1-3 /proc/loadavg))"
if [ -n "$XB" ]; then
  echo "  (c) bench/xtrace_bench.c on the Ethereum store (in process):"
  "$XB" "$W/evm"
else
  echo "  (c) skipped: no $XB (make build/release/bench/xtrace_bench)"
fi
