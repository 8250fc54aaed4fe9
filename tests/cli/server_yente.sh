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
trap 'srv_stop Y >/dev/null 2>&1 || true; srv_stop F >/dev/null 2>&1 || true' EXIT
L=$ST_DATA/lists
D=$ST_TMP/data
"$ST_BIN" update --from "$L/un-2026-02-27" --from "$L/ofac-sdn-2021-07" --data-dir "$D" >/dev/null 2>&1
key=$("$ST_BIN" serve keys add enricher --role read --data-dir "$D" 2>/dev/null)
srv_start Y --data-dir "$D" --threads 2 --auth on --cors-origin http://127.0.0.1:3333
U=$SRV_URL_Y
J='Content-Type: application/json'
post() { # PATH BODYFILE OUT -> status code
  command curl -s -o "$3" -w '%{http_code}' -XPOST -H "Authorization: ApiKey $key" -H "$J" "$U$1" --data-binary @"$2"
}
get() { command curl -sL -o "$2" -w '%{http_code}' -H "Authorization: ApiKey $key" "$U$1"; }
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
for id in ofac-19609 un-KPi.033; do case " $all " in *" $id "*) ;; *) fail "enricher hits: $all";; esac; done
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
[ "$(jget '.responses.o1.results[0].id' < "$ST_TMP/b.json")" = ofac-27307 ] || fail "o1 top hit"
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
# a stored decision's id (sanctrace's own) excludes as the FtM id does
filtered "exclude_entity_ids=ofac:19609" 'r.id!=="ofac-19609"'
case " $(ids entity "$ST_TMP/f.json") " in *" un-KPi.033 "*) ;; *) fail "exclude_entity_ids dropped more";; esac
filtered "exclude_entity_ids=ofac-19609&exclude_entity_ids=un-KPi.033" 'r.id!=="ofac-19609"&&r.id!=="un-KPi.033"'
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
[ "$(jget '.q0.result.some(r=>r.id==="un-KPi.033"&&r.match)' < "$ST_TMP/rr.json")" = true ] || fail "q0"
[ "$(jget '.q1.result.length' < "$ST_TMP/rr.json")" = 0 ] || fail "a blank cell got candidates"
[ "$(jget '.q2.result[0].id' < "$ST_TMP/rr.json")" = ofac-27307 ] || fail "properties-only query"
[ "$(jget '.q3.result.every(r=>["Organization","Company"].includes(r.type[0].id))' < "$ST_TMP/rr.json")" = true ] || fail "q3 types"
[ "$(jget '.q3.result.length<=100' < "$ST_TMP/rr.json")" = true ] || fail "q3 limit"
[ "$(jget '.q4.result[0].id' < "$ST_TMP/rr.json")" = ofac-27307 ] || fail "unknown type screened as untyped"
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
  command curl -sfL -H "Authorization: ApiKey $key" "$U/entities/$id" >> "$ST_TMP/ents.jsonl" || fail "entity $id"
  echo >> "$ST_TMP/ents.jsonl"
done < "$ST_TMP/ids"
check entities "$ST_TMP/ents.jsonl"
# aircraft are FtM Airplanes (the old name still accepted on input)
air=$(grep -m1 '"schema":"Aircraft"' "$E" | cut -d'"' -f4)
get "/entities/$air" "$ST_TMP/air.json" >/dev/null
air=$(jget .id < "$ST_TMP/air.json")
[ "$(jget .schema < "$ST_TMP/air.json")" = Airplane ] || fail "aircraft schema: $(jget .schema < "$ST_TMP/air.json")"
for sch in Airplane Aircraft; do
  code=$(get "/search/default?q=$(jget .caption < "$ST_TMP/air.json" | sed 's/ /%20/g')&schema=$sch" "$ST_TMP/as.json")
  [ "$code" = 200 ] && [ "$(jget '.results.some(r=>r.id==="'"$air"'")' < "$ST_TMP/as.json")" = true ] || fail "schema=$sch: $code"
done
# a listed wallet is a CryptoWallet whose holder is the party; the listing a Sanction
holder=$(grep -m1 '"wallets"' "$E" | grep -v '"schema":"CryptoWallet"' | cut -d'"' -f4)
get "/entities/$holder" "$ST_TMP/h.json" >/dev/null
holder=$(jget .id < "$ST_TMP/h.json")
[ "$(jget '.properties.cryptoWallets.every(w=>w.schema==="CryptoWallet"&&w.properties.holder[0]==="'"$holder"'"&&w.properties.publicKey.length===1)' < "$ST_TMP/h.json")" = true ] \
  || fail "wallets of $holder: $(jget .properties.cryptoWallets < "$ST_TMP/h.json")"
[ "$(jget '.properties.cryptoWallet===undefined' < "$ST_TMP/h.json")" = true ] || fail "cryptoWallet is no FtM property"
get /entities/un:KPi.033 "$ST_TMP/k.json" >/dev/null
[ "$(jget '.properties.sanctions[0].schema+" "+o.properties.sanctions[0].properties.entity[0]+" "+o.properties.sanctions[0].properties.authority[0]' < "$ST_TMP/k.json")" = \
  "Sanction un-KPi.033 United Nations Security Council" ] || fail "sanction of KPi.033: $(jget .properties.sanctions < "$ST_TMP/k.json")"
[ "$(jget '.properties.sanctions[0].properties.listingDate[0]' < "$ST_TMP/k.json")" = 2016-11-30 ] || fail "listing date"
[ "$(jget '.first_seen!==null&&o.properties.sanctions[0].first_seen===o.first_seen&&o.properties.sanctions[0].last_change===o.last_change' < "$ST_TMP/k.json")" = true ] || fail "nested times"
grep -q '<LISTED_ON>2016-11-30</LISTED_ON>' "$L/un-2026-02-27/consolidated.xml" || fail "2016-11-30 is not a UN listing date"
# a range of birth years is each year, as FtM dates
range=$(grep -m1 '"year_to"' "$E" | cut -d'"' -f4)
get "/entities/$range" "$ST_TMP/rg.json" >/dev/null
[ "$(jget '.properties.birthDate.every(d=>/^[0-9]{4}(-[0-9]{2}){0,2}$/.test(d))' < "$ST_TMP/rg.json")" = true ] || fail "birth dates of $range"

# callSign on vessels: every call sign the SDN file gives a vessel (its Call_Sign
# column and "Vessel Call Sign" remarks) is on the served Vessel
python3 - "$L/ofac-sdn-2021-07/sdn.csv" "$ST_TMP/ents.jsonl" <<'PY' || fail "call signs of vessels"
import csv, json, re, sys
want = {}
for row in csv.reader(open(sys.argv[1], encoding="cp1252")):
    if len(row) > 11 and row[2].strip().strip('"') == "vessel":
        signs = set()
        if row[5].strip() not in ("", "-0-"): signs.add(row[5].strip())
        signs.update(re.findall(r"Vessel Call Sign ([A-Z0-9]+)", row[11]))
        if signs: want["ofac-" + row[0].strip()] = signs
got = {}
for l in open(sys.argv[2], encoding="utf-8"):
    e = json.loads(l)
    if e["schema"] == "Vessel": got[e["id"]] = set(e["properties"].get("callSign", []))
checked = [i for i in want if i in got]
bad = [(i, want[i], got[i]) for i in checked if not want[i] <= got[i]]
print(len(checked), "vessels with call signs checked;", bad[:3])
sys.exit(1 if bad or len(checked) < 50 else 0)
PY

# ---- yente's /search: q, filters, paging, facets, total ----
code=$(get "/search/default?q=Lazarus%20Group" "$ST_TMP/s.json"); [ "$code" = 200 ] || fail "search: $code"
check search "$ST_TMP/s.json"
[ "$(jget '.results[0].id' < "$ST_TMP/s.json")" = ofac-27307 ] || fail "search q"
# first_seen and last_change are known (one snapshot: both its creation time), as yente's tests ask
[ "$(jget '.results.every(r=>r.first_seen&&r.last_change&&r.first_seen<=r.last_change&&r.last_change<=r.last_seen)' < "$ST_TMP/s.json")" = true ] \
  || fail "entity times: $(jget '.results[0].first_seen+" "+o.results[0].last_change' < "$ST_TMP/s.json")"
[ "$(jget '.facets&&Object.keys(o.facets).sort().join()' < "$ST_TMP/s.json")" = "countries,datasets,topics" ] || fail "default facets"
[ "$(jget '.facets.datasets.values.find(v=>v.name==="ofac").label' < "$ST_TMP/s.json")" = "OFAC Specially Designated Nationals (SDN) List" ] || fail "dataset label"
# counts computed from the snapshot file itself, not by the server's code
python3 - "$E" > "$ST_TMP/counts.json" <<'PY'
import json, sys
n = kp = kp_vessel = kp_ru = un = legal = 0
for l in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(l); n += 1
    cs = {c.lower() for c in e.get("nationalities", []) + e.get("countries", [])}
    kp += "kp" in cs; kp_ru += "kp" in cs and "ru" in cs
    kp_vessel += "kp" in cs and e["schema"] == "Vessel"
    un += e["source"] == "un"
    legal += e["schema"] in ("Person", "Organization", "Company", "LegalEntity", "Unknown")
print(json.dumps({"n": n, "kp": kp, "kp_vessel": kp_vessel, "kp_ru": kp_ru, "un": un, "legal": legal}))
PY
want() { jget ".$1" < "$ST_TMP/counts.json"; }
search() { # ARGS -> $ST_TMP/q.json, checked
  code=$(get "/search/default?$1" "$ST_TMP/q.json"); [ "$code" = 200 ] || fail "search $1: $code $(cat "$ST_TMP/q.json")"
  check search "$ST_TMP/q.json"
}
total() { jget .total.value < "$ST_TMP/q.json"; }
search "limit=5"                                 # no q: every entity, as yente lists them
[ "$(total)" = "$(want n)" ] && [ "$(jget .results.length < "$ST_TMP/q.json")" = 5 ] || fail "browse: $(total) of $(want n)"
[ "$(jget '.facets.countries.values.find(v=>v.name==="kp").count' < "$ST_TMP/q.json")" = "$(want kp)" ] || fail "countries facet kp"
[ "$(jget '.facets.countries.values.find(v=>v.name==="kp").label' < "$ST_TMP/q.json")" = "North Korea" ] || fail "country label"
[ "$(jget '.facets.topics.values.map(v=>v.name+"="+v.count).join()' < "$ST_TMP/q.json")" = "sanction=$(want n)" ] || fail "topics facet"
[ "$(jget '.results.every(r=>r.properties.topics.join()==="sanction")' < "$ST_TMP/q.json")" = true ] || fail "topics property"
search "countries=kp&schema=Vessel&limit=0"
[ "$(total)" = "$(want kp_vessel)" ] && [ "$(jget .results.length < "$ST_TMP/q.json")" = 0 ] || fail "kp vessels: $(total), want $(want kp_vessel)"
search "countries=kp&countries=ru&filter_op=AND&limit=0"
[ "$(total)" = "$(want kp_ru)" ] || fail "filter_op=AND: $(total), want $(want kp_ru)"
search "countries=KP&limit=0"
[ "$(total)" = "$(want kp)" ] || fail "countries=KP (OR): $(total)"
search "datasets=un&limit=3"
[ "$(total)" = "$(want un)" ] && [ "$(jget '.results.every(r=>r.datasets.includes("un"))' < "$ST_TMP/q.json")" = true ] || fail "datasets=un"
search "include_dataset=un&exclude_dataset=un&limit=0"
[ "$(total)" = 0 ] || fail "exclude_dataset must win over include_dataset"
search "schema=LegalEntity&facets=schema&facets=topics&limit=0"
[ "$(total)" = "$(want legal)" ] || fail "schema=LegalEntity: $(total), want $(want legal)"
[ "$(jget '.facets&&Object.keys(o.facets).sort().join()' < "$ST_TMP/q.json")" = "schema,topics" ] || fail "facets asked"
[ "$(jget '.facets.schema.values.reduce((a,v)=>a+v.count,0)' < "$ST_TMP/q.json")" = "$(want legal)" ] || fail "schema facet sum"
[ "$(jget '.facets.schema.values.some(v=>v.name==="Vessel")' < "$ST_TMP/q.json")" = false ] || fail "a vessel is no LegalEntity"
search "topics=sanction&limit=0"; [ "$(total)" = "$(want n)" ] || fail "topics=sanction"
# yente's filter=FIELD:VALUE: a property's value, or a facet field
search "q=Ri%20Won%20Ho&filter=properties.birthDate:1964-07-17"
[ "$(jget '.results.some(r=>r.id==="un-KPi.033")&&o.results.every(r=>r.properties.birthDate.includes("1964-07-17"))' < "$ST_TMP/q.json")" = true ] || fail "filter birthDate"
search "q=Ri%20Won%20Ho&filter=properties.birthDate:1972-01-26"; [ "$(total)" = 0 ] || fail "filter on another birthDate"
search "filter=schema:Vessel&filter=countries:kp&limit=0"; [ "$(total)" = "$(want kp_vessel)" ] || fail "filter schema+countries: $(total)"
search "changed_since=2999-01-01&limit=0"; [ "$(total)" = 0 ] || fail "changed_since"
search "limit=6"; jget '.results.map(r=>r.id).join(" ")' < "$ST_TMP/q.json" > "$ST_TMP/six"
search "limit=3&offset=3"; [ "$(jget '.results.map(r=>r.id).join(" ")' < "$ST_TMP/q.json")" = "$(cut -d' ' -f4- "$ST_TMP/six")" ] || fail "offset"
search "q=Kim&limit=2&offset=1&schema=Person"
[ "$(jget '.results.every(r=>r.schema==="Person")&&o.total.value>=3' < "$ST_TMP/q.json")" = true ] || fail "q paged"
refused_get() { # WANT ERROR PATH
  code=$(get "$3" "$ST_TMP/r.json")
  [ "$code" = "$1" ] && [ "$(jget .error < "$ST_TMP/r.json")" = "$2" ] || fail "$3: $code $(cat "$ST_TMP/r.json")"
  check error "$ST_TMP/r.json"
}
refused_get 400 invalid_schema "/search/default?q=x&schema=Banana"
refused_get 422 invalid_request "/search/default?facets=banana"
refused_get 422 invalid_request "/search/default?limit=501"
refused_get 422 invalid_request "/search/default?offset=9500"
refused_get 422 invalid_request "/search/default?filter_op=XOR"
refused_get 400 invalid_filter "/search/default?filter=birthDate"
refused_get 404 unknown_dataset "/search/banana"

# ---- /catalog, /readyz, /healthz as yente answers them ----
code=$(get /catalog "$ST_TMP/c.json"); [ "$code" = 200 ] || fail "catalog: $code"
check catalog "$ST_TMP/c.json"
[ "$(jget '.current.sort().join()' < "$ST_TMP/c.json")" = "ofac,un" ] || fail "current: $(jget .current < "$ST_TMP/c.json")"
[ "$(jget '.datasets.find(d=>d.name==="un").entity_count' < "$ST_TMP/c.json")" = "$(want un)" ] || fail "un entity_count"
[ "$(jget '.datasets.find(d=>d.name==="default").children.sort().join()' < "$ST_TMP/c.json")" = "ofac,un" ] || fail "default children"
[ "$(jget '.datasets.find(d=>d.name==="un").updated_at' < "$ST_TMP/c.json")" = 2026-02-27T00:00:09 ] || fail "un updated_at (the list's own date)"
# an ETag over the answer, as yente's: a poller's If-None-Match gets 304 while nothing changed
etag=$(command curl -s -D - -o /dev/null -H "Authorization: ApiKey $key" "$U/catalog" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
[ -n "$etag" ] || fail "catalog without an ETag"
[ "$(command curl -s -o /dev/null -w '%{http_code}' -H "Authorization: ApiKey $key" -H "If-None-Match: $etag" "$U/catalog")" = 304 ] || fail "catalog If-None-Match"
[ "$(command curl -s -o /dev/null -w '%{http_code}' -H "Authorization: ApiKey $key" -H 'If-None-Match: "0"' "$U/catalog")" = 200 ] || fail "catalog other ETag"
for p in readyz healthz; do
  code=$(get /$p "$ST_TMP/z.json"); [ "$code" = 200 ] && check readyz "$ST_TMP/z.json" || fail "$p: $code"
  [ "$(jget .status < "$ST_TMP/z.json")" = ok ] || fail "$p status"
done

# ---- OpenRefine's services, reached through the manifest as OpenRefine reaches them ----
code=$(command curl -s -o "$ST_TMP/man.json" -w '%{http_code}' "$U/reconcile/default?api_key=$key")
[ "$code" = 200 ] || fail "manifest: $code"
check manifest "$ST_TMP/man.json"
svc() { # KIND (entity|type|property) PREFIX -> the suggest service's answer
  u=$(jget ".suggest.$1.service_url+o.suggest.$1.service_path" < "$ST_TMP/man.json")
  command curl -sfG "$u" --data-urlencode "prefix=$2" || fail "suggest $1 $2"
}
svc entity "lazarus gr" > "$ST_TMP/se.json"; check suggest-entity "$ST_TMP/se.json"
[ "$(jget '.result[0].id' < "$ST_TMP/se.json")" = ofac-27307 ] || fail "suggest entity"
svc entity "Ri Won" > "$ST_TMP/se.json"; check suggest-entity "$ST_TMP/se.json"
[ "$(jget '.result.map(r=>r.id).sort().slice(0,2).join()' < "$ST_TMP/se.json")" = "ofac-19609,un-KPi.033" ] || fail "suggest Ri Won"
svc entity "" > "$ST_TMP/se.json"; [ "$(jget .result.length < "$ST_TMP/se.json")" = 0 ] || fail "suggest without prefix"
svc entity "zzqx banana" > "$ST_TMP/se.json"; [ "$(jget .result.length < "$ST_TMP/se.json")" = 0 ] || fail "suggest banana"
# OpenRefine's page (its own origin, allowed by --cors-origin) registers the service and suggests
# from the browser: CORS first, JSONP when that fails
u=$(jget '.suggest.entity.service_url+o.suggest.entity.service_path' < "$ST_TMP/man.json")
command curl -s -D "$ST_TMP/ch" -o "$ST_TMP/se.json" -H 'Origin: http://127.0.0.1:3333' -H 'Sec-Fetch-Site: same-site' \
  -H 'Sec-Fetch-Mode: cors' "$u&prefix=lazarus"
grep -qi '^access-control-allow-origin: http://127.0.0.1:3333' "$ST_TMP/ch" && check suggest-entity "$ST_TMP/se.json" || fail "CORS suggest: $(head -1 "$ST_TMP/ch")"
command curl -sf "$u&prefix=lazarus&callback=jQuery1_2" | grep -q '^jQuery1_2({.*"ofac-27307".*});$' || fail "JSONP suggest"
svc type organ > "$ST_TMP/st.json"; check suggest-type "$ST_TMP/st.json"
[ "$(jget '.result.map(r=>r.id).join()' < "$ST_TMP/st.json")" = Organization ] || fail "suggest type"
svc type banana > "$ST_TMP/st.json"; [ "$(jget .result.length < "$ST_TMP/st.json")" = 0 ] || fail "suggest type banana"
svc property country > "$ST_TMP/sp.json"; check suggest-property "$ST_TMP/sp.json"
[ "$(jget '.result.some(r=>r.id==="Thing:country")' < "$ST_TMP/sp.json")" = true ] || fail "suggest property"
svc property birth > "$ST_TMP/sp.json"; [ "$(jget '.result.map(r=>r.id).join()' < "$ST_TMP/sp.json")" = "Person:birthDate,Person:birthPlace" ] || fail "suggest birth"
# preview: an HTML card, escaped, framed by OpenRefine (no X-Frame-Options) but without scripts
pu=$(jget '.preview.url' < "$ST_TMP/man.json" | sed 's/{{id}}/ofac-27307/')
command curl -s -D "$ST_TMP/ph" -o "$ST_TMP/p.html" "$pu"
grep -q '^HTTP/1.1 200' "$ST_TMP/ph" && grep -qi '^content-type: text/html' "$ST_TMP/ph" || fail "preview: $(head -1 "$ST_TMP/ph")"
grep -qi "^content-security-policy: default-src 'none'" "$ST_TMP/ph" && ! grep -qi '^x-frame-options' "$ST_TMP/ph" || fail "preview headers"
grep -q '<h3>LAZARUS GROUP</h3>' "$ST_TMP/p.html" && grep -q 'North Korea' "$ST_TMP/p.html" || fail "preview body"
amp=$(grep -o '"caption":"[^"<]*&[^"]*"' "$E" | head -1 | cut -d'"' -f4)
ampid=$(grep -F "\"caption\":\"$amp\"" "$E" | head -1 | cut -d'"' -f4)
command curl -sfG "${pu%%\?*}" --data-urlencode "id=$ampid" --data-urlencode "api_key=$key" > "$ST_TMP/p2.html" || fail "preview $ampid"
grep -qF "<h3>$(printf %s "$amp" | sed 's/&/\&amp;/g')</h3>" "$ST_TMP/p2.html" || fail "preview of '$amp' not escaped"
# data extension: proposals, then OpenRefine's extend= form
pp=$(jget '.extend.propose_properties.service_url+o.extend.propose_properties.service_path' < "$ST_TMP/man.json")
command curl -sf "$pp&type=Person&limit=5" > "$ST_TMP/pr.json" || fail "propose"
check propose "$ST_TMP/pr.json"
[ "$(jget '.type+" "+o.properties.length+" "+o.properties[0].id' < "$ST_TMP/pr.json")" = "Person 5 name" ] || fail "propose Person"
[ "$(command curl -s -o /dev/null -w '%{http_code}' "$pp&type=Banana")" = 400 ] || fail "propose Banana"
command curl -sf "$pp&type=Vessel" | jget '.properties.map(p=>p.id).includes("callSign")' | grep -q true || fail "propose Vessel callSign"
cat > "$ST_TMP/ext.json" <<'EOF'
{"ids": ["ofac-27307", "un:KPi.033", "no-such-entity"],
 "properties": [{"id": "name"}, {"id": "country"}, {"id": "Person:birthDate", "settings": {"limit": 1}},
                {"id": "nationality", "settings": {"render": "raw"}}]}
EOF
code=$(command curl -s -o "$ST_TMP/x.json" -w '%{http_code}' -H "Authorization: ApiKey $key" "$U/reconcile/default" \
  --data-urlencode "extend@$ST_TMP/ext.json")
[ "$code" = 200 ] || fail "extend: $code $(cat "$ST_TMP/x.json")"
check extend "$ST_TMP/x.json"
[ "$(jget '.rows&&Object.keys(o.rows).sort().join()' < "$ST_TMP/x.json")" = "no-such-entity,ofac-27307,un:KPi.033" ] || fail "extend rows"
[ "$(jget '.rows["un:KPi.033"]["Person:birthDate"].map(v=>v.str).join()' < "$ST_TMP/x.json")" = 1964-07-17 ] || fail "extend birthDate"
grep -A40 '<REFERENCE_NUMBER>KPi.033' "$L/un-2026-02-27/consolidated.xml" | grep -q '<DATE>1964-07-17</DATE>' || fail "KPi.033 born 1964-07-17 per the UN file"
[ "$(jget '.rows["un:KPi.033"].nationality.map(v=>v.str).join()' < "$ST_TMP/x.json")" = kp ] || fail "extend render raw"
[ "$(jget '.rows["ofac-27307"].country.map(v=>v.str).join()' < "$ST_TMP/x.json")" = "North Korea" ] || fail "extend country"
# yente's path per dataset: /reconcile/un matches the UN list only
code=$(command curl -s -o "$ST_TMP/ru.json" -w '%{http_code}' -H "Authorization: ApiKey $key" "$U/reconcile/un" \
  --data-urlencode 'queries={"q0": {"query": "Ri Won Ho", "type": "Person"}}')
[ "$code" = 200 ] && check reconcile "$ST_TMP/ru.json" || fail "reconcile/un: $code"
[ "$(jget '.q0.result.length>0&&o.q0.result.every(r=>r.id.startsWith("un-"))' < "$ST_TMP/ru.json")" = true ] || fail "reconcile/un results"
refused_get 404 unknown_dataset "/reconcile/banana"

# ---- sanctrace's old ids keep resolving: a redirect, as yente's for merged ids ----
command curl -s -D "$ST_TMP/rh" -o /dev/null -H "Authorization: ApiKey $key" "$U/entities/un:KPi.033?nested=true"
grep -q '^HTTP/1.1 308' "$ST_TMP/rh" && grep -qi '^location: /entities/un-KPi.033?nested=true' "$ST_TMP/rh" || fail "old id: $(head -3 "$ST_TMP/rh")"
[ "$(jget '.referents.join()' < "$ST_TMP/k.json")" = "un:KPi.033" ] || fail "referents"
# ---- an FtM file of several datasets: a collection in the catalog, each dataset searchable ----
mkdir -p "$ST_TMP/ftmsrc"
cat > "$ST_TMP/ftmsrc/sanctions.ftm.json" <<'EOF'
{"id": "NK-abc", "schema": "Person", "properties": {"name": ["Ivan Testov"], "nationality": ["ru"], "topics": ["sanction"]}, "datasets": ["eu_fsf"]}
{"id": "gb-hmt-1", "schema": "Company", "properties": {"name": ["Acme Trading LLC"], "country": ["ru"], "topics": ["sanction", "export.control"]}, "datasets": ["gb_hmt"]}
{"id": "x y", "schema": "Person", "properties": {"name": ["Spaced Id"], "topics": ["role.pep"]}, "datasets": ["gb_hmt"]}
EOF
"$ST_BIN" update --from "$ST_TMP/ftmsrc" --data-dir "$ST_TMP/ftmdata" >/dev/null 2>&1 || fail "update from an FtM file"
srv_start F --data-dir "$ST_TMP/ftmdata" --threads 1
command curl -sf "$SRV_URL_F/catalog" > "$ST_TMP/fc.json" || fail "FtM catalog"
check catalog "$ST_TMP/fc.json"
[ "$(jget '.datasets.find(d=>d.name==="ftm").children.join()+" "+o.current.join()' < "$ST_TMP/fc.json")" = "eu_fsf,gb_hmt eu_fsf,gb_hmt" ] || fail "FtM collection"
command curl -sf "$SRV_URL_F/search/gb_hmt?facets=topics" > "$ST_TMP/fs.json" || fail "search gb_hmt"
check search "$ST_TMP/fs.json"
[ "$(jget '.total.value+" "+o.facets.topics.values.map(v=>v.name).sort().join()' < "$ST_TMP/fs.json")" = "2 export.control,role.pep,sanction" ] || fail "gb_hmt: $(cat "$ST_TMP/fs.json" | head -c 300)"
spaced=$(jget '.results.find(r=>r.referents.includes("gb_hmt:x y")).id' < "$ST_TMP/fs.json")
case "$spaced" in gb-hmt-x[0-9a-f]*) ;; *) fail "an id with a space: $spaced";; esac
[ "$(command curl -sf "$SRV_URL_F/entities/$spaced" | jget .caption)" = "Spaced Id" ] || fail "hashed id does not resolve"
[ "$(command curl -sfL "$SRV_URL_F/entities/gb_hmt:x%20y" | jget .id)" = "$spaced" ] || fail "old id with a space"
srv_stop F

# ---- the checker refuses wrong shapes: each answer above, broken one way ----
rejects() { # KIND FILE JS-MUTATION
  node -e 'const fs=require("fs"); const o=JSON.parse(fs.readFileSync(process.argv[1])); (function(){'"$3"'}).call(o); fs.writeFileSync(process.argv[2], JSON.stringify(o));' "$2" "$ST_TMP/bad.json"
  ! python3 tests/lib/yente_check.py "$1" "$ST_TMP/bad.json" >/dev/null || fail "the $1 check accepts: $3"
}
rejects search "$ST_TMP/s.json" 'delete this.offset'
rejects search "$ST_TMP/s.json" 'this.facets.countries.values[0].count=0'
rejects search "$ST_TMP/s.json" 'this.facets.topics={values:[]}'
rejects search "$ST_TMP/s.json" 'this.results[0].id="ofac:27307"'
rejects search "$ST_TMP/s.json" 'this.limit=0'
rejects catalog "$ST_TMP/c.json" 'this.datasets[1].index_current=!this.datasets[1].index_current'
rejects catalog "$ST_TMP/c.json" 'this.outdated=["un"]'
rejects catalog "$ST_TMP/c.json" 'this.datasets[0].children.push("nope")'
rejects catalog "$ST_TMP/c.json" 'this.datasets[1].updated_at="yesterday"'
rejects readyz "$ST_TMP/z.json" 'this.status=true'
rejects manifest "$ST_TMP/man.json" 'this.versions=["0.1"]'
rejects manifest "$ST_TMP/man.json" 'this.preview.url="/preview"'
rejects manifest "$ST_TMP/man.json" 'this.extend.property_settings[1].choices[0]={id:"caption",name:"x"}'
rejects manifest "$ST_TMP/man.json" 'delete this.extend.propose_properties.service_path'
rejects suggest-entity "$ST_TMP/se.json" 'this.result=[{id:"un:KPi.033",name:"x"}]'
rejects suggest-type "$ST_TMP/st.json" 'this.result=[{id:"Person"}]'
rejects suggest-property "$ST_TMP/sp.json" 'this.result[0].id="birthDate"'
rejects extend "$ST_TMP/x.json" 'this.rows["ofac-27307"].name[0]={str:"a",id:"b"}'
rejects extend "$ST_TMP/x.json" 'this.rows["ofac-27307"].banana=[]'
rejects extend "$ST_TMP/x.json" 'delete this.meta'
rejects propose "$ST_TMP/pr.json" 'this.properties[0]={id:"name"}'
rejects propose "$ST_TMP/pr.json" 'this.limit=2'
rejects entity "$ST_TMP/k.json" 'this.referents=[1]'
rejects entity "$ST_TMP/k.json" 'this.properties.sanctions[0].id="un:KPi.033-sanction"'
srv_stop Y
echo "ok: yente /match, /search (filters, paging, facets), /catalog, /readyz, /algorithms, /entities pass yente's models; OpenRefine batches, JSONP, suggest, preview and data extension pass the reconciliation schemas"
