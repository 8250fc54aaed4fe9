#!/bin/sh
# sanctrace as a yente drop-in, on a real snapshot (UN + OFAC SDN 2021):
# the requests nomenklatura's yente enricher and yente's match clients send
# (an ApiKey header, ?fuzzy= and ?threshold=, every alias of an entity,
# numeric values, then GET /entities/{id}), each answer checked against
# yente's response models by tests/lib/yente_check.py; every /match
# parameter yente takes, honoured or refused as yente refuses it; scores
# the same whatever filter is asked.
set -eu
. tests/lib/server.sh
trap 'srv_stop Y >/dev/null 2>&1 || true' EXIT
L=$ST_DATA/lists
D=$ST_TMP/data
"$ST_BIN" update --from "$L/un-2026-02-27" --from "$L/ofac-sdn-2021-07" --data-dir "$D" >/dev/null 2>&1
key=$("$ST_BIN" serve keys add enricher --role read --data-dir "$D" 2>/dev/null)
srv_start Y --data-dir "$D" --threads 2 --auth on
U=$SRV_URL_Y
J='Content-Type: application/json'
post() { # PATH BODYFILE OUT -> status code
  command curl -s -o "$3" -w '%{http_code}' -XPOST -H "Authorization: ApiKey $key" -H "$J" "$U$1" --data-binary @"$2"
}
get() { command curl -s -o "$2" -w '%{http_code}' -H "Authorization: ApiKey $key" "$U$1"; }
check() { python3 tests/lib/yente_check.py "$@" >/dev/null || fail "$(python3 tests/lib/yente_check.py "$@")"; }
ids() { jget ".responses.$1.results.map(r=>r.id).join(' ')" < "$2"; }

# ---- the enricher's request: one entity, every matchable property, 30 aliases ----
# (nomenklatura/enrich/yente.py: POST match/{dataset}?fuzzy=false[&threshold=],
#  {"queries": {"entity": {"schema", "properties"}}}, Authorization: ApiKey)
node -e '
const alias = [];
for (let i = 0; i < 30; i++) alias.push("Won Ho Ri " + i);
console.log(JSON.stringify({queries: {entity: {schema: "Person", properties: {
  name: ["RI Won Ho"], alias, birthDate: [1964], nationality: ["kp"], passportNumber: [381310014],
  gender: ["male"], sourceUrl: ["https://example.org/x"]}}}}));' > "$ST_TMP/enrich.json"
code=$(post "/match/default?fuzzy=false&threshold=0.7" "$ST_TMP/enrich.json" "$ST_TMP/e.json")
[ "$code" = 200 ] || fail "enricher request: $code $(cat "$ST_TMP/e.json")"
check match "$ST_TMP/e.json" 0.7
all=$(ids entity "$ST_TMP/e.json")
for id in ofac:19609 un:KPi.033; do case " $all " in *" $id "*) ;; *) fail "enricher hits: $all";; esac; done
[ "$(jget '.responses.entity.query.properties.birthDate[0]' < "$ST_TMP/e.json")" = 1964 ] || fail "numeric value not echoed as text"
[ "$(jget '.responses.entity.query.properties.alias.length' < "$ST_TMP/e.json")" = 30 ] || fail "aliases not echoed"
[ "$(jget '.responses.entity.results[0].explanations.name.score' < "$ST_TMP/e.json")" = 1 ] || fail "name explanation"
# then it reads each match: GET /entities/{id}?nested=true
code=$(get "/entities/ofac:19609?nested=true" "$ST_TMP/ent.json")
[ "$code" = 200 ] || fail "entity: $code"
check entity "$ST_TMP/ent.json"

# ---- a yente match client: several queries, its own ids, algorithm=best ----
cat > "$ST_TMP/batch.json" <<'EOF'
{"queries": {
  "p1": {"id": "cust-1", "schema": "Person", "properties": {"firstName": ["Won Ho"], "lastName": ["Ri"], "birthDate": ["1964-07-17"]}},
  "o1": {"schema": "Organization", "properties": {"name": "Lazarus Group", "country": ["kp"]}},
  "v1": {"schema": "Vessel", "properties": {"name": ["no such vessel anywhere"]}}}}
EOF
code=$(post "/match/default?algorithm=best&limit=10" "$ST_TMP/batch.json" "$ST_TMP/b.json")
[ "$code" = 200 ] || fail "batch: $code $(cat "$ST_TMP/b.json")"
check match "$ST_TMP/b.json"
[ "$(jget .responses.p1.query.id < "$ST_TMP/b.json")" = cust-1 ] || fail "query id not echoed"
[ "$(jget '.responses.p1.query.properties.name[0]' < "$ST_TMP/b.json")" = "Won Ho Ri" ] || fail "name from parts not echoed"
[ "$(jget '.responses.o1.results[0].id' < "$ST_TMP/b.json")" = ofac:27307 ] || fail "o1 top hit"
[ "$(jget '.responses.v1.total.value' < "$ST_TMP/b.json")" = 0 ] || fail "v1 total"

# ---- algorithms ----
code=$(get /algorithms "$ST_TMP/a.json"); [ "$code" = 200 ] || fail "/algorithms: $code"
check algorithms "$ST_TMP/a.json"
for a in best sanctrace logic-v2 LOGIC-V1; do
  code=$(post "/match/default?algorithm=$a&threshold=0.7" "$ST_TMP/enrich.json" "$ST_TMP/x.json")
  [ "$code" = 200 ] || fail "algorithm $a: $code"
  [ "$(jget '.responses.entity.results.map(r=>r.id+" "+r.score).join()' < "$ST_TMP/x.json")" = \
    "$(jget '.responses.entity.results.map(r=>r.id+" "+r.score).join()' < "$ST_TMP/e.json")" ] || fail "algorithm $a changed scores"
done
code=$(post "/match/default?algorithm=logic-v9" "$ST_TMP/enrich.json" "$ST_TMP/x.json")
[ "$code" = 400 ] && check error "$ST_TMP/x.json" || fail "unknown algorithm: $code"

# ---- filters: honoured, and a result's score never depends on them ----
same_scores() { # FILE: every result scores as in the unfiltered answer
  node -e '
const fs = require("fs"), a = JSON.parse(fs.readFileSync(process.argv[1])), b = JSON.parse(fs.readFileSync(process.argv[2]));
const base = {}; for (const r of a.responses.entity.results) base[r.id] = r.score;
for (const r of b.responses.entity.results) if (r.id in base && base[r.id] !== r.score) { console.log(r.id, base[r.id], r.score); process.exit(1); }' \
    "$ST_TMP/e.json" "$1" || fail "a filter changed a score"
}
filtered() { # ARGS EXPR: the answer passes the model and EXPR holds for every result
  code=$(post "/match/default?fuzzy=false&threshold=0.7&$1" "$ST_TMP/enrich.json" "$ST_TMP/f.json")
  [ "$code" = 200 ] || fail "$1: $code $(cat "$ST_TMP/f.json")"
  check match "$ST_TMP/f.json" 0.7
  same_scores "$ST_TMP/f.json"
  [ "$(jget ".responses.entity.results.every(r=>$2)" < "$ST_TMP/f.json")" = true ] || fail "$1: $(ids entity "$ST_TMP/f.json")"
}
filtered "exclude_entity_ids=ofac:19609" 'r.id!=="ofac:19609"'
case " $(ids entity "$ST_TMP/f.json") " in *" un:KPi.033 "*) ;; *) fail "exclude_entity_ids dropped more";; esac
filtered "exclude_entity_ids=ofac:19609&exclude_entity_ids=un:KPi.033" 'r.id!=="ofac:19609"&&r.id!=="un:KPi.033"'
filtered "include_dataset=un" 'r.datasets.includes("un")'
[ "$(jget '.responses.entity.results.length' < "$ST_TMP/f.json")" -ge 1 ] || fail "include_dataset=un found nothing"
filtered "exclude_dataset=un" '!r.datasets.includes("un")'
filtered "exclude_schema=Person" 'r.schema!=="Person"'
filtered "topics=sanction" 'true'
[ "$(ids entity "$ST_TMP/f.json")" = "$all" ] || fail "topics=sanction dropped results"
filtered "topics=role.pep" 'false'
filtered "changed_since=2000-01-01" 'true'
[ "$(ids entity "$ST_TMP/f.json")" = "$all" ] || fail "changed_since in the past dropped results"
filtered "changed_since=2999-01-01T00:00" 'false'
filtered "limit=1" 'true'
[ "$(jget '.responses.entity.results.length' < "$ST_TMP/f.json")" = 1 ] || fail "limit=1"
[ "$(jget '.responses.entity.total.value' < "$ST_TMP/f.json")" -ge 2 ] || fail "total counts the matches, not the results shown"

# ---- refused as yente refuses them ----
refused() { # WANT ERROR PATH BODY
  code=$(post "$3" "$4" "$ST_TMP/r.json")
  [ "$code" = "$1" ] && [ "$(jget .error < "$ST_TMP/r.json")" = "$2" ] || fail "$3: $code $(cat "$ST_TMP/r.json")"
  check error "$ST_TMP/r.json"
}
refused 422 invalid_request "/match/default?limit=501" "$ST_TMP/enrich.json"
echo '{"config": {"nm_number_mismatch": 0.4}, "queries": {"q": {"schema": "Person", "properties": {"name": ["Ri Won Ho"]}}}}' > "$ST_TMP/config.json"
refused 400 invalid_config "/match/default" "$ST_TMP/config.json"
refused 422 invalid_request "/match/default?changed_since=yesterday" "$ST_TMP/enrich.json"
refused 422 invalid_request "/match/default?threshold=abc" "$ST_TMP/enrich.json"
q=""; for i in $(seq 1 51); do q="$q&exclude_entity_ids=x$i"; done
refused 422 invalid_request "/match/default?${q#&}" "$ST_TMP/enrich.json"
code=$(post "/match/default?limit=500" "$ST_TMP/enrich.json" "$ST_TMP/x.json")
[ "$code" = 200 ] && check match "$ST_TMP/x.json" || fail "limit=500: $code"
refused 422 too_many_results "/match/default?limit=300" "$ST_TMP/batch.json"
node -e 'const name=[];for(let i=0;i<201;i++)name.push("N "+i);console.log(JSON.stringify({queries:{q:{schema:"Person",properties:{name}}}}))' > "$ST_TMP/201.json"
refused 422 invalid_request "/match/default" "$ST_TMP/201.json"
node -e 'const q={};for(let k=0;k<11;k++){const name=[];for(let i=0;i<190;i++)name.push("N "+i);q["q"+k]={schema:"Person",properties:{name}}}console.log(JSON.stringify({queries:q}))' > "$ST_TMP/2090.json"
refused 422 too_many_values "/match/default" "$ST_TMP/2090.json"

# ---- OpenRefine: the manifest by JSONP, a batch with blank, numeric, typed cells ----
code=$(get "/reconcile?callback=jQuery3510_1700000000" "$ST_TMP/m.js")
[ "$code" = 200 ] || fail "JSONP manifest: $code"
command curl -s -D - -o /dev/null -H "Authorization: ApiKey $key" "$U/reconcile?callback=cb" \
  | grep -qi '^content-type: application/javascript' || fail "JSONP content type"
grep -q '^jQuery3510_1700000000({.*});$' "$ST_TMP/m.js" || fail "JSONP wrapping: $(head -c 200 "$ST_TMP/m.js")"
sed 's/^jQuery3510_1700000000(//; s/);$//' "$ST_TMP/m.js" > "$ST_TMP/m.json"
check manifest "$ST_TMP/m.json"
for cb in 'alert(1)' 'cb%3Balert(1)' '1x' 'a..b' "$(head -c 65 /dev/zero | tr '\0' a)" '%3C%2Fscript%3E'; do
  code=$(get "/reconcile?callback=$cb" "$ST_TMP/cb.json")
  [ "$code" = 400 ] && [ "$(jget .error < "$ST_TMP/cb.json")" = invalid_callback ] || fail "callback $cb: $code $(cat "$ST_TMP/cb.json")"
done
# what OpenRefine's StandardReconConfig posts: queries= as a form, type_strict, property values
cat > "$ST_TMP/refine.json" <<'REFINE'
{"q0": {"query": "Ri Won Ho", "type": "Person", "type_strict": "should", "properties": [{"pid": "birthDate", "v": 1964}, {"pid": "nationality", "v": ["kp"]}]},
 "q1": {"query": "   ", "type": "Person", "type_strict": "should"},
 "q2": {"query": "", "properties": [{"pid": "name", "v": "Lazarus Group"}]},
 "q3": {"query": "Lazarus Group", "type": ["Organization", "Company"], "limit": 500},
 "q4": {"query": "Lazarus Group", "type": "Q43229"},
 "q5": {"query": 27307, "type": "Organization"},
 "q6": {"query": "Lazarus Group", "type": ["Person"]}}
REFINE
code=$(command curl -s -o "$ST_TMP/rr.json" -w '%{http_code}' -H "Authorization: ApiKey $key" "$U/reconcile" \
  --data-urlencode "queries@$ST_TMP/refine.json")
[ "$code" = 200 ] || fail "OpenRefine batch: $code $(cat "$ST_TMP/rr.json")"
check reconcile "$ST_TMP/rr.json"
[ "$(jget '.q0&&Object.keys(o).sort().join()' < "$ST_TMP/rr.json")" = "q0,q1,q2,q3,q4,q5,q6" ] || fail "a query of the batch unanswered"
[ "$(jget '.q0.result.some(r=>r.id==="un:KPi.033"&&r.match)' < "$ST_TMP/rr.json")" = true ] || fail "q0"
[ "$(jget '.q1.result.length' < "$ST_TMP/rr.json")" = 0 ] || fail "a blank cell got candidates"
[ "$(jget '.q2.result[0].id' < "$ST_TMP/rr.json")" = ofac:27307 ] || fail "properties-only query"
[ "$(jget '.q3.result.every(r=>["Organization","Company"].includes(r.type[0].id))' < "$ST_TMP/rr.json")" = true ] || fail "q3 types"
[ "$(jget '.q3.result.length<=100' < "$ST_TMP/rr.json")" = true ] || fail "q3 limit"
[ "$(jget '.q4.result[0].id' < "$ST_TMP/rr.json")" = ofac:27307 ] || fail "unknown type screened as untyped"
[ "$(jget '.q6.result.every(r=>r.type[0].id==="Person")' < "$ST_TMP/rr.json")" = true ] || fail "type array of one"
# the same batch by GET, wrapped for JSONP
code=$(command curl -s -G -o "$ST_TMP/rg.js" -w '%{http_code}' -H "Authorization: ApiKey $key" "$U/reconcile" \
  --data-urlencode "queries@$ST_TMP/refine.json" --data-urlencode "callback=cb_1")
[ "$code" = 200 ] && grep -q '^cb_1({' "$ST_TMP/rg.js" || fail "JSONP reconcile: $code"
sed 's/^cb_1(//; s/);$//' "$ST_TMP/rg.js" > "$ST_TMP/rg.json"
check reconcile "$ST_TMP/rg.json"

# ---- FollowTheMoney as it is: entities FtM loaders accept ----
# every aircraft, vessel and wallet holder of the snapshot, and every 25th entity
E=$D/current/entities.jsonl
{ grep -E '"schema":"(Aircraft|Vessel)"|"wallets"' "$E"; awk 'NR % 25 == 0' "$E"; } | grep -o '^{"id":"[^"]*"' | cut -d'"' -f4 | sort -u > "$ST_TMP/ids"
[ "$(wc -l < "$ST_TMP/ids")" -gt 600 ] || fail "sample of entities: $(wc -l < "$ST_TMP/ids")"
: > "$ST_TMP/ents.jsonl"
while read -r id; do
  command curl -sf -H "Authorization: ApiKey $key" "$U/entities/$id" >> "$ST_TMP/ents.jsonl" || fail "entity $id"
  echo >> "$ST_TMP/ents.jsonl"
done < "$ST_TMP/ids"
check entities "$ST_TMP/ents.jsonl"
# aircraft are FtM Airplanes (the old name still accepted on input)
air=$(grep -m1 '"schema":"Aircraft"' "$E" | cut -d'"' -f4)
get "/entities/$air" "$ST_TMP/air.json" >/dev/null
[ "$(jget .schema < "$ST_TMP/air.json")" = Airplane ] || fail "aircraft schema: $(jget .schema < "$ST_TMP/air.json")"
for sch in Airplane Aircraft; do
  code=$(get "/search/default?q=$(jget .caption < "$ST_TMP/air.json" | sed 's/ /%20/g')&schema=$sch" "$ST_TMP/as.json")
  [ "$code" = 200 ] && [ "$(jget '.results.some(r=>r.id==="'"$air"'")' < "$ST_TMP/as.json")" = true ] || fail "schema=$sch: $code"
done
# a listed wallet is a CryptoWallet whose holder is the party; the listing a Sanction
holder=$(grep -m1 '"wallets"' "$E" | grep -v '"schema":"CryptoWallet"' | cut -d'"' -f4)
get "/entities/$holder" "$ST_TMP/h.json" >/dev/null
[ "$(jget '.properties.cryptoWallets.every(w=>w.schema==="CryptoWallet"&&w.properties.holder[0]==="'"$holder"'"&&w.properties.publicKey.length===1)' < "$ST_TMP/h.json")" = true ] \
  || fail "wallets of $holder: $(jget .properties.cryptoWallets < "$ST_TMP/h.json")"
[ "$(jget '.properties.cryptoWallet===undefined' < "$ST_TMP/h.json")" = true ] || fail "cryptoWallet is no FtM property"
get /entities/un:KPi.033 "$ST_TMP/k.json" >/dev/null
[ "$(jget '.properties.sanctions[0].schema+" "+o.properties.sanctions[0].properties.entity[0]+" "+o.properties.sanctions[0].properties.authority[0]' < "$ST_TMP/k.json")" = \
  "Sanction un:KPi.033 United Nations Security Council" ] || fail "sanction of KPi.033: $(jget .properties.sanctions < "$ST_TMP/k.json")"
[ "$(jget '.properties.sanctions[0].properties.listingDate[0]' < "$ST_TMP/k.json")" = 2016-11-30 ] || fail "listing date"
grep -q '<LISTED_ON>2016-11-30</LISTED_ON>' "$L/un-2026-02-27/consolidated.xml" || fail "2016-11-30 is not a UN listing date"
# a range of birth years is each year, as FtM dates
range=$(grep -m1 '"year_to"' "$E" | cut -d'"' -f4)
get "/entities/$range" "$ST_TMP/rg.json" >/dev/null
[ "$(jget '.properties.birthDate.every(d=>/^[0-9]{4}(-[0-9]{2}){0,2}$/.test(d))' < "$ST_TMP/rg.json")" = true ] || fail "birth dates of $range"

# ---- search and entities carry the same entity keys ----
code=$(get "/search/default?q=Lazarus%20Group" "$ST_TMP/s.json"); [ "$code" = 200 ] || fail "search: $code"
check search "$ST_TMP/s.json"
srv_stop Y
echo "ok: yente /match, /algorithms, /entities, /search pass yente's models, filters and refusals as yente; OpenRefine batches and JSONP pass the reconciliation schemas"
