#!/bin/sh
# demo_trace.sh OUT - the laundering scenario, for `make demo`:
# a synthetic chain with a planted exchange theft, clustered; the theft
# traced to the exchanges that received it (haircut, exact satoshis);
# the exposure of one exchange deposit address pointing back to the
# theft; and a picture of the flow (OUT/trace-flow.svg, Graphviz).
set -e
: "${ST_BIN:?set ST_BIN to the sanctrace binary}"
out=${1:-build/demo}
mkdir -p "$out"
syn=$out/trace-synth db=$out/trace-db
rm -rf "$syn" "$db"
echo "== sanctrace chain synth --txs 50000 (a planted theft laundered through peel chains, a fan-out, a CoinJoin)"
"$ST_BIN" chain synth --txs 50000 --out "$syn" >/dev/null
"$ST_BIN" chain ingest --db "$db" "$syn" >/dev/null
echo "== sanctrace chain cluster"
"$ST_BIN" chain cluster --db "$db" --format table
theft=$(grep -B2 '^  abuse:' "$syn/tagpack.yaml" | sed -n 's/^  label: //p' | head -1)
echo; echo "== sanctrace trace --from \"$theft\" --model haircut --tags tagpack.yaml --format table --limit 8"
"$ST_BIN" trace --db "$db" --tags "$syn/tagpack.yaml" --from "$theft" --model haircut --format table --limit 8 || true
echo; echo "(truth from the generator: deposited by exchange = $(python3 -c "import json; print(json.load(open('$syn/truth.json'))['deposited_by_exchange'])" 2>/dev/null))"
dep=$(python3 -c "import json; print(json.load(open('$syn/truth.json'))['deposits'][0]['address'])" 2>/dev/null || true)
if [ -n "$dep" ]; then
  echo; echo "== sanctrace exposure $dep (an exchange deposit address)"
  "$ST_BIN" exposure --db "$db" --tags "$syn/tagpack.yaml" "$dep" --format table || true
fi
if command -v dot >/dev/null 2>&1; then
  "$ST_BIN" trace --db "$db" --tags "$syn/tagpack.yaml" --from "$theft" --format svg > "$out/trace-flow.svg" || true
  echo; echo "flow picture: $out/trace-flow.svg"
else
  echo "(install graphviz for the flow picture)"
fi
