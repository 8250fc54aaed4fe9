#!/bin/sh
# xtrace_anvil.sh - the laundering scenario on a real node: anvil (on a free
# loopback port) plays a Bybit-shaped theft (tests/lib/evm_scenario.py: a
# cold wallet drained by the thief's call, the loot split over 48
# addresses, the token swapped in a Uniswap-V2-shaped pool, part into a
# Tornado-shaped mixer, the rest into a THORChain-shaped router, one
# deposit refunded); `evm ingest --rpc` reads it into a store; `evm synth
# --scenario bybit --inbounds` writes THORChain's Bitcoin payments of the
# router deposits and the launderer's peel chains, CoinJoin and exchange
# deposits; one `trace` from the drain runs across both stores.  Checked
# against the player's and the generator's ground truth, not against the
# answer itself: under FIFO each Bitcoin exchange receives exactly what
# the launderer deposited there, the mixer exactly the player's deposits,
# every paid router deposit is linked to its own Bitcoin payment and the
# refund to its refund on Ethereum; under haircut and FIFO every (chain,
# asset) accounts for every wei and satoshi (summed here).  A perturbed
# truth must fail the same checks.
set -eu
B=$ST_BIN; T=$ST_TMP
X=${ST_EVM_TOOLS:-$PWD/tools/node_modules/.bin}
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$X/anvil" ] && [ -x "$X/cast" ] && [ -x "$X/solcjs" ] || fail "anvil, cast and solcjs not in $X: make evm-tools"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PORT=$(free_port)
"$X/anvil" --host 127.0.0.1 --port "$PORT" --auto-impersonate --silent >"$T/anvil.log" 2>&1 &
APID=$!
trap 'kill $APID 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
U=http://127.0.0.1:$PORT
i=0; until "$X/cast" block-number --rpc-url "$U" >/dev/null 2>&1; do
  i=$((i+1)); [ $i -lt 100 ] || fail "anvil did not start: $(cat $T/anvil.log)"; sleep 0.1; done

python3 tests/lib/evm_scenario.py --rpc "$U" --tools "$X" --out "$T/play.json" --inbounds "$T/inbounds.csv" \
  --tagpack "$T/eth.yaml" >/dev/null || fail "the player"
$B evm ingest --db "$T/evmdb" --rpc "$U" >/dev/null 2>"$T/err" || fail "evm ingest --rpc: $(cat $T/err)"
$B evm synth --scenario bybit --inbounds "$T/inbounds.csv" --out "$T/bs" || fail "the Bitcoin side"
$B chain ingest --db "$T/btcdb" --network regtest "$T/bs/btc" >/dev/null || fail "chain ingest"
SRC=$(python3 -c "import json,sys;d=json.load(open(sys.argv[1]))['drain'];print(d['hash']+'/'+d['victim'])" "$T/play.json")

check() { # check MODEL ANSWER BTCTRUTH
  python3 - "$T/play.json" "$3" "$1" "$2" <<'PY'
import json, sys
play = json.load(open(sys.argv[1])); truth = json.load(open(sys.argv[2])); model = sys.argv[3]
j = json.load(open(sys.argv[4]))
assert j["model"] == model and not j["cut"], (j["model"], j["cuts"])
for t in j["totals"]:
    v = {k: int(t[k]) for k in ("source", "in", "frontier", "fees", "stopped", "rounding", "out")}
    entered, left = v["source"] + v["in"], v["frontier"] + v["fees"] + v["stopped"] + v["rounding"] + v["out"]
    if model == "poison":
        assert left >= entered, t  # poison multiplies taint, never loses it
    else:
        assert entered == left, t
tot = {(t["chain"], t["asset"]): t for t in j["totals"]}
eth, btc = tot[("ethereum", "ETH")], tot[("bitcoin", "BTC")]
assert int(eth["source"]) == int(play["drain"]["ether_wei"]), eth
tok = tot[("ethereum", play["contracts"]["token"].lower())]
assert int(tok["source"]) == int(play["drain"]["token_wei"]), tok
deps = {d["hash"]: d for d in play["router_deposits"]}
paid = {o["in_tx"]: o for o in truth["outbounds"]}
refunded = [d for d in play["router_deposits"] if "refund" in d]
assert len(refunded) == 1 and len(paid) == len(deps) - 1 and truth["thorchain_inbounds"] == len(paid)
to_btc = {b["in_tx"]: b for b in j["bridges"] if b["out_chain"] == "bitcoin"}
assert set(to_btc) == set(paid), (len(to_btc), len(paid))  # the clean user's deposit is not reached
btc_in = 0
for h, b in to_btc.items():
    d, o = deps[h], paid[h]
    assert b["protocol"] == "thorchain" and b["in_chain"] == "ethereum" and b["out_tx"] == o["out_tx"], b
    assert b["amount_in"] == d["amount_wei"] and b["memo"] == d["memo"] and b["amount_out"] == o["sat"], b
    assert b["out_memo"] == "OUT:" + h[2:].upper(), b
    if model == "fifo":  # nothing clean reached a split address
        assert b["tainted_in"] == b["amount_in"] and b["tainted_out"] == b["amount_out"], b
    btc_in += int(b["tainted_out"])
assert int(btc["in"]) == btc_in and int(btc["source"]) == 0, btc
r = refunded[0]
back = [b for b in j["bridges"] if b["in_tx"] == r["hash"]]
assert len(back) == 1, back
b = back[0]
assert b["out_chain"] == "ethereum" and b["out_tx"] == r["refund"]["hash"] and b["note"] == "refund", b
assert b["out_memo"] == "REFUND:" + r["hash"] and b["amount_out"] == r["refund"]["amount_wei"], b
svc = {(s["chain"], s["label"]): int(s["amount"]) for s in j["services"]}
mixed = sum(int(m["amount_wei"]) for m in play["mixer_deposits"])
if model == "fifo":
    assert b["tainted_out"] == b["amount_out"], b
    for name, amount in truth["btc_exchanges"].items():
        assert svc.get(("bitcoin", name)) == int(amount), (name, svc.get(("bitcoin", name)), amount)
    assert int(btc["stopped"]) == sum(int(a) for a in truth["btc_exchanges"].values()), btc
    mx = [m for m in j["mixers"] if m["chain"] == "ethereum"]
    assert len(mx) == 1 and int(mx[0]["amount"]) == mixed and mx[0]["note"] == "entered mixer", mx
    assert int(eth["stopped"]) == mixed and int(eth["unknown_origin"]) == 0, eth
elif model == "haircut":
    for name, amount in truth["btc_exchanges"].items():
        assert 0 < svc.get(("bitcoin", name), 0) <= int(amount), name
PY
}

for m in fifo haircut poison; do
  $B trace --evm-db "$T/evmdb" --db "$T/btcdb" --tags "$T/bs/tagpack.yaml" --tags "$T/eth.yaml" --no-sanctions \
    --data-dir "$T" --from "$SRC" --model $m --format json >"$T/$m.json" || fail "trace $m"
  check $m "$T/$m.json" "$T/bs/truth.json" || fail "$m answer"
done

# the checks can fail: one satoshi more for one exchange, one outbound moved
python3 - "$T/bs/truth.json" "$T/bad1.json" "$T/bad2.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
x = dict(t, btc_exchanges=dict(t["btc_exchanges"]))
k = sorted(x["btc_exchanges"])[0]; x["btc_exchanges"][k] = str(int(x["btc_exchanges"][k]) + 1)
json.dump(x, open(sys.argv[2], "w"))
y = dict(t, outbounds=[dict(o) for o in t["outbounds"]])
y["outbounds"][0]["out_tx"], y["outbounds"][1]["out_tx"] = y["outbounds"][1]["out_tx"], y["outbounds"][0]["out_tx"]
json.dump(y, open(sys.argv[3], "w"))
PY
for bad in bad1 bad2; do
  if check fifo "$T/fifo.json" "$T/$bad.json" 2>/dev/null; then fail "a perturbed truth ($bad) passed"; fi
done

# the same inbounds give the same Bitcoin side
$B evm synth --scenario bybit --inbounds "$T/inbounds.csv" --out "$T/again" || fail "again"
cmp "$T/again/btc/blk00000.dat" "$T/bs/btc/blk00000.dat" || fail "Bitcoin side not reproducible"

# the table and the picture
$B trace --evm-db "$T/evmdb" --db "$T/btcdb" --tags "$T/bs/tagpack.yaml" --tags "$T/eth.yaml" --no-sanctions \
  --data-dir "$T" --from "$SRC" --model fifo --format table >"$T/table.txt" || fail "table"
grep -q "^bridge  thorchain ethereum -> bitcoin" "$T/table.txt" || fail "table bridges"
grep -q "^service Exchange Alpha .* bitcoin " "$T/table.txt" || fail "table Bitcoin services"
$B trace --evm-db "$T/evmdb" --db "$T/btcdb" --tags "$T/bs/tagpack.yaml" --tags "$T/eth.yaml" --no-sanctions \
  --data-dir "$T" --from "$SRC" --model fifo --format dot >"$T/g.dot" || fail "dot"
grep -q cluster_bitcoin "$T/g.dot" && grep -q cluster_ethereum "$T/g.dot" || fail "dot clusters"

# clear messages for a bad inbounds file
printf 'hash,amount_wei,btc_address\n0x%064d,1000000000000000000,bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\n' 7 >"$T/bad.csv"
if $B evm synth --scenario bybit --inbounds "$T/bad.csv" --out "$T/bad" 2>"$T/err"; then fail "a mainnet address accepted"; fi
grep -q "bad.csv:2.*regtest P2WPKH" "$T/err" || fail "bad address message: $(cat $T/err)"
printf 'hash,amount_wei,btc_address\n0x12,1,x\n' >"$T/bad.csv"
if $B evm synth --scenario bybit --inbounds "$T/bad.csv" --out "$T/bad" 2>"$T/err"; then fail "a bad hash accepted"; fi
grep -q "64 hex digits" "$T/err" || fail "bad hash message: $(cat $T/err)"
echo "xtrace_anvil ok"
