#!/bin/sh
# examples.sh - the programs in examples/, built against an installed copy
# of the library (make install into the build folder, pkg-config, public
# headers only), run on real data: screening a name against UN + OFAC and
# tracing a regtest output whose flow the command line also reports.
set -eu
: "${ST_BIN:?}" "${ST_TMP:?}" "${ST_DATA:?}" "${ST_EXAMPLES:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$ST_TMP
src=$T/src; home=$T/home; mkdir -p "$src"
cp "$ST_DATA"/lists/un-2026-02-27/consolidated.xml "$ST_DATA"/lists/ofac-sdn-2021-07/*.csv "$src"/
"$ST_BIN" update --from "$src" --data-dir "$home" >/dev/null || fail "update"

# Ri Pyong Chol in Hangul is a listed person; a Seoul namesake of Kim Jong Man is not.
set +e
"$ST_EXAMPLES"/screen_name "$home" "리병철" > "$T/s1"; rc1=$?
"$ST_EXAMPLES"/screen_name "$home" "Kim Jae-min" KR > "$T/s2"; rc2=$?
"$ST_EXAMPLES"/screen_name "$T/nowhere" "x" 2> "$T/s3"; rc3=$?
set -e
[ $rc1 -eq 1 ] && grep -q "	match	" "$T/s1" || fail "리병철: exit $rc1: $(cat "$T/s1")"
[ $rc2 -eq 0 ] || fail "Kim Jae-min flagged: $(cat "$T/s2")"
[ $rc3 -eq 2 ] && [ -s "$T/s3" ] || fail "missing data dir: exit $rc3, no message"
# the program and the command agree on the best candidate
best=$(head -1 "$T/s1" | cut -f3)
"$ST_BIN" screen --data-dir "$home" --name "리병철" --format jsonl > "$T/cli.jsonl" || true
grep -q "\"$best\"" "$T/cli.jsonl" || fail "example's best candidate $best not in the command's answer"

# trace: every model conserves (poison excepted) and the frontier equals the command's
RT=$ST_DATA/chain/regtest-blocksci/btc
"$ST_BIN" chain ingest --db "$T/rt" "$RT/blk00000.dat" >/dev/null
txid=$(python3 -c "import json; print(json.load(open('$RT/output.json'))['taint-mapping-fund-tx-1'])")
for m in haircut fifo lifo tiho poison; do
  "$ST_EXAMPLES"/trace_tx "$T/rt" "$txid:0" $m > "$T/t-$m" || fail "trace_tx $m: $(cat "$T/t-$m")"
done
grep -q "^conserved yes" "$T/t-haircut" || fail "haircut does not add up"
n_ex=$(grep -c ':[0-9]*	' "$T/t-haircut")
n_cli=$("$ST_BIN" trace --db "$T/rt" --no-sanctions --from "$txid:0" --model haircut | python3 -c "import json,sys; print(len(json.load(sys.stdin)['frontier']))")
[ "$n_ex" -gt 1 ] && [ "$n_ex" = "$n_cli" ] || fail "trace_tx frontier $n_ex outputs, sanctrace trace $n_cli"
echo "examples: ok"
