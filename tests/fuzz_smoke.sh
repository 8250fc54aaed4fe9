#!/bin/sh
# Runs each libFuzzer target for a few seconds from its seed corpus
# (fuzz/corpus/<target>/); a crash, leak or sanitizer report fails.
secs=$1; shift
pass=0; fail=0
for f in "$@"; do
  name=$(basename "$f")
  seeds=fuzz/corpus/$name
  work=$(mktemp -d)
  [ -d "$seeds" ] && cp -r "$seeds"/. "$work"/ 2>/dev/null
  if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
       -artifact_prefix="build/fuzz/$name-" "$work" >"build/fuzz/$name.log" 2>&1; then
    pass=$((pass+1)); echo "ok   fuzz $name"
  else
    fail=$((fail+1)); echo "FAIL fuzz $name"; tail -n 30 "build/fuzz/$name.log"
  fi
  rm -rf "$work"
done
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
