#!/bin/sh
# rings end to end: synthetic applicants, order independence (shuffled
# input gives the same rings and ids), incremental state (two runs over a
# split input give the rings of one run, and ring ids survive), malformed
# rows reported with their line, JSON lines input, the brief.
set -eu
B=$ST_BIN
T=$ST_TMP
fail() { echo "FAIL: $*"; exit 1; }

"$B" rings --help | grep -q "sanctrace rings synth" || fail "help"
"$B" rings synth --records 3000 --seed 5 --out "$T/apps.csv" 2>/dev/null
[ "$(wc -l < "$T/apps.csv")" -eq 3001 ] || fail "synth wrote $(wc -l < "$T/apps.csv") lines"
[ "$(wc -l < "$T/apps.truth.csv")" -eq 3001 ] || fail "truth file"

# exit 1: high-risk records found
set +e
"$B" rings "$T/apps.csv" > "$T/one.json"
rc=$?
set -e
[ $rc -eq 1 ] || fail "expected exit 1 with high-risk records, got $rc"

# membership of every ring as sorted lines "ring: id id id", and the record count
rings_of() {
  python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["records"]) == d["summary"]["records"]
out = sorted(r["ring"] + ": " + " ".join(r["records"]) for r in d["rings"])
print("\n".join(out))
PY
}
partition_of() {
  python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("\n".join(sorted(" ".join(r["records"]) for r in d["rings"])))
PY
}
rings_of "$T/one.json" > "$T/one.rings"
[ -s "$T/one.rings" ] || fail "no rings found"

# shuffled input: same rings, same ids
python3 -c "
import random, sys
lines = open(sys.argv[1]).read().splitlines(True)
body = lines[1:]; random.Random(7).shuffle(body)
open(sys.argv[2], 'w').writelines(lines[:1] + body)" "$T/apps.csv" "$T/shuf.csv"
cmp -s "$T/apps.csv" "$T/shuf.csv" && fail "shuffle did nothing"
"$B" rings "$T/shuf.csv" > "$T/shuf.json" || true
rings_of "$T/shuf.json" > "$T/shuf.rings"
cmp -s "$T/one.rings" "$T/shuf.rings" || fail "shuffled input changed the rings"

# incremental: first half, then second half, with a state folder
{ head -1 "$T/shuf.csv"; sed -n '2,1500p' "$T/shuf.csv"; } > "$T/part1.csv"
{ head -1 "$T/shuf.csv"; sed -n '1501,$p' "$T/shuf.csv"; } > "$T/part2.csv"
"$B" rings --state "$T/state" "$T/part1.csv" > "$T/p1.json" || true
[ -f "$T/state/records.jsonl" ] || fail "state not written"
[ "$(wc -l < "$T/state/records.jsonl")" -eq 1499 ] || fail "state holds $(wc -l < "$T/state/records.jsonl") records"
"$B" rings --state "$T/state" "$T/part2.csv" > "$T/p2.json" || true
partition_of "$T/one.json" > "$T/one.part"
partition_of "$T/p2.json" > "$T/p2.part"
cmp -s "$T/one.part" "$T/p2.part" || fail "two incremental runs differ from one run"
# ring ids of the first run survive in the second: every record ringed in
# run 1 whose ring did not merge with another run-1 ring keeps its ring id
python3 - "$T/p1.json" "$T/p2.json" <<'PY' || fail "ring ids not stable"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
ra = {r["id"]: r["ring"] for r in a["records"] if r["ring"]}
rb = {r["id"]: r["ring"] for r in b["records"]}
kept = sum(1 for i, g in ra.items() if rb[i] == g)
assert kept >= 0.95 * len(ra), (kept, len(ra))
PY
# a third run with nothing new changes nothing
"$B" rings --state "$T/state" > "$T/p3.json" || true
partition_of "$T/p3.json" > "$T/p3.part"
cmp -s "$T/p2.part" "$T/p3.part" || fail "re-running the state changed the rings"
rings_of "$T/p2.json" > "$T/p2.rings"
rings_of "$T/p3.json" > "$T/p3.rings"
cmp -s "$T/p2.rings" "$T/p3.rings" || fail "ring ids changed on a rerun"

# two runs at once on one state folder: the second waits for the first's
# lock and builds on its records, so neither run's records are lost
"$B" rings synth --records 12000 --seed 11 --out "$T/conc.csv" 2>/dev/null
{ head -1 "$T/conc.csv"; sed -n '2,6001p' "$T/conc.csv"; } > "$T/conc1.csv"
{ head -1 "$T/conc.csv"; sed -n '6002,$p' "$T/conc.csv"; } > "$T/conc2.csv"
"$B" rings --state "$T/cstate" "$T/conc1.csv" > "$T/c1.json" 2>/dev/null &
c1=$!
"$B" rings --state "$T/cstate" "$T/conc2.csv" > "$T/c2.json" 2>/dev/null &
c2=$!
set +e
wait $c1; r1=$?
wait $c2; r2=$?
set -e
[ $r1 -le 1 ] && [ $r2 -le 1 ] || fail "concurrent runs exited $r1 and $r2"
n=$(wc -l < "$T/cstate/records.jsonl")
[ "$n" -eq 12000 ] || fail "two concurrent runs of 6000 records left $n in the state"
u=$(python3 -c "import json,sys; print(len({json.loads(l)['id'] for l in open(sys.argv[1])}))" "$T/cstate/records.jsonl")
[ "$u" -eq 12000 ] || fail "state holds $u distinct records"

# malformed rows: reported with file and line, the rest processed, exit 4
# (records not processed, nothing high-risk), and a summary on stderr
printf 'id,name,login_hours_utc\nm1,Ann,1;2\nm2,Bob,99\nm3,Cy\nm4,Dee,3\n' > "$T/bad.csv"
set +e
"$B" rings "$T/bad.csv" > "$T/bad.json" 2> "$T/bad.err"
rc=$?
set -e
[ $rc -eq 4 ] || fail "malformed rows: exit $rc"
grep -q "^sanctrace rings: $T/bad.csv: 2 records not processed (line 3: " "$T/bad.err" || fail "no summary: $(cat "$T/bad.err")"
grep -q "bad.csv:3:.*login_hours_utc" "$T/bad.err" || fail "line 3 not reported: $(cat "$T/bad.err")"
grep -q "bad.csv:4:.*fields" "$T/bad.err" || fail "line 4 not reported"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert [r['id'] for r in d['records']]==['m1','m4']" "$T/bad.json" || fail "good rows"

# JSON lines and the brief
printf '{"id":"j1","name":"Kim One","payment_account":"usdt:TQ9","phone":"+1 302 555 0101","phone_type":"voip"}\n{"id":"j2","name":"Lee Two","payment_account":"usdt:TQ9","device_id":"d1"}\n{"id":"j3","name":"Park Three","device_id":"d1","payment_account":"usdt:TQ9"}\n' > "$T/j.jsonl"
"$B" rings --format table "$T/j.jsonl" > "$T/j.txt" || true
grep -q "^RING " "$T/j.txt" || fail "brief has no ring"
grep -q "3 different personas" "$T/j.txt" || fail "brief: personas"
grep -q "payment_account" "$T/j.txt" || fail "brief: evidence"

# the sanctions indicator: only with a snapshot (UN list, KPi.001 YUN HO-JIN)
printf 'id,name,country\ns1,Yun Ho Jin,KR\ns2,Maria Gonzalez,ES\n' > "$T/sanc.csv"
"$B" rings "$T/sanc.csv" > "$T/sanc0.json" || true
grep -q '"sanctions": "not computed' "$T/sanc0.json" || fail "sanctions note without a snapshot"
mkdir -p "$T/lists"
cp "$ST_DATA/lists/un-2026-02-27/consolidated.xml" "$T/lists/"
"$B" update --from "$T/lists" --data-dir "$T/home" >/dev/null 2>&1 || fail "update"
"$B" rings --data-dir "$T/home" "$T/sanc.csv" > "$T/sanc1.json" || true
python3 - "$T/sanc1.json" <<'PY' || fail "sanctions hit"
import json, sys
d = json.load(open(sys.argv[1]))
ind = {r["id"]: [i["indicator"] for i in r["indicators"]] for r in d["records"]}
assert ind["s1"] == ["sanctions_hit"], ind
assert ind["s2"] == [], ind
assert d["summary"]["sanctions"].startswith("names screened"), d["summary"]
PY

# the second generator's deck: add part of it to a state, check the rest
# (the state files unchanged), then add it and see the same rings
python3 scripts/rings_synth2.py --records 3000 --seed 11 --out "$T/g2.jsonl" || fail "synth2"
head -2900 "$T/g2.jsonl" > "$T/g2a.jsonl"; tail -n +2901 "$T/g2.jsonl" > "$T/g2b.jsonl"
"$B" rings add --state "$T/g2st" "$T/g2a.jsonl" > /dev/null || true
sum_before=$(cat "$T/g2st/records.jsonl" "$T/g2st/rings.tsv" | sha256sum)
"$B" rings check --state "$T/g2st" "$T/g2b.jsonl" > "$T/g2check.json" || true
sum_after=$(cat "$T/g2st/records.jsonl" "$T/g2st/rings.tsv" | sha256sum)
[ "$sum_before" = "$sum_after" ] || fail "rings check changed the state"
"$B" rings add --state "$T/g2st" "$T/g2b.jsonl" > "$T/g2add.json" || true
python3 - "$T/g2check.json" "$T/g2add.json" <<'PY' || fail "check vs add"
import json, sys
c = json.load(open(sys.argv[1])); a = json.load(open(sys.argv[2]))
assert c["summary"]["checked"] == 100 and c["summary"]["state_modified"] is False, c["summary"]
ring = {r["id"]: r["ring"] for r in a["records"]}
for x in c["checks"]:
    assert x["ring"] == ring[x["id"]], (x["id"], x["ring"], ring[x["id"]])
assert "operations" in a and "infrastructure" in a and "rings" in a and "records" in a
PY
"$B" rings --format table "$T/g2.jsonl" > "$T/g2.txt" || true
head -5 "$T/g2.txt" | grep -q '^OPERATIONS - ' || fail "the brief does not lead with operations"
grep -q '^INFRASTRUCTURE - ' "$T/g2.txt" || fail "no infrastructure in the brief"

# usage errors
set +e
"$B" rings check "$T/g2b.jsonl" >/dev/null 2>&1; [ $? -eq 2 ] || fail "check without --state accepted"
"$B" rings --format xml "$T/j.jsonl" >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad format accepted"
"$B" rings /nonexistent/file.csv >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing file accepted"
set -e
echo "rings cli ok"
