#!/bin/sh
# make demo: the main jobs on real data, end to end.
#  1. build a list snapshot from the official files in ../shared/data (offline `update --from`)
#  2. screen a small customer file: Korean spellings of listed DPRK people found,
#     ordinary South Korean names left alone, a sanctioned wallet caught
#  3. a synthetic chain with a planted theft: ingest, trace to the exchanges, exposure, a picture
#  4. synthetic applicants: the identity rings behind them
#  5. a theft played on a local Ethereum node (anvil), traced through THORChain into Bitcoin
set -e
cd "$(dirname "$0")/.."
: "${ST_BIN:?}" "${ST_DATA:=../shared/data}"
out=build/demo; rm -rf "$out"; mkdir -p "$out/src"
export SANCTRACE_HOME="$PWD/$out/home"
for f in "$ST_DATA"/lists/un-2026-02-27/consolidated.xml "$ST_DATA"/lists/ofac-sdn-2021-07/*.csv \
         "$ST_DATA"/lists/ofac-cons-2025-12/*.csv "$ST_DATA"/lists/ofac-crypto-2024-09-27/*.txt; do
  ln -s "$(readlink -f "$f")" "$out/src/$(basename "$f")"
done
echo "== 1. sanctrace update --from $out/src"
"$ST_BIN" update --from "$out/src"
echo; echo "== 2. sanctrace screen examples/customers.csv"
"$ST_BIN" screen examples/customers.csv || true
echo; echo "== sanctrace compare 'Ri Pyong Chol' 'Lee Byeong-cheol'"
"$ST_BIN" compare "Ri Pyong Chol" "Lee Byeong-cheol" || true
echo; sh scripts/demo_trace.sh "$out"
echo; sh scripts/demo_rings.sh "$out"
echo; sh scripts/demo_xtrace.sh "$out"
echo; echo "demo output is in $out"
