#!/bin/sh
# update refuses a list file that declares XML entities: the real UN file
# with an internal DTD declaring an external entity, used as CDi.001's
# FIRST_NAME, is an error naming the file, the line and the entity; the UN
# data of the current snapshot stays ("ERIC BADEGE", not "BADEGE").
set -u
: "${ST_BIN:?}" "${ST_TMP:?}" "${ST_DATA:?}"
fail() { echo "FAIL: $*"; exit 1; }
D=$ST_TMP/data
mkdir -p "$ST_TMP/un" "$ST_TMP/evil"
cp "$ST_DATA/lists/un-2026-02-27/consolidated.xml" "$ST_TMP/un/"
"$ST_BIN" update --from "$ST_TMP/un" --data-dir "$D" >/dev/null 2>&1 || fail "first update"
before=$(readlink "$D/current")
grep -q '"id":"un:CDi.001".*"caption":"ERIC BADEGE"' "$D/current/entities.jsonl" || fail "CDi.001 is not ERIC BADEGE"

# line 1 the XML declaration, lines 2-4 the DTD, the entity declared on line 3
{ head -n 1 "$ST_TMP/un/consolidated.xml"
  printf '<!DOCTYPE CONSOLIDATED_LIST [\n<!ENTITY e SYSTEM "file:///etc/hostname">\n]>\n'
  tail -n +2 "$ST_TMP/un/consolidated.xml" | sed '0,/<FIRST_NAME>ERIC<\/FIRST_NAME>/s//<FIRST_NAME>\&e;<\/FIRST_NAME>/'
} > "$ST_TMP/evil/consolidated.xml"
grep -q '<FIRST_NAME>&e;</FIRST_NAME>' "$ST_TMP/evil/consolidated.xml" || fail "fixture: no &e; in FIRST_NAME"

"$ST_BIN" update --from "$ST_TMP/evil" --data-dir "$D" >"$ST_TMP/out" 2>"$ST_TMP/err"
rc=$?
cat "$ST_TMP/err"
[ "$rc" -eq 2 ] || fail "exit $rc, want 2"
grep -q "evil/consolidated.xml:3: declares the external entity 'e'" "$ST_TMP/err" || fail "message names file, line and entity"
grep -q 'previous data kept' "$ST_TMP/err" || fail "says the previous data is kept"
[ "$(readlink "$D/current")" = "$before" ] || fail "current snapshot replaced"
grep -q '"id":"un:CDi.001".*"caption":"ERIC BADEGE"' "$D/current/entities.jsonl" || fail "CDi.001 lost its first name"

# with the file beside a good OFAC source: the UN source alone is refused, its data kept
mkdir -p "$ST_TMP/ofac"
cp "$ST_DATA"/lists/ofac-sdn-2021-07/*.csv "$ST_TMP/ofac/"
"$ST_BIN" update --from "$ST_TMP/evil" --from "$ST_TMP/ofac" --data-dir "$D" >"$ST_TMP/out" 2>"$ST_TMP/err"
rc=$?
[ "$rc" -ne 0 ] || fail "a refused source must not exit 0"
grep -q "consolidated.xml:3: declares the external entity 'e'" "$ST_TMP/err" || fail "mixed update: message"
grep -q '"id":"un:CDi.001".*"caption":"ERIC BADEGE"' "$D/current/entities.jsonl" || fail "mixed update: UN data lost"
echo "update_entities: ok"
