#!/bin/sh
# xtrace.sh - one `sanctrace trace` across chains on the laundering
# scenario (`evm synth --scenario bybit`): the Ethereum export and the
# Bitcoin blocks are ingested into real stores, the drain is traced under
# each model, and the answer is checked against the scenario's ground
# truth: under FIFO every Bitcoin exchange receives exactly what the
# launderer deposited there and the mixer exactly what went in; under
# every model each (chain, asset) accounts for every wei and satoshi
# (summed here, not taken from the answer's own flag); one CoinJoin output
# goes back to Ethereum through THORChain and arrives whole under FIFO.  Two seeds and two
# split counts; the clear messages of bad sources; table and DOT forms.
set -eu
B=$ST_BIN; T=$ST_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }
. tests/lib/rollback.sh
. tests/lib/damage.sh

check() { # check DIR MODEL ANSWER
  python3 - "$1/truth.json" "$2" "$3" <<'PY' || fail "$2 answer of $1"
import json, sys
truth = json.load(open(sys.argv[1])); model = sys.argv[2]; j = json.load(open(sys.argv[3]))
assert j["model"] == model, j["model"]
assert not j["cut"], j["cuts"]
for t in j["totals"]:
    v = {k: int(t[k]) for k in ("source", "in", "frontier", "fees", "stopped", "rounding", "out")}
    if model != "poison":
        assert v["source"] + v["in"] == v["frontier"] + v["fees"] + v["stopped"] + v["rounding"] + v["out"], t
        assert t["conserved"] is True
chains = {(t["chain"], t["asset"]) for t in j["totals"]}
assert ("bitcoin", "BTC") in chains and ("ethereum", "ETH") in chains, chains
eth = [t for t in j["totals"] if t["chain"] == "ethereum" and t["asset"] == "ETH"][0]
assert int(eth["source"]) == int(truth["stolen_eth"]), (eth["source"], truth["stolen_eth"])
tok = [t for t in j["totals"] if t["asset"] == truth["token"]][0]
assert int(tok["source"]) == int(truth["stolen_token"])
back = truth["back_to_ethereum"]
eth_in = [b for b in j["bridges"] if b["in_chain"] == "ethereum"]
assert len(eth_in) == truth["thorchain_inbounds"], len(eth_in)
btc_in_b = [b for b in j["bridges"] if b["in_chain"] == "bitcoin"]
assert len(btc_in_b) == 1, btc_in_b  # and back: Bitcoin -> THORChain -> Ethereum
b = btc_in_b[0]
assert b["in_tx"] == back["btc_txid"] and b["out_chain"] == "ethereum" and b["amount_out"] == back["amount"], b
assert b["out_memo"] == "OUT:" + back["btc_txid"].upper() and b["memo"] == "=:ETH.ETH:" + back["address"], b
btc_in = 0
for b in eth_in:
    assert b["protocol"] == "thorchain" and b["in_chain"] == "ethereum" and b["out_chain"] == "bitcoin", b
    assert b["out_tx"] and b["out_memo"].upper() == "OUT:" + b["in_tx"][2:].upper(), b
    assert "note" not in b, b
    assert int(b["tainted_out"]) <= int(b["amount_out"])
    btc_in += int(b["tainted_out"])
    if model == "fifo":
        assert b["tainted_in"] == b["amount_in"] and b["tainted_out"] == b["amount_out"], b
btc = [t for t in j["totals"] if t["chain"] == "bitcoin"][0]
assert int(btc["in"]) == btc_in
assert int(btc["out"]) == int(btc_in_b[0]["tainted_in"])  # what left Bitcoin through the vault
svc = {(s["chain"], s["label"]): int(s["amount"]) for s in j["services"]}
if model == "fifo":
    for name, amount in truth["btc_exchanges"].items():
        assert svc.get(("bitcoin", name)) == int(amount), (name, svc.get(("bitcoin", name)), amount)
    assert int(btc["stopped"]) == sum(int(a) for a in truth["btc_exchanges"].values())
    assert btc_in_b[0]["tainted_out"] == back["amount"], btc_in_b[0]
    fr = [f for f in j["frontier"] if f["address"] == back["address"]]
    assert len(fr) == 1 and fr[0]["tainted"] == back["amount"], fr
    mx = [m for m in j["mixers"] if m["chain"] == "ethereum"]
    assert len(mx) == 1 and int(mx[0]["amount"]) == int(truth["mixer"]["amount"]), mx
    assert mx[0]["note"] == "entered mixer"
else:  # other models find no more than what was deposited
    for name, amount in truth["btc_exchanges"].items():
        assert svc.get(("bitcoin", name), 0) <= int(amount) or model == "poison"
front = [f for f in j["frontier"] if f["chain"] == "ethereum"]
assert all(f["hash"] is None or f["hash"].startswith("0x") for f in front)
PY
}

for run in "7 48" "1234 60"; do
  set -- $run
  S=$T/s$1
  $B evm synth --scenario bybit --out $S --seed $1 --splits $2 || fail "scenario seed $1"
  $B evm ingest --db $S/evmdb $S/evm >/dev/null || fail "evm ingest"
  $B chain ingest --db $S/btcdb --network regtest $S/btc >/dev/null || fail "chain ingest"
  SRC=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['source'])" $S/truth.json)
  for m in fifo haircut poison; do
    $B trace --evm-db $S/evmdb --db $S/btcdb --tags $S/tagpack.yaml --no-sanctions --data-dir $T \
      --from "$SRC" --model $m --format json >$S/$m.json || fail "trace $m seed $1"
    check $S $m $S/$m.json
  done
done

# the same seed gives the same files
$B evm synth --scenario bybit --out $T/again --seed 7 --splits 48
cmp $T/again/btc/blk00000.dat $T/s7/btc/blk00000.dat || fail "scenario not reproducible"
cmp $T/again/evm/logs.csv $T/s7/evm/logs.csv || fail "scenario logs not reproducible"

# table and drawing
S=$T/s7
SRC=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['source'])" $S/truth.json)
$B trace --evm-db $S/evmdb --db $S/btcdb --tags $S/tagpack.yaml --no-sanctions --data-dir $T --from "$SRC" \
  --model fifo --format table >$T/table.txt || fail "table"
grep -q "bitcoin .*conserved" $T/table.txt || fail "table totals"
grep -q "^bridge  thorchain ethereum -> bitcoin" $T/table.txt || fail "table bridges"
grep -q "^service Exchange Alpha .* bitcoin " $T/table.txt || fail "table Bitcoin services"
$B trace --evm-db $S/evmdb --db $S/btcdb --tags $S/tagpack.yaml --no-sanctions --data-dir $T --from "$SRC" \
  --model fifo --format dot >$T/g.dot || fail "dot"
grep -q cluster_bitcoin $T/g.dot && grep -q cluster_ethereum $T/g.dot || fail "dot clusters"
grep -q '^  "e0x[0-9a-f]*" -> bridge[0-9]*;' $T/g.dot && grep -q '^  bridge[0-9]* -> "b[0-9a-f]*";' $T/g.dot &&
  grep -q '^  "b[0-9a-f]*" -> bridge[0-9]*;' $T/g.dot && grep -q '^  bridge[0-9]* -> "e0x[0-9a-f]*";' $T/g.dot ||
  fail "dot bridge edges both ways"

# a damaged store (a column's ids past the tables, as a bad disk or a
# copy cut short leaves them): every command answers or fails with a
# message, none reads outside its tables
V=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['source'].split('/')[1])" $S/truth.json)
H=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['source'].split('/')[0])" $S/truth.json)
set +e
for col in flow_from flow_to flow_tx flow_asset tx_from tx_to tx_first_flow; do
  rm -rf $T/dmg; cp -r $S/evmdb $T/dmg
  damage $T/dmg/$col.col 177
  for q in "evm tx --db $T/dmg $H" "evm address --db $T/dmg $V" "evm flows --db $T/dmg $V" \
           "trace --evm-db $T/dmg --db $S/btcdb --no-sanctions --data-dir $T --from $SRC --model fifo" \
           "exposure --evm-db $T/dmg --db $S/btcdb --no-sanctions --data-dir $T $V"; do
    timeout 120 $B $q >/dev/null 2>$T/err; rc=$?
    [ $rc -lt 3 ] || fail "damaged $col: '${q%% --*}' exit $rc: $(head -c 300 $T/err)"
  done
done
set -e

# --through-mixers: every tainted deposit linked to every withdrawal of its
# denomination in the window, marked, each withdrawal sharing the deposits'
# taint; still every wei accounted for
$B trace --evm-db $S/evmdb --db $S/btcdb --tags $S/tagpack.yaml --no-sanctions --data-dir $T --from "$SRC" \
  --model fifo --through-mixers >$T/mix.json || fail "through mixers"
python3 - $S/truth.json $T/mix.json <<'PY' || fail "mixer links"
import json, sys
truth = json.load(open(sys.argv[1])); j = json.load(open(sys.argv[2]))
links = j["mixer_links"]; w = truth["mixer"]["withdrawals"]; denom = 10 * 10**18
deposits = int(truth["mixer"]["amount"]) // denom
assert len(links) == deposits * w, (len(links), deposits, w)
assert all(l["candidates"] == w and l["heuristic"] and l["amount"] == str(denom) for l in links)
eth = [t for t in j["totals"] if t["chain"] == "ethereum" and t["asset"] == "ETH"][0]
assert sum(int(l["tainted"]) for l in links) + int(eth["rounding"]) == int(truth["mixer"]["amount"])
for t in j["totals"]:
    v = {k: int(t[k]) for k in ("source", "in", "frontier", "fees", "stopped", "rounding", "out")}
    assert v["source"] + v["in"] == v["frontier"] + v["fees"] + v["stopped"] + v["rounding"] + v["out"], t
mx = [s for s in j["services"] if s["category"] == "mixer"][0]
assert "heuristic" in mx["note"], mx
PY

# Ethereum only: the bridges say where the Bitcoin store is missing
$B trace --evm-db $S/evmdb --tags $S/tagpack.yaml --no-sanctions --data-dir $T --from "$SRC" --model fifo \
  >$T/eth.json || fail "eth only"
grep -q 'give the Bitcoin store' $T/eth.json || fail "missing Bitcoin store not said"

# exposure of an Ethereum address: the mixer got the cold wallet's ether
# through the thief and the split addresses (3 hops), no more than went in
MX=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['mixer']['address'])" $S/truth.json)
$B exposure --evm-db $S/evmdb --tags $S/tagpack.yaml --no-sanctions --data-dir $T $MX >$T/exp.json || fail "exposure"
python3 - $T/exp.json $S/truth.json <<'PY' || fail "exposure answer"
import json, sys
j = json.load(open(sys.argv[1])); truth = json.load(open(sys.argv[2]))
src = {s["label"]: s for s in j["by_source"]}
v = src["Exchange cold wallet (victim)"]
assert int(v["direct"]) == 0 and 0 < int(v["indirect"]) <= int(truth["mixer"]["amount"]), v
p = v["paths"][0]
assert p["hops"] == 3 and p["txs"][0] == truth["drain_tx"] and p["addresses"][0] == truth["victim"], p
PY
# the walk holds the store's readers' lock: a rollback waits for it
waits_for_rollback $S/evmdb $B exposure --evm-db $S/evmdb --tags $S/tagpack.yaml --no-sanctions --data-dir $T $MX \
  || fail "exposure beside a rollback"
$B exposure --evm-db $S/evmdb --no-sanctions --data-dir $T --format table $MX | grep -q "^target" || fail "exposure table"

# exposure across THORChain, both stores given: a Bitcoin exchange deposit
# address reaches the cold wallet (tagged on Ethereum) through the vault's
# OUT: payments; the Ethereum address the CoinJoin output went back to
# reaches it through both hops (Ethereum -> Bitcoin -> Ethereum)
for sd in 7 1234; do
  S2=$T/s$sd
  DEP=$(python3 -c "
import re,sys; t=open(sys.argv[1]).read()
print(re.findall(r'address: (bcrt1\S+)\n  currency: BTC\n  label: Exchange Alpha', t)[0])" $S2/tagpack.yaml)
  BACK=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['back_to_ethereum']['address'])" $S2/truth.json)
  $B exposure --evm-db $S2/evmdb --db $S2/btcdb --tags $S2/tagpack.yaml --no-sanctions --data-dir $T --max-hops 12 \
    $DEP >$T/xd.json || fail "exposure of a Bitcoin deposit across the bridge"
  $B exposure --evm-db $S2/evmdb --db $S2/btcdb --tags $S2/tagpack.yaml --no-sanctions --data-dir $T --max-hops 16 \
    $BACK >$T/xb.json || fail "exposure of the Ethereum address paid back across the bridge"
  $B exposure --evm-db $S2/evmdb --tags $S2/tagpack.yaml --no-sanctions --data-dir $T --max-hops 16 \
    $BACK >$T/xe.json || fail "exposure of the Ethereum address, Ethereum alone"
  python3 - $T/xd.json $T/xb.json $T/xe.json $S2/truth.json $S2/fifo.json <<'PY2' || fail "exposure across the bridge, seed $sd"
import json, sys
d, b, e, truth, fifo = (json.load(open(a)) for a in sys.argv[1:])
victim = "Exchange cold wallet (victim)"
inbounds = {x["in_tx"]: x["out_tx"] for x in fifo["bridges"] if x["in_chain"] == "ethereum"}
# the deposit address: satoshis, from the victim, every path through one inbound and its payout
assert d["chain"] == "bitcoin" and d["asset"] == "BTC" and not d["cut"], d["cut"]
v = {s["label"]: s for s in d["by_source"]}[victim]
assert int(v["direct"]) == 0 and 0 < int(v["indirect"]) <= int(d["received"]), v
assert int(d["direct"]) + int(d["indirect"]) <= int(d["received"])
for p in v["paths"]:
    assert p["txs"][0] == truth["drain_tx"] and p["addresses"][0] == truth["victim"], p
    assert p["chains"][0] == "ethereum" and p["chains"][-1] == "bitcoin", p["chains"]
    assert len(p["bridges"]) == 1, p["bridges"]
    h = p["bridges"][0]
    assert h["protocol"] == "thorchain" and h["in_chain"] == "ethereum" and h["out_chain"] == "bitcoin", h
    assert inbounds[h["in_tx"]] == h["out_tx"], h  # the same hop the forward trace linked
    assert h["out_memo"].upper() == "OUT:" + h["in_tx"][2:].upper(), h
    assert p["addresses"][p["chains"].index("bitcoin")] in h["memo"], (h, p)  # the memo names who THORChain paid
    assert h["in_tx"] in p["txs"] and 0 < int(h["carried"]) <= int(d["received"]), h
for h in d["bridges"]:
    assert inbounds[h["in_tx"]] == h["out_tx"], h
assert sum(int(h["carried"]) for h in d["bridges"]) <= int(d["received"])
# the Ethereum address paid back: wei; the vault's payout crossed whole
back = truth["back_to_ethereum"]
assert b["chain"] == "ethereum" and b["received"] == back["amount"] and not b["cut"], b["received"]
hb = [h for h in b["bridges"] if h["in_chain"] == "bitcoin"]
assert len(hb) == 1 and hb[0]["in_tx"] == back["btc_txid"] and hb[0]["carried"] == back["amount"], hb
assert hb[0]["out_memo"] == "OUT:" + back["btc_txid"].upper() and hb[0]["memo"] == "=:ETH.ETH:" + back["address"]
v = {s["label"]: s for s in b["by_source"]}[victim]
assert 0 < int(v["indirect"]) <= int(back["amount"]), v
p = v["paths"][0]
assert p["txs"][0] == truth["drain_tx"] and "bitcoin" in p["chains"] and p["chains"][-1] == "ethereum", p
assert [h["in_chain"] for h in p["bridges"]] == ["ethereum", "bitcoin"], p["bridges"]
# Ethereum alone: as before, no hop (the walk goes on through the vault's own inflows)
assert "bridges" not in e and e["received"] == back["amount"], e
assert all("chains" not in p for s in e["by_source"] for p in s["paths"])
PY2
done
$B exposure --evm-db $S/evmdb --db $S/btcdb --tags $S/tagpack.yaml --no-sanctions --data-dir $T --max-hops 16 \
  --format table $(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['back_to_ethereum']['address'])" \
  $S/truth.json) >$T/xt.txt || fail "exposure table across the bridge"
grep -q "^  bridge thorchain bitcoin [0-9a-f]* -> ethereum 0x" $T/xt.txt && grep -q "^target .* asset ETH" $T/xt.txt ||
  fail "exposure table bridges"
rc=0
$B exposure --evm-db $S/evmdb --db $S/btcdb --no-sanctions --data-dir $T bcrt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq 2>$T/err || rc=$?
[ $rc = 2 ] && grep -q "unknown address" $T/err || fail "exposure of an unknown Bitcoin address"

# a Bitcoin source paid by THORChain says which inbound it answers; with
# another scenario's Ethereum store, that its inbound is missing
OUTTX=$(python3 -c "import json,sys;print([b for b in json.load(open(sys.argv[1]))['bridges'] if b['in_chain']=='ethereum'][0]['out_tx'])" $S/fifo.json)
$B trace --evm-db $S/evmdb --db $S/btcdb --no-sanctions --data-dir $T --from $OUTTX:0 >$T/o.json || fail "from an outbound"
grep -q "is THORChain's outbound for Ethereum transaction 0x" $T/o.json || fail "outbound not named"
$B trace --evm-db $T/s1234/evmdb --db $S/btcdb --no-sanctions --data-dir $T --from $OUTTX:0 >$T/o2.json || fail "foreign"
grep -q "its inbound is missing" $T/o2.json || fail "missing inbound not said"

# the real TagPacks: the Ronin bridge exploiter (OFAC-listed) pays A 5 ether,
# A pays B 3: a trace from the exploiter's address (EIP-55 case) and B's
# exposure name the TagPack's label
R=$T/ronin; mkdir -p $R/ex
RX=0x098B716B8Aaf21512996dC57EB0615e2383E2f96
AA=0x00000000000000000000000000000000000000aa; BB=0x00000000000000000000000000000000000000bb
H1=0x$(printf '%064d' 1); H2=0x$(printf '%064d' 2)
printf 'hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n%s,0,,5,0,%s,%s,5000000000000000000,21000,1,0x,0,,,0\n%s,0,,6,0,%s,%s,3000000000000000000,21000,1,0x,0,,,0\n' \
  $H1 $RX $AA $H2 $AA $BB >$R/ex/transactions.csv
$B evm ingest --db $R/db $R/ex >/dev/null || fail "ronin ingest"
TP=$ST_DATA/chain/tagpacks
$B trace --evm-db $R/db --tags $TP/ronin_bridge.yaml --no-sanctions --data-dir $T --from $RX --model fifo >$R/t.json \
  || fail "ronin trace"
python3 - $R/t.json <<'PY' || fail "ronin trace answer"
import json, sys
j = json.load(open(sys.argv[1]))
f = {x["address"]: x["tainted"] for x in j["frontier"]}
assert f == {"0x00000000000000000000000000000000000000aa": "2000000000000000000",
             "0x00000000000000000000000000000000000000bb": "3000000000000000000"}, f
PY
$B exposure --evm-db $R/db --tags $TP/ronin_bridge.yaml --no-sanctions --data-dir $T $BB >$R/e.json || fail "ronin exposure"
python3 - $R/e.json <<'PY' || fail "ronin exposure answer"
import json, sys
j = json.load(open(sys.argv[1]))
s = j["by_source"][0]
assert s["label"] == "Ronin bridge exploiter" and s["indirect"] == "3000000000000000000" and s["direct"] == "0", s
PY

# clear messages
set +e
$B trace --evm-db $S/evmdb --from 0x$(printf '%064d' 7) --no-sanctions --data-dir $T 2>$T/err; rc=$?
[ $rc = 2 ] && grep -q "unknown transaction" $T/err || fail "unknown hash: rc $rc $(cat $T/err)"
$B trace --evm-db $S/evmdb --from 0x$(printf '%040d' 9)@5 --no-sanctions --data-dir $T 2>$T/err; rc=$?
[ $rc = 2 ] && grep -q "unknown address" $T/err || fail "unknown address: rc $rc"
$B trace --from "$SRC" --no-sanctions --data-dir $T 2>$T/err; rc=$?
[ $rc = 2 ] && grep -q "evm-db" $T/err || fail "eth source without the store"
$B trace --evm-db $S/evmdb --from "$SRC" --model lifo --no-sanctions --data-dir $T 2>$T/err; rc=$?
[ $rc = 2 ] || fail "lifo across chains"
$B exposure --evm-db $S/evmdb --no-sanctions --data-dir $T 0x$(printf '%040d' 9) 2>$T/err; rc=$?
[ $rc = 2 ] && grep -q "unknown address" $T/err || fail "exposure of an unknown address"
set -e
# joined stores (bench/xtrace_joined.sh, small): the scenario's Bitcoin
# blocks built on a `chain synth` chain's tip, its Ethereum export followed
# by `evm synth --from-block`; the same truth holds under FIFO
J=$T/joined
$B chain synth --txs 3000 --out $J/blocks --seed 2 >/dev/null || fail "joined chain synth"
$B chain ingest --db $J/btcdb --network regtest $J/blocks >/dev/null || fail "joined chain ingest"
jv() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
$B chain stats --db $J/btcdb >$J/st.json; H=$(jv $J/st.json tip_height); TIP=$(jv $J/st.json tip_hash)
$B evm synth --scenario bybit --out $J/s --seed 7 --btc-tip $TIP --btc-height $H || fail "scenario on a tip"
$B chain ingest --db $J/btcdb --network regtest $J/s/btc >/dev/null || fail "scenario blocks on the tip"
$B chain stats --db $J/btcdb >$J/st2.json; $B chain stats --db $S/btcdb >$J/st7.json
[ "$(jv $J/st2.json tip_height)" -eq $((H + $(jv $J/st7.json tip_height))) ] || fail "the scenario did not extend the tip"
$B evm ingest --db $J/evmdb $J/s/evm >/dev/null || fail "joined evm ingest"
LAST=$(awk -F, 'NR > 1 && $4 + 0 > m {m = $4 + 0} END {print m}' $J/s/evm/transactions.csv)
$B evm synth --flows 3000 --from-block $((LAST + 1)) --out $J/ex --seed 3 || fail "evm synth --from-block"
[ "$(awk -F, 'NR == 2 {print $1}' $J/ex/blocks.csv)" = $((LAST + 1)) ] || fail "--from-block not the first block"
$B evm ingest --db $J/evmdb $J/ex >/dev/null || fail "synth after the scenario"
$B trace --evm-db $J/evmdb --db $J/btcdb --tags $J/s/tagpack.yaml --tags $J/blocks/tagpack.yaml --no-sanctions \
  --data-dir $T --from "$(jv $J/s/truth.json source)" --model fifo --format json >$J/fifo.json || fail "joined trace"
check $J/s fifo $J/fifo.json
python3 -c "import json,sys; assert json.load(open(sys.argv[1]))['flows_walked'] > 3000" $J/fifo.json ||
  fail "the walk did not read the synthetic flows after the theft"
set +e
$B evm synth --scenario bybit --out $J/bad --btc-tip 12zz --btc-height 5 2>$T/err; rc=$?
[ $rc = 2 ] && grep -q "is not a block hash" $T/err || fail "bad --btc-tip: rc $rc"
$B evm synth --scenario bybit --out $J/bad --btc-tip $TIP 2>$T/err; rc=$?
[ $rc = 2 ] && grep -q "go together" $T/err || fail "--btc-tip alone: rc $rc"
set -e
echo "xtrace ok"
