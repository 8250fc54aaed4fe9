#!/usr/bin/env python3
"""chain_ref.py - an independent reference reader for the chain tests.

Parses blk files (magic + length records) and raw blocks with nothing but
hashlib, from the protocol definitions (BIP141 serialization, BIP13/BIP173/
BIP350 addresses), and checks `sanctrace chain block` / `chain tx` answers
against it.  It shares no code with sanctrace.

usage: chain_ref.py NETWORK SANCTRACE DB FILE... [--sample N]
Exits non-zero with a message on the first mismatch.
"""
import hashlib, json, struct, subprocess, sys

NETS = {
    'main': (b'\xf9\xbe\xb4\xd9', 0x00, 0x05, 'bc'),
    'testnet': (b'\x0b\x11\x09\x07', 0x6f, 0xc4, 'tb'),
    'regtest': (b'\xfa\xbf\xb5\xda', 0x6f, 0xc4, 'bcrt'),
}

def dsha(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()

def hash160(b):
    return hashlib.new('ripemd160', hashlib.sha256(b).digest()).digest()

B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
def b58check(payload):
    data = payload + dsha(payload)[:4]
    n = int.from_bytes(data, 'big'); s = ''
    while n: n, r = divmod(n, 58); s = B58[r] + s
    return '1' * (len(data) - len(data.lstrip(b'\0'))) + s

CH = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
def polymod(values):
    gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]; chk = 1
    for v in values:
        b = chk >> 25; chk = (chk & 0x1ffffff) << 5 ^ v
        for i in range(5): chk ^= gen[i] if (b >> i) & 1 else 0
    return chk
def segwit_addr(hrp, ver, prog):
    acc = bits = 0; data = [ver]
    for x in prog:
        acc = (acc << 8) | x; bits += 8
        while bits >= 5: bits -= 5; data.append((acc >> bits) & 31)
    if bits: data.append((acc << (5 - bits)) & 31)
    const = 1 if ver == 0 else 0x2bc830a3
    hx = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    mod = polymod(hx + data + [0] * 6) ^ const
    return hrp + '1' + ''.join(CH[d] for d in data + [(mod >> 5 * (5 - i)) & 31 for i in range(6)])

def classify(s, net):
    _, pkh, sh, hrp = NETS[net]
    n = len(s)
    if n == 25 and s[:3] == b'\x76\xa9\x14' and s[23:] == b'\x88\xac':
        return 'p2pkh', b58check(bytes([pkh]) + s[3:23])
    if n == 23 and s[:2] == b'\xa9\x14' and s[22] == 0x87:
        return 'p2sh', b58check(bytes([sh]) + s[2:22])
    if 4 <= n <= 42 and (s[0] == 0 or 0x51 <= s[0] <= 0x60) and s[1] == n - 2:
        v = 0 if s[0] == 0 else s[0] - 0x50
        if v == 0 and n - 2 not in (20, 32): return 'nonstandard', None
        t = ('p2wpkh' if n == 22 else 'p2wsh') if v == 0 else ('p2tr' if v == 1 and n == 34 else 'witness_unknown')
        return t, segwit_addr(hrp, v, s[2:])
    if n in (35, 67) and s[0] == n - 2 and s[-1] == 0xac and (
            (n == 35 and s[1] in (2, 3)) or (n == 67 and s[1] in (4, 6, 7))):
        return 'p2pk', b58check(bytes([pkh]) + hash160(s[1:-1]))
    if n >= 1 and s[0] == 0x6a: return 'op_return', None
    return None, None  # multisig or nonstandard: checked loosely

class R:
    def __init__(s, b, o=0): s.b, s.o = b, o
    def take(s, n):
        v = s.b[s.o:s.o + n]
        if len(v) != n: raise ValueError('truncated')
        s.o += n; return v
    def u32(s): return struct.unpack('<I', s.take(4))[0]
    def var(s):
        c = s.take(1)[0]
        if c < 0xfd: return c
        return int.from_bytes(s.take({0xfd: 2, 0xfe: 4, 0xff: 8}[c]), 'little')

def parse_tx(r):
    start = r.o
    ver = r.take(4)
    segwit = r.b[r.o] == 0 and r.b[r.o + 1] == 1
    if segwit: r.take(2)
    body = r.o
    ins = []
    for _ in range(r.var()):
        txid = r.take(32)[::-1].hex(); vout = r.u32(); r.take(r.var()); r.take(4)
        ins.append((txid, vout))
    outs = []
    for _ in range(r.var()):
        val = struct.unpack('<q', r.take(8))[0]; outs.append((val, r.take(r.var())))
    body_end = r.o
    if segwit:
        for _ in ins:
            for _ in range(r.var()): r.take(r.var())
    lock = r.take(4)
    legacy = ver + r.b[body:body_end] + lock
    full = r.b[start:r.o]
    return dsha(legacy)[::-1].hex(), ins, outs, dsha(full)[::-1].hex(), len(full)

def blocks_of(path, net):
    data = open(path, 'rb').read()
    magic = NETS[net][0]
    if data[:4] != magic:
        yield data; return
    o = 0
    while o + 8 <= len(data) and data[o:o + 4] == magic:
        n = struct.unpack('<I', data[o + 4:o + 8])[0]
        yield data[o + 8:o + 8 + n]; o += 8 + n

def main():
    args = sys.argv[1:]
    sample = 1
    if '--sample' in args:
        i = args.index('--sample'); sample = int(args[i + 1]); del args[i:i + 2]
    net, binary, db, files = args[0], args[1], args[2], args[3:]
    def q(what, ids):
        """One sanctrace call for many ids: JSON lines back."""
        res = {}
        for i in range(0, len(ids), 2000):
            part = ids[i:i + 2000]
            out = subprocess.run([binary, 'chain', what, '--db', db, *part], capture_output=True, text=True)
            if out.returncode: sys.exit('sanctrace chain %s failed: %s' % (what, out.stderr[:2000]))
            lines = out.stdout.strip().split('\n') if len(part) > 1 else [out.stdout]
            for k, line in zip(part, lines): res[k] = json.loads(line)
        return res
    blocks = []
    for f in files:
        for blk in blocks_of(f, net):
            h = dsha(blk[:80])[::-1].hex()
            r = R(blk, 80); blocks.append((h, [parse_tx(r) for _ in range(r.var())]))
    wt = {t[0]: (t[3], t[4]) for _, txs in blocks for t in txs}
    blocks = [(h, [t[:3] for t in txs]) for h, txs in blocks]
    got_blocks = q('block', [h for h, _ in blocks])
    got_txs = q('tx', [t[0] for _, txs in blocks for i, t in enumerate(txs) if i % sample == 0])
    utxo = {}
    checked_tx = nblocks = 0
    for h, txs in blocks:
            got = got_blocks[h]
            exp_in = sum(len(t[1]) for t in txs); exp_out = sum(len(t[2]) for t in txs)
            want = {'hash': h, 'transactions': len(txs), 'inputs': exp_in, 'outputs': exp_out,
                    'output_value': sum(v for t in txs for v, _ in t[2]), 'txids': [t[0] for t in txs]}
            for k, v in want.items():
                if got[k] != v: sys.exit('block %s: %s is %r, expected %r' % (h, k, got[k], v))
            nblocks += 1
            for ti, (txid, ins, outs) in enumerate(txs):
                for n, (v, s) in enumerate(outs): utxo[(txid, n)] = (v, s)
                if ti % sample: continue
                g = got_txs[txid]
                if g['txid'] != txid: sys.exit('tx %s: wrong txid %s' % (txid, g['txid']))
                if (g.get('wtxid'), g.get('size')) != wt[txid]:
                    sys.exit('tx %s: wtxid/size %s %s, expected %s %s' % (txid, g.get('wtxid'), g.get('size'), *wt[txid]))
                if len(g['inputs']) != len(ins) or len(g['outputs']) != len(outs):
                    sys.exit('tx %s: input/output counts differ' % txid)
                for k, (pt, pv) in enumerate(ins):
                    gi = g['inputs'][k]
                    if pt == '0' * 64 and pv == 0xffffffff and ti == 0:
                        if not gi.get('coinbase'): sys.exit('tx %s: coinbase input not marked' % txid)
                        continue
                    if gi['prev_txid'] != pt or gi['vout'] != pv:
                        sys.exit('tx %s input %d: prevout %s:%s, expected %s:%d' % (txid, k, gi['prev_txid'], gi['vout'], pt, pv))
                    ref = utxo.get((pt, pv))
                    if (ref[0] if ref else None) != gi['value']:
                        sys.exit('tx %s input %d: value %r, expected %r' % (txid, k, gi['value'], ref and ref[0]))
                    if ref:
                        t, a = classify(ref[1], net)
                        if t and gi['address'] != a: sys.exit('tx %s input %d: address %r, expected %r' % (txid, k, gi['address'], a))
                for n, (v, s) in enumerate(outs):
                    go = g['outputs'][n]
                    t, a = classify(s, net)
                    if go['value'] != v: sys.exit('tx %s output %d: value %r, expected %r' % (txid, n, go['value'], v))
                    if t and (go['type'] != t or go['address'] != a):
                        sys.exit('tx %s output %d: %s %s, expected %s %s' % (txid, n, go['type'], go['address'], t, a))
                    if not t and go['type'] not in ('multisig', 'nonstandard'):
                        sys.exit('tx %s output %d: type %s, expected multisig/nonstandard' % (txid, n, go['type']))
                checked_tx += 1
    print('chain_ref: %d blocks, %d transactions match' % (nblocks, checked_tx))

main()
