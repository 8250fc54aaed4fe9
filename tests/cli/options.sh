#!/bin/sh
# options.sh - the one option parser every command uses (src/cli/opts.c):
# --name=value, "--" before arguments that start with '-', short forms a
# command lists, checked numbers, an option of another subcommand refused
# by name, and no cap on positional arguments beyond the command line's.
set -eu
: "${ST_BIN:?}" "${ST_TMP:?}" "${ST_DATA:?}"
B=$ST_BIN
T=$ST_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }
rc_of() { set +e; "$@" >"$T/out" 2>"$T/err"; r=$?; set -e; echo $r; }

[ "$(rc_of "$B" compare --threshold=0.5 "Ri Pyong Chol" "리병철")" -le 1 ] || fail "--threshold=0.5: $(cat "$T/err")"
[ "$(rc_of "$B" compare -- "-x" "y")" -le 1 ] && grep -q -- "-x" "$T/out" || fail "-- before a name starting with '-'"
[ "$(rc_of "$B" compare --threshold 2 a b)" -eq 2 ] && grep -q "in \[0, 1\]" "$T/err" || fail "threshold out of range"
[ "$(rc_of "$B" compare --threshold 0.5x a b)" -eq 2 ] || fail "junk after a number accepted"
[ "$(rc_of "$B" chain stats --network main --db "$T/none")" -eq 2 ] && grep -q "option of 'sanctrace chain ingest'" "$T/err" \
  || fail "chain stats --network: $(cat "$T/err")"
[ "$(rc_of "$B" rings synth --records -5 --out "$T/x.csv")" -eq 2 ] && grep -q "non-negative number" "$T/err" || fail "negative --records"
[ "$(rc_of "$B" rings synth --records=99999999999999999999 --out "$T/x.csv")" -eq 2 ] || fail "overflowing --records"
[ "$(rc_of "$B" serve --data-dir "$T/none" --max-connections=100 --max-connections-per-ip=80)" -eq 2 ] \
  && grep -q "leave room" "$T/err" || fail "--max-connections-per-ip=80 over half of 100: $(cat "$T/err")"
[ "$(rc_of "$B" update --verbose=yes)" -eq 2 ] && grep -q "takes no value" "$T/err" || fail "a flag given a value"

# 5,000 block files on one command line (a mainnet blocks/ folder has more
# than 4,700): here the same regtest file, which ingest reads once
RT=$ST_DATA/chain/regtest-blocksci/btc/blk00000.dat
set -- ; i=0
while [ $i -lt 5000 ]; do set -- "$@" "$RT"; i=$((i + 1)); done
"$B" chain ingest --db "$T/rt" "$@" > /dev/null 2> "$T/err" || fail "5,000 paths: $(cat "$T/err")"
"$B" chain stats --db "$T/rt" --format=json | grep -q '"transactions"' || fail "stats after ingest"
echo "options: ok"
