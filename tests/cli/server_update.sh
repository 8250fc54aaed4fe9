#!/bin/sh
# Updates without downtime: SIGHUP switches the server from the 2019 to
# the 2021 OFAC list; a decision on an entity the update changed is no
# longer shown as valid, one on an unchanged entity still is; a failed
# update (on SIGHUP or on the --update-every timer) keeps the snapshot and
# shows in /readyz and /catalog.  Which entities changed is read from the
# official files.
set -eu
. tests/lib/server.sh
trap 'srv_stop S >/dev/null 2>&1 || true; srv_stop T >/dev/null 2>&1 || true' EXIT
L=$ST_DATA/lists
D=$ST_TMP/data
mkdir -p "$ST_TMP/empty"
ln -s "$L/ofac-sdn-2021-07" "$ST_TMP/src"

# ent_num 7696 has the same rows in all four files in 2019 and 2021;
# 17614's sdn.csv row differs
rows() { for f in sdn.csv add.csv alt.csv sdn_comments.csv; do grep "^$2," "$L/$1/$f" | tr -d "\r" || true; done; }
[ "$(rows ofac-sdn-2019-01 7696)" = "$(rows ofac-sdn-2021-07 7696)" ] || fail "7696 changed in the files"
[ -n "$(rows ofac-sdn-2019-01 7696)" ] || fail "7696 missing"
[ "$(rows ofac-sdn-2019-01 17614)" != "$(rows ofac-sdn-2021-07 17614)" ] || fail "17614 did not change in the files"

"$ST_BIN" update --from "$L/ofac-sdn-2019-01" --data-dir "$D" >/dev/null 2>&1
srv_start S --data-dir "$D" --threads 2 --update-from "$ST_TMP/src"
U=$SRV_URL_S
v1=$(curl -sf "$U/catalog" | jget .snapshot)
decide() { # NAME ENTITY -> records a false positive for the subject NAME screens as
  s=$(curl -sf "$U/search/default?q=$1" | jget .subject)
  curl -sf -XPOST "$U/decisions" -H 'Content-Type: application/json' -d "{\"subject\":\"$s\",\"entity_id\":\"$2\",\"decision\":\"false_positive\",\"analyst\":\"t\"}" >/dev/null
}
result() { # NAME ENTITY EXPR (ENTITY as stored decisions hold it: sanctrace's id, a referent of the FtM id)
  curl -sf "$U/search/default?q=$1&limit=20" | jget ".results.filter(r=>r.referents.includes(\"$2\")).map(r=>r$3)[0]"
}
decide "Kim%20Yong%20Chol" ofac:17614
decide "Marko%20Jaksic" ofac:7696
[ "$(result "Kim%20Yong%20Chol" ofac:17614 .decision.decision)" = false_positive ] || fail "decision not shown before the update"
c1=$(curl -sf "$U/catalog" | jget .catalog.created | cut -c1-19)

sleep 1 # the next snapshot's creation time must differ from this one's, to the second
kill -HUP "$SRV_PID_S"
i=0
until [ "$(curl -sf "$U/catalog" | jget '.last_update.ok+" "+o.last_update.running')" = "1 false" ]; do
  i=$((i + 1)); [ $i -lt 600 ] || { cat "$ST_TMP/S.log"; fail "update did not finish"; }
  sleep 0.1
done
v2=$(curl -sf "$U/catalog" | jget .snapshot)
[ "$v1" != "$v2" ] || fail "snapshot not switched"
[ "$(curl -sfL "$U/entities/ofac:27307" | jget .id)" = ofac-27307 ] || fail "2021 entity not served"
# changed entity: the old decision is shown as outdated, not as a decision
[ "$(result "Kim%20Yong%20Chol" ofac:17614 .decision)" = undefined ] || fail "stale decision shown as valid"
[ "$(result "Kim%20Yong%20Chol" ofac:17614 .decision_outdated.decision)" = false_positive ] || fail "outdated decision not reported"
# unchanged entity: the decision stands
[ "$(result "Marko%20Jaksic" ofac:7696 .decision.decision)" = false_positive ] || fail "decision on unchanged entity lost"
# per-entity times carried across snapshots: first_seen stays, last_change moves only with a change
c2=$(curl -sf "$U/catalog" | jget .catalog.created | cut -c1-19)
[ "$c1" != "$c2" ] || fail "snapshots made in the same second"
ent_times() { curl -sfL "$U/entities/$1" | jget '.first_seen+" "+o.last_change'; }
[ "$(ent_times ofac:17614)" = "$c1 $c2" ] || fail "changed 17614: $(ent_times ofac:17614), want $c1 $c2"
[ "$(ent_times ofac:7696)" = "$c1 $c1" ] || fail "unchanged 7696: $(ent_times ofac:7696), want $c1 $c1"
added=$(jget '.added[0]' < "$D/current/changes.json")
[ -n "$added" ] && [ "$(ent_times "$added")" = "$c2 $c2" ] || fail "added $added: $(ent_times "$added"), want $c2 $c2"
# changed_since reads them: after the first snapshot, the changed entity is found, the unchanged one not
since=$(echo "$c1" | cut -c1-16)
[ "$(curl -sf "$U/search/default?q=Marko%20Jaksic&changed_since=$c2" | jget '.results.some(r=>r.referents.includes("ofac:7696"))')" = false ] || fail "changed_since kept an unchanged entity"
[ "$(curl -sf "$U/search/default?q=Kim%20Yong%20Chol&limit=20&changed_since=$c2" | jget '.results.some(r=>r.referents.includes("ofac:17614"))')" = true ] || fail "changed_since dropped a changed entity"
[ "$(curl -sf "$U/search/default?q=Marko%20Jaksic&changed_since=$since" | jget '.results.some(r=>r.referents.includes("ofac:7696"))')" = true ] || fail "changed_since before both dropped it"

# a failed update keeps the snapshot and says so
rm "$ST_TMP/src" && ln -s "$ST_TMP/empty" "$ST_TMP/src"
kill -HUP "$SRV_PID_S"
i=0
until [ "$(curl -sf "$U/catalog" | jget '.last_update.failed')" = 1 ]; do
  i=$((i + 1)); [ $i -lt 600 ] || fail "failed update not reported"
  sleep 0.1
done
[ "$(curl -s -o "$ST_TMP/r.json" -w '%{http_code}' "$U/readyz")" = 200 ] || fail "readyz after a failed update"
[ "$(jget .status < "$ST_TMP/r.json")" = degraded ] || fail "readyz status $(cat "$ST_TMP/r.json")"
[ -n "$(curl -sf "$U/catalog" | jget .last_update.error)" ] || fail "catalog shows no error"
[ "$(curl -sf "$U/catalog" | jget .snapshot)" = "$v2" ] || fail "snapshot changed by a failed update"
[ "$(curl -sf "$U/search/default?q=Lazarus%20Group" | jget .results[0].id)" = ofac-27307 ] || fail "not serving after a failed update"
srv_stop S

# the --update-every timer runs updates too (here: failing ones)
srv_start T --data-dir "$D" --threads 1 --update-every 1s --update-from "$ST_TMP/empty"
i=0
until [ "$(curl -sf "$SRV_URL_T/catalog" | jget '.last_update.failed>=1')" = true ]; do
  i=$((i + 1)); [ $i -lt 100 ] || fail "timer did not run an update"
  sleep 0.1
done
[ "$(curl -sf "$SRV_URL_T/readyz" | jget .snapshot)" = "$v2" ] || fail "timer update changed the snapshot"
srv_stop T
echo "ok: $v1 -> $v2 on SIGHUP; stale decision flagged; failed updates keep $v2"
