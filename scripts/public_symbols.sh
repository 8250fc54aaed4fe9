#!/bin/sh
# public_symbols.sh OBJECT HEADER... - the global symbols of OBJECT that the
# public headers name: what libsanctrace.a keeps visible (one name a line).
# A symbol is public when it is defined in OBJECT and appears as a word in
# include/sanctrace/*.h; everything else is made local by objcopy.
set -e
obj=$1; shift
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat "$@" | tr -c 'A-Za-z0-9_' '\n' | grep -E '^st_' | sort -u > "$tmp"
nm -g --defined-only "$obj" | awk '{print $3}' | sort -u | comm -12 - "$tmp"
