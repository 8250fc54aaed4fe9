#!/bin/sh
# sanctrace compare / eval-deck end to end: scores, match flags and the
# explanation in both formats, the pair benchmark report, usage errors.
set -e
fail() { echo "FAIL: $*"; exit 1; }
out=$("$ST_BIN" compare --format json "Ri Pyong Chol" "Lee Byeong-cheol")
echo "$out" | grep -q '"match": true' || fail "Ri Pyong Chol / Lee Byeong-cheol should match: $out"
echo "$out" | grep -q '"how": "korean-syllable"' || fail "explanation lacks korean-syllable: $out"
out=$("$ST_BIN" compare --format json "KIM JONG UN" "KIM JONG SIK")
echo "$out" | grep -q '"match": false' || fail "KIM JONG UN / KIM JONG SIK must not match: $out"
out=$("$ST_BIN" compare --schema Company "OAO Gazprom" "Open Joint Stock Company Gazprom")
echo "$out" | grep -q "MATCH" || fail "OAO Gazprom table: $out"
echo "$out" | grep -q "gazprom" || fail "table lacks tokens: $out"
out=$("$ST_BIN" compare "리병철" "RI, Pyong Chol")
echo "$out" | grep -q "score  : 1.000" || fail "Hangul vs DPRK spelling: $out"
# the pair benchmark: a report with the ALL line and a best-threshold line
out=$("$ST_BIN" compare --pairs "$ST_DATA/names/name-pairs-bench.csv")
echo "$out" | grep -q "^ALL  *826 " || fail "pair report: $out"
echo "$out" | grep -q "best F1" || fail "pair report lacks best F1: $out"
# a bad pair file is reported with its name; usage errors exit 2
printf 'a,b\n1,2\n' > "$ST_TMP/bad.csv"
if "$ST_BIN" compare --pairs "$ST_TMP/bad.csv" 2>"$ST_TMP/err"; then fail "bad header accepted"; fi
grep -q "bad.csv:1" "$ST_TMP/err" || fail "error lacks file and line: $(cat "$ST_TMP/err")"
set +e
"$ST_BIN" compare "only one" >/dev/null 2>&1; [ $? -eq 2 ] || fail "one name should be a usage error"
"$ST_BIN" compare --schema Martian a b >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown schema accepted"
"$ST_BIN" compare --help | grep -q "usage" || fail "--help"
"$ST_BIN" eval-deck --help | grep -q "usage" || fail "eval-deck --help"
"$ST_BIN" bench-names --help | grep -q "usage" || fail "bench-names --help"
set -e
# eval-deck on a small names file: deterministic figures in range
printf 'RI PYONG CHOL\nKIM JONG UN\nCHOE RYONG HAE\n' > "$ST_TMP/names.txt"
out=$("$ST_BIN" eval-deck --names "$ST_TMP/names.txt" --innocents 200)
echo "$out" | grep -q "recall: 1.000 (33 of 33" || fail "eval-deck: $out"
echo ok
