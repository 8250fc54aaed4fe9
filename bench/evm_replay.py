#!/usr/bin/env python3
"""evm_replay.py - a real ethereum-etl export of a few blocks written out
again COPIES times as CSV, for measuring `evm ingest` on a real export's
bytes at any size (bench/evm_ingest.sh measures the synthetic ones).

Usage: evm_replay.py IN_DIR OUT_DIR COPIES

IN_DIR holds ethereum-etl JSON lines (`ethereumetl stream` output, or its
tests' expected_*.json files) or CSV files of blocks, transactions (with
receipt_* columns or a receipts table), logs, token_transfers, receipts
and traces. Each copy follows the one before: block numbers and
timestamps moved past the export's span, block and transaction hashes
made new (the low 8 bytes changed), and every sender's address made new
(the low 4 bytes changed, wherever it appears: addresses, indexed topics,
token transfers, traces), so a copy adds transactions and wallets, not
repeats. Contracts, tokens, calldata, log data and amounts stay as
exported: the bytes a flow are the real export's.
"""
import csv, json, os, sys

SKIP = {'type', 'item_id', 'item_timestamp'}
HASH_COLS = {'hash', 'parent_hash', 'block_hash', 'transaction_hash'}
NUM_COLS = {'number', 'block_number'}
TIME_COLS = {'timestamp', 'block_timestamp'}
ADDR_COLS = {'from_address', 'to_address', 'address', 'miner', 'token_address', 'receipt_contract_address',
             'contract_address'}


def table_of(keys, name):
    k = set(keys)
    for t in ('trace', 'token_transfer', 'log', 'receipt', 'transaction', 'block'):
        if name.startswith(t) or ('expected_' + t) in name:
            return t + 's'
    if 'trace_type' in k: return 'traces'
    if 'token_address' in k: return 'token_transfers'
    if 'topics' in k: return 'logs'
    if 'cumulative_gas_used' in k: return 'receipts'
    if 'from_address' in k and 'hash' in k: return 'transactions'
    if 'miner' in k: return 'blocks'
    return None


def read_rows(path):
    with open(path, newline='') as f:
        head = f.read(1)
        f.seek(0)
        if head in ('{', '['):
            return [json.loads(line) for line in f if line.strip()]
        return list(csv.DictReader(f))


def main():
    src, out, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tables = {}
    for name in sorted(os.listdir(src)):
        p = os.path.join(src, name)
        if not os.path.isfile(p) or not os.path.getsize(p): continue
        rows = read_rows(p)
        if not rows: continue
        t = rows[0].get('type', '') + 's' if 'type' in rows[0] else table_of(rows[0].keys(), name)
        if t in ('blocks', 'transactions', 'logs', 'token_transfers', 'receipts', 'traces'):
            tables.setdefault(t, []).extend(rows)
    txs = tables.get('transactions', []) + tables.get('traces', [])
    if not txs: sys.exit('evm_replay: no transactions in ' + src)
    senders = {r['from_address'].lower() for r in tables.get('transactions', []) if r.get('from_address')}
    nums = [int(r['number']) for r in tables.get('blocks', [])] + \
           [int(r['block_number']) for t in tables.values() for r in t if r.get('block_number') not in (None, '')]
    lo, hi = min(nums), max(nums)
    span = hi - lo + 1

    # each table as a template: literal text and holes (kind, original) filled per copy
    def template(rows):
        cols = [k for k in rows[0].keys() if k not in SKIP]
        parts = [','.join(cols) + '\n']
        body = []

        def lit(s):
            body.append(s)

        def field(k, v):
            if v is None: return lit('')
            if isinstance(v, list) and k == 'topics':
                lit('"')
                for i, w in enumerate(v):
                    if i: lit(',')
                    if len(w) == 66 and w[:26] == '0x000000000000000000000000' and '0x' + w[26:] in senders:
                        lit(w[:26]), body.append(('addr', w[26:]))  # a sender in an indexed topic
                    else:
                        lit(w)
                return lit('"')
            if isinstance(v, (list, dict)):
                s = json.dumps(v, separators=(',', ':'))
                return lit('"' + s.replace('"', '""') + '"')
            s = str(v)
            if k in HASH_COLS and len(s) == 66: return body.append(('hash', s))
            if k in NUM_COLS and s.isdigit(): return body.append(('num', int(s)))
            if k in TIME_COLS and s.isdigit(): return body.append(('time', int(s)))
            if k in ADDR_COLS and s.lower() in senders: return body.append(('addr', s.lower()))
            if k == 'trace_id' and '0x' in s and len(s) >= s.index('0x') + 66:  # call_<tx hash>_<trace address>
                i = s.index('0x')
                return lit(s[:i]), body.append(('hash', s[i:i + 66])), lit(s[i + 66:])
            if k == 'topics' and s:
                return field(k, s.split(','))
            if any(c in s for c in ',"\n'):
                s = '"' + s.replace('"', '""') + '"'
            lit(s)

        for r in rows:
            for i, k in enumerate(cols):
                if i: lit(',')
                field(k, r.get(k))
            lit('\n')
        # merge literals
        merged = []
        for b in body:
            if isinstance(b, str) and merged and isinstance(merged[-1], str): merged[-1] += b
            else: merged.append(b)
        return parts[0], merged

    os.makedirs(out, exist_ok=True)
    for t, rows in tables.items():
        head, tpl = template(rows)
        with open(os.path.join(out, t + '.csv'), 'w') as f:
            f.write(head)
            for c in range(copies):
                k8 = (c * 0x9e3779b97f4a7c15) & 0xffffffffffffffff
                k4 = (c * 0x9e3779b1) & 0xffffffff
                o = []
                for b in tpl:
                    if isinstance(b, str): o.append(b)
                    elif b[0] == 'hash': o.append(b[1][:-16] + '%016x' % (int(b[1][-16:], 16) ^ k8))
                    elif b[0] == 'num': o.append(str(b[1] + c * span))
                    elif b[0] == 'time': o.append(str(b[1] + c * span * 12))
                    else: o.append(b[1][:-8] + '%08x' % (int(b[1][-8:], 16) ^ k4))
                f.write(''.join(o))
    print('evm_replay: %d copies of blocks %d-%d (%d senders) in %s' % (copies, lo, hi, len(senders), out))


main()
