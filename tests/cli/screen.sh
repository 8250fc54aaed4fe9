#!/bin/sh
# screen, end to end: a real snapshot from the official files, then the
# Korean cases of the issue, wallets, file input with bad records, every
# output format, and the errors a user can hit.
set -eu
: "${ST_BIN:?}" "${ST_TMP:?}" "${ST_DATA:?}"
fail() { echo "FAIL: $*"; exit 1; }
src=$ST_TMP/src; home=$ST_TMP/home; mkdir -p "$src"
cp "$ST_DATA"/lists/un-2026-02-27/consolidated.xml "$ST_DATA"/lists/ofac-sdn-2021-07/*.csv "$src"/
"$ST_BIN" update --from "$src" --data-dir "$home" >/dev/null || fail "update"
S() { "$ST_BIN" screen --data-dir "$home" "$@"; }
# has_match JSONL ENTITY: the entity is among the matches with match=true
has_match() {
  echo "$1" | python3 -c 'import json,sys
m=json.loads(sys.stdin.readline())["matches"]
sys.exit(0 if any(x["entity"]==sys.argv[1] and x["match"] for x in m) else 1)' "$2"
}
any_match() {
  echo "$1" | python3 -c 'import json,sys
m=json.loads(sys.stdin.readline())["matches"]
sys.exit(0 if any(x["match"] for x in m) else 1)'
}

# The listed person (UN KPi.076, RI PYONG CHUL) under South Korean and MR spellings and in Hangul.
for q in "Ri Pyong Chol" "Lee Byeong-cheol" "Yi Byung Chul" "리병철" "RI Pyŏng-ch'ŏl"; do
  out=$(S --format jsonl --name "$q" --schema Person || true)
  has_match "$out" un:KPi.076 || fail "'$q' should match un:KPi.076: $out"
done
# A South Korean from Seoul is not KIM JONG MAN of Pyongyang.
out=$(S --format jsonl --name "Kim Jae-min" --nationality "South Korea" --schema Person || true)
any_match "$out" && fail "Kim Jae-min must not match: $out"
# Exit status: 1 when something matched, 0 when nothing did.
S --name "Lee Byeong-cheol" >/dev/null && fail "exit status should be 1 on a match"
S --name "Zzyzx Qwerty Plonk" >/dev/null || fail "exit status should be 0 with no match"

# A wallet from the OFAC remarks.
w=$(grep -o 'Digital Currency Address - XBT [0-9A-Za-z]*' "$ST_DATA"/lists/ofac-sdn-2021-07/sdn.csv | head -1 | awk '{print $NF}')
ent=$(grep "Digital Currency Address - XBT $w" "$ST_DATA"/lists/ofac-sdn-2021-07/sdn.csv | head -1 | cut -d, -f1)
out=$(S --format jsonl --wallet "$w" || true)
has_match "$out" "ofac:$ent" || fail "wallet $w should hit ofac:$ent: $out"
echo "$out" | grep -q '"score": *1\.0*[,}]' || fail "wallet hits score 1.0: $out"

# File input: CSV with a header, unknown columns ignored, a record with nothing to screen.
cat >"$ST_TMP/in.csv" <<CSV
id,name,unused,nationality,birth_date
a1,Lee Byeong-cheol,x,,
a2,,y,,
a3,Maria Gonzalez,z,ES,1979
CSV
out=$(S --format jsonl "$ST_TMP/in.csv" || true)
[ "$(echo "$out" | wc -l)" -eq 3 ] || fail "one output line per input record: $out"
echo "$out" | sed -n 2p | grep -q '"error": *"nothing to screen' || fail "a2 has an error entry: $out"
has_match "$(echo "$out" | sed -n 1p)" un:KPi.076 || fail "a1 matches: $out"
# The same as JSON lines, and as CSV and table output.
printf '{"id": "j1", "name": "Yi Byung Chul"}\n{"id": "j2", "name": {"x": 1}}\nnot json\n' >"$ST_TMP/in.jsonl"
out=$(S --format jsonl "$ST_TMP/in.jsonl" || true)
[ "$(echo "$out" | wc -l)" -eq 3 ] || fail "jsonl: one line per record: $out"
echo "$out" | sed -n 2p | grep -q '"error"' || fail "jsonl: a non-string name gets an error: $out"
echo "$out" | sed -n 3p | grep -q '"error"' || fail "jsonl: a bad line gets an error: $out"
S --format csv "$ST_TMP/in.csv" | head -1 | grep -q '^id,rank,entity,score' || fail "csv header"
S "$ST_TMP/in.csv" | grep -q 'MATCH' || fail "table output"
# Threads do not change the answer.
cp "$ST_TMP/in.csv" "$ST_TMP/many.csv"
for i in $(seq 1 200); do echo "m$i,Ri Pyong Chol $i,,,"; done >>"$ST_TMP/many.csv"
a=$(S --threads 1 --format jsonl "$ST_TMP/many.csv" | md5sum); b=$(S --threads 4 --format jsonl "$ST_TMP/many.csv" | md5sum)
[ "$a" = "$b" ] || fail "output depends on the thread count"

# Errors a user can hit: no snapshot, a header without a name column, a bad option.
"$ST_BIN" screen --data-dir "$ST_TMP/nowhere" --name x 2>"$ST_TMP/err" && fail "no snapshot must fail"
grep -q 'sanctrace' "$ST_TMP/err" || fail "no snapshot: message"
printf 'foo,bar\n1,2\n' >"$ST_TMP/bad.csv"
S "$ST_TMP/bad.csv" 2>"$ST_TMP/err" && fail "header without name must fail"
grep -q "bad.csv:1:" "$ST_TMP/err" || fail "header error names file and line: $(cat "$ST_TMP/err")"
S --format xml --name x 2>/dev/null && fail "bad --format must fail"
# An empty file is an error naming it; a header with no records screens nothing.
: >"$ST_TMP/empty.csv"
S "$ST_TMP/empty.csv" 2>"$ST_TMP/err" && fail "an empty file must fail"
grep -q "empty.csv" "$ST_TMP/err" || fail "empty file: message names the file: $(cat "$ST_TMP/err")"
printf 'id,name\n' >"$ST_TMP/header.csv"
out=$(S --format jsonl "$ST_TMP/header.csv") || fail "a header-only file is not an error"
[ -z "$out" ] || fail "a header-only file gives no output: $out"
# A second run on the same snapshot gives the same answer.
a=$(S --format jsonl "$ST_TMP/in.csv" | md5sum); b=$(S --format jsonl "$ST_TMP/in.csv" | md5sum)
[ "$a" = "$b" ] || fail "two runs differ"
echo "screen: ok"
