#!/bin/sh
# evm_gzip.sh - gzip exports streamed a window of blocks at a time: the same
# export as plain files, gzip -1, gzip -9, members cut mid-line (as
# `gzip -c a b > c` writes), plain and gzip mixed, JSON lines gzipped, and
# out of block order (read whole) gives the same store, file for file, and
# the same answers; the real samples gzipped give what the plain ones
# give; a gzip cut short or damaged is reported with its file and the line
# reading stopped at, the rows before it kept exactly; and a gzip export's
# peak memory is a window's, not the export's (release build).
set -eu
B=$ST_BIN; D=$ST_DATA/chain/ethereum; T=$ST_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }
EVERY=1; [ "${MODE:-release}" = asan ] && EVERY=3
P=$D/test_export_blocks_job__
# same A B WHAT: every store file byte for byte, and the answers
same() {
  for c in "$1"/*; do
    sf=$(basename "$c"); [ "$sf" = lock ] && continue
    cmp -s "$c" "$2/$sf" || fail "$3: $sf differs"
  done
  [ "$(ls "$1" | wc -l)" = "$(ls "$2" | wc -l)" ] || fail "$3: other files"
  $B evm stats --db "$1" >$T/s1; $B evm stats --db "$2" >$T/s2
  cmp -s $T/s1 $T/s2 || fail "$3: stats"
}
# queries QDIR A B WHAT: evm tx and evm address answers of both stores
queries() {
  for tx in $(cut -d, -f1 "$1/transactions.csv" | sed -n "2~$((97 * EVERY))p"); do
    $B evm tx --db "$2" "$tx" >$T/q1; $B evm tx --db "$3" "$tx" >$T/q2
    cmp -s $T/q1 $T/q2 || fail "$4: evm tx $tx"
  done
  for ad in $(cut -d, -f6 "$1/transactions.csv" | sed -n "3~$((89 * EVERY))p"); do
    $B evm address --db "$2" "$ad" >$T/q1 || true; $B evm address --db "$3" "$ad" >$T/q2 || true
    cmp -s $T/q1 $T/q2 || fail "$4: evm address $ad"
  done
}

# a synthetic export of several windows, every way
$B evm synth --flows 60000 --out $T/x --seed 3 >/dev/null
mkdir -p $T/g1 $T/g9 $T/mm $T/mix $T/rev $T/revp
for f in $T/x/*.csv; do
  b=$(basename "$f")
  gzip -1 -c "$f" >$T/g1/$b.gz
  gzip -9 -c "$f" >$T/g9/$b.gz
  # three members cut at byte counts, not line ends
  split -n 3 "$f" $T/part.
  for p in $T/part.*; do gzip -c "$p"; done >$T/mm/$b.gz
  rm -f $T/part.*
done
[ "$(gzip -dc $T/mm/traces.csv.gz | cmp - $T/x/traces.csv && echo ok)" = ok ] || fail "multi-member file"
cp $T/x/transactions.csv $T/x/logs.csv $T/x/token_transfers.csv $T/mix/
cp $T/g9/blocks.csv.gz $T/g1/receipts.csv.gz $T/mm/traces.csv.gz $T/mix/
$B evm ingest --db $T/dbx $T/x >/dev/null
for v in g1 g9 mm mix; do
  $B evm ingest --db $T/db$v $T/$v >$T/out.json || fail "ingest $v"
  same $T/dbx $T/db$v "$v"
done
queries $T/x $T/dbx $T/dbmm "multi-member"
grep -q '"bad_rows": 0' $T/out.json || fail "bad rows in a good gzip export"
# not in block order: read whole, gzip files too, the same store
cp $T/g9/*.gz $T/rev/; cp $T/x/*.csv $T/revp/
{ head -1 $T/x/traces.csv; tail -n +2 $T/x/traces.csv | sort -t, -k1,1nr; } >$T/revp/traces.csv
rm $T/rev/traces.csv.gz; gzip -c $T/revp/traces.csv >$T/rev/traces.csv.gz
$B evm ingest --db $T/dbrev $T/rev >/dev/null
$B evm ingest --db $T/dbrevp $T/revp >/dev/null
same $T/dbrevp $T/dbrev "out of block order"
# (a whole reading writes the block times in another order: the columns and indexes are the same)
for c in $T/dbx/*.col $T/dbx/*.idx; do
  cmp -s "$c" $T/dbrev/$(basename "$c") || fail "out of block order: $(basename "$c") differs"
done

# the real samples, gzipped
n=0
for grp in "${P}blocks_with_transactions_and_withdrawals__expected_blocks.csv ${P}blocks_with_transactions_and_withdrawals__expected_transactions.csv" \
    "${P}block_with_logs__expected_blocks.csv ${P}block_with_logs__expected_transactions.csv $D/test_export_receipts_job__receipts_with_logs__expected_receipts.csv $D/test_export_receipts_job__receipts_with_logs__expected_logs.csv $D/test_export_token_transfers_job__block_with_transfers__expected_token_transfers.csv" \
    "${P}block_without_transactions__expected_blocks.csv ${P}block_without_transactions__expected_transactions.csv $D/test_export_traces_job__block_without_transactions__expected_traces.csv" \
    "$D/test_export_traces_job__block_with_create__expected_traces.csv $D/test_export_traces_job__block_with_error__expected_traces.csv" \
    "$D/test_extract_geth_traces_job__block_with_subtraces__expected_traces.csv" \
    "$D/test_extract_token_transfers_job__logs__logs.csv" \
    "$D/test_export_tokens_job__token_with_alternative_return_type__expected_tokens.csv $D/test_export_tokens_job__token_with_invalid_data__expected_tokens.csv"; do
  n=$((n + 1))
  mkdir -p $T/sp$n $T/sg$n
  for f in $grp; do cp "$f" $T/sp$n/; gzip -9 -c "$f" >$T/sg$n/$(basename "$f").gz; done
  $B evm ingest --db $T/dbsp$n $T/sp$n >/dev/null 2>$T/e1 || true
  $B evm ingest --db $T/dbsg$n $T/sg$n >/dev/null 2>$T/e2 || true
  same $T/dbsp$n $T/dbsg$n "sample group $n"
  sed "s/sg$n/sp$n/g; s/\.gz:/:/g" $T/e2 | cmp -s $T/e1 - || fail "sample group $n: other reports: $(cat $T/e1 $T/e2)"
done
python3 tests/cli/evm_ref.py "$B" $T/dbsg2 $(ls $T/sp2/*) --every $EVERY
# JSON lines, gzipped, of the whole synthetic export: the same store as its CSV
python3 tests/cli/evm_json.py $T/x.json $T/x/blocks.csv $T/x/transactions.csv $T/x/receipts.csv $T/x/logs.csv \
  $T/x/token_transfers.csv $T/x/traces.csv
mkdir -p $T/jz; gzip -c $T/x.json >$T/jz/x.json.gz
$B evm ingest --db $T/dbjz $T/jz >/dev/null
$B evm stats --db $T/dbjz >$T/s1; $B evm stats --db $T/dbx >$T/s2
cmp -s $T/s1 $T/s2 || fail "JSON lines gzipped: $(cat $T/s1 $T/s2)"

# a gzip cut short: reported with its file and the line reading stopped
# at; the rows before it kept: the store is the plain export's with that
# file cut to the lines before
mkdir -p $T/cut $T/cutp
cp $T/g9/*.gz $T/cut/; cp $T/x/*.csv $T/cutp/
head -c $(($(wc -c <$T/g9/traces.csv.gz) / 2)) $T/g9/traces.csv.gz >$T/cut/traces.csv.gz
set +e; $B evm ingest --db $T/dbcut $T/cut >/dev/null 2>$T/err; rc=$?; set -e
[ $rc -eq 1 ] || fail "cut gzip: exit $rc"
grep -q "cut/traces.csv.gz:[0-9]*: gzip cut short: the file ends inside a compressed stream, after [0-9]* bytes decompressed from its [0-9]*" $T/err \
  || fail "cut gzip not reported: $(cat $T/err)"
[ "$(wc -l <$T/err)" = 1 ] || fail "cut gzip: one report: $(cat $T/err)"
line=$(sed -n 's/.*traces.csv.gz:\([0-9]*\): gzip cut short.*/\1/p' $T/err)
[ "$line" -gt 1000 ] || fail "cut gzip stopped at line $line"
head -n $((line - 1)) $T/x/traces.csv >$T/cutp/traces.csv
$B evm ingest --db $T/dbcutp $T/cutp >/dev/null
same $T/dbcutp $T/dbcut "cut gzip"
# cut inside its header: the file is one report, the other files kept
mkdir -p $T/cut2; cp $T/g9/*.gz $T/cut2/; head -c 5 $T/g9/traces.csv.gz >$T/cut2/traces.csv.gz
set +e; $B evm ingest --db $T/dbcut2 $T/cut2 >/dev/null 2>$T/err; rc=$?; set -e
[ $rc -eq 1 ] && grep -q "cut2/traces.csv.gz:1: gzip cut short" $T/err || fail "gzip cut in its header: $rc $(cat $T/err)"
$B evm stats --db $T/dbcut2 | grep -q '"blocks": 0' && fail "gzip cut in its header: other files lost"
# the trailer's checksum wrong: known at the end, every row read is kept
mkdir -p $T/crc; cp $T/g9/*.gz $T/crc/
python3 - $T/g9/traces.csv.gz $T/crc/traces.csv.gz <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read()); d[-6] ^= 0x40; open(sys.argv[2], 'wb').write(d)
PY
set +e; $B evm ingest --db $T/dbcrc $T/crc >/dev/null 2>$T/err; rc=$?; set -e
[ $rc -eq 1 ] && grep -q "crc/traces.csv.gz:[0-9]*: damaged gzip (incorrect data check)" $T/err || fail "bad checksum: $rc $(cat $T/err)"
same $T/dbx $T/dbcrc "bad checksum"
# damage inside the compressed data: reported with the file
mkdir -p $T/bad; cp $T/g1/*.gz $T/bad/
python3 - $T/g1/transactions.csv.gz $T/bad/transactions.csv.gz <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
for i in range(len(d) // 2, len(d) // 2 + 64): d[i] = 0xff
open(sys.argv[2], 'wb').write(d)
PY
set +e; $B evm ingest --db $T/dbbad $T/bad >/dev/null 2>$T/err; rc=$?; set -e
[ $rc -eq 1 ] && grep -q "bad/transactions.csv.gz:[0-9]*: damaged gzip (.*) at compressed byte [0-9]* of [0-9]*" $T/err \
  || fail "damaged gzip: $rc $(tail -3 $T/err)"

# memory: a gzip export streams (one window and a buffer per file), so
# its peak is the plain export's, not the decompressed export's (600k
# flows, 187 MB: read whole, the gzip files took 274 MB against 126 MB for
# the plain ones; the sanitizer's shadow memory blurs it: release only)
if [ "${MODE:-release}" != asan ] && [ -x /usr/bin/time ]; then
  $B evm synth --flows 600000 --out $T/big --seed 5 >/dev/null
  mkdir -p $T/bigz; for f in $T/big/*.csv; do gzip -1 -c "$f" >$T/bigz/$(basename "$f").gz; done
  /usr/bin/time -f %M -o $T/m1 $B evm ingest --db $T/dbbig $T/big >/dev/null
  /usr/bin/time -f %M -o $T/m2 $B evm ingest --db $T/dbbigz $T/bigz >/dev/null
  same $T/dbbig $T/dbbigz "600k flows"
  plain=$(tail -1 $T/m1); zip=$(tail -1 $T/m2); export_kib=$(($(cat $T/big/*.csv | wc -c) / 1024))
  echo "peak resident: plain $plain KiB, gzip $zip KiB (export $export_kib KiB decompressed)"
  [ "$zip" -lt $((plain + plain / 4 + 8192)) ] || fail "gzip peak $zip KiB against plain $plain KiB"
fi
echo "evm_gzip: ok"
