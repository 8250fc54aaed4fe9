#!/bin/sh
# The store on a real PostgreSQL server (started here on loopback and
# stopped at the end): the store's unit tests, then monitoring with two
# `sanctrace serve` replicas sharing one database.  Both replicas update
# from the 2019 to the 2021 OFAC list on SIGHUP at the same moment; the
# alerts must name exactly the customers listed only in 2021, once each,
# and both replicas must serve the same alerts.
set -eu
. tests/lib/server.sh
. tests/lib/pg.sh
trap 'srv_stop A >/dev/null 2>&1 || true; srv_stop B >/dev/null 2>&1 || true; pg_stop' EXIT
pg_start
echo "PostgreSQL at $PG_URL"

ST_PG_URL=$PG_URL "$ST_BUILD/tests/test_server_db" || fail "store tests on PostgreSQL"
# those tests leave their tables behind; start the replicas on a fresh database
psql -q "$PG_URL" -c "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public;"

L=$ST_DATA/lists
CUST=tests/cli/data/monitor_customers.csv
for r in A B; do
  "$ST_BIN" update --from "$L/ofac-sdn-2019-01" --data-dir "$ST_TMP/$r" >/dev/null
done
# exit 1: some customers have hits at once (the baseline), which is a finding
rc=0; "$ST_BIN" monitor add "$CUST" --data-dir "$ST_TMP/A" --db "$PG_URL" || rc=$?
[ $rc -eq 1 ] || fail "monitor add exited $rc, want 1 (current hits)"
srv_start A --data-dir "$ST_TMP/A" --db "$PG_URL" --threads 2 --update-from "$L/ofac-sdn-2021-07"
srv_start B --data-dir "$ST_TMP/B" --db "$PG_URL" --threads 2 --update-from "$L/ofac-sdn-2021-07"
[ "$(curl -sf "$SRV_URL_A/alerts" | jget '.alerts.length')" -eq 0 ] || fail "alerts before the update"

kill -HUP "$SRV_PID_A" "$SRV_PID_B"
# wait until both replicas switched and monitored (one of them ran it:
# the run is claimed per snapshot version in the shared database)
for r in A B; do
  url=$(eval echo "\$SRV_URL_$r")
  i=0
  until [ "$(curl -sf "$url/catalog" | jget '.last_update.ok+" "+o.last_update.running')" = "1 false" ]; do
    i=$((i + 1)); [ $i -lt 600 ] || { cat "$ST_TMP/$r.log"; fail "replica $r did not finish its update"; }
    sleep 0.1
  done
done
cat "$ST_TMP/A.log" "$ST_TMP/B.log"
want=$(sh tests/lib/monitor_expect.sh "$CUST" "$L/ofac-sdn-2019-01/sdn.csv" "$L/ofac-sdn-2021-07/sdn.csv")
for r in A B; do
  url=$(eval echo "\$SRV_URL_$r")
  got=$(curl -sf "$url/alerts" | jget '.alerts.map(a=>a.customer_id).sort().filter((c,i,a)=>a.indexOf(c)===i).join("\n")')
  [ "$got" = "$want" ] || fail "replica $r alerts
$got
expected
$want"
done
pairs=$(curl -sf "$SRV_URL_B/alerts" | jget '.alerts.length')
distinct=$(curl -sf "$SRV_URL_B/alerts" | jget '.alerts.map(a=>a.customer_id+" "+a.entity_id).filter((c,i,l)=>l.indexOf(c)===i).length')
[ "$pairs" -eq "$distinct" ] || fail "$pairs alerts for $distinct pairs: two replicas raised the same alert"
# the CLI reads the same database
[ "$("$ST_BIN" monitor alerts --format jsonl --db "$PG_URL" | wc -l)" -eq "$pairs" ] || fail "monitor alerts --db"
# a decision recorded on one replica shows on the other
ent=$(curl -sf "$SRV_URL_A/alerts" | jget '.alerts[0].entity_id')
curl -sf -XPOST "$SRV_URL_A/decisions" -H 'Content-Type: application/json' \
  -d "{\"subject\":\"c-new-1\",\"entity_id\":\"$ent\",\"decision\":\"escalated\",\"analyst\":\"pg-test\"}" >/dev/null
[ "$(curl -sf "$SRV_URL_B/decisions?subject=c-new-1" | jget '.decisions[0].decision')" = escalated ] || fail "decision not shared"
srv_stop A
srv_stop B
echo "ok: two replicas on PostgreSQL, $pairs alerts for exactly $(echo "$want" | wc -l) customers"
