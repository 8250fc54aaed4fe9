#!/bin/sh
# screen across scripts: listed DPRK officials written in Hanja, Hangul,
# katakana, Cyrillic and European spellings (tests/cli/data/
# names_scripts_realworld.tsv, written by hand from encyclopedia and media
# renderings) are found against the real UN + OFAC lists, and common
# Chinese, Japanese, Russian and Korean names raise no match.
set -eu
: "${ST_BIN:?}" "${ST_TMP:?}" "${ST_DATA:?}"
fail() { echo "FAIL: $*"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
src=$ST_TMP/src; home=$ST_TMP/home; mkdir -p "$src"
cp "$ST_DATA"/lists/un-2026-02-27/consolidated.xml "$ST_DATA"/lists/ofac-sdn-2021-07/*.csv "$src"/
"$ST_BIN" update --from "$src" --data-dir "$home" >/dev/null 2>&1 || fail "update"

# One screening run over the whole file (CSV input, JSON lines out).
python3 - "$here/data/names_scripts_realworld.tsv" "$ST_TMP/in.csv" <<'PY'
import csv, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8") if l.strip() and not l.startswith("#")]
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "name", "schema"])
    for i, r in enumerate(rows):
        w.writerow([i, r[1], "Person"])
PY
"$ST_BIN" screen --data-dir "$home" --format jsonl "$ST_TMP/in.csv" >"$ST_TMP/out.jsonl" || [ $? -eq 1 ] || fail "screen"
python3 - "$here/data/names_scripts_realworld.tsv" "$ST_TMP/out.jsonl" <<'PY' || fail "real-world renderings"
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8") if l.strip() and not l.startswith("#")]
got = {}
for line in open(sys.argv[2], encoding="utf-8"):
    d = json.loads(line)
    got[int(d["id"])] = [m["entity"] for m in d["matches"] if m["match"]]
bad = 0
for i, (script, form, want) in enumerate(rows):
    m = got.get(i, [])
    ok = (not m) if want == "-" else want in m
    if not ok:
        bad += 1
        print("  %s %s: expected %s, got %s" % (script, form, want, m or "no match"))
print("%d of %d real-world renderings right" % (len(rows) - bad, len(rows)))
sys.exit(1 if bad else 0)
PY

# The single-query path (--name) reads the scripts the same way.
for q in 金正恩 "Ким Чен Ын" "キム・ジョンウン"; do
  out=$("$ST_BIN" screen --data-dir "$home" --format jsonl --name "$q" --schema Person || true)
  echo "$out" | grep -q '"entity": *"ofac:20157"' || fail "$q should match ofac:20157: $out"
done
# compare explains the Korean reading of a Hanja name.
"$ST_BIN" compare --schema Person 崔龍海 "CHOE Ryong Hae" | grep -q 'MATCH' || fail "compare 崔龍海"
# A Chinese name is still read as Chinese: pinyin and Wade-Giles match, a
# different given name does not.
"$ST_BIN" compare --schema Person 习近平 "XI Jinping" | grep -q 'MATCH' || fail "习近平 / XI Jinping"
"$ST_BIN" compare --schema Person 毛泽东 "Mao Tse-tung" | grep -q 'MATCH' || fail "毛泽东 / Mao Tse-tung"
"$ST_BIN" compare --schema Person 张建春 "ZHANG, Jian" | grep -q 'no match' || fail "张建春 / ZHANG Jian"
# A foreign name in Hangul is compared by sound.
"$ST_BIN" compare --schema Person "미치 매코널" "Mitch McConnell" | grep -q 'MATCH' || fail "미치 매코널"
"$ST_BIN" compare --schema Person "미치 매코널" "Michael Connor" | grep -q 'no match' || fail "미치 매코널 / Michael Connor"
echo "screen_scripts: ok"
