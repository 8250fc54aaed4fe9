#!/bin/sh
# GET /evm/stats, /evm/tx/{id}, /evm/address/{address} and
# /evm/flows/{address} on loopback with keys: each answer is the one
# `evm stats|tx|address|flows` prints for the same store (at_block,
# offset, limit and eip55 too); bad ids and arguments are 422, unknown
# ones 404, other methods 405, no key 401; a store that does not exist yet is 503
# until an ingest makes it, and a newer commit is answered without a
# restart; every query is in the audit trail with the block the store had
# reached.  A server without --evm-db says how to give it one.
set -eu
. tests/lib/server.sh
trap 'srv_stop A >/dev/null 2>&1 || true; srv_stop B >/dev/null 2>&1 || true' EXIT
D=$ST_TMP/data
DB=$ST_TMP/evm
mkdir -p "$D"
"$ST_BIN" evm synth --flows 20000 --seed 3 --out "$ST_TMP/a" > /dev/null
last=$(tail -n 1 "$ST_TMP/a/blocks.csv" | cut -d, -f1)
"$ST_BIN" evm synth --flows 5000 --seed 4 --from-block $((last + 1)) --out "$ST_TMP/b" > /dev/null

rkey=$("$ST_BIN" serve keys add investigator --role read --data-dir "$D" 2>/dev/null) || fail "keys add read"
srv_start A --data-dir "$D" --threads 4 --auth on --evm-db "$DB"
U=$SRV_URL_A
as() { curl -s -H "Authorization: ApiKey $rkey" "$@"; }
code() { as -o /dev/null -w '%{http_code}' "$@"; }

# no store yet: 503 saying how to make one (the server has one to serve)
[ "$(as "$U/evm" | jget '.store')" = true ] || fail "GET /evm: not {store: true}"
[ "$(code "$U/evm/stats")" = 503 ] || fail "no store: not 503"
as "$U/evm/stats" | grep -q "evm ingest --db" || fail "no store: the answer does not say how to make one"
"$ST_BIN" evm ingest --db "$DB" "$ST_TMP/a" > /dev/null

# the answers, beside the command line's
same() { # same URL-path CLI-args...: the server's JSON equals the command's
  path=$1; shift
  as "$U$path" > "$ST_TMP/srv.json"
  "$ST_BIN" evm "$@" --db "$DB" > "$ST_TMP/cli.json" || [ $? = 1 ] || fail "evm $*"
  python3 - "$ST_TMP/srv.json" "$ST_TMP/cli.json" <<'PY' || fail "GET $path differs from evm $*: $(head -c 400 "$ST_TMP/srv.json")"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a == b, (a, b)
PY
}
tx=$(awk -F, 'NR == 40 {print $1}' "$ST_TMP/a/transactions.csv")
addr=$(awk -F, 'NR == 40 {print $6}' "$ST_TMP/a/transactions.csv")
upper=0x$(printf %s "$addr" | cut -c3- | tr a-f A-F)
same /evm/stats stats
same "/evm/tx/$tx" tx "$tx"
same "/evm/tx/$tx?eip55=1" tx "$tx" --eip55
same "/evm/address/$upper" address "$addr"
same "/evm/address/$addr?at_block=$((last - 20))" address "$addr" --at-block $((last - 20))
same "/evm/address/$addr?eip55=true" address "$addr" --eip55
same "/evm/flows/$addr" flows "$addr"
same "/evm/flows/$upper?offset=2&limit=3&eip55=1" flows "$addr" --offset 2 --limit 3 --eip55
same "/evm/flows/$addr?from_block=$((last - 5))&limit=2" flows "$addr" --from-block $((last - 5)) --limit 2
[ "$(as "$U/evm/flows/$addr?limit=1000" | jget '.flows.length')" = "$(as "$U/evm/flows/$addr" | jget '.total')" ] \
  || fail "flows: the whole list is not the total"
# a page past the end: no flows, no next (the command line says the same)
same "/evm/flows/$addr?offset=100000" flows "$addr" --offset 100000
[ "$(as "$U/evm/flows/$addr?offset=100000" | jget '.flows.length===0&&o.next===null')" = true ] || fail "a page past the end"
[ "$(as "$U/evm/tx/$tx" | jget '.flows.length')" -ge 1 ] || fail "tx without flows"
[ "$(as "$U/evm/stats" | jget '.last_block')" = "$last" ] || fail "stats: last block"
# before the store's first block: unknown, not zero
as "$U/evm/address/$addr?at_block=5" > "$ST_TMP/early.json"
[ "$(jget '.balances' < "$ST_TMP/early.json")" = null ] || fail "balances before the first block: $(cat "$ST_TMP/early.json")"
jget '.note' < "$ST_TMP/early.json" | grep -q "first block" || fail "no note before the first block"

# what is wrong, said
[ "$(code "$U/evm/tx/0x1234")" = 422 ] || fail "a short hash: not 422"
[ "$(code "$U/evm/tx/0x$(printf '%064d' 7)")" = 404 ] || fail "an unknown hash: not 404"
[ "$(code "$U/evm/address/0xabc")" = 422 ] || fail "a short address: not 422"
[ "$(code "$U/evm/address/0x$(printf '%040d' 9)")" = 404 ] || fail "an unknown address: not 404"
# the detail echoes what was sent, cut to a length: still JSON when that cut
# splits a character, or the bytes were never UTF-8
for bad in "$(printf 'a%.0s' $(seq 79))%C3%A9" "%FF" "0x%C3%A9"; do
  for q in address tx; do
    as -w '\n%{http_code}' "$U/evm/$q/$bad" >"$ST_TMP/bad.json"
    [ "$(tail -1 "$ST_TMP/bad.json")" = 422 ] && [ "$(head -n -1 "$ST_TMP/bad.json" | jget '.error')" = invalid_request ] \
      || fail "/evm/$q/$bad: not a JSON error: $(cat "$ST_TMP/bad.json")"
  done
done
[ "$(code "$U/evm/address/$addr?at_block=soon")" = 422 ] || fail "at_block=soon: not 422"
[ "$(code "$U/evm/address/$addr?eip55=maybe")" = 422 ] || fail "eip55=maybe: not 422"
[ "$(code "$U/evm/blocks")" = 404 ] || fail "an unknown query: not 404"
[ "$(code "$U/evm/flows/$addr?limit=0")" = 422 ] || fail "limit=0: not 422"
[ "$(code "$U/evm/flows/$addr?limit=1001")" = 422 ] || fail "limit=1001: not 422"
[ "$(code "$U/evm/stats?offset=3")" = 422 ] || fail "offset on stats: not 422"
[ "$(code "$U/evm/tx/$tx?at_block=3")" = 422 ] || fail "at_block on a transaction: not 422"
[ "$(code "$U/evm/flows/$addr?from_block=-1")" = 422 ] || fail "from_block=-1: not 422"
[ "$(code -XPOST "$U/evm/stats")" = 405 ] || fail "POST: not 405"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$U/evm/stats")" = 401 ] || fail "no key: not 401"
as "$U/evm/tx/0x1234" | grep -q "neither a transaction hash" || fail "a short hash: the reason is not said"

# a commit beside the running server is answered without a restart, and
# queries running across it are all answered (from one commit or the next)
# (each loop runs until the ingest has ended, 10 rounds at least)
"$ST_BIN" evm ingest --db "$DB" "$ST_TMP/b" > /dev/null &
ing=$!
loops=
for k in 1 2 3; do
  (i=0; while kill -0 $ing 2>/dev/null || [ $i -lt 10 ]; do
     code "$U/evm/address/$addr"; echo; code "$U/evm/flows/$addr"; echo; code "$U/evm/stats"; echo; i=$((i + 1))
   done > "$ST_TMP/loop$k") &
  loops="$loops $!"
done
wait $ing || fail "the second ingest"
for p in $loops; do wait "$p"; done # (not the server's)
[ "$(cat "$ST_TMP"/loop* | sort -u)" = 200 ] || fail "queries across a commit: $(cat "$ST_TMP"/loop* | sort | uniq -c)"
last2=$(tail -n 1 "$ST_TMP/b/blocks.csv" | cut -d, -f1)
[ "$(as "$U/evm/stats" | jget '.last_block')" = "$last2" ] || fail "the new commit is not answered"
tx2=$(awk -F, 'NR == 10 {print $1}' "$ST_TMP/b/transactions.csv")
same "/evm/tx/$tx2" tx "$tx2"
same /evm/stats stats
srv_stop A

# the audit trail: the key, the query, the store's block
"$ST_BIN" audit export --data-dir "$D" > "$ST_TMP/audit.csv"
python3 - "$ST_TMP/audit.csv" "$tx" "$last" "$last2" <<'PY' || fail "audit trail"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r["endpoint"].startswith("evm/")]
assert rows and all(r["key_name"] == "investigator" for r in rows), rows[:1]
mine = [r for r in rows if r["endpoint"] == "evm/tx" and r["subject"] == sys.argv[2]]
# the commit that answered: its last block, transactions and flows
assert mine and mine[0]["snapshot"].startswith("evm:%s:" % sys.argv[3]), mine[:1]
assert all(len(r["snapshot"].split(":")) == 4 for r in rows), rows[:1]
assert any(r["endpoint"] == "evm/stats" and r["snapshot"].startswith("evm:%s:" % sys.argv[4]) for r in rows)
# an address typed in upper case is audited as the store names it
assert not any(r["subject"] != r["subject"].lower() for r in rows), [r["subject"] for r in rows]
assert any(r["endpoint"] == "evm/address" for r in rows)
PY

# a store made from an empty export: answered, with no blocks
: > "$ST_TMP/empty.csv"
"$ST_BIN" evm ingest --db "$ST_TMP/emptydb" "$ST_TMP/empty.csv" > /dev/null 2>&1 || true
srv_start A --data-dir "$D" --threads 2 --evm-db "$ST_TMP/emptydb"
[ "$(curl -s -H "Authorization: ApiKey $rkey" "$SRV_URL_A/evm/stats" | jget '.blocks===0&&o.last_block===null')" = true ] \
  || fail "an empty store: $(curl -s -H "Authorization: ApiKey $rkey" "$SRV_URL_A/evm/stats")"
srv_stop A

# without --evm-db: 404 naming the option
srv_start B --data-dir "$ST_TMP/data2"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$SRV_URL_B/evm/stats")" = 404 ] || fail "no --evm-db: not 404"
curl -s "$SRV_URL_B/evm/stats" | grep -q -- "--evm-db" || fail "no --evm-db: the option is not named"
[ "$(curl -s "$SRV_URL_B/evm" | jget '.store')" = false ] || fail "no --evm-db: GET /evm not {store: false}"
srv_stop B
echo "server evm ok"
