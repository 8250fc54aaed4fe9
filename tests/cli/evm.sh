#!/bin/sh
# evm.sh - `sanctrace evm` end to end on ethereum-etl's own test exports
# (../shared/data/chain/ethereum): every sample ingested and every
# transaction, flow and address answered back, checked against
# tests/cli/evm_ref.py (an independent reading of the same CSV files);
# partial exports, zero-byte files, gzip, folders, bad rows and missing
# columns, incremental ingest, an interrupted ingest's leftovers, exit codes.
set -eu
B=$ST_BIN; D=$ST_DATA/chain/ethereum; T=$ST_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }
. tests/lib/rollback.sh
. tests/lib/store.sh
EVERY=1; [ "${MODE:-release}" = asan ] && EVERY=3
ref() { python3 tests/cli/evm_ref.py "$B" "$@"; }
P=$D/test_export_blocks_job__

# traces, parity-style (exporter's transaction_hash) and geth-style (none):
# each block alone, without its transactions file
for k in with_create with_error with_subtraces with_suicide; do
  for j in export_traces extract_geth_traces; do
    f=$D/test_${j}_job__block_${k}__expected_traces.csv
    $B evm ingest --db $T/$j$k "$f" >$T/out.json 2>$T/err || fail "ingest $f"
    ref $T/$j$k "$f"
  done
done
# a create moving 64655529900000002048 wei (more than 64 bits)
$B evm tx --db $T/export_traceswith_create 0x2c3cfb8d7f3039fcad64bd231beb0229af55f9114d74aef12a6f228ad1dac100 \
  | grep -q '"amount": "64655529900000002048"' || fail "u256 amount"
# geth's selfdestruct row names no addresses: said once, moves nothing
grep -q "1 trace row names no addresses" $T/err || fail "unnamed geth row not reported"
[ "$(grep -c 'no addresses' $T/err)" = 1 ] || fail "unnamed rows reported more than once"
ref $T/extract_geth_traceswith_suicide $D/test_extract_geth_traces_job__block_with_suicide__expected_traces.csv --unnamed 1
# a failed transaction moves nothing; its status is 0
$B evm tx --db $T/export_traceswith_error 0xa2f089480e6fd907e786a88d928ba20feeca2ca37ffa84c2d54bae42f5d989c9 >$T/tx.json
python3 -c "import json,sys; j=json.load(open('$T/tx.json')); sys.exit(not (j['status']==0 and j['flows']==[] and j['fee'] is None))" \
  || fail "failed transaction"

# blocks with transactions and withdrawals (Gwei in the export), no receipts: fees unknown
set -- ${P}blocks_with_transactions_and_withdrawals__expected_blocks.csv \
  ${P}blocks_with_transactions_and_withdrawals__expected_transactions.csv
$B evm ingest --db $T/w "$@" >$T/out.json
ref $T/w "$@" --every $EVERY
grep -q '"fees_unknown": 298' $T/out.json || fail "fees without receipts must be unknown"
# balances at a block: the first block's withdrawals only, computed from the CSV
want=$(python3 - "$1" <<'PY'
import csv, json, sys
r = [x for x in csv.DictReader(open(sys.argv[1])) if x['number'] == '17173049'][0]
print(sum(int(w['amount']) for w in json.loads('[' + r['withdrawals'] + ']')
          if w['address'] == '0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f') * 10**9)
PY
)
$B evm address --db $T/w 0xB9D7934878B5FB9610B3FE8A5E441E8FAD7E293F --at-block 17173049 \
  | grep -q "\"received\": \"$want\"" || fail "balance at block 17173049 (want $want)"
set +e
$B evm address --db $T/w 0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f --at-block 17000000 >$T/o 2>$T/err; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "unknown" $T/err && grep -q '"balances": null' $T/o || fail "balance before the first block"

# one block with transactions, receipts (fee = gas used x effective price, to the miner), logs and token transfers
set -- ${P}block_with_logs__expected_blocks.csv ${P}block_with_logs__expected_transactions.csv \
  $D/test_export_receipts_job__receipts_with_logs__expected_receipts.csv \
  $D/test_export_receipts_job__receipts_with_logs__expected_logs.csv \
  $D/test_export_token_transfers_job__block_with_transfers__expected_token_transfers.csv
$B evm ingest --db $T/l "$@" >/dev/null 2>$T/err
ref $T/l "$@"
! grep -q 'L1 data fee' $T/err || fail "an Ethereum receipt's empty l1_fee said to be a rollup's"
# the same receipts with an L1 data fee (a rollup's export): the store is
# the same (fees as on Ethereum) and that is said, once a file, CSV or JSON
awk -F, -v OFS=, 'NR > 1 { $11 = NR * 1000 } { print }' $D/test_export_receipts_job__receipts_with_logs__expected_receipts.csv >$T/l1_receipts.csv
shift 3; set -- ${P}block_with_logs__expected_blocks.csv ${P}block_with_logs__expected_transactions.csv $T/l1_receipts.csv "$@"
$B evm ingest --db $T/l1 "$@" >/dev/null 2>$T/err
ref $T/l1 "$@"
[ "$(grep -c 'l1_receipts.csv:2: receipts with an L1 data fee' $T/err)" = 1 ] || fail "L1 data fee not said once: $(cat $T/err)"
python3 tests/cli/evm_json.py $T/l1_receipts.json $T/l1_receipts.csv
shift 3; $B evm ingest --db $T/l1j ${P}block_with_logs__expected_blocks.csv ${P}block_with_logs__expected_transactions.csv \
  $T/l1_receipts.json "$@" >/dev/null 2>$T/err
grep -q 'l1_receipts.json:1: receipts with an L1 data fee' $T/err || fail "L1 data fee in JSON lines not said: $(cat $T/err)"
# and merged into the transaction, as ethereum-etl stream writes it (receipt_l1_fee)
printf '{"type": "transaction", "hash": "0x%064x", "block_number": 7, "transaction_index": 0, "from_address": "0x%040x", "to_address": "0x%040x", "value": 5, "receipt_gas_used": 21000, "receipt_effective_gas_price": 3, "receipt_status": 1, "receipt_l1_fee": 123456789}\n' \
  9 1 2 >$T/l1_stream.json
$B evm ingest --db $T/l1s $T/l1_stream.json >/dev/null 2>$T/err || fail "receipt_l1_fee: $(cat $T/err)"
grep -q 'l1_stream.json:1: receipts with an L1 data fee' $T/err || fail "receipt_l1_fee not said: $(cat $T/err)"
set -- ${P}blocks_with_transactions__expected_blocks.csv ${P}blocks_with_transactions__expected_transactions.csv
$B evm ingest --db $T/b "$@" >/dev/null
ref $T/b "$@"
# transfers extracted from logs alone equal the exporter's token_transfers
$B evm ingest --db $T/k $D/test_extract_token_transfers_job__logs__logs.csv >/dev/null
ref $T/k $D/test_extract_token_transfers_job__logs__expected_token_transfers.csv
# tokens tables: assets known
$B evm ingest --db $T/tk $D/test_export_tokens_job__token_with_alternative_return_type__expected_tokens.csv \
  $D/test_export_tokens_job__token_with_invalid_data__expected_tokens.csv >/dev/null
$B evm stats --db $T/tk | grep -q '"assets": 3' || fail "tokens table"

# zero-byte files are empty tables; the block row alone is a block
set -- ${P}block_without_transactions__expected_blocks.csv ${P}block_without_transactions__expected_transactions.csv \
  $D/test_export_traces_job__block_without_transactions__expected_traces.csv \
  $D/test_extract_geth_traces_job__block_without_transactions__expected_traces.csv
$B evm ingest --db $T/e "$@" >/dev/null || fail "zero-byte files"
ref $T/e "$@"
$B evm stats --db $T/e | grep -q '"first_block": 0' || fail "genesis block row"

# one block's traces exported parity-style and geth-style, in either order:
# the second file's are ignored, not counted as the block's own (the failed
# 1 ether call moves nothing, the 1.1 ether one counts once)
for o in "export extract_geth" "extract_geth export"; do
  set --; for j in $o; do set -- "$@" $D/test_${j}_traces_job__block_with_error__expected_traces.csv; done
  rm -rf $T/dup; $B evm ingest --db $T/dup "$@" >/dev/null 2>&1 || fail "parity and geth traces: $o"
  $B evm stats --db $T/dup | grep -q '"flows": 2,' \
    && ! $B evm address --db $T/dup 0xad9253df75b066c67aff5cdd9d6d2b9245444726 | grep -q '"sent": "[1-9]' \
    || fail "parity and geth traces of one block counted twice ($o): $($B evm stats --db $T/dup)"
done

# JSON lines (ethereum-etl's other output): every sample again, the same answers
n=0
for grp in "$D/test_export_traces_job__block_with_create__expected_traces.csv" \
    "$D/test_extract_geth_traces_job__block_with_subtraces__expected_traces.csv" \
    "${P}blocks_with_transactions_and_withdrawals__expected_blocks.csv ${P}blocks_with_transactions_and_withdrawals__expected_transactions.csv" \
    "${P}block_with_logs__expected_blocks.csv ${P}block_with_logs__expected_transactions.csv $D/test_export_receipts_job__receipts_with_logs__expected_receipts.csv $D/test_export_receipts_job__receipts_with_logs__expected_logs.csv" \
    "$D/test_export_traces_job__block_with_error__expected_traces.csv $D/test_export_traces_job__block_with_suicide__expected_traces.csv"; do
  n=$((n + 1))
  python3 tests/cli/evm_json.py $T/j$n.json $grp
  gzip -c $T/j$n.json >$T/j$n.json.gz
  $B evm ingest --db $T/json$n $T/j$n.json.gz >/dev/null || fail "JSON lines $grp"
  # the store byte for byte the CSV files' (which the reference checks in
  # full above and below), and the reference again on a fifth of it
  $B evm ingest --db $T/jcsv$n $grp >/dev/null || fail "CSV $grp"
  same_store $T/json$n $T/jcsv$n "JSON lines $grp"
  ref $T/json$n $grp --every $((EVERY * 5))
done
# BigQuery's crypto_ethereum tables exported as JSON lines: no "type" (each
# line's table told by its keys), receipts inside their transactions as
# receipt_*, times as UTC text; the same answers, the same block times
n=0
for grp in "${P}block_with_logs__expected_blocks.csv ${P}block_with_logs__expected_transactions.csv $D/test_export_receipts_job__receipts_with_logs__expected_receipts.csv $D/test_export_receipts_job__receipts_with_logs__expected_logs.csv" \
    "${P}blocks_with_transactions_and_withdrawals__expected_blocks.csv ${P}blocks_with_transactions_and_withdrawals__expected_transactions.csv" \
    "$D/test_export_traces_job__block_with_error__expected_traces.csv $D/test_export_token_transfers_job__block_with_transfers__expected_token_transfers.csv"; do
  n=$((n + 1))
  python3 tests/cli/evm_json.py --bigquery $T/bq$n.json $grp
  ! grep -q '"type"' $T/bq$n.json || fail "BigQuery form has a type"
  $B evm ingest --db $T/bq$n $T/bq$n.json >/dev/null || fail "BigQuery JSON lines $grp"
  ref $T/bq$n $grp --every $EVERY
  # the same as one JSON array (BigQuery's console saves query results so)
  # and as objects pretty-printed one after another, gzipped: objects over
  # several lines, read piece by piece
  python3 tests/cli/evm_json.py --bigquery --array $T/bqa$n.json $grp
  python3 tests/cli/evm_json.py --bigquery --pretty $T/bqp$n.json $grp
  gzip $T/bqp$n.json
  # (the store byte for byte the JSON lines' one, which the reference
  # checked: the same answers, at a fraction of its thousand queries)
  for f in bqa$n.json bqp$n.json.gz; do
    $B evm ingest --db $T/db_$f $T/$f >/dev/null || fail "JSON document $f"
    same_store $T/db_$f $T/bq$n "JSON document $f"
  done
  $B evm ingest --db $T/bqcsv$n $grp >/dev/null
  if [ -e $T/bqcsv$n/blocktimes.bin ]; then
    cmp $T/bq$n/blocktimes.bin $T/bqcsv$n/blocktimes.bin || fail "BigQuery block times $grp"
  else [ ! -e $T/bq$n/blocktimes.bin ] || fail "BigQuery block times of no blocks"; fi
done
grep -q 'receipt_gas_used' $T/bq1.json && grep -q 'UTC"' $T/bq1.json && [ -s $T/bq1/blocktimes.bin ] \
  || fail "BigQuery form not written"
# the forms of a block's time: seconds, BigQuery's text, ISO; another
# offset is no time (the block is kept)
printf 'number,miner,timestamp\n1,0x388c818ca8b9251b393131c08a736a67ccb19297,1681000000\n2,0x388c818ca8b9251b393131c08a736a67ccb19297,2024-02-29 23:59:59.123456 UTC\n3,0x388c818ca8b9251b393131c08a736a67ccb19297,2015-07-30T15:26:28Z\n4,0x388c818ca8b9251b393131c08a736a67ccb19297,2015-07-30T15:26:28+00:00\n5,0x388c818ca8b9251b393131c08a736a67ccb19297,2015-07-30T15:26:28+09:00\n6,0x388c818ca8b9251b393131c08a736a67ccb19297,2100-02-28 23:59:59 UTC\n7,0x388c818ca8b9251b393131c08a736a67ccb19297,2023-02-29 00:00:00 UTC\n8,0x388c818ca8b9251b393131c08a736a67ccb19297,2000-02-29 12:00:00\n' >$T/times.csv
$B evm ingest --db $T/times $T/times.csv >/dev/null || fail "block times"
[ "$(od -A n -t u8 -v $T/times/blocktimes.bin | tr -s ' \n' ' ')" = " 1 1681000000 2 1709251199 3 1438269988 4 1438269988 6 4107542399 8 951825600 " ] \
  || fail "block times: $(od -A n -t u8 -v $T/times/blocktimes.bin)"
$B evm stats --db $T/times | grep -q '"blocks": 8' || fail "a block of no known time"
printf '{"block_number": 5, "colour": "red"}\n{"type": "traces", "block_number": 5}\n' >$T/bqbad.json
set +e
$B evm ingest --db $T/bqbad $T/bqbad.json >/dev/null 2>$T/err; rc=$?
set -e
[ $rc -eq 1 ] && grep -q 'bqbad.json:1: no "type", and its keys are those of no ethereum-etl table' $T/err \
  && grep -q 'bqbad.json:2: its "type" is no ethereum-etl table' $T/err || fail "lines of no table: $(cat $T/err)"
printf '{"type": "trace", "block_number": 5}\n{"type": "trace", "block_number": 5,\nnot json\n' >$T/bad.json
set +e
$B evm ingest --db $T/badjson $T/bad.json >/dev/null 2>$T/err; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "bad.json:1: a traces row needs the key 'trace_type'" $T/err && grep -q "bad.json:2: not one JSON object" $T/err \
  && grep -q "bad.json:3" $T/err || fail "bad JSON lines: $(cat $T/err)"
# null where a CSV export has an empty field (Python's None): the same rows
# kept, fee and miner unknown, as from the CSV
H1=0x$(printf '%064x' 1)
printf '{"type": "receipt", "transaction_hash": "%s", "block_number": 100, "transaction_index": 0, "gas_used": null, "status": 1, "effective_gas_price": null}\n{"type": "block", "number": 100, "miner": null, "base_fee_per_gas": null}\n' $H1 >$T/nulls.json
printf 'transaction_hash,block_number,transaction_index,gas_used,status,effective_gas_price\n%s,100,0,,1,\n' $H1 >$T/nulls_r.csv
printf 'number,miner,base_fee_per_gas\n100,,\n' >$T/nulls_b.csv
$B evm ingest --db $T/nullj $T/nulls.json >$T/out.json 2>$T/err && grep -q '"bad_rows": 0' $T/out.json || fail "nulls: $(cat $T/err)"
$B evm ingest --db $T/nullc $T/nulls_r.csv $T/nulls_b.csv >/dev/null
for q in stats "tx $H1"; do
  [ "$($B evm $q --db $T/nullj | grep -v store_bytes)" = "$($B evm $q --db $T/nullc | grep -v store_bytes)" ] || fail "nulls: evm $q differs from the CSV's"
done
# a JSON array cut at an element's end (a download cut short): said, not
# taken for the whole file
python3 -c "import json; s = json.dumps([{'type': 'transaction', 'hash': '0x%064x' % i, 'block_number': 100, 'transaction_index': i} for i in range(5)], indent=2); c = s[:s.index('0x%064x' % 3)]; open('$T/cut.json', 'w').write(c[:c.rindex('}') + 1] + ',')"
set +e
$B evm ingest --db $T/cut $T/cut.json >/dev/null 2>$T/err; rc=$?
set -e
[ $rc = 1 ] && grep -q "cut.json:[0-9]*: a JSON array not closed before the end of the file" $T/err || fail "a cut array: $(cat $T/err)"

# a value not of its column: the report names the column, the value and
# what the column holds (a spreadsheet's or pandas' float form among them)
{ echo 'hash,block_number,transaction_index,from_address,to_address,value'
  echo "0x$(printf '%064x' 1),5,0,0x$(printf '%040x' 1),0x$(printf '%040x' 2),1e+18"
  echo "0x$(printf '%064x' 2),5,1,0x12,0x$(printf '%040x' 2),5"
  echo "0x$(printf '%064x' 3),5,2,0x$(printf '%040x' 1),0x$(printf '%040x' 2),7"
  echo "0x$(printf '%064x' 4),5,3,0x$(printf '%040x' 1),0x$(printf '%040x' 2),None"; } >$T/badval.csv
set +e
$B evm ingest --db $T/badval $T/badval.csv >/dev/null 2>$T/err; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "badval.csv:2: value is not what the column holds: '1e+18' is not a whole number in decimal digits or 0x hex (a float's form" $T/err \
  && grep -q "badval.csv:3: from_address is not what the column holds: '0x12' is not an address (0x and 40 hex digits)" $T/err \
  && grep -q "badval.csv:5: value is not what the column holds: 'None' is not a whole number (decimal" $T/err \
  && $B evm stats --db $T/badval | grep -q '"transactions": 1' || fail "values not of their column: $(cat $T/err)"

# what real exports hold beside the samples: each read as its exporter means
# it, with exit 0 (no row of these is bad)
V=$T/var; mkdir -p $V/dir/sub
A1=0x39fa8c5f2793459d6622857e7d9fbb4bd91766d3; A2=0xc083e9947cf02b8ffc7d3090ae9aea72df98fd47
A3=0x1111111111111111111111111111111111111111; A4=0x2222222222222222222222222222222222222222
TR=0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef
TH=0x04cbcb236043d8fb7839e07bbc7f5eed692fb2ca55d897f1101eac3e3ad4fab8
PAD=0x000000000000000000000000
# a geth trace of type create2 (ethereum-etl lowercases geth's CREATE2): its ether moves
{ head -1 $D/test_extract_geth_traces_job__block_with_create__expected_traces.csv
  echo "1000000,,0,$A1,$A2,100,0x,0x,call,call,,1,1,1,,,,"
  echo "1000000,,0,$A2,$A3,60,0x,0x,create2,,,1,1,1,0,,,"
  echo "1000000,,0,$A3,$A4,10,0x,0x,call,call,,1,1,0,\"0,0\",,,"; } >$V/dir/TRACES.CSV
# a Transfer event of another shape (no amount, two amounts): no token
# moved, said once, as ethereum-etl's extractor reads it; a topic with more
# than an address in it: its low 20 bytes, as that extractor takes them; a
# log with its null topics left out, as BigQuery may write it
{ printf '{"log_index": 7, "transaction_hash": "%s", "transaction_index": 0, "block_number": 483920, "address": "%s", "data": "0x", "topics": ["%s", "%s%s", "%s%s"]}\n' $TH $A3 $TR $PAD ${A1#0x} $PAD ${A2#0x}
  printf '{"log_index": 8, "transaction_hash": "%s", "transaction_index": 0, "block_number": 483920, "address": "%s", "data": "0x%064d%064d", "topics": ["%s", "%s%s", "%s%s"]}\n' $TH $A3 1 1 $TR $PAD ${A1#0x} $PAD ${A2#0x}
  printf '{"log_index": 9, "transaction_hash": "%s", "transaction_index": 0, "block_number": 483920, "address": "%s", "data": "0x%064d", "topics": ["%s", "0xff0000000000000000000000%s", "%s%s"]}\n' $TH $A3 1 $TR ${A1#0x} $PAD ${A2#0x}
  printf '{"log_index": 10, "transaction_hash": "%s", "transaction_index": 0, "block_number": 483920, "address": "%s", "data": "0x"}\n' $TH $A3
  # tokens named in escapes (Python's json writes every non-ASCII letter so; a NUL
  # and half a pair become U+FFFD), one with no symbol
  printf '{"type": "token", "address": "%s", "symbol": "\\u00e9T", "name": "Caf\\u00e9 \\ud83d\\ude80 \\u0000 \\ud800", "decimals": 18}\n' $A3
  printf '{"address": "%s", "name": "no symbol", "decimals": 6}\n' $A4
  # ethereum-etl's stream writes contracts too: without is_erc721, not read, said once
  printf '{"type": "contract", "address": "%s", "bytecode": "0x00"}\n{"type": "contract", "address": "%s", "bytecode": "0x00"}\n' $A3 $A4
} >$V/dir/sub/logs.ndjson
printf '\357\273\277' >$V/dir/bom.json; cat $V/dir/sub/logs.ndjson >>$V/dir/bom.json
printf 'address,bytecode,function_sighashes,is_erc20,is_erc721,block_number\n%s,0x00,,false,false,1\n' $A3 \
  >$V/dir/contracts.csv # read: not ERC-721
printf 'number,miner,timestamp\n1000000,%s,2015-08-07 08:31:25+00\n' $A1 >$V/dir/blocks.csv
cp $D/test_export_receipts_job__receipts_with_logs__expected_logs.csv $V/dir/sub/logs.csv
echo "a shard named by its URI" >$V/dir/transactions-000000000000; : >$V/dir/_SUCCESS
$B evm ingest --db $V/db $V/dir >$V/out.json 2>$V/err || fail "export variants: $(cat $V/err)"
grep -q '"bad_rows": 0' $V/out.json || fail "export variants: bad rows"
[ "$(grep -c 'not read' $V/err)" = 3 ] && ! grep -q 'contracts.csv' $V/err \
  && grep -q 'logs.ndjson:7: a table that moves no value' $V/err && grep -q 'bom.json:7: a table' $V/err \
  && [ "$(grep -c "logs.ndjson:1: a Transfer event whose topics and data words are not four in all" $V/err)" = 1 ] \
  && grep -q 'transactions-000000000000: 1 file in the folders not read' $V/err && ! grep -q _SUCCESS $V/err \
  || fail "export variants not said: $(cat $V/err)"
$B evm address --db $V/db $A3 | python3 -c "import json,sys; j=json.load(sys.stdin); b={x['asset']: x for x in j['balances']}
sys.exit(not (b['ETH']['received'] == '60' and b['ETH']['sent'] == '10' and len(b) == 1))" || fail "create2's ether"
$B evm address --db $V/db $A1 | python3 -c "import json,sys; j=json.load(sys.stdin); b={x['asset']: x for x in j['balances']}
sys.exit(not (b['$A3']['sent'] == '1' and b['$A3']['received'] == '0'))" || fail "Transfers of other shapes"
printf '{"log_index": 7, "transaction_hash": "%s", "transaction_index": 0, "block_number": 483920, "address": "%s", "data": "0x", "topics": ["%s", "0x12", "%s%s"]}\n' $TH $A3 $TR $PAD ${A2#0x} >$V/badtr.json
set +e
$B evm ingest --db $V/badtr $V/badtr.json >/dev/null 2>$V/err; rc=$?
set -e
[ $rc = 1 ] && grep -q "badtr.json:1: topics: a token event's topics or data are not hex words" $V/err || fail "a Transfer not hex: $(cat $V/err)"
$B evm stats --db $V/db | grep -q '"assets": 4' || fail "tokens named in escapes, or without a symbol: $($B evm stats --db $V/db)"
# Transfer's shapes as ethereum-etl's extractor takes them (four words with
# topic0): ERC-20's three topics, the older one and two topics with the rest
# in the data (flows); ERC-721's four topics (the token id indexed: no flow,
# and its token_transfers twin none either, in whichever file order); topic0
# in any letter case. Without the logs, token_transfers cannot tell: said.
N=$V/nft; mkdir -p $N/both $N/tt $N/logs $N/shapes
H1=0x$(printf '%064x' 1); H2=0x$(printf '%064x' 2); NFT=0x6666666666666666666666666666666666666666
TRU=$(echo $TR | tr a-f A-F | sed 's/^0X/0x/'); W1=$PAD${A1#0x}; W2=$PAD${A2#0x}
printf 'token_address,from_address,to_address,value,transaction_hash,log_index,block_number\n%s,%s,%s,1234,%s,0,100\n' $NFT $A1 $A2 $H1 >$N/both/a_token_transfers.csv
printf 'log_index,transaction_hash,transaction_index,block_hash,block_number,address,data,topics\n0,%s,0,%s,100,%s,0x,"%s,%s,%s,0x%064x"\n' $H1 $TH $NFT $TR $W1 $W2 1234 >$N/both/b_logs.csv
cp $N/both/a_token_transfers.csv $N/tt/; cp $N/both/b_logs.csv $N/logs/
{ printf 'log_index,transaction_hash,transaction_index,block_hash,block_number,address,data,topics\n'
  printf '0,%s,0,%s,100,%s,0x%064x,"%s,%s,%s"\n' $H2 $TH $A3 77 $TRU $W1 $W2
  printf '1,%s,0,%s,100,%s,0x%064x,"0X%s,%s,%s"\n' $H2 $TH $A3 78 ${TR#0x} $W1 $W2
  printf '2,%s,0,%s,100,%s,0x%s%s%064x,%s\n' $H2 $TH $A3 ${W1#0x} ${W2#0x} 79 $TR
  printf '3,%s,0,%s,100,%s,0x%s%064x,"%s,%s"\n' $H2 $TH $A3 ${W2#0x} 80 $TR $W1
  printf '4,%s,0,%s,100,%s,0x52,"%s,%s,%s"\n' $H2 $TH $A3 $TR $W1 $W2 # data shorter than a word: the amount
} >$N/shapes/logs.csv
for k in both tt logs shapes; do
  $B evm ingest --db $N/db_$k $N/$k >/dev/null 2>$N/err_$k || fail "transfer shapes $k: $(cat $N/err_$k)"
done
nft_flows() { $B evm tx --db $N/db_$1 $H1 | python3 -c "import json,sys; print(len(json.load(sys.stdin)['flows']))"; }
[ "$(nft_flows both)" = 0 ] && [ "$(nft_flows logs)" = 0 ] && [ "$(nft_flows tt)" = 1 ] || fail "ERC-721 taken for a token"
grep -q 'b_logs.csv:2: ERC-721 transfers' $N/err_both && grep -q 'a_token_transfers.csv: 1 token transfer without the logs' $N/err_tt \
  && ! grep -q 'without the logs' $N/err_both || fail "ERC-721 not said: $(cat $N/err_both $N/err_tt)"
# the contracts table's is_erc721 tells them too, without the logs, for any
# shape (CryptoKitties' Transfer indexes nothing: one topic, three words)
mkdir -p $N/ktt $N/klog
cp $N/tt/a_token_transfers.csv $N/ktt/
printf 'address,bytecode,function_sighashes,is_erc20,is_erc721,block_number\n%s,0x00,,False,True,90\n' $NFT \
  >$N/ktt/contracts.csv
printf 'log_index,transaction_hash,transaction_index,block_hash,block_number,address,data,topics\n' >$N/klog/logs.csv
printf '0,%s,0,%s,100,%s,0x%s%s%064x,%s\n' $H1 $TH $NFT ${W1#0x} ${W2#0x} 1234 $TR >>$N/klog/logs.csv
printf '{"address": "%s", "bytecode": "0x00", "function_sighashes": ["0x01ffc9a7"], "is_erc20": false, "is_erc721": true, "block_number": null}\n' \
  $NFT >$N/klog/contracts.json
for k in ktt klog; do
  $B evm ingest --db $N/db_$k $N/$k >/dev/null 2>$N/err_$k || fail "ERC-721 by the contracts table, $k: $(cat $N/err_$k)"
  [ "$(nft_flows $k)" = 0 ] && grep -q '1 transfer of ERC-721 tokens (is_erc721 in the contracts table)' $N/err_$k \
    && ! grep -q 'without the logs' $N/err_$k || fail "ERC-721 by the contracts table, $k: $(cat $N/err_$k)"
done
# a contracts table that does not name the token tells nothing: still said
mkdir -p $N/kother && cp $N/tt/a_token_transfers.csv $N/kother/
printf 'address,is_erc20,is_erc721\n%s,True,False\n' $A3 >$N/kother/contracts.csv
$B evm ingest --db $N/db_kother $N/kother >/dev/null 2>$N/err_kother
[ "$(nft_flows kother)" = 1 ] && grep -q '1 token transfer without the logs' $N/err_kother \
  || fail "a contracts table naming other tokens: $(cat $N/err_kother)"
# given in a later ingest, it leaves the transfers already stored as they are, and says so
mkdir -p $N/klater && cp $N/ktt/contracts.csv $N/klater/
printf 'token_address,from_address,to_address,value,transaction_hash,log_index,block_number\n%s,%s,%s,7,%s,0,101\n' \
  $NFT $A2 $A1 $H2 >$N/klater/token_transfers.csv
$B evm ingest --db $N/db_kother $N/klater >/dev/null 2>$N/err_klater
grep -q '1 ERC-721 token the contracts table names is in the store already' $N/err_klater \
  && grep -q '1 transfer of ERC-721 tokens' $N/err_klater || fail "a contracts table given later: $(cat $N/err_klater)"
rm $N/klog/contracts.json
$B evm ingest --db $N/db_klog0 $N/klog >/dev/null 2>&1 && [ "$(nft_flows klog0)" = 1 ] || fail "a one-topic Transfer"
printf 'address,is_erc721\n%s,maybe\n' $NFT >$N/ktt/contracts.csv
set +e
$B evm ingest --db $N/db_kbad $N/ktt >/dev/null 2>$N/err_kbad; rc=$?
set -e
[ $rc = 1 ] && grep -q 'contracts.csv:2: is_erc721 is not true or false' $N/err_kbad || fail "is_erc721: $(cat $N/err_kbad)"
$B evm tx --db $N/db_shapes $H2 | python3 -c "import json,sys; f=json.load(sys.stdin)['flows']
sys.exit(not ([x['amount'] for x in f] == ['77', '78', '79', '80', '82'] and all(x['from'] == '$A1' and x['to'] == '$A2' for x in f)))" \
  || fail "Transfer shapes: $($B evm tx --db $N/db_shapes $H2)"
# a selfdestruct that names its own contract the beneficiary: the ether is
# burnt when the contract was created in the same transaction (deleted
# with it, on every fork), kept when it was created before (from Cancun)
D5=0x$(printf '%040x' 0xd5); X5=0x$(printf '%040x' 0xa5); Y5=0x$(printf '%040x' 0xb5)
Z5=0x$(printf '%040x' 0xe5); W5=0x$(printf '%040x' 0xf5); K5=0x$(printf '%040x' 0xe6)
{ echo 'block_number,transaction_hash,transaction_index,from_address,to_address,value,input,output,trace_type,call_type,reward_type,gas,gas_used,subtraces,trace_address,error,status,trace_id'
  printf '200,0x%064x,0,%s,%s,5,0x,0x,create,,,0,0,1,,,1,\n' 5 $D5 $X5
  printf '200,0x%064x,0,%s,%s,5,0x,0x,suicide,,,0,0,0,0,,1,\n' 5 $X5 $X5
  printf '201,0x%064x,0,%s,%s,3,0x,0x,call,call,,0,0,1,,,1,\n' 6 $D5 $Y5
  printf '201,0x%064x,0,%s,%s,3,0x,0x,suicide,,,0,0,0,0,,1,\n' 6 $Y5 $Y5
  # Z5 destroyed (its 3 to W5), then paid 2 in the same transaction: gone
  # with it before Cancun, kept from it (created earlier)
  printf '200,0x%064x,1,%s,%s,3,0x,0x,call,call,,0,0,0,,,1,\n' 7 $D5 $Z5
  printf '201,0x%064x,1,%s,%s,2,0x,0x,call,call,,0,0,2,,,1,\n' 8 $D5 $K5
  printf '201,0x%064x,1,%s,%s,0,0x,0x,call,call,,0,0,1,0,,1,\n' 8 $K5 $Z5
  printf '201,0x%064x,1,%s,%s,3,0x,0x,suicide,,,0,0,0,"0,0",,1,\n' 8 $Z5 $W5
  printf '201,0x%064x,1,%s,%s,2,0x,0x,call,call,,0,0,0,1,,1,\n' 8 $K5 $Z5; } >$N/sd_traces.csv
$B evm ingest --db $N/db_sd $N/sd_traces.csv >/dev/null 2>&1 || fail "selfdestructs to themselves"
bal() { $B evm address --db $N/db_sd $1 | python3 -c "import json,sys; print(json.load(sys.stdin)['balances'][0]['balance'])"; }
[ "$(bal $X5)" = 0 ] && [ "$(bal $Y5)" = 3 ] && [ "$(bal $Z5)" = 2 ] \
  && $B evm tx --db $N/db_sd 0x$(printf '%064x' 5) | python3 -c "import json,sys; f=json.load(sys.stdin)['flows']
sys.exit(not (f[1]['from'] == '$X5' and f[1]['to'] is None and f[1]['amount'] == '5'))" \
  || fail "selfdestructs to themselves: $X5 $(bal $X5), $Y5 $(bal $Y5)"
# before Cancun the one created earlier burns its ether too: blocks whose
# table has blob gas but none in the row are older, and without the field
# the block's time against Ethereum's Cancun (1710338135) tells
M5=0x$(printf '%040x' 0xc5)
BG=timestamp,blob_gas_used
for v in 'old:timestamp:1700000000:1700000012:0' 'new:timestamp:1710338135:1710338147:3' \
         "noblob:$BG:1800000000,:1800000012,:0" "blob:$BG:1700000000,0:1700000012,0:3"; do
  IFS=: read -r k cols t200 t201 want <<EOF2
$v
EOF2
  mkdir -p $N/sd_$k && cp $N/sd_traces.csv $N/sd_$k/traces.csv
  printf 'number,miner,%s\n200,%s,%s\n201,%s,%s\n' $cols $M5 "$t200" $M5 "$t201" >$N/sd_$k/blocks.csv
  $B evm ingest --db $N/db_sd_$k $N/sd_$k >/dev/null 2>&1 || fail "selfdestructs to themselves, $k"
  $B evm address --db $N/db_sd_$k $Y5 >$N/sd_out
  got=$(python3 -c "import json,sys; print(json.load(sys.stdin)['balances'][0]['balance'])" <$N/sd_out)
  [ "$got" = "$want" ] || fail "a selfdestruct to itself, blocks $k: $got left, not $want"
  $B evm address --db $N/db_sd_$k $Z5 >$N/sd_out
  got=$(python3 -c "import json,sys; print(json.load(sys.stdin)['balances'][0]['balance'])" <$N/sd_out)
  [ "$got" = "$([ $want = 0 ] && echo 0 || echo 2)" ] || fail "ether paid to a destroyed contract, blocks $k: $got left"
done
# a JSON line naming the field null says it too
mkdir -p $N/sd_json && cp $N/sd_traces.csv $N/sd_json/traces.csv
printf '{"type": "block", "number": %d, "miner": "%s", "timestamp": 1800000012, "blob_gas_used": null}\n' \
  200 $M5 201 $M5 >$N/sd_json/blocks.json
$B evm ingest --db $N/db_sd_json $N/sd_json >/dev/null 2>&1 || fail "selfdestructs to themselves, JSON"
$B evm address --db $N/db_sd_json $Y5 | grep -q '"balance": "0"' || fail "a selfdestruct to itself, JSON null"
$B evm address --db $N/db_sd_json $Z5 | grep -q '"balance": "0"' || fail "ether paid to a destroyed contract, JSON null"
# a JSON array's strings are unescaped as every string is (\u0030 is "0")
printf '{"type": "log", "log_index": 0, "transaction_hash": "%s", "transaction_index": 0, "block_number": 100, "address": "%s", "data": "0x%064x", "topics": ["\\u0030x%s", "%s", "%s"]}\n' \
  $H2 $A3 81 ${TR#0x} $W1 $W2 >$N/escaped.json
$B evm ingest --db $N/db_esc $N/escaped.json >/dev/null 2>&1 || fail "escaped topics"
$B evm tx --db $N/db_esc $H2 | grep -q '"amount": "81"' || fail "escaped topics: $($B evm tx --db $N/db_esc $H2)"
[ "$(od -A n -t u8 -j 8 -N 8 $V/db/blocktimes.bin | tr -d ' ')" = 1438936285 ] || fail "a time ending in +00"
# a second run over the same folder: nothing added twice, the same notes, exit 0
$B evm stats --db $V/db >$V/stats1.json
$B evm ingest --db $V/db $V/dir >$V/out2.json 2>$V/err2 || fail "export variants again: $(cat $V/err2)"
grep -q '"flows_added": 0' $V/out2.json && grep -q '"blocks_skipped": 2' $V/out2.json || fail "second run: $(cat $V/out2.json)"
$B evm stats --db $V/db | cmp -s - $V/stats1.json || fail "second run changed the store"
[ "$(grep -c 'not read' $V/err2)" = 3 ] || fail "second run's notes: $(cat $V/err2)"

# gzip and folders (only export files are read from a folder)
mkdir -p $T/dir/part1
gzip -c ${P}blocks_with_transactions_and_withdrawals__expected_blocks.csv >$T/dir/part1/blocks.csv.gz
cp ${P}blocks_with_transactions_and_withdrawals__expected_transactions.csv $T/dir/transactions.csv
echo "not an export" >$T/dir/README
$B evm ingest --db $T/gz $T/dir >/dev/null || fail "folder with gzip"
ref $T/gz ${P}blocks_with_transactions_and_withdrawals__expected_blocks.csv \
  ${P}blocks_with_transactions_and_withdrawals__expected_transactions.csv --every 7

# bad rows: reported with file and line, the rest kept, exit 1
S=$D/test_export_traces_job__block_with_subtraces__expected_traces.csv
python3 - "$S" "$T/bad.csv" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
lines[3] = lines[3].replace('437194980000000000', '43719498000000000x')   # line 4: value not a number
lines.append('1000000,"0xunterminated')                                      # line 6: unterminated quote
open(sys.argv[2], 'w').write('\n'.join(lines) + '\n')
PY
set +e
$B evm ingest --db $T/bad $T/bad.csv >/dev/null 2>$T/err; rc=$?
set -e
[ $rc -eq 1 ] || fail "bad rows exit $rc"
grep -q "bad.csv:4: value" $T/err || fail "bad value not reported at line 4: $(cat $T/err)"
grep -q "bad.csv:6" $T/err || fail "unterminated row not reported at line 6: $(cat $T/err)"
$B evm tx --db $T/bad 0xea1093d492a1dcb1bef708f771a99a96ff05dcab81ca76c31940300177fcf49f | grep -q '"kind": "native"' \
  || fail "good rows of a file with bad rows"
# a missing column: the file is one bad record at line 1, other files kept
sed 's/trace_address/trace_addr/' $S >$T/nocol.csv
set +e
$B evm ingest --db $T/nocol $T/nocol.csv ${P}blocks_with_transactions__expected_blocks.csv >/dev/null 2>$T/err; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "nocol.csv:1: a traces table needs the column 'trace_address'" $T/err || fail "missing column"
$B evm stats --db $T/nocol | grep -q '"blocks": 2' || fail "other files kept"

# incremental: newer blocks added, blocks already in the store skipped
C=$D/test_export_traces_job__block_with_create__expected_traces.csv
$B evm ingest --db $T/inc $S >/dev/null
$B evm ingest --db $T/inc $C >/dev/null
$B evm ingest --db $T/inc $S >$T/out.json 2>$T/err
grep -q '"blocks_skipped": 1' $T/out.json && grep -q "not added again" $T/err || fail "re-ingest of an old block"
ref $T/inc $S $C
# index files wait beside their names until every index is built: none is
# left behind, and one that cannot take its place fails the commit (the
# temporary files removed; indexes renamed before it cover more than the
# manifest and go unused, so the store answers as its last commit did);
# a leftover of an interrupted ingest is removed by the next
! ls $T/inc | grep -q '\.tmp\.' || fail "temporary index files left: $(ls $T/inc)"
cp -r $T/export_traceswith_subtraces $T/noidx
rm -f $T/noidx/addr_flows.idx $T/noidx/addr_flows.delta.idx; mkdir $T/noidx/addr_flows.idx
set +e
$B evm ingest --db $T/noidx $C >/dev/null 2>$T/err; rc=$?
set -e
[ $rc -ne 0 ] && grep -q "addr_flows.idx: cannot rename into place" $T/err || fail "index rename failure: exit $rc, $(cat $T/err)"
! ls $T/noidx | grep -q '\.tmp\.' || fail "temporary index files left after a failure: $(ls $T/noidx)"
rmdir $T/noidx/addr_flows.idx
ref $T/noidx $S
echo leftover >$T/noidx/tx_hash.idx.tmp.4242
$B evm ingest --db $T/noidx $C >/dev/null
[ ! -e $T/noidx/tx_hash.idx.tmp.4242 ] || fail "an interrupted ingest's temporary file left"
ref $T/noidx $S $C

# an interrupted ingest's leftovers: bytes past the committed counts and a
# stale index are never shown, and the next ingest cuts them off
cp -r $T/export_traceswith_subtraces $T/crash
head -c 1000 /dev/urandom >>$T/crash/flow_amount.col
head -c 400 /dev/urandom >>$T/crash/addr.col
printf 'stale index' >$T/crash/addr_flows.idx
head -c 64 /dev/urandom >$T/crash/tx_hash.idx
ref $T/crash $S
$B evm ingest --db $T/crash $C >/dev/null
ref $T/crash $S $C

# a synthetic export (all six tables, logs and token_transfers both naming
# each Transfer): the same seed gives the same files, and the store agrees
$B evm synth --flows 3000 --out $T/syn --seed 7
$B evm synth --flows 3000 --out $T/syn2 --seed 7
cmp -s $T/syn/traces.csv $T/syn2/traces.csv || fail "synth is not deterministic"
$B evm ingest --db $T/syndb $T/syn >$T/out.json
ref $T/syndb $T/syn/blocks.csv $T/syn/transactions.csv $T/syn/receipts.csv $T/syn/logs.csv \
  $T/syn/token_transfers.csv $T/syn/traces.csv --every $((EVERY * 25))
# the mainnet mix: swaps through pools (Sync and Swap logs that move
# nothing, nested calls with and without value, quoted trace addresses)
$B evm synth --flows 3000 --out $T/synm --seed 7 --mix mainnet
cmp -s $T/syn/traces.csv $T/synm/traces.csv && fail "the mainnet mix is the lean one"
grep -q '^[0-9]*,0x[0-9a-f]*,[0-9]*,0x[0-9a-f]*,0x[0-9a-f]*,[1-9][0-9]*,[^,]*,[^,]*,call,call,,[0-9]*,[0-9]*,2,1,' \
  $T/synm/traces.csv || fail "no swap pays its first pool in ether"
$B evm ingest --db $T/synmdb $T/synm >$T/out.json
ref $T/synmdb $T/synm/blocks.csv $T/synm/transactions.csv $T/synm/receipts.csv $T/synm/logs.csv \
  $T/synm/token_transfers.csv $T/synm/traces.csv --every $((EVERY * 25))
# its continuation (--from-block), ingested on top: the store agrees with
# both parts read as one export
last=$($B evm stats --db $T/synmdb | python3 -c 'import json,sys; print(json.load(sys.stdin)["last_block"])')
$B evm synth --flows 2000 --out $T/synm2 --seed 8 --mix mainnet --from-block $((last + 1))
[ "$(awk -F, 'NR == 2 {print $1}' $T/synm2/blocks.csv)" = $((last + 1)) ] || fail "mainnet mix: --from-block"
$B evm ingest --db $T/synmdb $T/synm2 >$T/out.json
ref $T/synmdb $T/synm/*.csv $T/synm2/*.csv --every $((EVERY * 25))
# bench/evm_replay.py, the benchmark's real export written out again: each
# copy adds the export's blocks, transactions and flows again, and its
# senders as new addresses; the store agrees with the independent reading
mkdir -p $T/rin
cp $D/test_export_blocks_job__blocks_with_transactions_and_withdrawals__expected_*.csv $T/rin/
python3 bench/evm_replay.py $T/rin $T/r1 1 >/dev/null
python3 bench/evm_replay.py $T/rin $T/r3 3 >$T/replay.txt
senders=$(sed -n 's/.*(\([0-9]*\) senders).*/\1/p' $T/replay.txt)
[ "${senders:-0}" -gt 0 ] || fail "evm_replay: no senders said: $(cat $T/replay.txt)"
$B evm ingest --db $T/r1db $T/r1 >$T/r1.json
$B evm ingest --db $T/r3db $T/r3 >$T/r3.json
python3 - $T/r1.json $T/r3.json "$senders" <<'PY' || fail "evm_replay: three copies are not three times one"
import json, sys
one, three, senders = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
assert one['transactions_added'] > 0 and one['flows_added'] > 0, one
for k in ('blocks_added', 'transactions_added', 'flows_added'):
    assert three[k] == 3 * one[k], (k, one[k], three[k])
assert three['addresses_added'] == one['addresses_added'] + 2 * senders, (one, three, senders)
PY
# (every ninth transaction and address: the copies are alike, and all of
# them took 3,600 queries)
ref $T/r3db $T/r3/*.csv --every $((EVERY * 9))
if $B evm synth --flows 30 --out $T/synx --mix heavy 2>$T/err; then fail "--mix heavy accepted"; fi
grep -q "mix is lean or mainnet" $T/err || fail "--mix heavy: $(cat $T/err)"

# amounts of 2^128 - 1 and more (one token transfer in 64 of the synthetic
# chain) are kept whole beside the 16-byte amount columns: every one of
# them answered exactly, before and after another ingest appends to the store
$B evm synth --flows 40000 --out $T/wide --seed 5 >/dev/null
python3 - "$B" $T/wide $T/widedb <<'PY' || fail "wide amounts"
import csv, json, os, subprocess, sys
sys.path.insert(0, 'tests/lib')
from evm_parts import halves
b, x, db = sys.argv[1:]
rows = list(csv.DictReader(open(os.path.join(x, 'token_transfers.csv'))))
halves(x)
# the first half of the blocks, then the rest: a second ingest appends
for name in ('a', 'b'):
    subprocess.run([b, 'evm', 'ingest', '--db', db, os.path.join(x, name)], check=True, stdout=subprocess.DEVNULL)
wide = [r for r in rows if int(r['value']) >= 2**128 - 1]
assert len(wide) >= 10, len(wide)
for r in wide:
    t = json.loads(subprocess.run([b, 'evm', 'tx', '--db', db, r['transaction_hash']], check=True,
                                  capture_output=True, text=True).stdout)
    got = [f for f in t['flows'] if f['kind'] == 'token' and f['asset'] == r['token_address']
           and f['to'] == r['to_address']]
    assert [f['amount'] for f in got] == [r['value']], (r, got)
print('wide amounts: %d transfers of 2^128 - 1 or more answered exactly' % len(wide))
PY

# fees_unknown counts every transaction of unknown fee an address sent,
# those that moved nothing from it too (zero-value calls, failed ones: on
# none of its flows): an export without receipts, ingested whole, in two
# parts, and in two parts with the second rebuilding the file from the
# columns (its file removed); at the end and at a block between
$B evm synth --flows 20000 --out $T/nr --seed 3 >/dev/null
python3 - "$B" $T/nr <<'PY' || fail "fees_unknown"
import collections, csv, json, os, random, shutil, subprocess, sys
sys.path.insert(0, 'tests/lib')
from evm_parts import halves, part
b, x = sys.argv[1:]
tx = list(csv.DictReader(open(os.path.join(x, 'transactions.csv'))))
no_receipts = ('blocks.csv', 'transactions.csv', 'logs.csv', 'token_transfers.csv', 'traces.csv')
cut = halves(x, no_receipts)
part(x, 'all', lambda n: True, no_receipts)
def ingest(db, d):
    subprocess.run([b, 'evm', 'ingest', '--db', db, os.path.join(x, d)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
one, two, redo = (os.path.join(x, n) for n in ('one', 'two', 'redo'))
ingest(one, 'all'); ingest(two, 'a'); ingest(redo, 'a')
os.remove(os.path.join(redo, 'addr_nofee.idx'))
shutil.copy(os.path.join(two, 'addr_nofee.idx'), os.path.join(x, 'nofee_a'))
mid = os.path.join(x, 'mid')
shutil.copytree(two, mid)
ingest(two, 'b'); ingest(redo, 'b')
# a run that failed between the file and its manifest (the next commit's
# file beside the last commit's manifest): read as the last commit's
shutil.copy(os.path.join(two, 'addr_nofee.idx'), os.path.join(mid, 'addr_nofee.idx'))
# a commit that adds no such transaction rewrites only the file's commit, in place
f = os.path.join(two, 'addr_nofee.idx')
ino = os.stat(f).st_ino
ingest(two, 'b')
assert os.stat(f).st_ino == ino
# a file of another commit (an older run's, say) is not read; the next commit writes it again
stale = os.path.join(x, 'stale')
shutil.copytree(two, stale)
shutil.copy(os.path.join(x, 'nofee_a'), os.path.join(stale, 'addr_nofee.idx'))
# and one cut short (a damaged disk) likewise
short = os.path.join(x, 'short')
shutil.copytree(two, short)
os.truncate(os.path.join(short, 'addr_nofee.idx'), 13)
sent = collections.Counter(r['from_address'] for r in tx)
early = collections.Counter(r['from_address'] for r in tx if int(r['block_number']) <= cut)
random.seed(1)
who = [a for a, _ in sent.most_common(5)] + random.sample(sorted(sent), 40)
def answer(db, a, at=None):
    q = [b, 'evm', 'address', '--db', db, a] + (['--at-block', str(at)] if at else [])
    return json.loads(subprocess.run(q, check=True, capture_output=True, text=True).stdout)
for a in (a for a in who if early[a]):
    j = answer(mid, a)
    assert j['fees_unknown'] == early[a] and 'leaves out transactions' not in j['note'], (a, j, early[a])
# a file not the store's (missing, of another commit, damaged): its count is
# left out, and the answer says so, until the next commit writes it again
for db in (stale, short):
    js = [answer(db, a) for a in who]
    assert sum(j['fees_unknown'] for j in js) < sum(sent[a] for a in who)
    assert all('fees_unknown leaves out transactions that moved nothing' in j['note'] for j in js), js[0]
    ingest(db, 'b')
for db in (one, two, redo, stale, short):
    for a in who:
        for at, want in ((None, sent[a]), (cut, early[a])):
            j = answer(db, a, at)
            assert j['fees_unknown'] == want and 'leaves out transactions' not in j['note'], (db, a, at, j, want)
# a store whose exports gave every fee, without the file (as an older
# sanctrace wrote it): there is nothing it could leave out, and the
# answer does not say there is
full = os.path.join(x, 'full')
subprocess.run([b, 'evm', 'ingest', '--db', full] + [os.path.join(x, f + '.csv') for f in
                ('blocks', 'transactions', 'receipts', 'logs', 'token_transfers', 'traces')],
               check=True, stdout=subprocess.DEVNULL)
os.remove(os.path.join(full, 'addr_nofee.idx'))
for a in who:
    j = answer(full, a)
    assert j['fees_unknown'] == 0 and 'leaves out transactions' not in j['note'], (a, j)
PY
# index files of another store (copied in by hand) fit the counts but not
# the keys: not used, neither by the queries nor by the next ingest
$B evm synth --flows 20000 --out $T/fx --seed 7 >/dev/null
$B evm synth --flows 4000 --out $T/fx_small --seed 8 >/dev/null
python3 - "$B" $T/fx $T/fx_small <<'PY' || fail "index files of another store"
import collections, csv, json, os, random, shutil, subprocess, sys
sys.path.insert(0, 'tests/lib')
from evm_parts import halves
b, x, small = sys.argv[1:]
tx = list(csv.DictReader(open(os.path.join(x, 'transactions.csv'))))
cut = halves(x)
def run(*a):
    return subprocess.run([b] + list(a), check=True, capture_output=True, text=True).stdout
whole, mixed, other = (os.path.join(x, n) for n in ('whole', 'mixed', 'other'))
run('evm', 'ingest', '--db', whole, x)
run('evm', 'ingest', '--db', other, small)
run('evm', 'ingest', '--db', mixed, os.path.join(x, 'a'))
names = ('addr_hash.idx', 'tx_hash.idx', 'addr_flows.idx', 'addr_bal.idx')
for n in names:
    shutil.copy(os.path.join(other, n), os.path.join(mixed, n))
random.seed(2)
early = [r for r in tx if int(r['block_number']) <= cut]
busy = collections.Counter(r['from_address'] for r in early) + collections.Counter(r['to_address'] for r in early)
who = sorted({r['from_address'] for r in early})
who = [a for a, _ in busy.most_common(4) if a] + who[:3] + who[-3:] + random.sample(who, 20)
hashes = [r['hash'] for r in early[:3] + early[-3:] + random.sample(early, 20)]
half = os.path.join(x, 'half')
run('evm', 'ingest', '--db', half, os.path.join(x, 'a'))
for a in who:
    assert run('evm', 'address', '--db', mixed, a) == run('evm', 'address', '--db', half, a), a
for h in hashes:
    assert run('evm', 'tx', '--db', mixed, h) == run('evm', 'tx', '--db', half, h), h
run('evm', 'ingest', '--db', mixed, os.path.join(x, 'b'))
s1, s2 = json.loads(run('evm', 'stats', '--db', mixed)), json.loads(run('evm', 'stats', '--db', whole))
s1.pop('store_bytes'), s2.pop('store_bytes'), s1.pop('bytes_per_flow'), s2.pop('bytes_per_flow')
assert s1 == s2, (s1, s2)
for a in sorted({r['from_address'] for r in tx})[:40]:
    assert run('evm', 'address', '--db', mixed, a) == run('evm', 'address', '--db', whole, a), a
PY
# sums past 2^256 (spam and address-poisoning tokens move amounts near it):
# 600 transfers of 2^256 - 1 - i into one address, so its running balances
# hold checkpoints; received and sent exact at the end and at a block in
# the middle, with the checkpoints and walking every flow
python3 - "$B" $T/big <<'PY' || fail "sums past 2^256"
import json, os, subprocess, sys
b, x = sys.argv[1:]
os.makedirs(x)
tok, src, dst = '0x' + 'ab' * 20, '0x' + '11' * 20, '0x' + '22' * 20
with open(os.path.join(x, 'token_transfers.csv'), 'w') as o:
    o.write('token_address,from_address,to_address,value,transaction_hash,log_index,block_number\n')
    for i in range(600):
        o.write('%s,%s,%s,%d,0x%064x,0,%d\n' % (tok, src, dst, 2**256 - 1 - i, i + 1, 1000 + i))
db = x + 'db'
subprocess.run([b, 'evm', 'ingest', '--db', db, x], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
assert os.path.getsize(os.path.join(db, 'addr_bal.idx')) > 0
def ask(addr, at=None):
    a = [b, 'evm', 'address', '--db', db, addr] + (['--at-block', str(at)] if at else [])
    return {x['asset']: x for x in json.loads(subprocess.run(a, check=True, capture_output=True, text=True).stdout)['balances']}[tok]
for walk in (0, 1):
    if walk:
        os.remove(os.path.join(db, 'addr_bal.idx'))
    for at, n in ((None, 600), (1000 + 433, 434)):
        want = sum(2**256 - 1 - i for i in range(n))
        r, s = ask(dst, at), ask(src, at)
        assert r['received'] == str(want) and r['balance'] == str(want) and r['sent'] == '0', (walk, at, r)
        assert s['sent'] == str(want) and s['balance'] == '-' + str(want), (walk, at, s)
PY

# files are read a window of blocks at a time (16 blocks first, then more):
# a 60,000-flow export takes several windows; the same export gzipped (read
# in windows too, see evm_gzip.sh), or with its traces out of block order
# (read whole), gives every column and index byte for byte the same, and
# the same block times and events (the windows read before the file was
# found out of order take back what they appended)
$B evm synth --flows 60000 --out $T/win --seed 3
mkdir -p $T/wingz $T/winrev
for f in $T/win/*.csv; do gzip -c "$f" >$T/wingz/$(basename "$f").gz; cp "$f" $T/winrev/; done
{ head -1 $T/win/traces.csv; tail -n +2 $T/win/traces.csv | sort -t, -k1,1nr; } >$T/winrev/traces.csv
$B evm ingest --db $T/windb $T/win >/dev/null
$B evm ingest --db $T/windbgz $T/wingz >/dev/null
$B evm ingest --db $T/windbrev $T/winrev >/dev/null
[ -s $T/windb/blocktimes.bin ] || fail "no block times written"
for c in $T/windb/*.col $T/windb/*.idx $T/windb/*.bin; do
  cmp -s "$c" $T/windbgz/$(basename "$c") || fail "windowed and whole readings differ: $(basename "$c")"
  cmp -s "$c" $T/windbrev/$(basename "$c") || fail "an export out of block order differs: $(basename "$c")"
done
# traces, logs and token transfers are parsed on a thread of their own
# beside blocks, transactions and receipts: one parser gives every file and
# every report the same, bad rows in both groups included (a window's
# reports come group by group, so only their order differs)
SANCTRACE_EVM_ONE_PARSER=1 $B evm ingest --db $T/windb1 $T/win >/dev/null
for c in $T/windb/*; do cmp -s "$c" $T/windb1/$(basename "$c") || fail "one parser differs: $(basename "$c")"; done
mkdir -p $T/winbad2
for f in $T/win/*.csv; do awk 'NR == 500 { print "17000003,nothex,0,,,,,,call,call,,,,,,,,"; print "x,y" } { print }' "$f" >$T/winbad2/$(basename "$f"); done
set +e
$B evm ingest --db $T/wb2 $T/winbad2 >/dev/null 2>$T/err2; rc2=$?
SANCTRACE_EVM_ONE_PARSER=1 $B evm ingest --db $T/wb1 $T/winbad2 >/dev/null 2>$T/err1; rc1=$?
set -e
[ $rc1 -eq 1 ] && [ $rc2 -eq 1 ] && [ "$(grep -c ':50[01]: ' $T/err2)" -ge 10 ] || fail "bad rows in every table: exit $rc1 $rc2, $(cat $T/err2)"
sort $T/err1 >$T/err1s; sort $T/err2 >$T/err2s
cmp -s $T/err1s $T/err2s || fail "one parser reports otherwise: $(diff $T/err1s $T/err2s)"
for c in $T/wb1/*; do cmp -s "$c" $T/wb2/$(basename "$c") || fail "one parser differs with bad rows: $(basename "$c")"; done
# the helpers' reports (traces; logs, token transfers, tokens) come in
# the order one parser says them, those of the reader's first look ahead
# (a tokens table's rows name no block; a bad block number) included
mkdir -p $T/wintok
cp $T/win/*.csv $T/wintok/
printf 'address,symbol,name,decimals,total_supply,block_number\n0xzz00000000000000000000000000000000000000,TK,T,18,1,17000000\n' \
  >$T/wintok/tokens.csv
{ head -1 $T/win/traces.csv; sed -n 2p $T/win/traces.csv | sed 's/^/x/'; tail -n +2 $T/win/traces.csv; } >$T/wintok/traces.csv
helpers='\(traces\|logs\|token_transfers\|tokens\)\.csv'
for d in winbad2 wintok; do
  set +e
  $B evm ingest --db $T/h2$d $T/$d >/dev/null 2>$T/err2; rc2=$?
  SANCTRACE_EVM_ONE_PARSER=1 $B evm ingest --db $T/h1$d $T/$d >/dev/null 2>$T/err1; rc1=$?
  set -e
  [ $rc1 -eq 1 ] && [ $rc2 -eq 1 ] || fail "$d: exit $rc1 $rc2"
  grep "$helpers" $T/err1 >$T/err1h; grep "$helpers" $T/err2 >$T/err2h
  [ "$(wc -l <$T/err1h)" -ge 2 ] || fail "$d: $(cat $T/err1)"
  cmp -s $T/err1h $T/err2h || fail "$d: the helpers' reports in another order: $(diff $T/err1h $T/err2h)"
done
# a partitioned export of more files than the process may hold open: every
# file is read (files past the first few open again for each piece)
mkdir -p $T/many
i=0; while [ $i -lt 400 ]; do
  printf 'number,miner,withdrawals\n%d,0x%040d,"{""address"":""0x%040d"",""amount"":%d}"\n' $((17000000 + i)) 1 7 $((i + 1)) >$T/many/blocks_$(printf %04d $i).csv
  i=$((i + 1)); done
(ulimit -n 64; $B evm ingest --db $T/manydb $T/many >$T/many.json) || fail "400 files under 64 descriptors: exit $?"
grep -q '"blocks_added": 400' $T/many.json && grep -q '"flows_added": 400' $T/many.json || fail "400 files: $(cat $T/many.json)"
# a bad row met before the file turns out to be out of block order is reported once
mkdir -p $T/winbad
{ head -1 $T/win/traces.csv; echo "17000000,nothex,0,,,,,,call,call,,,,,,,,"; tail -n +2 $T/win/traces.csv
  sed -n 2p $T/win/traces.csv; } >$T/winbad/traces.csv
set +e; $B evm ingest --db $T/winbaddb $T/winbad >/dev/null 2>$T/err; rc=$?; set -e
[ $rc -eq 1 ] && [ "$(grep -c 'traces.csv:2: transaction_hash' $T/err)" = 1 ] || fail "bad row before a re-reading: exit $rc, $(cat $T/err)"
# a later traces file for blocks already in the store: named, not merged, the store unchanged
$B evm stats --db $T/windb >$T/s1
$B evm ingest --db $T/windb $T/win/traces.csv >/dev/null 2>$T/err
grep -q "traces.csv: .* rows of blocks at or below the store's last block .*not merged" $T/err || fail "late traces not reported"
$B evm stats --db $T/windb | cmp -s - $T/s1 || fail "late traces changed the store"

# EIP-55 on request: the same address, checksummed (the vectors are in test_evm.c)
$B evm address --db $T/l 0x52BC44D5378309EE2ABF1539BF71DE1B7D7BE3B5 --eip55 >$T/o
python3 - $T/o <<'PY' || fail "--eip55"
import json, sys
a = json.load(open(sys.argv[1]))['address']
sys.exit(not (a.lower() == '0x52bc44d5378309ee2abf1539bf71de1b7d7be3b5' and a != a.lower()))
PY

# one ingest at a time: a second one while the lock is held stops, writing nothing
flock $T/inc/lock sleep 3 &
sleep 0.5
set +e
$B evm ingest --db $T/inc $C >/dev/null 2>$T/err; rc=$?
set -e
wait
[ $rc -eq 2 ] && grep -q "holds the lock" $T/err || fail "concurrent ingest: exit $rc, $(cat $T/err)"

# a command holds the store's readers' lock from open to close: a rollback
# (an --rpc ingest's, here flock holding the lock exclusive) is waited for,
# never read through
waits_for_rollback $T/inc $B evm stats --db $T/inc || fail "evm stats beside a rollback"

# exit codes
set +e
$B evm tx --db $T/inc 0x0000000000000000000000000000000000000000000000000000000000000001 2>/dev/null; [ $? -eq 1 ] || fail "unknown tx"
$B evm tx --db $T/inc nothex 2>/dev/null; [ $? -eq 2 ] || fail "malformed tx"
$B evm address --db $T/inc 0x00000000000000000000000000000000000000ff 2>/dev/null; [ $? -eq 1 ] || fail "unknown address"
$B evm address --db $T/inc 0x12 2>/dev/null; [ $? -eq 2 ] || fail "malformed address"
$B evm stats --db $T/nowhere 2>$T/err; [ $? -eq 2 ] && grep -q "no Ethereum store" $T/err || fail "missing store"
$B evm stats --db $T/inc --at-block 3 2>$T/err; [ $? -eq 2 ] && grep -q "option of 'sanctrace evm address'" $T/err || fail "option of another subcommand"
$B evm ingest --db $T/x --chain bitcoin $S 2>/dev/null; [ $? -eq 2 ] || fail "unknown chain"
$B evm frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown subcommand"
$B evm synth --out $T/nosize 2>/dev/null; [ $? -eq 2 ] || fail "synth without --flows"
set -e
$B evm --help | grep -q "ingest" || fail "help"
$B evm stats --db $T/inc --format table | grep -q "^flows " || fail "table format"
echo "evm: ok"
