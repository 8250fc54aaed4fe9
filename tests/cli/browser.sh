#!/bin/sh
# The analyst page in a real browser: Debian's chromium, headless, driven
# by playwright-core (tests/browser/drive.js) against a server on loopback
# with a real snapshot (UN + OFAC SDN 2021).  Types a query, reads the
# results, opens the first, records a decision, and checks that the store
# holds it and that the page shows it on the re-screened result.  Leaves a
# screenshot in build/browser-screenshot.png.
set -eu
. tests/lib/server.sh
trap 'srv_stop S >/dev/null 2>&1 || true' EXIT
browser_ready
L=$ST_DATA/lists
D=$ST_TMP/data
"$ST_BIN" update --from "$L/un-2026-02-27" --from "$L/ofac-sdn-2021-07" --data-dir "$D" >/dev/null 2>&1
srv_start S --data-dir "$D" --threads 4
shot=${ST_BUILD:-build}/browser-screenshot.png
node tests/browser/drive.js "$SRV_URL_S/" "Ri Won Ho" "1964-07-17" "$shot" "$ST_TMP/profile" > "$ST_TMP/out.json" \
  || fail "browser session failed"
cat "$ST_TMP/out.json"
o=$ST_TMP/out.json
[ "$(jget '.results.some(r=>r.id==="un-KPi.033"&&r.score>=0.8)' < "$o")" = true ] || fail "RI WON HO (un-KPi.033) not among the results"
[ "$(jget '.results[0].matched.length>0&&o.results[0].why.length>0' < "$o")" = true ] || fail "no matched name or explanation shown"
[ "$(jget '.recordRows>=3' < "$o")" = true ] || fail "entity record not shown"
[ "$(jget '.catalogRows>=2' < "$o")" = true ] || fail "catalog not shown"
[ "$(jget '.decisionStatus.match(/Recorded decision #[0-9]+/)!==null' < "$o")" = true ] || fail "decision not confirmed"
[ "$(jget '.badge' < "$o")" = "false positive" ] || fail "decision not shown on the result"
[ "$(jget '.errors.length' < "$o")" -eq 0 ] || fail "page errors: $(jget .errors < "$o")"
first=$(jget '.results[0].id' < "$o")
# the store keeps sanctrace's id, of which the page's FtM id is the referent
stored=$(curl -sf "$SRV_URL_S/entities/$first" | jget '.referents[0]||o.id')
# the decision is in the store; without keys (loopback) its analyst is "local"
row=$(sqlite3 "$D/sanctrace.db" "select entity_id||'|'||decision||'|'||analyst||'|'||comment from decisions")
[ "$row" = "$stored|false_positive|local|different birth date and nationality" ] || fail "stored decision: $row"
[ -s "$shot" ] || fail "no screenshot"
echo "ok: browser session; decision stored for $first; screenshot $shot"
