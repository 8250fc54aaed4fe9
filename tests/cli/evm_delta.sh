#!/bin/sh
# evm_delta.sh - a store grown by many small ingests (the export split into
# block ranges, ingested one after another: each commit rewrites the index
# deltas, and merges them into new bases as they outgrow their share)
# answers `evm stats`, `evm tx` and `evm address` (with --at-block) exactly
# as the store built in one ingest, its columns byte for byte the same; the
# same holds when every commit rebuilds the indexes whole
# (SANCTRACE_EVM_FULL_INDEX); and a delta left by a commit whose manifest
# was never renamed is not used, then replaced by the next ingest.
set -eu
B=$ST_BIN; T=$ST_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }

$B evm synth --flows 20000 --out $T/x --seed 11 >/dev/null
# the export split by block: part 0 the first 30 blocks, then 2 blocks a part
python3 - $T/x $T/parts >/dev/null <<'PY'
import csv, os, sys
src, out = sys.argv[1], sys.argv[2]
BLOCK = {'blocks.csv': 'number'}
def part_of(b, first):
    k = b - first
    return 0 if k < 30 else 1 + (k - 30) // 2
first = None
tables = {}
for name in sorted(os.listdir(src)):
    rows = list(csv.reader(open(os.path.join(src, name), newline='')))
    col = rows[0].index(BLOCK.get(name, 'block_number'))
    tables[name] = (rows[0], col, rows[1:])
    for r in rows[1:]:
        first = int(r[col]) if first is None else min(first, int(r[col]))
parts = {}
for name, (head, col, rows) in tables.items():
    for r in rows:
        parts.setdefault(part_of(int(r[col]), first), {}).setdefault(name, []).append(r)
for k in sorted(parts):
    d = os.path.join(out, 'p%03d' % k)
    os.makedirs(d)
    for name, (head, col, rows) in tables.items():
        with open(os.path.join(d, name), 'w', newline='') as f:
            w = csv.writer(f, lineterminator='\n')
            w.writerow(head)
            w.writerows(parts[k].get(name, []))
print(len(parts))
PY

nparts=$(ls $T/parts | wc -l)
[ "$nparts" -ge 10 ] || fail "only $nparts parts"

$B evm ingest --db $T/one $T/x >/dev/null
kept=0
for p in $T/parts/p*; do
  cp $T/inc/addr_flows.idx $T/base.before 2>/dev/null || : >$T/base.before
  $B evm ingest --db $T/inc $p >/dev/null
  SANCTRACE_EVM_FULL_INDEX=1 $B evm ingest --db $T/full $p >/dev/null
  cmp -s $T/inc/addr_flows.idx $T/base.before && kept=$((kept+1))
done
[ $kept -ge 5 ] || fail "only $kept commits kept the base index"

for db in inc full; do
  for c in $T/one/*.col; do
    cmp -s "$c" $T/$db/$(basename "$c") || fail "$db: $(basename "$c") differs from the one-ingest store"
  done
done

# stats (but the bytes on disk), every 15th transaction, every 15th address
# and a few at earlier blocks: the same JSON from all three stores (every
# 60th under the sanitizer, where a query is a process of 130 ms)
K=15; [ "${MODE:-release}" = asan ] && K=60
stats() { $B evm stats --db $1 | python3 -c 'import json,sys; j=json.load(sys.stdin); j.pop("store_bytes"); print(json.dumps(j, sort_keys=True))'; }
[ "$(stats $T/one)" = "$(stats $T/inc)" ] || fail "stats: $(stats $T/one) vs $(stats $T/inc)"
[ "$(stats $T/one)" = "$(stats $T/full)" ] || fail "stats (full index)"
first=$(sed -n 2p $T/x/blocks.csv | cut -d, -f1)
tail -n +2 $T/x/transactions.csv | cut -d, -f1 | awk -v k=$K 'NR % k == 1' >$T/txs
tail -n +2 $T/x/transactions.csv | cut -d, -f6,7 | tr , '\n' | sort -u | awk -v k=$K 'NR % k == 1' >$T/addrs
[ $(wc -l <$T/txs) -ge $((300 / K)) ] && [ $(wc -l <$T/addrs) -ge $((300 / K)) ] || fail "too few queries"
n=0
while read -r h; do
  $B evm tx --db $T/one "$h" >$T/a; $B evm tx --db $T/inc "$h" >$T/b; $B evm tx --db $T/full "$h" >$T/c
  cmp -s $T/a $T/b && cmp -s $T/a $T/c || fail "evm tx $h differs"
  n=$((n+1))
done <$T/txs
while read -r a; do
  $B evm address --db $T/one "$a" >$T/a; $B evm address --db $T/inc "$a" >$T/b
  cmp -s $T/a $T/b || fail "evm address $a differs"
  grep -q '"flows_in"' $T/a || fail "evm address $a: no answer"
  n=$((n+1))
done <$T/addrs
for a in $(head -8 $T/addrs); do
  for blk in $((first + 5)) $((first + 31)) $((first + 40)); do
    $B evm address --db $T/one "$a" --at-block $blk >$T/a; $B evm address --db $T/inc "$a" --at-block $blk >$T/b
    cmp -s $T/a $T/b || fail "evm address $a --at-block $blk differs"
    n=$((n+1))
  done
done

# a commit cut short after its delta was written: the new deltas, the old
# manifest.  Answers are the last commit's; the next ingest repairs.
mkdir -p $T/cut
last=$(ls -d $T/parts/p* | tail -1)
$B evm ingest --db $T/cut $T/parts/p000 >/dev/null
for p in $(ls -d $T/parts/p* | sed '1d;$d'); do $B evm ingest --db $T/cut $p >/dev/null; done
cp $T/cut/manifest.json $T/manifest.before
stats $T/cut >$T/s.before
h=$(sed -n 2p $last/transactions.csv | cut -d, -f1)
$B evm ingest --db $T/cut $last >/dev/null
cp $T/manifest.before $T/cut/manifest.json
stats $T/cut | cmp -s - $T/s.before || fail "a delta past the manifest changed the stats"
set +e; $B evm tx --db $T/cut "$h" >/dev/null 2>&1; rc=$?; set -e
[ $rc -ne 0 ] || fail "a transaction of the uncommitted delta was found"
$B evm ingest --db $T/cut $last >/dev/null
for c in $T/one/*.col; do cmp -s "$c" $T/cut/$(basename "$c") || fail "repaired: $(basename "$c") differs"; done
for i in $T/inc/*.idx; do cmp -s "$i" $T/cut/$(basename "$i") || fail "repaired: $(basename "$i") differs"; done
$B evm tx --db $T/cut "$h" >$T/a; $B evm tx --db $T/one "$h" >$T/b; cmp -s $T/a $T/b || fail "repaired: evm tx $h"
echo "evm_delta: $nparts ingests, $kept kept their base, $n queries agree"
echo "evm_delta: ok"
