#!/bin/sh
# demo_xtrace.sh OUT - the laundering scenario on a real node, for `make demo`:
# anvil (a local Ethereum node, `make evm-tools`) plays a Bybit-shaped theft
# (tests/lib/evm_scenario.py); `evm ingest --rpc` reads the node; the
# Bitcoin side (THORChain's payments of the router deposits, peel chains, a
# CoinJoin, exchange deposits) is written from the deposits; one trace from
# the drain crosses both chains.  Prints the table (shortened) and writes
# the picture to OUT/xtrace-flow.svg (or .dot without Graphviz).  anvil is
# stopped at the end, also on failure.
set -e
: "${ST_BIN:?set ST_BIN to the sanctrace binary}"
out=${1:-build/demo}
X=${ST_EVM_TOOLS:-$PWD/tools/node_modules/.bin}
if [ ! -x "$X/anvil" ] || [ ! -x "$X/cast" ] || [ ! -x "$X/solcjs" ]; then
  echo "(the scenario on a node needs anvil, cast and solcjs in $X: make evm-tools)"; exit 1
fi
d=$out/xtrace; rm -rf "$d"; mkdir -p "$d"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$X/anvil" --host 127.0.0.1 --port "$port" --auto-impersonate --silent >"$d/anvil.log" 2>&1 &
apid=$!
trap 'kill $apid 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
url=http://127.0.0.1:$port
i=0; until "$X/cast" block-number --rpc-url "$url" >/dev/null 2>&1; do
  i=$((i+1)); [ $i -lt 100 ] || { echo "anvil did not start: $(cat "$d/anvil.log")"; exit 1; }; sleep 0.1; done
echo "== anvil on $url plays the theft (tests/lib/evm_scenario.py)"
python3 tests/lib/evm_scenario.py --rpc "$url" --tools "$X" --out "$d/play.json" --inbounds "$d/inbounds.csv" \
  --tagpack "$d/eth.yaml"
echo "== sanctrace evm ingest --rpc $url"
"$ST_BIN" evm ingest --db "$d/evmdb" --rpc "$url" >/dev/null
"$ST_BIN" evm stats --db "$d/evmdb" --format table | head -4
echo "== sanctrace evm synth --scenario bybit --inbounds inbounds.csv (the Bitcoin side) && chain ingest"
"$ST_BIN" evm synth --scenario bybit --inbounds "$d/inbounds.csv" --out "$d/bs"
"$ST_BIN" chain ingest --db "$d/btcdb" --network regtest "$d/bs/btc" >/dev/null
src=$(python3 -c "import json,sys;d=json.load(open(sys.argv[1]))['drain'];print(d['hash']+'/'+d['victim'])" "$d/play.json")
set -- --evm-db "$d/evmdb" --db "$d/btcdb" --tags "$d/bs/tagpack.yaml" --tags "$d/eth.yaml" --no-sanctions \
  --data-dir "$d" --from "$src" --model fifo
echo; echo "== sanctrace trace --from <drain>/<cold wallet> --model fifo --format table --limit 4"
"$ST_BIN" trace "$@" --format table --limit 4
"$ST_BIN" trace "$@" --format json >"$d/trace.json"
python3 -c "import json,sys; b=json.load(open(sys.argv[1]))['bridges']; print('(%d THORChain hops in all, each with both transactions and its memo: %s)' % (len(b), sys.argv[1]))" "$d/trace.json"
echo; echo "(truth from the Bitcoin side: by exchange = $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['btc_exchanges'])" "$d/bs/truth.json"))"
if command -v dot >/dev/null 2>&1; then
  "$ST_BIN" trace "$@" --format svg >"$out/xtrace-flow.svg"
  echo "cross-chain picture: $out/xtrace-flow.svg"
else
  "$ST_BIN" trace "$@" --format dot >"$out/xtrace-flow.dot"
  echo "cross-chain picture: $out/xtrace-flow.dot (install graphviz to draw it)"
fi
