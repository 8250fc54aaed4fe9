#!/usr/bin/env python3
"""evm_json.py [--bigquery] [--array|--pretty] OUT CSV... - the same tables as ethereum-etl's
JSON-lines output: one object a line with its "type", numbers as JSON
integers (however large), empty fields as null, topics and trace_address
as arrays, withdrawals as a list of objects.  Writes OUT (one stream,
tables mixed).

--bigquery writes them as an export of BigQuery's crypto_ethereum tables
instead: no "type" (the table is told by its keys), each receipt's fields
in its transaction as receipt_* (that schema has no receipts table),
numbers as strings, and times as BigQuery's UTC text ("2023-04-09 00:00:11
UTC").

--array writes one JSON array of the objects, each over several lines
(what BigQuery's console and most scripts save); --pretty the objects one
after the other, each over several lines (jq's output)."""
import csv, json, sys, time

TYPES = [('trace_type', 'trace'), ('token_address', 'token_transfer'), ('topics', 'log'),
         ('cumulative_gas_used', 'receipt'), ('gas_price', 'transaction'), ('miner', 'block'), ('symbol', 'token')]
TIMES = ('timestamp', 'block_timestamp')


def convert(k, v, bigquery):
    if v == '':
        return [] if k in ('trace_address', 'topics', 'withdrawals') else None
    if k == 'topics': return v.split(',')
    if k == 'trace_address': return [int(x) for x in v.split(',')]
    if k == 'withdrawals': return json.loads(v if v.startswith('[') else '[' + v + ']')
    if bigquery and k in TIMES and v.isdigit():
        return time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(int(v)))
    if v.isdigit(): return v if bigquery else int(v)  # BigQuery writes INT64 and NUMERIC as strings
    return v


args = sys.argv[1:]
bigquery = args[0] == '--bigquery'
if bigquery: args = args[1:]
form = args[0] if args[0] in ('--array', '--pretty') else None
if form: args = args[1:]
tables = []
for f in args[1:]:
    rows = list(csv.reader(open(f, newline='')))
    if not rows: continue
    t = next(name for col, name in TYPES if col in rows[0])
    tables.append((t, [dict((k, convert(k, v, bigquery)) for k, v in zip(rows[0], r)) for r in rows[1:]]))
receipts = {}
if bigquery:
    for t, objs in tables:
        if t == 'receipt':
            for o in objs: receipts[o['transaction_hash']] = o
done = []
with open(args[0], 'w') as out:
    for t, objs in tables:
        if bigquery and t == 'receipt' and any(x == 'transaction' for x, _ in tables):
            continue  # in its transaction's row
        for o in objs:
            if bigquery:
                rc = receipts.get(o.get('hash')) if t == 'transaction' else None
                for k, v in (rc or {}).items():
                    if k not in ('transaction_hash', 'transaction_index', 'block_hash', 'block_number'):
                        o['receipt_' + k] = v
            else:
                o = dict([('type', t)] + list(o.items()))
            if form: done.append(o)
            else: out.write(json.dumps(o) + '\n')
    if form == '--array': json.dump(done, out, indent=2)
    for o in (done if form == '--pretty' else []):
        out.write(json.dumps(o, indent=2) + '\n')
