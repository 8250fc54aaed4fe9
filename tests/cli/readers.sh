#!/bin/sh
# The readers' shared rule, end to end: one malformed record in a customer
# file costs that record only, in screen, rings and monitor add alike; it is
# named on stderr (also when the output goes to a file); and the exit status
# tells "records not processed" (4) apart from "found something" (1).
# Also: duplicate customer ids refused by monitor add, and CSV outputs that
# cannot smuggle a formula into a spreadsheet.
set -eu
: "${ST_BIN:?}" "${ST_TMP:?}" "${ST_DATA:?}"
fail() { echo "FAIL: $*"; exit 1; }
T=$ST_TMP
home=$T/home
"$ST_BIN" update --from "$ST_DATA/lists/ofac-sdn-2021-07" --data-dir "$home" >/dev/null 2>&1 || fail "update"

# The issue's file: 1,000 customers (lines 2..1001), an unterminated quote on
# line 10, KIM, Jong Un (OFAC 20157) on line 500, invented names elsewhere.
gen() { # gen FILE BADLINE KIMLINE  (0: none)
  awk -v bad="$2" -v kim="$3" 'BEGIN {
    print "id,name,country"; split("Abel Bora Cyan Dovo Esk Fenn Gulo Hask Ivo Jure", a, " ")
    for (l = 2; l <= 1001; l++) {
      i = l - 1; id = sprintf("c%04d", l)
      nm = sprintf("Zorblax %s%s%s Quimbleton", a[int(i / 100) % 10 + 1], a[int(i / 10) % 10 + 1], tolower(a[i % 10 + 1]))
      if (l == bad) printf "%s,\"%s,US\n", id, nm
      else if (l == kim) printf "%s,Kim Jong Un,KP\n", id
      else printf "%s,%s,US\n", id, nm
    } }' > "$1"
}
gen "$T/cust.csv" 10 500
summary="$T/cust.csv: 1 record not processed (line 10: unterminated quoted field)"

# ---- screen -----------------------------------------------------------------
set +e
"$ST_BIN" screen --data-dir "$home" --format jsonl "$T/cust.csv" >"$T/out.jsonl" 2>"$T/err"
rc=$?
set -e
[ $rc -eq 5 ] || fail "screen: exit $rc, want 5 (a match and a record not processed)"
grep -qxF "sanctrace screen: $summary" "$T/err" || fail "screen: stderr: $(cat "$T/err")"
[ "$(wc -l <"$T/out.jsonl")" -eq 1000 ] || fail "screen: $(wc -l <"$T/out.jsonl") output records, want 1000"
[ "$(grep -vc '"error"' "$T/out.jsonl")" -eq 999 ] || fail "screen: not 999 customers screened"
sed -n 9p "$T/out.jsonl" | grep -q '^{"id":"line:10","error":"unterminated quoted field"' || fail "screen: line 10 entry: $(sed -n 9p "$T/out.jsonl")"
sed -n 10p "$T/out.jsonl" | grep -q '^{"id":"c0011",' || fail "screen: the record after the bad one"
grep '^{"id":"c0500",' "$T/out.jsonl" | grep -q '"entity":"ofac:20157","score":[0-9.]*,"match":true' || fail "screen: the match on line 500 was not reported"
[ "$(grep -c '"match":true' "$T/out.jsonl")" -eq 1 ] || fail "screen: matches other than line 500"
# the table to a file: the same summary and status
set +e
"$ST_BIN" screen --data-dir "$home" "$T/cust.csv" >"$T/out.txt" 2>"$T/err"
rc=$?
set -e
[ $rc -eq 5 ] || fail "screen table: exit $rc"
grep -qxF "sanctrace screen: $summary" "$T/err" || fail "screen table: stderr: $(cat "$T/err")"
# each status on its own: 0 nothing found, 1 a match, 4 a record not processed
gen "$T/clean.csv" 0 0; gen "$T/kim.csv" 0 500; gen "$T/bad.csv" 10 0
for f in clean:0 kim:1 bad:4; do
  set +e
  "$ST_BIN" screen --data-dir "$home" "$T/${f%:*}.csv" >/dev/null 2>"$T/err"
  rc=$?
  set -e
  [ $rc -eq "${f#*:}" ] || fail "screen ${f%:*}.csv: exit $rc, want ${f#*:}"
done
[ -s "$T/err" ] || fail "screen bad.csv: nothing on stderr"
# JSON lines: a bad line is reported and skipped, the next one read
printf '{"id":"j1","name":"Zorblax Quimbleton"}\n{"id":"j2","name":"Kim\n{"id":"j3","name":"Kim Jong Un"}\n' >"$T/in.jsonl"
set +e
"$ST_BIN" screen --data-dir "$home" --format jsonl "$T/in.jsonl" >"$T/out.jsonl" 2>"$T/err"
rc=$?
set -e
[ $rc -eq 5 ] || fail "screen jsonl: exit $rc"
grep -q "^sanctrace screen: $T/in.jsonl: 1 record not processed (line 2: invalid JSON" "$T/err" || fail "screen jsonl: stderr: $(cat "$T/err")"
sed -n 3p "$T/out.jsonl" | grep -q '"id":"j3".*"match":true' || fail "screen jsonl: j3"

# ---- rings ------------------------------------------------------------------
set +e
"$ST_BIN" rings "$T/cust.csv" >"$T/rings.json" 2>"$T/err"
rc=$?
set -e
[ $rc -eq 5 ] || fail "rings: exit $rc, want 5 (a high-risk record, KP, and a record not processed)"
grep -q "cust.csv:10: unterminated quoted field" "$T/err" || fail "rings: line 10 not named: $(cat "$T/err")"
grep -qxF "sanctrace rings: $summary" "$T/err" || fail "rings: summary: $(cat "$T/err")"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["summary"]["records"] == 999, d["summary"]
assert d["summary"]["rejected_rows"] == 1, d["summary"]
assert len(d["records"]) == 999' "$T/rings.json" || fail "rings: not 999 records"

# ---- monitor add ------------------------------------------------------------
set +e
"$ST_BIN" monitor add "$T/cust.csv" --data-dir "$home" >"$T/out" 2>"$T/err"
rc=$?
set -e
[ $rc -eq 5 ] || fail "monitor add: exit $rc, want 5 (a current hit and a record not processed)"
grep -q "^999 customers stored, 1 current hits" "$T/out" || fail "monitor add: $(cat "$T/out")"
grep -qxF "sanctrace monitor add: $summary" "$T/err" || fail "monitor add: stderr: $(cat "$T/err")"
stored() { python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(" ".join(r[0] for r in c.execute("SELECT id FROM customers WHERE id IN (" + ",".join("?" * (len(sys.argv) - 2)) + ") ORDER BY id", sys.argv[2:])))' "$home/sanctrace.db" "$@"; }
[ "$(stored c0009 c0010 c0011 c0500 c1001)" = "c0009 c0011 c0500 c1001" ] || fail "monitor add: stored $(stored c0009 c0010 c0011 c0500 c1001)"
count() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM customers").fetchone()[0])' "$home/sanctrace.db"; }
[ "$(count)" -eq 999 ] || fail "monitor add: $(count) customers in the store"

# Two rows with one id: refused, both lines named, nothing stored.
printf 'id,name\nd1,Zorblax One\nd2,Kim Jong Un\nd1,Zorblax Two\n' >"$T/dup.csv"
set +e
"$ST_BIN" monitor add "$T/dup.csv" --data-dir "$home" >"$T/out" 2>"$T/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "monitor add with a duplicate id: exit $rc"
grep -q "dup.csv:4: customer id 'd1' is on line 2 and on line 4" "$T/err" || fail "duplicate id: $(cat "$T/err")"
[ "$(count)" -eq 999 ] || fail "duplicate id: something was stored"
[ -z "$(stored d1 d2)" ] || fail "duplicate id: stored $(stored d1 d2)"
# the same in JSON lines
printf '{"id":"d1","name":"A"}\n{"id":"d1","name":"B"}\n' >"$T/dup.jsonl"
set +e
"$ST_BIN" monitor add "$T/dup.jsonl" --data-dir "$home" >/dev/null 2>"$T/err"
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "on line 1 and on line 2" "$T/err" || fail "duplicate id in JSON lines: exit $rc: $(cat "$T/err")"

# ---- CSV outputs and formula injection --------------------------------------
# An input id a spreadsheet would run comes out as text: a leading ' inside
# the quoted field (OWASP); program-written numbers are left alone.
cat >"$T/inj.csv" <<'CSV'
id,name
"=HYPERLINK(""http://x"",""y"")",Zorblax Quimbleton
@SUM(A1),Kim Jong Un
CSV
set +e
"$ST_BIN" screen --data-dir "$home" --format csv "$T/inj.csv" >"$T/inj.out" 2>"$T/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "screen csv: exit $rc: $(cat "$T/err")"
grep -qF '"'"'"'=HYPERLINK(""http://x"",""y"")",0,' "$T/inj.out" || fail "screen csv: =HYPERLINK not neutralised: $(cat "$T/inj.out")"
grep -qF '"'"'"'@SUM(A1)",1,ofac:20157,' "$T/inj.out" || fail "screen csv: @SUM not neutralised: $(cat "$T/inj.out")"
grep -q '^=\|,=\|^@\|,@' "$T/inj.out" && fail "screen csv: a field starts with = or @: $(cat "$T/inj.out")"
# audit export: a subject that came in with a request
"$ST_BIN" audit count --data-dir "$home" >/dev/null
python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT INTO audit (ts, key_id, endpoint, subject, snapshot, input, results) VALUES (?,?,?,?,?,?,?)",
          ("2024-01-02T03:04:05Z", "", "match", "=HYPERLINK(\"http://x\",\"y\")", "v1", "+cmd|x", "-2+3"))
c.commit()' "$home/sanctrace.db"
"$ST_BIN" audit export --from 2024-01-02 --to 2024-01-02 --data-dir "$home" -o "$T/audit.csv" 2>/dev/null
grep -qF ',match,"'"'"'=HYPERLINK(""http://x"",""y"")",v1,"'"'"'+cmd|x","'"'"'-2+3"' "$T/audit.csv" || fail "audit export: $(cat "$T/audit.csv")"
echo "readers: ok"
