#!/bin/sh
# The analyst page's Ethereum panel in a real browser (Debian's chromium,
# headless, tests/browser/chain.js) against a server on loopback with
# --evm-db over a synthetic export, the UN list loaded: a transaction's
# flows as the command line gives them (ether shifted exactly, no float),
# an address followed from a flow with its balances and its flows as
# `evm flows` lists them, a busy address paged 50 at a time and a
# transaction opened from its list, a block before the store's first said
# unknown, a malformed query refused on the page, and a screened wallet
# looked up on the chain beside its screening.  A server without a store
# shows no panel.  Leaves a screenshot in build/browser-evm-screenshot.png.
set -eu
. tests/lib/server.sh
trap 'srv_stop S >/dev/null 2>&1 || true' EXIT
browser_ready
DB=$ST_TMP/evm
"$ST_BIN" evm synth --flows 5000 --seed 9 --out "$ST_TMP/x" > /dev/null
"$ST_BIN" evm ingest --db "$DB" "$ST_TMP/x" > /dev/null
first=$(sed -n 2p "$ST_TMP/x/blocks.csv" | cut -d, -f1)
# a successful transaction with a value to an address, and fees
tx=$(awk -F, 'NR > 1 && $8 != "0" {print $1}' "$ST_TMP/x/transactions.csv" | while read -r h; do
       "$ST_BIN" evm tx --db "$DB" "$h" > "$ST_TMP/tx.json"
       [ "$(jget '.status===1&&o.flows.length>2&&o.flows.some(f=>f.kind==="native"&&f.to)' < "$ST_TMP/tx.json")" = true ] && { echo "$h"; break; }
     done)
[ -n "$tx" ] || fail "no transaction to look up"
addr=$(jget '.from' < "$ST_TMP/tx.json")
to=$(jget '.flows.find(f=>f.kind==="native").to' < "$ST_TMP/tx.json")
"$ST_BIN" evm address --db "$DB" "$to" > "$ST_TMP/to.json"
"$ST_BIN" evm address --db "$DB" "$addr" > "$ST_TMP/addr.json"
"$ST_BIN" evm flows --db "$DB" "$to" --limit 50 > "$ST_TMP/toflows.json"
miner=$(jget '.flows.find(f=>f.kind==="fee"&&f.to).to' < "$ST_TMP/tx.json")
"$ST_BIN" evm flows --db "$DB" "$miner" --limit 100 > "$ST_TMP/minerflows.json"
"$ST_BIN" update --from "$ST_DATA/lists/un-2026-02-27" --data-dir "$ST_TMP/data" > /dev/null 2>&1 # a real snapshot to screen against
srv_start S --data-dir "$ST_TMP/data" --threads 4 --evm-db "$DB"
shot=${ST_BUILD:-build}/browser-evm-screenshot.png
node tests/browser/chain.js "$SRV_URL_S/" "$tx" "$addr" $((first - 1)) "$shot" "$ST_TMP/profile" > "$ST_TMP/out.json" \
  || fail "browser session failed"
python3 - "$ST_TMP/out.json" "$ST_TMP/tx.json" "$ST_TMP/to.json" "$ST_TMP/addr.json" "$ST_TMP/toflows.json" "$ST_TMP/minerflows.json" <<'PY' || fail "the page differs from the command line: $(head -c 1500 "$ST_TMP/out.json")"
import json, sys
out, tx, to, addr, toflows, minerflows = (json.load(open(f)) for f in sys.argv[1:7])
def shown(asset, v):  # the page's amount: ether shifted exactly, tokens in base units
    neg, d = v.startswith("-"), v.lstrip("-")
    if asset != "ETH":
        return ("-" if neg else "") + d + " base units"
    p = d.rjust(19, "0"); w, f = p[:-18], p[-18:].rstrip("0")
    return ("-" if neg else "") + w + ("." + f if f else "") + " ETH"
assert out["errors"] == [], out["errors"]
assert out["tx"]["summary"]["transaction"] == tx["hash"]
assert out["tx"]["summary"]["fee"] == shown("ETH", tx["fee"]), out["tx"]["summary"]
assert out["tx"]["summary"]["status"] == "succeeded"
flows = out["tx"]["flows"]
assert len(flows) == len(tx["flows"]), (len(flows), len(tx["flows"]))
for row, f in zip(flows, tx["flows"]):
    assert row[0] == str(f["position"]) and row[1] == f["kind"], (row, f)
    assert row[3] == (f["from"] or "nowhere") and row[4] == (f["to"] or "nowhere"), (row, f)
    assert row[5] == shown(f["asset"], f["amount"]), (row, f)
assert out["followed"] == next(f["to"] for f in tx["flows"] if f["kind"] == "native")
assert out["follow"]["summary"]["address"] == to["address"]
assert [r[0] for r in out["follow"]["balances"]] == [b["asset"] for b in to["balances"]]
assert [r[3] for r in out["follow"]["balances"]] == [shown(b["asset"], b["balance"]) for b in to["balances"]]
def flow_rows(listing, addr):  # the page's columns of an address's flows
    return [[str(f["index"]), str(f["block"]), f["tx"] or "block", f["direction"], f["kind"],
             f["asset"], "itself" if f["direction"] == "self" else (f["from"] if f["direction"] == "in" else f["to"]) or "nowhere",
             shown(f["asset"], f["amount"])] for f in listing["flows"]]
assert out["follow"]["flows"] == flow_rows(toflows, to["address"]), (out["follow"]["flows"][:3], flow_rows(toflows, to["address"])[:3])
assert out["miner"]["first"] == 50 and out["miner"]["more"], out["miner"]
assert minerflows["total"] > 50, minerflows["total"]
assert out["miner"]["flows"] == flow_rows(minerflows, out["miner"]["address"])[:len(out["miner"]["flows"])]
assert len(out["miner"]["flows"]) == min(100, minerflows["total"]), len(out["miner"]["flows"])
assert out["miner"]["count"] == "%d of %d" % (len(out["miner"]["flows"]), minerflows["total"]), out["miner"]["count"]
assert out["opened"] == minerflows["flows"][3]["tx"] and out["openedFlowsBoxHidden"]
assert "first block" in out["early"]["summary"]["note"] and not out["early"]["rowsShown"], out["early"]
assert "64 hex digits" in out["bad"], out["bad"]
assert out["screened"]["summary"]["address"] == addr["address"]
assert len(out["screened"]["balances"]) == len(addr["balances"])
PY
srv_stop S
[ -s "$shot" ] || fail "no screenshot"
# without a store the page has no Ethereum panel (and no error)
srv_start S --data-dir "$ST_TMP/data" --threads 2
node tests/browser/chain.js --no-store "$SRV_URL_S/" "$ST_TMP/profile2" > "$ST_TMP/nostore.json" || fail "browser session without a store failed"
[ "$(jget '.panelHidden&&o.errors.length===0' < "$ST_TMP/nostore.json")" = true ] || fail "a server without a store showed the panel"
srv_stop S
echo "ok: browser Ethereum panel; transaction $tx, screenshot $shot"
