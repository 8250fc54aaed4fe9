#!/bin/sh
# trace.sh - `sanctrace chain cluster|why`, `trace` and `exposure` end to end:
# the regtest chain's labelled scenarios and errors, then the laundering
# scenario of `chain synth`, checked against the synth's own truth.json
# (which the tracer never reads).
set -eu
B=$ST_BIN
T=$ST_TMP
RT=$ST_DATA/chain/regtest-blocksci/btc
fail() { echo "FAIL: $*" >&2; exit 1; }
. tests/lib/damage.sh
label() { python3 -c "import json,sys; print(json.load(open('$RT/output.json'))[sys.argv[1]])" "$1"; }

# ---- regtest chain ----
$B chain ingest --db "$T/rt" "$RT/blk00000.dat" >/dev/null
$B chain cluster --db "$T/rt" > "$T/cl.json"
python3 - "$T/cl.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["addresses"] == 213 and r["coinjoins_skipped"] >= 1, r
EOF
m1=$(label merge-addr-1); m3=$(label merge-addr-3); peel=$(label addr-peeling-chain)
$B chain why --db "$T/rt" "$m1" "$m3" > "$T/why.json"
grep -q "$(label merge-final-tx)" "$T/why.json" || fail "why does not name merge-final-tx"
set +e
$B chain why --db "$T/rt" "$m1" "$peel" > "$T/why2.json"; rc=$?
set -e
[ $rc -eq 1 ] || fail "unlinked addresses: exit $rc, want 1"
grep -q '"linked": false' "$T/why2.json" || fail "unlinked addresses not reported"
$B chain cluster --db "$T/rt" --address "$m1" | grep -q '"size": 3' || fail "merge cluster is not of size 3"

# unknown txid / address: clear error, exit 2
set +e
$B trace --db "$T/rt" --from 00000000000000000000000000000000000000000000000000000000000000aa:0 2> "$T/err1"; rc1=$?
$B exposure --db "$T/rt" mzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz 2> "$T/err2"; rc2=$?
$B chain why --db "$T/rt" "$m1" notanaddress 2> "$T/err3"; rc3=$?
$B trace --db "$T/rt" --from "$m1" --model lifo2 2> "$T/err4"; rc4=$?
set -e
[ $rc1 -eq 2 ] && grep -q "unknown transaction" "$T/err1" || fail "unknown txid: exit $rc1 $(cat "$T/err1")"
[ $rc2 -eq 2 ] && grep -q "unknown address" "$T/err2" || fail "unknown address: exit $rc2"
[ $rc3 -eq 2 ] && grep -q "unknown address" "$T/err3" || fail "why unknown address: exit $rc3"
[ $rc4 -eq 2 ] && grep -q "model" "$T/err4" || fail "bad model: exit $rc4"

# the mapping scenario by haircut, from the CLI: six outputs of 66,664,000 sat
fund2=$(label taint-mapping-fund-tx-2)
mt=$(label taint-mapping-tx)
vout=$($B chain tx --db "$T/rt" "$mt" | python3 -c "
import json,sys; d=json.load(sys.stdin)
print([i['vout'] for i in d['inputs'] if i['prev_txid']=='$fund2'][0])")
$B trace --db "$T/rt" --from "$fund2:$vout" --model haircut --until-height 200 > "$T/map.json"
python3 - "$T/map.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
vals = sorted(x["tainted"] for x in r["frontier"])
assert vals == [66664000] * 6, vals
t = r["totals"]
assert t["source_value"] == t["frontier_value"] + t["fee_left"] + t["rounding_loss"] + t["fee_unclaimed"], t
EOF
$B trace --db "$T/rt" --from "$fund2:$vout" --format table > "$T/map.txt"
grep -q "66664000" "$T/map.txt" || fail "table output lacks the frontier"
$B trace --db "$T/rt" --from "$fund2:$vout" --format dot > "$T/map.dot"
grep -q "^digraph" "$T/map.dot" || fail "dot output"

# ---- the laundering scenario ----
$B chain synth --txs 20000 --out "$T/syn" >/dev/null
$B chain ingest --db "$T/sdb" "$T/syn" >/dev/null
$B chain cluster --db "$T/sdb" >/dev/null
# the theft's label: the tag that carries an abuse field
theft=$(grep -B2 '^  abuse:' "$T/syn/tagpack.yaml" | sed -n 's/^  label: //p' | head -1)
[ -n "$theft" ] || fail "no theft label in the synth TagPack"
$B trace --db "$T/sdb" --tags "$T/syn/tagpack.yaml" --from "$theft" --model poison --limit 1000000 > "$T/poison.json"
$B trace --db "$T/sdb" --tags "$T/syn/tagpack.yaml" --from "$theft" --model haircut --limit 1000000 > "$T/haircut.json"
python3 - "$T/syn/truth.json" "$T/poison.json" "$T/haircut.json" <<'EOF'
import json, sys
truth = json.load(open(sys.argv[1]))
poison = json.load(open(sys.argv[2]))
hair = json.load(open(sys.argv[3]))
def frontier(r):
    return {(x["txid"], x["vout"]): x for x in r["frontier"]}
fp, fh = frontier(poison), frontier(hair)
per = {}
for d in truth["deposits"]:
    k = (d["txid"], d["vout"])
    assert k in fp, ("deposit not reached", d)
    x = fp[k]
    assert x["stop"] == "service" and x["service"]["label"] == d["exchange"], (x, d)
    per[d["exchange"]] = per.get(d["exchange"], 0) + x["tainted"]
    h = fh[k]
    assert h["service"]["label"] == d["exchange"]
    if d["via"] == "coinjoin":
        assert 0 < h["tainted"] < d["value"], (h, d)   # mixed with clean coins
    else:
        assert h["tainted"] == d["value"], (h, d)       # peel chain / fan-out: all stolen
for ex, amount in truth["deposited_by_exchange"].items():
    assert per.get(ex, 0) == amount, (ex, per.get(ex), amount)
names = [s["label"] for s in hair["services"]]
for ex, amount in truth["deposited_by_exchange"].items():
    if amount:
        assert ex in names, (ex, names)
print("synth scenario ok:", per)
EOF
dep=$(python3 -c "import json; print(json.load(open('$T/syn/truth.json'))['deposits'][0]['address'])")
$B exposure --db "$T/sdb" --tags "$T/syn/tagpack.yaml" "$dep" > "$T/exp.json"
python3 - "$T/exp.json" "$theft" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
top = r["by_source"][0]
assert top["label"] == sys.argv[2] and top["category"] == "theft", top
assert top["paths"] and top["paths"][0]["txs"], top
assert r["risk"] in ("high", "severe"), r["risk"]
EOF
$B trace --db "$T/sdb" --tags "$T/syn/tagpack.yaml" --from "$theft" --format svg > "$T/flow.svg"
grep -q "<svg" "$T/flow.svg" || fail "svg output"

# a damaged store (zeros where a crash or a copy left a hole, a column of
# garbage, block bounds past the transactions, links and ranges that name
# ids past their tables, a cluster file garbage past its header; "+dirty":
# as a copy taken after an interrupted ingest, which a reader repairs in its
# memory; "@N": the first N bytes kept, so 000@(64 + 16 naddr) zeroes the
# cluster file's member links and edges past sound ids): every command answers or fails
# with a message, none loops or reads outside its columns (timeout turns a
# hang into a failure).  `chain cluster`, which writes the cluster file
# anew, runs last.
txid=$(python3 -c "import json; print(json.load(open('$T/syn/truth.json'))['deposits'][0]['txid'])")
mate=$($B chain cluster --db "$T/sdb" --address "$dep" | python3 -c "import json,sys; print(json.load(sys.stdin)['members'][-1])")
$B chain why --db "$T/sdb" "$dep" "$mate" | grep -q '"linked": true' || fail "no cluster mate of $dep for the damaged-store runs"
naddr=$($B chain stats --db "$T/sdb" | python3 -c "import json,sys; print(json.load(sys.stdin)['addresses'])")
set +e
for dmg in out_next:000 out_next:000+dirty addr:177+dirty addridx.tab:177 txidx.tab:377 chain:177 \
           block_first_tx:rising in_prev:177 in_tx:rising out_spent:177 tx_block:177 tx_first_in:rising \
           tx_first_out:rising out_addr:rising cluster:177@64 cluster:000@$((64 + 16 * $naddr)); do
  how=${dmg#*:}; f=${dmg%%:*}; case $f in *.tab) ;; *) f=$f.col ;; esac
  keep=0; case $how in *@*) keep=${how#*@}; how=${how%@*} ;; esac
  rm -rf "$T/dmg"; cp -r "$T/sdb" "$T/dmg"
  damage "$T/dmg/$f" "${how%+dirty}" "$keep"
  case $how in *+dirty) : >"$T/dmg/dirty" ;; esac
  for q in "chain stats" "chain tx $txid" "chain address $dep" "exposure --tags $T/syn/tagpack.yaml $dep" \
           "chain cluster --address $dep" "chain why $dep $mate" \
           "trace haircut" "trace fifo" "chain cluster"; do
    case $q in
      trace*) timeout 120 $B trace --db "$T/dmg" --tags "$T/syn/tagpack.yaml" --from "$theft" --model "${q#trace }" \
                --taint-fee >/dev/null 2>"$T/err"; rc=$? ;;
      *) timeout 120 $B $q --db "$T/dmg" >/dev/null 2>"$T/err"; rc=$? ;;
    esac
    [ $rc -lt 3 ] || fail "damaged $f ($how): '$q' exit $rc: $(head -c 300 "$T/err")"
    ! grep -q "unexpected argument" "$T/err" || fail "damaged $f ($how): '$q' was not run: $(head -c 300 "$T/err")"
  done
done
set -e
# a cluster file whose ids name addresses that are not their clusters'
# roots (each address's id shifted by one): `exposure --cluster` says the
# file is damaged and how to rebuild it (it said "out of memory")
rm -rf "$T/dmg"; cp -r "$T/sdb" "$T/dmg"
set_words "$T/dmg/cluster.col" 64 8 "$naddr" '(i + 1) % n'
set +e
$B exposure --db "$T/dmg" --cluster --tags "$T/syn/tagpack.yaml" "$dep" >/dev/null 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "the cluster file in .* is damaged" "$T/err" ||
  fail "exposure --cluster over shifted cluster ids: exit $rc: $(head -c 300 "$T/err")"

# an ingest into a store whose index files are damaged rebuilds them from
# the columns (it used to probe a full table for ever): the first blocks,
# the index files garbage, then the rest; the same store as in one go
python3 - "$T/syn/blk00000.dat" "$T/part1.dat" "$T/part2.dat" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read(); recs = []; i = 0
while i + 8 <= len(data):
    n = int.from_bytes(data[i + 4:i + 8], 'little'); recs.append(data[i:i + 8 + n]); i += 8 + n
half = len(recs) // 2
open(sys.argv[2], 'wb').write(b''.join(recs[:half])); open(sys.argv[3], 'wb').write(b''.join(recs[half:]))
PY
$B chain ingest --db "$T/inc" "$T/part1.dat" >/dev/null || fail "first half"
cp -r "$T/inc" "$T/half"
for f in addridx.tab txidx.tab; do
  damage "$T/inc/$f" 177
done
timeout 300 $B chain ingest --db "$T/inc" "$T/part2.dat" >/dev/null || fail "ingest over damaged index files: exit $?"
$B chain ingest --db "$T/one" "$T/syn/blk00000.dat" >/dev/null || fail "in one go"
$B chain stats --db "$T/inc" | grep -v "store_bytes\|bytes_per_tx" >"$T/inc.stats"
$B chain stats --db "$T/one" | grep -v "store_bytes\|bytes_per_tx" >"$T/one.stats"
cmp -s "$T/inc.stats" "$T/one.stats" || fail "ingest over damaged index files: $(diff "$T/inc.stats" "$T/one.stats")"
$B chain address --db "$T/inc" "$dep" >"$T/inc.addr" && $B chain address --db "$T/one" "$dep" >"$T/one.addr"
cmp -s "$T/inc.addr" "$T/one.addr" || fail "ingest over damaged index files: address differs"
$B chain tx --db "$T/inc" "$txid" >"$T/inc.tx" && $B chain tx --db "$T/one" "$txid" >"$T/one.tx"
cmp -s "$T/inc.tx" "$T/one.tx" || fail "ingest over damaged index files: tx differs"

# an ingest into a store whose columns are damaged appends or stops with a
# clear message, never writes through a garbage id (headers whose hashes no
# longer match made a cycle in the block tree; a transaction's outputs past
# the store were written to; a block record past the counts was cut to; an
# address's last output, "addr:last": 2^40 in every 64-byte record's last
# word, was linked from)
set +e
for dmg in hdr:177 chain:177 tx_first_out:rising addr:last; do
  how=${dmg#*:}; f=${dmg%%:*}.col
  rm -rf "$T/dmg"; cp -r "$T/half" "$T/dmg"
  case $how in
    last) set_words "$T/dmg/$f" 56 64 0 '1 << 40' ;;
    *) damage "$T/dmg/$f" "$how" ;;
  esac
  timeout 300 $B chain ingest --db "$T/dmg" "$T/part2.dat" >/dev/null 2>"$T/err"; rc=$?
  [ $rc -lt 3 ] || fail "ingest over a damaged $f ($how): exit $rc: $(head -c 300 "$T/err")"
  case $f in chain.col) [ $rc -eq 2 ] && grep -q "the store is damaged: block" "$T/err" ||
    fail "ingest over a damaged $f: exit $rc, not the damage named: $(head -c 300 "$T/err")" ;; esac
  timeout 120 $B chain stats --db "$T/dmg" >/dev/null 2>"$T/err"; rc=$?
  [ $rc -lt 3 ] || fail "stats after an ingest over a damaged $f ($how): exit $rc"
done
set -e
echo "trace cli ok"
