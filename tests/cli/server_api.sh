#!/bin/sh
# The HTTP API on a real snapshot (UN consolidated list + OFAC SDN 2021):
# a yente client's /match request, wallets, /search, /entities, /catalog,
# probes, the reconciliation API (form and JSON), decisions shown on later
# screenings, every bad request with its 4xx, API keys, and the audit
# trail counted against the requests answered.  Expected facts come from
# the official files (grep), not from sanctrace.
set -eu
. tests/lib/server.sh
trap 'srv_stop S >/dev/null 2>&1 || true' EXIT
L=$ST_DATA/lists
D=$ST_TMP/data
"$ST_BIN" update --from "$L/un-2026-02-27" --from "$L/ofac-sdn-2021-07" --data-dir "$D" >/dev/null 2>&1
# API keys on (as beyond loopback): every request below carries the key
key=$("$ST_BIN" serve keys add onboarding --data-dir "$D" 2>/dev/null)
kid=$(echo "$key" | cut -d_ -f2)
curl() { command curl -H "Authorization: ApiKey $key" "$@"; }
J='Content-Type: application/json'   # every POST body is JSON (a browser cannot send it cross-site unasked)
srv_start S --data-dir "$D" --threads 4 --timeout 2 --auth on
U=$SRV_URL_S
screened=0   # screening requests answered 200: each must leave one audit record

# ---- probes and catalog ----
[ "$(curl -sf "$U/healthz" | jget .status)" = ok ] || fail healthz
[ "$(curl -sf "$U/readyz" | jget .status)" = ok ] || fail readyz
un_count=$(( $(grep -c "<INDIVIDUAL>" "$L/un-2026-02-27/consolidated.xml") + $(grep -c "<ENTITY>" "$L/un-2026-02-27/consolidated.xml") ))
[ "$(curl -sf "$U/catalog" | jget .catalog.sources.un.entities)" -eq "$un_count" ] || fail "catalog un count, want $un_count"
[ "$(curl -sf "$U/catalog" | jget .catalog.sources.ofac.entities)" -gt 8000 ] || fail "catalog ofac count"

# ---- yente /match: the body a yente client sends, unchanged ----
cat > "$ST_TMP/yente.json" <<'J'
{"queries": {"q1": {"schema": "Person", "properties": {"name": ["Ri Won Ho"], "birthDate": ["1964-07-17"], "nationality": ["kp"]}},
             "q2": {"schema": "Organization", "properties": {"name": ["Lazarus Group"]}},
             "w1": {"schema": "CryptoWallet", "properties": {"publicKey": ["WALLET"]}}}}
J
wallet=$(grep '^28264,' "$L/ofac-sdn-2021-07/sdn.csv" | grep -o 'XBT [0-9A-Za-z]*' | head -n 1 | cut -d' ' -f2)
sed -i "s/WALLET/$wallet/" "$ST_TMP/yente.json"
ri=$(grep -B8 '<REFERENCE_NUMBER>KPi.033' "$L/un-2026-02-27/consolidated.xml" | grep -c 'WON HO')
[ "$ri" -ge 1 ] || fail "KPi.033 is not RI WON HO in the UN file"
lazarus=$(grep -c '^27307,"LAZARUS GROUP"' "$L/ofac-sdn-2021-07/sdn.csv")
[ "$lazarus" -eq 1 ] || fail "27307 is not LAZARUS GROUP in the SDN file"
curl -sf -XPOST "$U/match/default?algorithm=logic-v1" -H 'Content-Type: application/json' --data-binary @"$ST_TMP/yente.json" > "$ST_TMP/m.json"
screened=$((screened + 1))
# RI WON HO is on both lists: the UN and the OFAC record both match
[ "$(jget '.responses.q1.results.filter(r=>r.match).map(r=>r.id).sort().slice(0,2).join(" ")' < "$ST_TMP/m.json")" = "ofac-19609 un-KPi.033" ] \
  || fail "q1 hits: $(jget '.responses.q1.results.map(r=>r.id+" "+r.score)' < "$ST_TMP/m.json")"
grep -q '^19609,"RI, Won Ho"' "$L/ofac-sdn-2021-07/sdn.csv" || fail "19609 is not RI Won Ho in the SDN file"
[ "$(jget .responses.q2.results[0].id < "$ST_TMP/m.json")" = ofac-27307 ] || fail "q2 top hit"
[ "$(jget .responses.w1.results[0].id < "$ST_TMP/m.json")" = ofac-28264 ] || fail "wallet hit"
[ "$(jget .responses.w1.results[0].score < "$ST_TMP/m.json")" = 1 ] || fail "wallet score"
for f in id caption schema properties datasets score match features; do
  [ "$(jget ".responses.q1.results[0].$f!==undefined" < "$ST_TMP/m.json")" = true ] || fail "result lacks $f"
done
[ "$(jget .responses.q1.total.value < "$ST_TMP/m.json")" -ge 1 ] || fail total
# a dataset restricts the lists searched
curl -sf -XPOST "$U/match/ofac" -H "$J" --data-binary @"$ST_TMP/yente.json" > "$ST_TMP/m2.json"
screened=$((screened + 1))
[ "$(jget '.responses.q1.results.every(r=>r.datasets.includes("ofac"))' < "$ST_TMP/m2.json")" = true ] || fail "dataset ofac"

# ---- search, entity ----
curl -sf "$U/search/default?q=LAZARUS%20GROUP" > "$ST_TMP/s.json"
screened=$((screened + 1))
[ "$(jget .results[0].id < "$ST_TMP/s.json")" = ofac-27307 ] || fail "search"
subject=$(jget .subject < "$ST_TMP/s.json")
[ "$(curl -sf "$U/entities/ofac-27307" | jget .caption)" = "LAZARUS GROUP" ] || fail entity
# sanctrace's own id (stored decisions, alerts) still resolves, by a redirect as yente's for merged ids
[ "$(curl -sfL "$U/entities/ofac:27307" | jget .caption)" = "LAZARUS GROUP" ] || fail "old entity id"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$U/entities/ofac:0")" = 404 ] || fail "unknown entity"

# ---- decisions: recorded, then shown when the same subject is screened again ----
code=$(curl -s -o "$ST_TMP/d.json" -w '%{http_code}' -XPOST "$U/decisions" -H 'Content-Type: application/json' \
  -d "{\"subject\":\"$subject\",\"entity_id\":\"ofac:27307\",\"decision\":\"confirmed\",\"comment\":\"same group\",\"analyst\":\"t\"}")
[ "$code" = 201 ] || fail "decision: $code $(cat "$ST_TMP/d.json")"
[ "$(curl -sf "$U/search/default?q=lazarus%20%20group" | jget .results[0].decision.decision)" = confirmed ] || fail "decision not shown"
screened=$((screened + 1))
[ "$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$U/decisions" -H "$J" -d '{"subject":"x","entity_id":"ofac:27307","decision":"maybe"}')" = 422 ] || fail "bad decision"

# ---- reconciliation (OpenRefine) ----
[ "$(curl -sf "$U/reconcile" | jget '.defaultTypes.length')" -ge 5 ] || fail manifest
q='{"q0":{"query":"Ri Won Ho","type":"Person","properties":[{"pid":"birthDate","v":"1964"}]},"q1":{"query":"Lazarus Group"}}'
curl -sf "$U/reconcile" --data-urlencode "queries=$q" > "$ST_TMP/r.json"
screened=$((screened + 1))
[ "$(jget '.q0.result.some(r=>r.id==="un-KPi.033"&&r.match)' < "$ST_TMP/r.json")" = true ] || fail "reconcile form: $(cat "$ST_TMP/r.json")"
[ "$(jget '.q0.result[0].score>=80' < "$ST_TMP/r.json")" = true ] || fail "reconcile score 0..100"
curl -sf "$U/reconcile" -H 'Content-Type: application/json' -d "{\"queries\":$q}" > "$ST_TMP/r2.json"
screened=$((screened + 1))
[ "$(jget .q1.result[0].id < "$ST_TMP/r2.json")" = ofac-27307 ] || fail "reconcile json"

# ---- bad requests: the right 4xx, as JSON, and the server stays up ----
expect() { # [-n] CODE ERROR curl-args... (with the key; -n: without)
  nokey=0; [ "$1" = -n ] && { nokey=1; shift; }
  want=$1 err=$2; shift 2
  if [ $nokey = 1 ]; then got=$(command curl -s -o "$ST_TMP/e.json" -w '%{http_code}' "$@")
  else got=$(curl -s -o "$ST_TMP/e.json" -w '%{http_code}' "$@"); fi
  [ "$got" = "$want" ] || fail "$* -> $got (want $want): $(cat "$ST_TMP/e.json")"
  [ "$(jget .error < "$ST_TMP/e.json")" = "$err" ] || fail "$* -> error $(cat "$ST_TMP/e.json")"
}
expect 400 invalid_json -XPOST -H "$J" "$U/match/default" -d '{"queries": {'
expect 400 invalid_json -XPOST "$U/match/default" --data-binary ''
expect 422 invalid_request -XPOST -H "$J" "$U/match/default" -d '{"queries": {"q": {"properties": {"name": {"v": 7}}}}}'
expect 422 invalid_request -XPOST -H "$J" "$U/match/default" -d '{"queries": [1]}'
expect 422 invalid_request -XPOST -H "$J" "$U/match/default" -d '{"query": {}}'
node -e 'const q={};for(let i=0;i<101;i++)q["q"+i]={properties:{name:["A"]}};console.log(JSON.stringify({queries:q}))' > "$ST_TMP/many.json"
expect 422 too_many_queries -XPOST -H "$J" "$U/match/default" --data-binary @"$ST_TMP/many.json"
head -c 1100000 /dev/zero | tr '\0' ' ' > "$ST_TMP/big.json"
expect 413 body_too_large -XPOST -H "$J" "$U/match/default" --data-binary @"$ST_TMP/big.json"
expect 413 body_too_large -XPOST -H "$J" "$U/match/default" -H 'Transfer-Encoding: chunked' --data-binary @"$ST_TMP/big.json"
expect 404 unknown_dataset -XPOST -H "$J" "$U/match/nosuchlist" -d '{"queries": {"q": {"properties": {"name": ["A"]}}}}'
expect 404 not_found "$U/nothing/here"
expect 405 method_not_allowed "$U/match/default"
expect 400 invalid_schema "$U/search/default?schema=Banana"
expect 422 invalid_request "$U/search/default?q=x&limit=1000"
expect 400 invalid_json "$U/reconcile" --data-urlencode 'queries={bad'
# a client that sends half a request and stalls is cut off by the
# connection timeout (--timeout 2 here), not served forever
node -e '
const s = require("net").connect(+process.argv[1], "127.0.0.1", () =>
  s.write("POST /match/default HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"queries\""));
const t0 = Date.now();
s.on("data", () => {});
s.on("close", () => { console.log("closed after", Date.now() - t0, "ms"); process.exit(Date.now() - t0 < 8000 ? 0 : 1); });
setTimeout(() => { console.log("still open"); process.exit(1); }, 10000);' "${U##*:}" || fail "stalled client not cut off"
[ "$(curl -sf "$U/healthz" | jget .status)" = ok ] || fail "server down after bad requests"

# ---- browsers: no CORS wildcard, the Host checked, JSON bodies, foreign pages refused ----
P=${U##*:}
hdrs() { curl -s -o /dev/null -D - "$@"; }
ndec() { curl -sf "$U/decisions" | jget .decisions.length; }
dec="{\"subject\":\"$subject\",\"entity_id\":\"ofac:27307\",\"decision\":\"false_positive\",\"analyst\":\"t\"}"
before=$(ndec)
hdrs "$U/healthz" | grep -qi '^access-control-allow-origin' && fail "CORS header on a plain answer"
hdrs -H 'Origin: http://evil.example' "$U/search/default?q=Lazarus" | grep -qi '^access-control-allow-origin' \
  && fail "CORS header for a foreign page"
expect 403 forbidden_origin -H 'Origin: http://evil.example' "$U/decisions"
expect 403 forbidden_origin -H 'Origin: null' "$U/alerts"
expect 403 forbidden_origin -XPOST "$U/decisions" -H 'Origin: http://evil.example' -H "$J" -d "$dec"
expect 403 forbidden_origin -XPOST "$U/decisions" -H 'Sec-Fetch-Site: cross-site' -H 'Sec-Fetch-Mode: no-cors' -H "$J" -d "$dec"
expect 403 forbidden_origin -X OPTIONS -H 'Origin: http://evil.example' -H 'Access-Control-Request-Method: POST' "$U/decisions"
# what a page elsewhere can send without a preflight: text/plain, a form
expect 415 unsupported_media_type -XPOST "$U/decisions" -H 'Content-Type: text/plain' -d "$dec"
expect 415 unsupported_media_type -XPOST "$U/decisions" -d "$dec"
expect 415 unsupported_media_type -XPOST "$U/match/default" -H 'Content-Type: multipart/form-data; boundary=x' --data-binary @"$ST_TMP/yente.json"
# DNS rebinding: the page's own name arrives as Host
expect 421 unknown_host -H "Host: rebind.example:$P" "$U/decisions"
expect 421 unknown_host -H "Host: rebind.example" "$U/healthz"
[ "$(curl -sf -H "Host: localhost:$P" "$U/healthz" | jget .status)" = ok ] || fail "Host localhost refused"
[ "$(curl -sf -H "Host: 127.0.0.1:$P" "$U/healthz" | jget .status)" = ok ] || fail "Host 127.0.0.1 refused"
# the page itself (same origin, as a browser sends it) still records decisions
code=$(curl -s -o "$ST_TMP/d2.json" -w '%{http_code}' -XPOST "$U/decisions" -H "Origin: http://127.0.0.1:$P" \
  -H 'Sec-Fetch-Site: same-origin' -H 'Sec-Fetch-Mode: cors' -H "$J" -d "$dec")
[ "$code" = 201 ] || fail "same-origin decision: $code $(cat "$ST_TMP/d2.json")"
[ "$(ndec)" -eq $((before + 1)) ] || fail "a refused request left a decision: $(ndec) after $before"
# trusted origins and names are the operator's to give
srv_start T --data-dir "$D" --threads 2 --auth on --cors-origin https://app.example --host-name screening.example
T=$SRV_URL_T
hdrs -X OPTIONS -H 'Origin: https://app.example' -H 'Access-Control-Request-Method: POST' "$T/match/default" \
  | grep -qi '^access-control-allow-origin: https://app.example' || fail "preflight for a listed origin"
hdrs -H 'Origin: https://app.example' "$T/catalog" | grep -qi '^access-control-allow-origin: https://app.example' \
  || fail "CORS for a listed origin"
expect 403 forbidden_origin -H 'Origin: https://other.example' "$T/catalog"
[ "$(curl -sf -H 'Host: screening.example' "$T/healthz" | jget .status)" = ok ] || fail "--host-name refused"
[ "$(curl -sf -H 'Host: SCREENING.example.:443' "$T/healthz" | jget .status)" = ok ] || fail "--host-name with port refused"
expect 421 unknown_host -H 'Host: other.example' "$T/healthz"
srv_stop T
# beyond loopback, keys are not optional
rc=0
timeout 60 "$ST_BIN" serve --data-dir "$D" --listen 0.0.0.0:0 --auth off 2> "$ST_TMP/lan.err" || rc=$?
[ $rc = 2 ] && grep -q 'without API keys' "$ST_TMP/lan.err" || fail "served the network without keys: exit $rc $(cat "$ST_TMP/lan.err")"

# ---- errors the HTTP library would answer itself: JSON, one answer each ----
ask() { python3 tests/lib/http_raw.py ask "$P" "$1" > "$ST_TMP/raw.json"; }
for cl in 99999999999999999999:413:body_too_large -1:400:bad_request; do
  ask "POST /match/default HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${cl%%:*}\r\n\r\n"
  want=${cl#*:}
  [ "$(jget '.answers+" "+o.status+" "+o.content_type' < "$ST_TMP/raw.json")" = "1 ${want%%:*} application/json" ] \
    || fail "Content-Length ${cl%%:*}: $(cat "$ST_TMP/raw.json")"
  [ "$(jget .body < "$ST_TMP/raw.json" | jget .error)" = "${want#*:}" ] || fail "Content-Length ${cl%%:*}: $(cat "$ST_TMP/raw.json")"
done
# an endless chunked upload gets its 413 when it crosses the limit, not after 64 MiB
python3 tests/lib/http_raw.py endless "$P" /match/default > "$ST_TMP/endless.json"
[ "$(jget .status_line < "$ST_TMP/endless.json")" = "HTTP/1.1 413 Content Too Large" ] || fail "endless upload: $(head -c 400 "$ST_TMP/endless.json")"
[ "$(jget .body < "$ST_TMP/endless.json" | jget .error)" = body_too_large ] || fail "endless upload body"
[ "$(jget '.sent < 16*1024*1024' < "$ST_TMP/endless.json")" = true ] || fail "endless upload read on: $(jget .sent < "$ST_TMP/endless.json") bytes"
long=$(head -c 10000 /dev/zero | tr '\0' a)
expect 414 uri_too_long "$U/search/default?q=$long"
expect 431 headers_too_large -H "X-Padding: $long$long$long$long" "$U/healthz"
# answers are bounded: queries x limit <= 500
node -e 'const q={};for(let i=0;i<100;i++)q["q"+i]={properties:{name:["Kim Jong Un"]}};console.log(JSON.stringify({queries:q}))' > "$ST_TMP/hundred.json"
expect 422 too_many_results -XPOST -H "$J" "$U/match/default?limit=10" --data-binary @"$ST_TMP/hundred.json"
node -e 'const q={};for(let i=0;i<100;i++)q["q"+i]={query:"Kim Jong Un",limit:10};console.log(JSON.stringify({queries:q}))' > "$ST_TMP/recon.json"
expect 422 too_many_results -XPOST -H "$J" "$U/reconcile" --data-binary @"$ST_TMP/recon.json"
# a large screening is answered, and its audit record stays bounded (checked below)
node -e 'const n=["Kim Jong Un","Lazarus Group","Ri Won Ho","Kim Il Sung"],q={};for(let i=0;i<100;i++)q["q"+i]={schema:"Thing",properties:{name:[n[i%4]],notes:["x".repeat(900)]}};console.log(JSON.stringify({queries:q}))' > "$ST_TMP/large.json"
curl -sf -XPOST -H "$J" "$U/match/default" --data-binary @"$ST_TMP/large.json" > "$ST_TMP/large.out" || fail "large /match"
screened=$((screened + 1))
[ "$(wc -c < "$ST_TMP/large.json")" -gt 65536 ] && [ "$(wc -c < "$ST_TMP/large.out")" -gt 65536 ] || fail "the large request is not large"

# ---- the page ----
curl -sf "$U/" | grep -q '<title>sanctrace' || fail "page"
curl -sf "$U/static/app.js" | grep -q 'recordDecision' || fail "app.js"

# ---- audit trail: one record per screening answered ----
n=$("$ST_BIN" audit count --data-dir "$D")
[ "$n" -eq "$screened" ] || fail "audit: $n records for $screened screenings"
"$ST_BIN" audit export --from "$(date -u +%Y-%m-%d)" --to "$(date -u +%Y-%m-%d)" --data-dir "$D" -o "$ST_TMP/audit.csv"
head -n 1 "$ST_TMP/audit.csv" | grep -q '^id,time,key_id,endpoint,subject,snapshot,input,results' || fail "audit header"
grep -c '^[0-9]*,20' "$ST_TMP/audit.csv" | grep -qx "$screened" || fail "audit export rows"
# the large /match: its input and answer recorded as markers with their
# digests and every result's id and score, not as 100 KB and more
python3 - "$ST_TMP/audit.csv" <<'PY' || fail "audit record of the large /match"
import csv, json, sys
csv.field_size_limit(1 << 30)
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["endpoint"] == "match" and '"truncated"' in r["input"]]
assert len(rows) == 1, "%d bounded match records" % len(rows)
r = rows[0]
size = sum(len(v) for v in r.values())
inp, res = json.loads(r["input"]), json.loads(r["results"])
assert size < 65536, "record of %d bytes" % size
assert inp["bytes"] > 65536 and len(inp["sha256"]) == 64, inp
assert res["truncated"] and len(res["results"]["responses"]) == 100, list(res)
assert all(len(x) == 3 for q in res["results"]["responses"].values() for x in q["results"]), res
print("large /match audited in", size, "bytes")
PY
"$ST_BIN" audit export --from 2000-01-01 --to 2000-01-02 --data-dir "$D" | wc -l | grep -qx 1 || fail "audit export range"

# ---- API keys: hashed in the store, required, in the audit trail, revocable ----
sqlite3 "$D/sanctrace.db" "select hash from api_keys" | grep -q "${key#st_*_}" && fail "key stored in clear"
expect -n 401 unauthorized "$U/search/default?q=x"
expect -n 401 unauthorized -H "Authorization: ApiKey st_0000000000000000_$(printf '%048d' 0)" "$U/search/default?q=x"
[ "$(command curl -sf "$U/healthz" | jget .status)" = ok ] || fail "probes need no key"
[ "$(command curl -sf "$U/search/default?q=Lazarus&api_key=$key" | jget .results[0].id)" = ofac-27307 ] || fail "key as a parameter"
screened=$((screened + 1))
"$ST_BIN" audit export --data-dir "$D" | grep -q ",$kid,search," || fail "key id not in the audit trail"
"$ST_BIN" serve keys revoke "$kid" --data-dir "$D"
expect 401 unauthorized "$U/search/default?q=x"   # the revoked key
srv_stop S
[ "$("$ST_BIN" audit count --data-dir "$D")" -eq "$screened" ] || fail "audit count at the end"
echo "ok: API, reconciliation, decisions, errors, keys; $screened screenings audited"
