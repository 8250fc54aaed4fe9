#!/bin/sh
# Load on loopback, bounded: 3,000 requests from 32 concurrent clients
# with zero errors; 3,000 more while SIGHUP switches the snapshot from the
# 2019 to the 2021 OFAC list (more batches until the switch is done, so it
# happens under load); bad requests get their 4xx and the server stays up;
# SIGTERM in the middle of a third load finishes what is in flight, exits
# 0, and the store holds exactly one audit record per screening answered.
set -eu
. tests/lib/server.sh
trap 'srv_stop S >/dev/null 2>&1 || true' EXIT
L=$ST_DATA/lists
D=$ST_TMP/data
"$ST_BIN" update --from "$L/ofac-sdn-2019-01" --data-dir "$D" >/dev/null 2>&1
ln -s "$L/ofac-sdn-2021-07" "$ST_TMP/src"
cut -d, -f2 tests/cli/data/monitor_customers.csv | tail -n +2 > "$ST_TMP/names.txt"
srv_start S --data-dir "$D" --threads 8 --update-from "$ST_TMP/src"
U=$SRV_URL_S
answered=0
# the sanitizer build is several times slower: the same phases, fewer requests
N=3000; [ "${MODE:-release}" = asan ] && N=1000

check() { # LOADJSON: no transport error, every answer 200
  [ "$(jget '.transport_errors' < "$1")" -eq 0 ] || fail "transport errors: $(cat "$1")"
  [ "$(jget '.status&&Object.keys(o.status).join()' < "$1")" = 200 ] || fail "non-200 answers: $(cat "$1")"
  answered=$((answered + $(jget .screening_ok < "$1")))
}

node tests/lib/load.js "$U" $N 32 keepalive "$ST_TMP/names.txt" > "$ST_TMP/l1.json"
cat "$ST_TMP/l1.json"
check "$ST_TMP/l1.json"

v1=$(curl -sf "$U/catalog" | jget .snapshot)
kill -HUP "$SRV_PID_S"
node tests/lib/load.js "$U" $N 32 keepalive "$ST_TMP/names.txt" > "$ST_TMP/l2.json"
cat "$ST_TMP/l2.json"
check "$ST_TMP/l2.json"
b=0
until [ "$(curl -sf "$U/catalog" | jget '.last_update.ok+" "+o.last_update.running')" = "1 false" ]; do
  b=$((b + 1)); [ $b -lt 100 ] || fail "update did not finish under load"
  node tests/lib/load.js "$U" 500 32 keepalive "$ST_TMP/names.txt" > "$ST_TMP/l2b.json"
  check "$ST_TMP/l2b.json"
done
v2=$(curl -sf "$U/catalog" | jget .snapshot)
[ "$v1" != "$v2" ] || fail "snapshot not switched"
echo "switched $v1 -> $v2 under load ($b extra batches)"

for body in '{"queries": {' '{"queries": []}' '[]' ''; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$U/match/default" -H 'Content-Type: application/json' --data-binary "$body")
  case $code in 400|422) ;; *) fail "bad body '$body' -> $code" ;; esac
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$U/match/default")" = 405 ] || fail "GET /match"
[ "$(curl -sf "$U/healthz" | jget .status)" = ok ] || fail "down after bad requests"

# SIGTERM under load: new connections each request, so every request is
# either refused or answered in full
node tests/lib/load.js "$U" 30000 32 close "$ST_TMP/names.txt" > "$ST_TMP/l3.json" &
lp=$!
sleep 1.5
kill -TERM "$SRV_PID_S"
rc=0
wait "$SRV_PID_S" || rc=$?
SRV_PID_S=
wait $lp
cat "$ST_TMP/l3.json"
[ $rc -eq 0 ] || fail "server exited $rc on SIGTERM"
[ "$(jget '.status["200"]>0' < "$ST_TMP/l3.json")" = true ] || fail "nothing answered before SIGTERM"
[ "$(jget '.status&&Object.keys(o.status).join()' < "$ST_TMP/l3.json")" = 200 ] || fail "non-200 during shutdown"
answered=$((answered + $(jget .screening_ok < "$ST_TMP/l3.json")))
n=$("$ST_BIN" audit count --data-dir "$D")
tail -n 3 "$ST_TMP/S.log"
[ "$n" -eq "$answered" ] || fail "$n audit records for $answered screenings answered"
echo "ok: zero errors under load and across the switch; $n audit records = $answered screenings answered"
