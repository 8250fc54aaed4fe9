#!/bin/sh
# Runs one mode's tests: every cmocka binary given as an argument, then
# every tests/cli/*.sh script (each gets ST_BIN, the binary under test, and
# a scratch directory in ST_TMP).  Each line gives the test's seconds, so a
# slow one shows in CI's log.  Ends with the line "N passed, N failed".
pass=0; fail=0; failed=""
for t in "$@"; do
  name=$(basename "$t")
  t0=$(date +%s)
  if "$t" >"$ST_BUILD/$name.log" 2>&1; then pass=$((pass+1)); echo "ok   $MODE $name ($(($(date +%s)-t0)) s)"
  else fail=$((fail+1)); failed="$failed $name"; echo "FAIL $MODE $name"; tail -n 40 "$ST_BUILD/$name.log"; fi
done
for s in tests/cli/*.sh; do
  [ -f "$s" ] || continue
  name=$(basename "$s" .sh)
  # browser and server tests are slow under the sanitizer: the release run covers them
  case "$MODE:$name" in asan:browser*|asan:bench*) continue ;; esac
  tmp=$(mktemp -d)
  t0=$(date +%s)
  if ST_TMP="$tmp" sh "$s" >"$ST_BUILD/cli-$name.log" 2>&1; then
    pass=$((pass+1)); echo "ok   $MODE cli/$name ($(($(date +%s)-t0)) s)"
  else fail=$((fail+1)); failed="$failed cli/$name"; echo "FAIL $MODE cli/$name"; tail -n 40 "$ST_BUILD/cli-$name.log"; fi
  rm -rf "$tmp"
done
echo "$MODE: $pass passed, $fail failed"
[ $fail -eq 0 ] || { echo "failed:$failed"; exit 1; }
