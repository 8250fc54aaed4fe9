#!/bin/sh
# Monitoring on SQLite: customers stored against the January 2019 OFAC SDN
# list, then the July 2021 list arrives; alerts must name exactly the
# customers listed only in 2021 (computed from the official files by
# tests/lib/monitor_expect.sh), not those listed in both, not innocents.
set -eu
. tests/lib/server.sh
L=$ST_DATA/lists
D=$ST_TMP/data
CUST=tests/cli/data/monitor_customers.csv

"$ST_BIN" update --from "$L/ofac-sdn-2019-01" --data-dir "$D" >/dev/null
# exit 1: some customers have current hits (the baseline)
rc=0
out=$("$ST_BIN" monitor add "$CUST" --data-dir "$D") || rc=$?
echo "$out"
[ $rc -eq 1 ] || fail "monitor add with current hits exited $rc"
echo "$out" | grep -q "^16 customers stored" || fail "monitor add: $out"
# the 2019 snapshot itself raises nothing: its hits are the baseline
"$ST_BIN" monitor run --data-dir "$D"
[ -z "$("$ST_BIN" monitor alerts --format jsonl --data-dir "$D")" ] || fail "alerts before any update"

"$ST_BIN" update --from "$L/ofac-sdn-2021-07" --data-dir "$D" >/dev/null
"$ST_BIN" monitor run --data-dir "$D"
"$ST_BIN" monitor alerts --data-dir "$D"
got=$("$ST_BIN" monitor alerts --format jsonl --data-dir "$D" | jget '.customer_id' | sort -u)
want=$(sh tests/lib/monitor_expect.sh "$CUST" "$L/ofac-sdn-2019-01/sdn.csv" "$L/ofac-sdn-2021-07/sdn.csv")
[ "$got" = "$want" ] || fail "alerted customers
$got
expected
$want"
[ "$(echo "$want" | wc -l)" -eq 8 ] || fail "expected 8 affected customers"
# every alert is on an entity the 2021 list added or changed, once
n=$("$ST_BIN" monitor alerts --format jsonl --data-dir "$D" | wc -l)
u=$("$ST_BIN" monitor alerts --format jsonl --data-dir "$D" | jget '.customer_id+" "+o.entity_id' | sort -u | wc -l)
[ "$n" -eq "$u" ] || fail "duplicate alerts: $n alerts, $u distinct pairs"
# a second run of the same snapshot does nothing
"$ST_BIN" monitor run --data-dir "$D" | grep -q "already monitored" || fail "second run was not refused"
# bad customer input: named with its line, the rest stored, exit 4 (records
# not processed, no current hit)
printf 'id,name\nx1,Good Name\n,No Id\nx3,\n' > "$ST_TMP/bad.csv"
set +e
"$ST_BIN" monitor add "$ST_TMP/bad.csv" --data-dir "$D" 2>"$ST_TMP/bad.err"
rc=$?
set -e
[ $rc -eq 4 ] || fail "monitor add with bad rows exited $rc"
grep -q "bad.csv: 2 records not processed (line 3: empty id; line 4: nothing to screen" "$ST_TMP/bad.err" || fail "no summary: $(cat "$ST_TMP/bad.err")"
grep -q "bad.csv:3: empty id" "$ST_TMP/bad.err" || fail "no line for the empty id: $(cat "$ST_TMP/bad.err")"
grep -q "bad.csv:4: nothing to screen" "$ST_TMP/bad.err" || fail "no line for the empty name"
echo "ok: $n alerts for exactly the $(echo "$want" | wc -l) customers listed only in 2021"
