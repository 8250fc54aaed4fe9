#!/bin/sh
# Who may do what with the server's store, and who may read it:
# - keys carry a name and a role: a read key screens but neither records
#   nor reads decisions (403); an analyst key's decision names the key,
#   whatever "analyst" the body claims; the audit trail names the key;
#   without keys (loopback) the analyst is "local";
# - decision subjects differ when only the country differs;
# - two `monitor add` at once keep every customer;
# - every store sanctrace writes is 0700 / 0600 under umask 022 (data dir,
#   snapshots, SQLite store with -wal/-shm, rings state, chain store);
# - a read-only copy: `update` says the directory is not writable, and
#   `audit count|export`, `keys list` read it.  Tests run as root, which
#   ignores permission bits: the copy is made read-only by a read-only bind
#   mount (unshare -m), else by running as nobody over a copy it cannot
#   write; the probe below checks that the copy really refuses writes.
set -eu
. tests/lib/server.sh
trap 'srv_stop A >/dev/null 2>&1 || true; srv_stop L >/dev/null 2>&1 || true' EXIT
umask 022
L=$ST_DATA/lists
D=$ST_TMP/data
"$ST_BIN" update --from "$L/un-2026-02-27" --data-dir "$D" >/dev/null 2>&1

mode() { stat -c %a "$1"; }
private_tree() { # every directory 700 and every file 600 under $1
  bad=$(find "$1" \( -type d ! -perm 700 \) -o \( -type f ! -perm 600 \) | head -n 5)
  [ -z "$bad" ] || fail "not private under $1: $(for f in $bad; do echo "$f $(mode "$f")"; done)"
}

# ---- keys with roles ----
rkey=$("$ST_BIN" serve keys add reader --role read --data-dir "$D" 2>/dev/null) || fail "keys add --role read"
akey=$("$ST_BIN" serve keys add alice --role analyst --data-dir "$D" 2>/dev/null) || fail "keys add --role analyst"
akid=$(echo "$akey" | cut -d_ -f2)
"$ST_BIN" serve keys add x --role root --data-dir "$D" >/dev/null 2>&1 && fail "an unknown role was accepted"
"$ST_BIN" serve keys list --data-dir "$D" | grep -q "^$akid *alice *analyst " || fail "keys list: $("$ST_BIN" serve keys list --data-dir "$D")"
srv_start A --data-dir "$D" --threads 2 --auth on
U=$SRV_URL_A
as() { k=$1; shift; curl -s -H "Authorization: ApiKey $k" -H 'Content-Type: application/json' "$@"; }

subject=$(as "$rkey" "$U/search/default?q=RI%20WON%20HO" | jget .subject)
[ -n "$subject" ] && [ "$subject" != undefined ] || fail "a read key cannot search"
body="{\"subject\":\"$subject\",\"entity_id\":\"un:KPi.033\",\"decision\":\"confirmed\",\"comment\":\"c\",\"analyst\":\"mallory\"}"
[ "$(as "$rkey" -o /dev/null -w '%{http_code}' -XPOST "$U/decisions" -d "$body")" = 403 ] || fail "a read key recorded a decision"
[ "$(as "$rkey" -o /dev/null -w '%{http_code}' "$U/decisions")" = 403 ] || fail "a read key read the decisions"
as "$akey" -XPOST "$U/decisions" -d "$body" > "$ST_TMP/d.json"
[ "$(jget .analyst < "$ST_TMP/d.json")" = alice ] || fail "decision analyst: $(cat "$ST_TMP/d.json")"
as "$akey" "$U/decisions" > "$ST_TMP/ds.json"
[ "$(jget '.decisions.length' < "$ST_TMP/ds.json")" = 1 ] || fail "decisions: $(cat "$ST_TMP/ds.json")"
[ "$(jget '.decisions[0].analyst' < "$ST_TMP/ds.json")" = alice ] || fail "body analyst spoofed the key's name"
[ "$(jget '.decisions[0].key_id' < "$ST_TMP/ds.json")" = "$akid" ] || fail "decision without its key id"
[ "$(as "$akey" "$U/entities/un-KPi.033" | jget '.decisions[0].analyst')" = alice ] || fail "entity decisions"
# the read key screens the same subject without seeing the decision
[ "$(as "$rkey" "$U/search/default?q=RI%20WON%20HO" | jget '.results.some(r=>r.decision)')" = false ] || fail "a read key saw a decision"
[ "$(as "$rkey" "$U/entities/un-KPi.033" | jget '.decisions.length')" = 0 ] || fail "a read key saw entity decisions"
[ "$(as "$akey" "$U/search/default?q=RI%20WON%20HO" | jget '.results.some(r=>r.decision)')" = true ] || fail "decision not shown to the analyst"
# a subject differing only in country is another subject
s_kp=$(as "$akey" "$U/search/default?q=RI%20WON%20HO&country=kp" | jget .subject)
s_cn=$(as "$akey" "$U/search/default?q=RI%20WON%20HO&country=cn" | jget .subject)
[ "$s_kp" != "$s_cn" ] && [ "$s_kp" != "$subject" ] || fail "country does not change the subject: $s_kp $s_cn"
srv_stop A
"$ST_BIN" audit export --data-dir "$D" > "$ST_TMP/audit.csv"
tr -d '\r' < "$ST_TMP/audit.csv" | grep -q ",$akid,search,.*,alice\$" || fail "audit does not name the key: $(tail -n 2 "$ST_TMP/audit.csv")"

# ---- loopback without keys: the analyst is "local" ----
srv_start L --data-dir "$D" --threads 2
curl -s -H 'Content-Type: application/json' -XPOST "$SRV_URL_L/decisions" -d "$body" > "$ST_TMP/dl.json"
[ "$(jget .analyst < "$ST_TMP/dl.json")" = local ] || fail "local decision analyst: $(cat "$ST_TMP/dl.json")"
srv_stop L

# ---- two monitor adds at once keep every customer ----
{ echo id,name; i=0; while [ $i -lt 150 ]; do echo "a$i,Customer Alpha $i"; i=$((i + 1)); done; } > "$ST_TMP/c1.csv"
{ echo id,name; i=0; while [ $i -lt 150 ]; do echo "b$i,Customer Beta $i"; i=$((i + 1)); done; } > "$ST_TMP/c2.csv"
# on a store not made yet (both create it), then on the existing one
M=$ST_TMP/mon
mkdir "$M"
cp -a "$D/snapshots" "$D/current" "$M/"
for round in 1 2; do
  "$ST_BIN" monitor add "$ST_TMP/c1.csv" --data-dir "$M" > "$ST_TMP/m1.out" 2>&1 &
  m1=$!
  "$ST_BIN" monitor add "$ST_TMP/c2.csv" --data-dir "$M" > "$ST_TMP/m2.out" 2>&1 &
  m2=$!
  wait $m1 || fail "monitor add 1 (round $round): $(cat "$ST_TMP/m1.out")"
  wait $m2 || fail "monitor add 2 (round $round): $(cat "$ST_TMP/m2.out")"
  [ "$(sqlite3 "$M/sanctrace.db" "select count(*) from customers")" -eq 300 ] || fail "concurrent monitor adds lost customers"
done

# ---- modes under umask 022 ----
[ "$(mode "$D")" = 700 ] || fail "data dir is $(mode "$D")"
private_tree "$D"
for f in "$D/sanctrace.db" "$D/sanctrace.db-wal" "$D/sanctrace.db-shm"; do
  [ ! -e "$f" ] || [ "$(mode "$f")" = 600 ] || fail "$f is $(mode "$f")"
done
"$ST_BIN" rings synth --records 200 --seed 3 --out "$ST_TMP/apps.csv" 2>/dev/null
"$ST_BIN" rings --state "$ST_TMP/rstate" "$ST_TMP/apps.csv" >/dev/null || true
private_tree "$ST_TMP/rstate"
"$ST_BIN" chain ingest --db "$ST_TMP/chain" "$ST_DATA/chain/regtest-blocksci/btc/blk00000.dat" >/dev/null
private_tree "$ST_TMP/chain"

# ---- a read-only copy ----
R=$ST_TMP/ro
cp -a "$D" "$R"
rm -f "$R/sanctrace.db-wal" "$R/sanctrace.db-shm" # a copy of the file alone, as one hands it over
run_ro=""
if unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && ! touch "$1/probe" 2>/dev/null' sh "$R" 2>/dev/null; then
  run_ro=mount
elif command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
  chmod 711 "$ST_TMP"
  chown -R nobody "$R"
  chmod -R a-w "$R"
  if setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups sh -c '! touch "$1/probe" 2>/dev/null && test -r "$1/sanctrace.db"' sh "$R"; then
    run_ro=nobody
  fi
fi
ro() { # run a command with $R read-only
  if [ $run_ro = mount ]; then
    unshare -m sh -c 'd=$1; shift; mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" && exec "$@"' sh "$R" "$@"
  else
    setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
  fi
}
if [ -z "$run_ro" ]; then
  echo "SKIP: no way to make a read-only copy here (no bind mount, no unprivileged user)"
else
  echo "read-only copy by: $run_ro"
  n=$("$ST_BIN" audit count --data-dir "$D")
  [ "$(ro "$ST_BIN" audit count --data-dir "$R")" = "$n" ] || fail "audit count on a read-only copy"
  [ "$(ro "$ST_BIN" audit export --data-dir "$R" 2>/dev/null | grep -c ',search,')" -ge 1 ] || fail "audit export on a read-only copy"
  ro "$ST_BIN" serve keys list --data-dir "$R" | grep -q "alice *analyst" || fail "keys list on a read-only copy"
  set +e
  ro "$ST_BIN" update --from "$L/un-2026-02-27" --data-dir "$R" >/dev/null 2>"$ST_TMP/ro.err"
  rc=$?
  set -e
  [ $rc -eq 2 ] || fail "update on a read-only copy exited $rc"
  grep -q "not writable: \(Read-only file system\|Permission denied\)" "$ST_TMP/ro.err" || fail "update blamed: $(tail -n 2 "$ST_TMP/ro.err")"
  grep -q "another update" "$ST_TMP/ro.err" && fail "update blamed a lock holder"
  [ ! -e "$R/probe" ] || fail "the copy was writable"
fi
echo "ok: roles, key names on decisions and audit, subjects, concurrent monitor adds, modes, read-only copy"
