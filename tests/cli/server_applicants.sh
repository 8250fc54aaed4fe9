#!/bin/sh
# POST /applicants/check on loopback with keys: a read key is refused
# (403), an analyst key gets the ring an application would join with its
# risk, the state folder is unchanged, the request is in the audit trail
# under the key's name; a body with no record is 422; a state changed by
# `rings add` is reloaded without a restart.
set -eu
. tests/lib/server.sh
trap 'srv_stop A >/dev/null 2>&1 || true' EXIT
D=$ST_TMP/data
R=$ST_TMP/rings
mkdir -p "$D"
# a state: the second generator's deck less its every 50th row
python3 scripts/rings_synth2.py --records 3000 --seed 5 --out "$ST_TMP/deck.jsonl"
awk 'NR % 50 != 1' "$ST_TMP/deck.jsonl" > "$ST_TMP/state.jsonl"
awk 'NR % 50 == 1' "$ST_TMP/deck.jsonl" > "$ST_TMP/queries.jsonl"
"$ST_BIN" rings add --state "$R" "$ST_TMP/state.jsonl" > /dev/null || true
sum_before=$(cat "$R/records.jsonl" "$R/rings.tsv" | sha256sum)
# an operation member among the queries, and what the exact check says of it
op=$(awk -F, '$3 == "operation" {print $1}' "$ST_TMP/deck.truth.csv" | while read -r id; do
       grep -q "\"id\":\"$id\"" "$ST_TMP/queries.jsonl" && { echo "$id"; break; }; done)
[ -n "$op" ] || fail "no operation member among the queries"
grep "\"id\":\"$op\"" "$ST_TMP/queries.jsonl" > "$ST_TMP/one.jsonl"
"$ST_BIN" rings check --state "$R" "$ST_TMP/one.jsonl" > "$ST_TMP/exact.json" || true
exact_ring=$(jget '.checks[0].ring' < "$ST_TMP/exact.json")

rkey=$("$ST_BIN" serve keys add reader --role read --data-dir "$D" 2>/dev/null) || fail "keys add read"
akey=$("$ST_BIN" serve keys add hr-system --role analyst --data-dir "$D" 2>/dev/null) || fail "keys add analyst"
srv_start A --data-dir "$D" --threads 2 --auth on --rings-state "$R"
U=$SRV_URL_A
as() { k=$1; shift; curl -s -H "Authorization: ApiKey $k" -H 'Content-Type: application/json' "$@"; }
# wait for the state to load (503 until then)
i=0
while [ "$(as "$akey" -o /dev/null -w '%{http_code}' -XPOST "$U/applicants/check" --data-binary @"$ST_TMP/one.jsonl")" = 503 ]; do
  i=$((i + 1)); [ $i -lt 600 ] || fail "the applicants state never loaded: $(cat "$ST_TMP/A.log")"; sleep 0.1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -XPOST "$U/applicants/check" --data-binary @"$ST_TMP/one.jsonl")" = 401 ] || fail "no key: not 401"
[ "$(as "$rkey" -o /dev/null -w '%{http_code}' -XPOST "$U/applicants/check" --data-binary @"$ST_TMP/one.jsonl")" = 403 ] || fail "a read key checked an applicant"
[ "$(as "$akey" -o /dev/null -w '%{http_code}' "$U/applicants/check")" = 405 ] || fail "GET allowed"
as "$akey" -XPOST "$U/applicants/check" --data-binary @"$ST_TMP/one.jsonl" > "$ST_TMP/ans.json"
[ "$(jget '.checks[0].id' < "$ST_TMP/ans.json")" = "$op" ] || fail "answer: $(cat "$ST_TMP/ans.json")"
[ "$(jget '.checks[0].ring' < "$ST_TMP/ans.json")" = "$exact_ring" ] || fail "ring differs from the exact check ($exact_ring): $(cat "$ST_TMP/ans.json")"
[ "$(jget '.checks[0].level' < "$ST_TMP/ans.json")" = high ] || fail "operation member not high: $(cat "$ST_TMP/ans.json")"
[ "$(jget '.summary.state_modified' < "$ST_TMP/ans.json")" = false ] || fail "state_modified"
# a pretty-printed single object works too; every query gets an answer
node -e 'const l=require("fs").readFileSync(process.argv[1],"utf8").split("\n")[0]; console.log(JSON.stringify(JSON.parse(l),null,2))' "$ST_TMP/queries.jsonl" > "$ST_TMP/pretty.json"
[ "$(as "$akey" -XPOST "$U/applicants/check" --data-binary @"$ST_TMP/pretty.json" | jget '.summary.checked')" = 1 ] || fail "pretty object"
[ "$(as "$akey" -XPOST "$U/applicants/check" --data-binary @"$ST_TMP/queries.jsonl" | jget '.summary.checked')" = "$(wc -l < "$ST_TMP/queries.jsonl")" ] || fail "all queries"
[ "$(as "$akey" -o /dev/null -w '%{http_code}' -XPOST "$U/applicants/check" -d '{"name":"no id"}')" = 422 ] || fail "record without id not 422"
# a list whose values grow when written again (0.1 reads back longer):
# every applicant is still checked, none dropped
[ "$(as "$akey" -XPOST "$U/applicants/check" -d '[{"id":"g1","name":"Ann Lee","score":0.1,"x":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1]},{"id":"g2","name":"Bo Kim","score":0.1}]' | jget '.summary.checked')" = 2 ] || fail "an applicant of a list was dropped"
sum_after=$(cat "$R/records.jsonl" "$R/rings.tsv" | sha256sum)
[ "$sum_before" = "$sum_after" ] || fail "a check changed the state"
# adding the application is a separate step; the server reloads the state
"$ST_BIN" rings add --state "$R" "$ST_TMP/one.jsonl" > /dev/null || true
i=0
while :; do
  n=$(as "$akey" -XPOST "$U/applicants/check" --data-binary @"$ST_TMP/one.jsonl" | jget '.summary.state_records')
  [ "$n" = "$(wc -l < "$R/records.jsonl")" ] && break
  i=$((i + 1)); [ $i -lt 600 ] || fail "state not reloaded after rings add ($n records)"; sleep 0.1
done
srv_stop A
# the audit trail names the key and the endpoint
"$ST_BIN" audit export --data-dir "$D" > "$ST_TMP/audit.csv"
python3 - "$ST_TMP/audit.csv" "$op" <<'PY' || fail "audit trail"
import csv, json, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r["endpoint"] == "applicants/check"]
assert len(rows) >= 5, len(rows)
mine = [r for r in rows if r["subject"] == sys.argv[2]]
assert mine and all(r["key_name"] == "hr-system" and r["snapshot"] == "rings-state" for r in mine), mine[:1]
assert json.loads(mine[0]["results"])["checks"][0]["id"] == sys.argv[2]
PY
echo "server applicants ok"
