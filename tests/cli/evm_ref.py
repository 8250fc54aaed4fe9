#!/usr/bin/env python3
"""evm_ref.py - an independent reading of ethereum-etl CSV exports, checked
against `sanctrace evm tx|address|stats` on a store built from the same files.

Usage: evm_ref.py BIN DB [--every K] [--unnamed N] FILE...

The flow rules are the documented ones (docs/evm.md), written again here
from the exporter's columns with Python's csv module and plain integers:
fee (gas_used x effective price; base fee burnt, tip to the miner) first,
then the traces in trace_address order (an errored call and its subtree
move nothing; delegatecall/callcode/staticcall move nothing) or the
transaction's value, then ERC-20 Transfers by log index; rewards and
withdrawals (Gwei x 10^9) at the end of the block.  Exits 1 on the first
difference, printing it.
"""
import csv, json, subprocess, sys
from collections import Counter, defaultdict

TRANSFER = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'
WETH = '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2'
DEPOSIT = '0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c'
WITHDRAWAL = '0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65'


def table(header):
    h = set(header)
    if 'trace_type' in h: return 'traces'
    if 'token_address' in h: return 'token_transfers'
    if 'topics' in h: return 'logs'
    if 'gas_used' in h and 'transaction_hash' in h: return 'receipts'
    if 'hash' in h and 'from_address' in h: return 'transactions'
    if 'miner' in h: return 'blocks'
    if 'address' in h and 'symbol' in h: return 'tokens'
    return None


def main():
    args = sys.argv[1:]
    binp, db = args[0], args[1]
    every, unnamed_expected, files = 1, None, []
    i = 2
    while i < len(args):
        if args[i] == '--every': every = int(args[i + 1]); i += 2
        elif args[i] == '--unnamed': unnamed_expected = int(args[i + 1]); i += 2
        else: files.append(args[i]); i += 1
    rows = defaultdict(list)
    for f in files:
        with open(f, newline='') as fh:
            r = list(csv.reader(fh))
        if not r: continue
        t = table(r[0])
        for rec in r[1:]:
            if rec: rows[t].append(dict(zip(r[0], rec)))

    txs = {}        # key -> dict; key is hash or (block, index)
    order = []
    def key_of(h, blk, idx):
        if h: return h.lower()
        return (int(blk), int(idx))
    def get(h, blk, idx):
        k = key_of(h, blk, idx)
        if k not in txs:
            # the same tx known by hash and by position
            for kk, v in txs.items():
                if idx not in ('', None) and v['block'] == int(blk) and v['index'] == int(idx) and (not h or not v['hash']):
                    if h and not v['hash']: v['hash'] = h.lower()
                    return v
            txs[k] = dict(hash=h.lower() if h else None, block=int(blk), index=int(idx) if idx not in ('', None) else None,
                          frm=None, to=None, value=None, status=None, gas_used=None, price=None, contract=None,
                          traces=[], tokens=[])
            order.append(k)
        return txs[k]
    for r in rows['transactions']:
        t = get(r['hash'], r['block_number'], r['transaction_index'])
        t['frm'] = r['from_address'] or None; t['to'] = r['to_address'] or None
        t['value'] = int(r['value']) if r['value'] else None
        t['gas_price'] = int(r['gas_price']) if r.get('gas_price') else None
    for r in rows['receipts']:
        t = get(r['transaction_hash'], r['block_number'], r['transaction_index'])
        if r['gas_used']: t['gas_used'] = int(r['gas_used'])
        if r.get('effective_gas_price'): t['price'] = int(r['effective_gas_price'])
        if r['status'] != '': t['status'] = int(r['status'])
        if r.get('contract_address'): t['contract'] = r['contract_address']
        if r.get('blob_gas_used') and int(r['blob_gas_used']):
            t['blob'] = int(r['blob_gas_used']) * int(r['blob_gas_price']) if r.get('blob_gas_price') else None
    block_traces = defaultdict(list)
    unnamed = 0
    for n, r in enumerate(rows['traces']):
        if r['trace_type'] == 'reward' or (not r['transaction_hash'] and r['transaction_index'] == ''):
            block_traces[int(r['block_number'])].append(r)
            continue
        t = get(r['transaction_hash'], r['block_number'], r['transaction_index'])
        path = [int(x) for x in r['trace_address'].split(',')] if r['trace_address'] else []
        t['traces'].append((path, n, r))
    tokens = {}
    for r in rows['token_transfers']:
        tokens[(r['transaction_hash'].lower(), int(r['log_index']))] = (r['block_number'], None, r['token_address'],
                                                                       r['from_address'], r['to_address'], int(r['value']))
    for r in rows['logs']:
        topics = r['topics'].split(',')
        k = (r['transaction_hash'].lower(), int(r['log_index']))
        if r['address'].lower() == WETH and len(topics) == 2 and topics[0] in (DEPOSIT, WITHDRAWAL) and k not in tokens:
            who = '0x' + topics[1][26:]
            dep = topics[0] == DEPOSIT
            tokens[k] = (r['block_number'], r.get('transaction_index'), WETH, None if dep else who,
                         who if dep else None, int(r['data'], 16))
            continue
        if topics[0].lower() != TRANSFER: continue
        # ethereum-etl's extractor: the topics and the data's 32-byte words,
        # four in all; four topics are ERC-721's (a token id): no flow, and
        # the token_transfers row of the same log none either
        data = r['data'][2:] if r['data'] else ''
        words = topics[1:] + [data[i:i + 64] for i in range(0, len(data), 64)]
        if 1 + len(words) != 4: continue
        if len(topics) == 4:
            tokens.pop(k, None)
            get(k[0], r['block_number'], r.get('transaction_index'))  # the row names it
            continue
        if k not in tokens:
            tokens[k] = (r['block_number'], r.get('transaction_index'), r['address'], '0x' + words[0][-40:],
                         '0x' + words[1][-40:], int(words[2], 16))
    for (h, li), (blk, idx, tok, f, to, v) in tokens.items():
        get(h, blk, idx)['tokens'].append((li, tok, f, to, v))
    blocks = {int(r['number']): r for r in rows['blocks']}

    # derive from the top-level trace
    for t in txs.values():
        t['traces'].sort(key=lambda x: (x[0], x[1]))
        top = [x for x in t['traces'] if x[0] == [] and x[2]['trace_type'] in ('call', 'create')]
        if top:
            r = top[0][2]
            if t['frm'] is None: t['frm'] = r['from_address'] or None
            if t['to'] is None and r['trace_type'] == 'call': t['to'] = r['to_address'] or None
            if t['value'] is None and r['value'] != '': t['value'] = int(r['value'])
            if t['status'] is None: t['status'] = 0 if (r['error'] or r.get('status') == '0') else 1

    expected_flows = {}
    all_flows = []
    for k in order:
        t = txs[k]
        flows = []
        price = t['price'] if t['price'] is not None else t.get('gas_price')
        fee = t['gas_used'] * price if t['gas_used'] is not None and price is not None else None
        blob = t.get('blob', 0)
        fee = None if fee is None or blob is None else fee + blob
        t['fee'] = fee
        b = blocks.get(t['block'])
        if fee and t['frm']:
            miner = b['miner'] if b and b['miner'] else None
            execution = fee - blob
            burnt = t['gas_used'] * int(b['base_fee_per_gas']) if b and b.get('base_fee_per_gas') else 0
            if burnt > execution: burnt = 0
            flows.append(('ETH', t['frm'], None, burnt + blob, 'fee'))      # base fee and blob gas burnt
            flows.append(('ETH', t['frm'], miner, execution - burnt, 'fee'))  # the tip
        if t['status'] != 0:
            if t['traces']:
                errored = []
                for path, _, r in t['traces']:
                    rev = r['error'] != '' or r.get('status') == '0' or any(path[:len(e)] == e for e in errored)
                    if rev: errored.append(path); continue
                    if r.get('call_type') in ('delegatecall', 'callcode', 'staticcall'): continue
                    if not r['from_address'] or not r['to_address']:
                        unnamed += 1; continue
                    v = int(r['value']) if r['value'] else 0
                    flows.append(('ETH', r['from_address'], r['to_address'], v, 'native' if not path else 'internal'))
            elif t['value'] is not None and t['frm']:
                flows.append(('ETH', t['frm'], t['to'] or t['contract'], t['value'], 'native'))
            for li, tok, f, to, v in sorted(t['tokens']):
                flows.append((tok, f, to, v, 'token'))
        flows = [f for f in flows if f[3] != 0]
        expected_flows[k] = flows
        all_flows += flows
    for blk in sorted(set(list(block_traces) + list(blocks))):
        for r in block_traces.get(blk, []):
            if r['value'] and int(r['value']):
                all_flows.append(('ETH', r['from_address'] or None, r['to_address'], int(r['value']), 'reward'))
        b = blocks.get(blk)
        if b and b.get('withdrawals'):
            for w in json.loads('[' + b['withdrawals'] + ']' if not b['withdrawals'].startswith('[') else b['withdrawals']):
                if int(w['amount']):
                    all_flows.append(('ETH', None, w['address'], int(w['amount']) * 10**9, 'withdrawal'))

    def run(*a):
        p = subprocess.run([binp, 'evm'] + list(a) + ['--db', db], capture_output=True, text=True)
        if p.returncode != 0:
            fail('%s exited %d: %s' % (' '.join(a), p.returncode, p.stderr))
        return json.loads(p.stdout)

    def fail(msg):
        print('evm_ref: FAIL: ' + msg); sys.exit(1)

    st = run('stats')
    nblocks = len(set([t['block'] for t in txs.values()] + list(blocks) + list(block_traces)))
    for name, want in (('transactions', len(txs)), ('flows', len(all_flows)), ('blocks', nblocks)):
        if st[name] != want: fail('stats %s: %s, expected %s' % (name, st[name], want))
    checked = 0
    for n, k in enumerate(order):
        if n % every: continue
        t = txs[k]
        ident = t['hash'] if t['hash'] else '%d:%d' % (t['block'], t['index'])
        got = run('tx', ident)
        want = dict(hash=t['hash'], block_number=t['block'], value=None if t['value'] is None else str(t['value']),
                    status=t['status'], fee=None if t['fee'] is None else str(t['fee']),
                    **{'from': t['frm'] and t['frm'].lower(), 'to': t['to'] and t['to'].lower()})
        for f, v in want.items():
            if got[f] != v: fail('tx %s: %s is %r, expected %r' % (ident, f, got[f], v))
        wf = [dict(asset=a if a == 'ETH' else a.lower(), amount=str(v), kind=kd, position=i,
                   **{'from': f and f.lower(), 'to': to and to.lower()})
              for i, (a, f, to, v, kd) in enumerate(expected_flows[k])]
        if got['flows'] != wf: fail('tx %s: flows\n%s\nexpected\n%s' % (ident, got['flows'], wf))
        checked += 1
    # every address: received and sent per asset, from all flows
    per = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for a, f, to, v, kd in all_flows:
        if f: per[f.lower()][a.lower() if a != 'ETH' else a][1] += v
        if to: per[to.lower()][a.lower() if a != 'ETH' else a][0] += v
    addrs = sorted(per)
    for n, addr in enumerate(addrs):
        if n % every: continue
        got = run('address', addr.upper().replace('0X', '0x'))
        if got['address'] != addr: fail('address printed %s for %s' % (got['address'], addr))
        gb = {b['asset']: b for b in got['balances']}
        for asset, (rcv, snt) in per[addr].items():
            b = gb.get(asset)
            if not b or b['received'] != str(rcv) or b['sent'] != str(snt) or b['balance'] != str(rcv - snt):
                fail('address %s %s: %s, expected received %d sent %d' % (addr, asset, b, rcv, snt))
    # every address's flow list: the same flows (as a multiset: the
    # reference keeps no chain order across blocks), blocks in order, the
    # direction and the transaction each names, and pages that add up
    touching = defaultdict(list)
    for a, f, to, v, kd in all_flows:
        row = (a.lower() if a != 'ETH' else a, f and f.lower(), to and to.lower(), str(v), kd)
        for x in {f and f.lower(), to and to.lower()} - {None}:
            touching[x].append(row)
    tx_of = {}
    for k in order:
        t = txs[k]
        tx_of[t['hash'] if t['hash'] else '%d:%d' % (t['block'], t['index'])] = expected_flows[k]
    paged = False  # pages of 2 checked on the first address with more than 2 flows
    for n, addr in enumerate(addrs):
        if n % every: continue
        got = run('flows', addr, '--limit', '1000000')
        rows = [(x['asset'], x['from'], x['to'], x['amount'], x['kind']) for x in got['flows']]
        if got['total'] != len(touching[addr]) or Counter(rows) != Counter(touching[addr]) or got['next'] is not None:
            fail('flows %s: %s\nexpected\n%s' % (addr, got, touching[addr]))
        blocks_seen = [x['block'] for x in got['flows']]
        if blocks_seen != sorted(blocks_seen): fail('flows %s: not in chain order: %s' % (addr, blocks_seen))
        for i, x in enumerate(got['flows']):
            want_dir = 'self' if x['from'] == x['to'] == addr else 'out' if x['from'] == addr else 'in'
            if x['index'] != i or x['direction'] != want_dir: fail('flows %s: index or direction of %s' % (addr, x))
            if x['tx'] is None:
                if x['kind'] not in ('reward', 'withdrawal', 'internal'): fail('flows %s: no transaction for %s' % (addr, x))
                continue
            tf = tx_of[x['tx']][x['position']]
            if (tf[0] if tf[0] == 'ETH' else tf[0].lower(), tf[1] and tf[1].lower(), tf[2] and tf[2].lower(), str(tf[3]), tf[4]) \
                    != (x['asset'], x['from'], x['to'], x['amount'], x['kind']):
                fail('flows %s: %s is not flow %d of %s' % (addr, x, x['position'], x['tx']))
        if not paged and len(got['flows']) > 2:
            paged = True
            pages, off = [], 0
            while off is not None:
                p = run('flows', addr, '--offset', str(off), '--limit', '2')
                pages += p['flows']
                off = p['next']
            if pages != got['flows']: fail('flows %s: pages of 2 differ from the whole list' % addr)
        for blk in sorted(set(blocks_seen + [blocks_seen[-1] + 1] if blocks_seen else [])):
            p = run('flows', addr, '--from-block', str(blk), '--limit', '1000000')
            want = [x for x in got['flows'] if x['block'] >= blk]
            if p['flows'] != want or p['offset'] != len(got['flows']) - len(want):
                fail('flows %s --from-block %d: %s' % (addr, blk, p))
    if unnamed_expected is not None and unnamed != unnamed_expected:
        fail('reference counted %d unnamed trace rows, expected %d' % (unnamed, unnamed_expected))
    print('evm_ref: %d transactions, %d flows, %d addresses agree (%d tx and %d address queries)'
          % (len(txs), len(all_flows), len(addrs), checked, len(addrs[::every])))


main()
