#!/bin/sh
# update.sh - `sanctrace update` end to end on the real list files.
#
# Expected figures are computed here from the raw files with grep/awk/sort,
# independently of sanctrace: entry counts, the 2019 -> 2021 OFAC change
# set (added/removed by ent_num; changed = same ent_num whose sdn.csv row,
# set of add.csv rows, set of alt.csv rows or comments text differ, blanks
# before a comma ignored: OFAC writes "-0- " and "-0-" for the same empty).
# Broken inputs must be refused with file and line, keeping the current
# snapshot.
set -u
: "${ST_BIN:?}" "${ST_TMP:?}" "${ST_DATA:?}"
L=$ST_DATA/lists
D=$ST_TMP/data
export LC_ALL=C
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
check() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else bad "$1: got '$2', want '$3'"; fi; }
current() { readlink "$D/current"; }
json_num() { sed -n "s/.*\"$2\": \\([0-9]*\\).*/\\1/p" "$1" | head -n 1; }

# --- one directory per input set, built from links to the shared files
mkdir -p "$ST_TMP/s19" "$ST_TMP/s21" "$ST_TMP/un" "$ST_TMP/cons" "$ST_TMP/bad"
for f in sdn.csv add.csv alt.csv sdn_comments.csv; do
  ln -s "$L/ofac-sdn-2019-01/$f" "$ST_TMP/s19/$f"
  ln -s "$L/ofac-sdn-2021-07/$f" "$ST_TMP/s21/$f"
done
ln -s "$L/un-2026-02-27/consolidated.xml" "$ST_TMP/un/consolidated.xml"
for f in cons_prim.csv cons_add.csv cons_alt.csv cons_comments.csv; do
  ln -s "$L/ofac-cons-2025-12/$f" "$ST_TMP/cons/$f"
done

n19=$(grep -ac '^[0-9][0-9]*,' "$L/ofac-sdn-2019-01/sdn.csv")
n21=$(grep -ac '^[0-9][0-9]*,' "$L/ofac-sdn-2021-07/sdn.csv")
nun=$(( $(grep -c '<INDIVIDUAL>' "$L/un-2026-02-27/consolidated.xml") + $(grep -c '<ENTITY>' "$L/un-2026-02-27/consolidated.xml") ))
ncons=$(grep -ac '^[0-9][0-9]*,' "$L/ofac-cons-2025-12/cons_prim.csv")

# --- help
"$ST_BIN" update --help | grep -q 'consolidated.xml' && ok "help" || bad "help"
"$ST_BIN" update --bogus >/dev/null 2>&1; check "unknown option exit" $? 2

# --- first snapshot: UN + OFAC 2019 + consolidated
out=$("$ST_BIN" update --from "$ST_TMP/un" --from "$ST_TMP/s19" --from "$ST_TMP/cons" --data-dir "$D" 2>"$ST_TMP/err1")
check "first update exit" $? 0
echo "$out"
check "un count" "$(echo "$out" | awk '$1=="un"{print $3}')" "$nun"
check "ofac 2019 count" "$(echo "$out" | awk '$1=="ofac"{print $3}')" "$n19"
check "ofac-cons count" "$(echo "$out" | awk '$1=="ofac-cons"{print $3}')" "$ncons"
v1=$(current)
[ -f "$D/$v1/entities.jsonl" ] && ok "snapshot files" || bad "snapshot files"
check "entities.jsonl lines" "$(wc -l < "$D/$v1/entities.jsonl" | tr -d ' ')" $((nun + n19 + ncons))
# the manifest records each file's sha256, computed here with sha256sum
sha=$(sha256sum "$L/ofac-sdn-2019-01/sdn.csv" | cut -d' ' -f1)
grep -q "$sha" "$D/$v1/manifest.json" && ok "manifest sha256 of sdn.csv" || bad "manifest sha256 of sdn.csv"
grep -q 'consolidated.xml:[0-9]*: record un:' "$ST_TMP/err1" && ok "warnings name file and line" || bad "warnings name file and line"

# --- OFAC 2019 -> 2021: the change set, computed independently
sig() { # ent_num <TAB> every row that describes it, one signature line per ent_num
  d=$1
  { tr -d '\r' < "$d/sdn.csv" | grep -a '^[0-9]' | sed 's/^\([0-9]*\),/\1\tS\t/'
    tr -d '\r' < "$d/add.csv" | grep -a '^[0-9]' | sed 's/^\([0-9]*\),[0-9]*,/\1\tA\t/' | sort
    tr -d '\r' < "$d/alt.csv" | grep -a '^[0-9]' | sed 's/^\([0-9]*\),[0-9]*,/\1\tL\t/' | sort
    tr -d '\r' < "$d/sdn_comments.csv" | grep -a '^[0-9]' | sed 's/^\([0-9]*\),/\1\tC\t/'
  } | sed 's/ *,/,/g; s/ *$//' | sort -s -t "$(printf '\t')" -k1,1 |
  awk -F '\t' '$1!=k{if(k!="")print k"\t"s; k=$1; s=""} {s=s"|"$2$3} END{print k"\t"s}'
}
sig "$L/ofac-sdn-2019-01" | sort > "$ST_TMP/sig19"
sig "$L/ofac-sdn-2021-07" | sort > "$ST_TMP/sig21"
grep -a '^[0-9][0-9]*,' "$L/ofac-sdn-2019-01/sdn.csv" | cut -d, -f1 | sort -u > "$ST_TMP/ids19"
grep -a '^[0-9][0-9]*,' "$L/ofac-sdn-2021-07/sdn.csv" | cut -d, -f1 | sort -u > "$ST_TMP/ids21"
want_added=$(comm -13 "$ST_TMP/ids19" "$ST_TMP/ids21" | wc -l | tr -d ' ')
want_removed=$(comm -23 "$ST_TMP/ids19" "$ST_TMP/ids21" | wc -l | tr -d ' ')
# same ent_num on both sides (only in sdn.csv), different signature
comm -12 "$ST_TMP/ids19" "$ST_TMP/ids21" > "$ST_TMP/both"
join -t "$(printf '\t')" "$ST_TMP/sig19" "$ST_TMP/sig21" | awk -F '\t' '$2!=$3{print $1}' | sort > "$ST_TMP/diff"
want_changed=$(comm -12 "$ST_TMP/both" "$ST_TMP/diff" | wc -l | tr -d ' ')

"$ST_BIN" update --from "$ST_TMP/s21" --data-dir "$D" --format json > "$ST_TMP/u2.json" 2>/dev/null
check "second update exit" $? 0
v2=$(current)
[ "$v1" != "$v2" ] && ok "current switched" || bad "current switched"
check "added" "$(json_num "$ST_TMP/u2.json" added)" "$want_added"
check "removed" "$(json_num "$ST_TMP/u2.json" removed)" "$want_removed"
check "changed" "$(json_num "$ST_TMP/u2.json" changed)" "$want_changed"
grep -q '"status": "kept"' "$ST_TMP/u2.json" && ok "un and ofac-cons carried over" || bad "un and ofac-cons carried over"
check "entities after carry-over" "$(json_num "$ST_TMP/u2.json" entities)" $((nun + n21 + ncons))
# changes.json lists exactly those ids
c=$(tr -d ' \n' < "$D/current/changes.json")
check "changes.json removed ids" "$(echo "$c" | sed 's/.*"removed":\[\([^]]*\)\].*/\1/' | tr ',' '\n' | grep -c ofac:)" "$want_removed"
first_removed=$(comm -23 "$ST_TMP/ids19" "$ST_TMP/ids21" | head -n 1)
echo "$c" | grep -q "\"ofac:$first_removed\"" && ok "removed id ofac:$first_removed listed" || bad "removed id listed"
check "previous kept" "$(ls "$D/snapshots" | wc -l | tr -d ' ')" 2

# --- broken inputs never replace the current snapshot
head -c 1000000 "$L/ofac-sdn-2021-07/sdn.csv" > "$ST_TMP/bad/sdn.csv"   # cut inside a record
for f in add.csv alt.csv sdn_comments.csv; do ln -s "$L/ofac-sdn-2021-07/$f" "$ST_TMP/bad/$f"; done
"$ST_BIN" update --from "$ST_TMP/bad" --data-dir "$D" > /dev/null 2> "$ST_TMP/err3"
check "cut sdn.csv exit" $? 2
cat "$ST_TMP/err3"
grep -q 'sdn.csv:[0-9][0-9]*: .*unterminated' "$ST_TMP/err3" && ok "cut file: error names file and line" || bad "cut file error"
grep -q 'previous data kept' "$ST_TMP/err3" && ok "says previous data kept" || bad "says previous data kept"
check "current unchanged after cut file" "$(current)" "$v2"

# cut at a line end: well-formed but a third of the entries -> refused as a drop
head -n 3000 "$L/ofac-sdn-2021-07/sdn.csv" > "$ST_TMP/bad/sdn.csv"
"$ST_BIN" update --from "$ST_TMP/bad" --from "$ST_TMP/un" --data-dir "$D" > "$ST_TMP/out4" 2> "$ST_TMP/err4"
check "truncated-by-lines exit" $? 1
grep -q 'fell from' "$ST_TMP/err4" && ok "count drop refused" || bad "count drop refused"
check "ofac entities kept" "$(awk '$1=="ofac"{print $2" "$3}' "$ST_TMP/out4")" "kept $n21"
check "no ofac change" "$(grep -c '"ofac:' "$D/current/changes.json")" 0

# garbled UN XML: error with file and line; previous UN data kept
mkdir -p "$ST_TMP/badun"
head -c 700000 "$L/un-2026-02-27/consolidated.xml" > "$ST_TMP/badun/consolidated.xml"
before=$(current)
"$ST_BIN" update --from "$ST_TMP/badun" --data-dir "$D" > /dev/null 2> "$ST_TMP/err5"
check "cut UN exit" $? 2
grep -q 'consolidated.xml:[0-9][0-9]*: not well-formed' "$ST_TMP/err5" && ok "XML error names line" || bad "XML error names line"
check "current unchanged after bad XML" "$(current)" "$before"

# no network here: downloading fails cleanly, current stays
"$ST_BIN" update --data-dir "$D" --sources un > /dev/null 2> "$ST_TMP/err6"
check "offline exit" $? 2
grep -q 'download of https://scsanctions.un.org' "$ST_TMP/err6" && ok "offline error names URL" || bad "offline error"
check "current unchanged offline" "$(current)" "$before"

# SANCTRACE_SOURCES_DIR works like --from; --sources restricts
SANCTRACE_SOURCES_DIR="$ST_TMP/un" "$ST_BIN" update --data-dir "$D" --sources un > "$ST_TMP/out7" 2>/dev/null
check "env sources exit" $? 0
check "unchanged UN: no changes" "$(tail -n 1 "$ST_TMP/out7" | sed 's/.*: \([0-9]*\) added, \([0-9]*\) removed, \([0-9]*\) changed/\1 \2 \3/')" "0 0 0"

# ofac-crypto address files
"$ST_BIN" update --from "$L/ofac-crypto-2024-09-27" --data-dir "$D" --format json > "$ST_TMP/out8" 2>/dev/null
check "crypto exit" $? 0
check "crypto wallets added" "$(json_num "$ST_TMP/out8" added)" "$(cat "$L"/ofac-crypto-2024-09-27/sanctioned_addresses_*.txt | grep -c .)"

# a FollowTheMoney file (our own two-entity fixture, OpenSanctions' shape)
mkdir -p "$ST_TMP/ftm"
cat > "$ST_TMP/ftm/entities.ftm.json" <<'EOF2'
{"id":"NK-1","schema":"Person","caption":"RI Won Ho","datasets":["un_sc_sanctions"],"referents":[],"target":true,"first_seen":"2016-11-30T00:00:00","last_seen":"2026-02-27T00:00:00","properties":{"name":["RI Won Ho"],"birthDate":["1964-07-17"],"nationality":["kp"]}}
{"id":"NK-2","schema":"Vessel","datasets":["us_ofac_sdn"],"properties":{"name":["CHONG CHON GANG"],"imoNumber":["7937317"]}}
EOF2
"$ST_BIN" update --from "$ST_TMP/ftm" --data-dir "$D" > "$ST_TMP/out9" 2>/dev/null
check "ftm exit" $? 0
check "ftm entities" "$(awk '$1=="ftm"{print $2" "$3}' "$ST_TMP/out9")" "updated 2"
grep -q '"id":"un_sc_sanctions:NK-1"' "$D/current/entities.jsonl" && ok "ftm id is <dataset>:<id>" || bad "ftm id"

# an empty FtM file (a download cut to nothing) is refused; the snapshot stays
before=$(readlink "$D/current")
: > "$ST_TMP/ftm/entities.ftm.json"
"$ST_BIN" update --from "$ST_TMP/ftm" --data-dir "$D" > "$ST_TMP/out10" 2>&1
rc=$?
[ "$rc" -ne 0 ] && ok "empty ftm file: exit $rc" || bad "empty ftm file accepted"
grep -q "entities.ftm.json" "$ST_TMP/out10" && ok "empty ftm file named" || bad "empty ftm: $(cat "$ST_TMP/out10")"
check "snapshot kept after an empty ftm file" "$(readlink "$D/current")" "$before"
grep -q '"id":"un_sc_sanctions:NK-1"' "$D/current/entities.jsonl" && ok "ftm entities still there" || bad "ftm entities lost"

echo "update: $fails failure(s)"
[ "$fails" -eq 0 ]
