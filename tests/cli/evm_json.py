#!/usr/bin/env python3
"""evm_json.py OUT CSV... - the same tables as ethereum-etl's JSON-lines
output: one object a line with its "type", numbers as JSON integers
(however large), empty fields as null, topics and trace_address as arrays,
withdrawals as a list of objects.  Writes OUT (one stream, tables mixed)."""
import csv, json, sys

TYPES = [('trace_type', 'trace'), ('token_address', 'token_transfer'), ('topics', 'log'),
         ('cumulative_gas_used', 'receipt'), ('gas_price', 'transaction'), ('miner', 'block'), ('symbol', 'token')]


class Raw(int):
    """an integer json.dumps writes digit for digit"""


def convert(k, v):
    if v == '':
        return [] if k in ('trace_address', 'topics', 'withdrawals') else None
    if k == 'topics': return v.split(',')
    if k == 'trace_address': return [int(x) for x in v.split(',')]
    if k == 'withdrawals': return json.loads(v if v.startswith('[') else '[' + v + ']')
    if v.isdigit(): return int(v)
    return v


with open(sys.argv[1], 'w') as out:
    for f in sys.argv[2:]:
        rows = list(csv.reader(open(f, newline='')))
        if not rows: continue
        t = next(name for col, name in TYPES if col in rows[0])
        for r in rows[1:]:
            o = {'type': t}
            o.update({k: convert(k, v) for k, v in zip(rows[0], r)})
            out.write(json.dumps(o) + '\n')
