#!/usr/bin/env python3
"""Play sanctrace's laundering scenario on a real Ethereum node (anvil).

A Bybit-shaped theft, in the order the launderers of record thefts moved:
a cold wallet drained by the thief's own transaction, the loot split over
many fresh addresses, the staked token swapped to ether in a constant-product
pool (Uniswap V2's Swap event), part of the ether put through a fixed-
denomination mixer (Tornado Cash's events), the rest deposited into a
THORChain-like router with memos naming Bitcoin addresses, and one deposit
refunded.  Ordinary users trade beside it, so the thief's addresses are not
the only ones the pool, the mixer and the router see.

The node must run with --auto-impersonate: every address of the scenario
sends its own transactions (eth_sendTransaction), as its owner would.

Usage: evm_scenario.py --rpc URL --tools DIR --out truth.json [--seed N]
                       [--splits N] [--btc-hrp bcrt] [--inbounds FILE]
                       [--tagpack FILE]
Writes the ground truth (contracts, addresses, every transaction hash that
matters, the router deposits with their memos and Bitcoin addresses) as JSON;
--inbounds the router deposits THORChain pays on Bitcoin, as the CSV
`hash,amount_wei,btc_address` that `sanctrace evm synth --scenario bybit
--inbounds` reads; --tagpack a TagPack of the mixers and the victim.

The ground truth is exact under FIFO: nothing clean reaches the thief's
split.  The thief's gas money arrives before the loot, so in FIFO order it
stands in front of it; the thief returns exactly what is left of it (the
funding less the drain's fee, the return's own fee paid with a legacy gas
price so it is known in advance) before splitting, and the player checks
that the thief then holds exactly the loot.
Only Python's standard library and the node's own client (cast, for ABI
encoding) are used.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ETHER = 10**18
HERE = os.path.dirname(os.path.abspath(__file__))
SOL = os.path.join(HERE, "..", "evm", "scenario", "Scenario.sol")


class Node:
    def __init__(self, url, cast):
        self.url, self.cast, self.id = url, cast, 0

    def call(self, method, *params):
        self.id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self.id, "method": method,
                           "params": list(params)}).encode()
        req = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            ans = json.load(r)
        if "error" in ans:
            raise RuntimeError("%s: %s" % (method, ans["error"]))
        return ans["result"]

    def send(self, frm, to=None, value=0, data=None, expect_ok=True, gas_price=None):
        tx = {"from": frm, "value": hex(value)}
        if gas_price is not None:  # a legacy transaction: its fee is exactly gas used x gas_price
            tx["gasPrice"], tx["gas"] = hex(gas_price), hex(21000)
        if to:
            tx["to"] = to
        if data:
            tx["data"] = data
        h = self.call("eth_sendTransaction", tx)
        rc = self.call("eth_getTransactionReceipt", h)
        for _ in range(600):  # automine answers the hash before the block is sealed
            if rc:
                break
            time.sleep(0.01)
            rc = self.call("eth_getTransactionReceipt", h)
        if not rc:
            raise RuntimeError("transaction %s from %s: no receipt after 6 s" % (h, frm))
        ok = rc["status"] == "0x1"
        if ok != expect_ok:
            raise RuntimeError("transaction %s from %s: status %s, expected %s"
                               % (h, frm, rc["status"], "success" if expect_ok else "failure"))
        return h, rc

    def encode(self, sig, *args):
        out = subprocess.run([self.cast, "calldata", sig] + [str(a) for a in args],
                             check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def balance(self, addr):
        return int(self.call("eth_getBalance", addr, "latest"), 16)


def compile_contracts(tools):
    d = tempfile.mkdtemp(prefix="sanctrace-sol-")
    subprocess.run([os.path.join(tools, "solcjs"), "--bin", "--optimize", "-o", d, SOL],
                   check=True, capture_output=True)
    bins = {}
    for f in os.listdir(d):
        if f.endswith(".bin"):
            bins[f.rsplit("_", 1)[1][:-4]] = "0x" + open(os.path.join(d, f)).read().strip()
    return bins


def addr_of(seed, label):
    """A fresh address nobody holds a key for: the node impersonates it."""
    return "0x" + hashlib.sha256(("%d/%s" % (seed, label)).encode()).hexdigest()[:40]


# --- bech32 (BIP173), for the Bitcoin addresses the memos name ---
CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _polymod(values):
    gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1ffffff) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def p2wpkh(hrp, prog):
    data = [0]
    acc = bits = 0
    for b in prog:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    hv = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = _polymod(hv + data + [0] * 6) ^ 1
    data += [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in data)


def deploy(node, frm, bins, name, ctor_sig=None, *args):
    code = bins[name]
    if ctor_sig:
        code += node.encode(ctor_sig, *args)[10:]  # arguments without a selector
    h, rc = node.send(frm, data=code)
    return rc["contractAddress"], h


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rpc", required=True)
    ap.add_argument("--tools", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--splits", type=int, default=48)
    ap.add_argument("--btc-hrp", default="bcrt")
    ap.add_argument("--inbounds")
    ap.add_argument("--tagpack")
    a = ap.parse_args()
    node = Node(a.rpc, os.path.join(a.tools, "cast"))
    accts = node.call("eth_accounts")
    deployer, signer, vault, operator, funder = accts[0], accts[1], accts[2], accts[3], accts[4]
    users = accts[5:10]
    seed = a.seed
    rnd = hashlib.sha256(b"sanctrace-scenario-%d" % seed).digest()

    def rint(label, lo, hi):  # deterministic pseudo-random integer in [lo, hi]
        x = int.from_bytes(hashlib.sha256(rnd + label.encode()).digest()[:8], "big")
        return lo + x % (hi - lo + 1)

    bins = compile_contracts(a.tools)
    T = {"seed": seed, "contracts": {}, "actors": {"deployer": deployer, "signer": signer,
         "vault": vault, "mixer_operator": operator, "funder": funder, "users": users}}
    C = T["contracts"]
    C["token"], _ = deploy(node, deployer, bins, "StakedEther")
    C["pool"], _ = deploy(node, deployer, bins, "EtherPool", "f(address)", C["token"])
    C["wallet"], _ = deploy(node, deployer, bins, "ColdWallet", "f(address)", signer)
    C["splitter"], _ = deploy(node, deployer, bins, "Splitter")
    C["mixer_10"], _ = deploy(node, deployer, bins, "Mixer", "f(uint256,address)", 10 * ETHER, operator)
    C["mixer_1"], _ = deploy(node, deployer, bins, "Mixer", "f(uint256,address)", ETHER, operator)
    C["router"], _ = deploy(node, deployer, bins, "ThorRouter")
    tok = C["token"]
    mint = lambda to, v: node.send(deployer, tok, data=node.encode("mint(address,uint256)", to, v))
    approve = lambda frm, sp, v: node.send(frm, tok, data=node.encode("approve(address,uint256)", sp, v))
    transfer = lambda frm, to, v: node.send(frm, tok, data=node.encode("transfer(address,uint256)", to, v))

    # The pool's liquidity and the cold wallet's holdings, all clean.
    mint(deployer, 6000 * ETHER)
    approve(deployer, C["pool"], 4000 * ETHER)
    node.send(deployer, C["pool"], 4000 * ETHER, node.encode("addLiquidity(uint256)", 4000 * ETHER))
    node.send(signer, C["wallet"], 3000 * ETHER)
    mint(C["wallet"], 1500 * ETHER)

    # Ordinary traffic: payments, a swap, clean mixer deposits (the anonymity
    # set the thief hides in) and a clean THORChain swap.
    for i, u in enumerate(users):
        node.send(u, users[(i + 1) % len(users)], rint("pay%d" % i, 1, 50) * ETHER // 10)
    transfer(deployer, users[0], 100 * ETHER)
    approve(users[0], C["pool"], 100 * ETHER)
    node.send(users[0], C["pool"], data=node.encode("swapTokenForEther(uint256,address)", 100 * ETHER, users[0]))
    for i in range(3):
        node.send(users[i], C["mixer_10"], 10 * ETHER, node.encode("deposit(bytes32)", "0x" + hashlib.sha256(b"clean%d" % i).hexdigest()))
    clean_btc = p2wpkh(a.btc_hrp, hashlib.sha256(b"clean-btc-%d" % seed).digest()[:20])
    h, _ = node.send(users[3], C["router"], 5 * ETHER, node.encode(
        "depositWithExpiry(address,address,uint256,string,uint256)", vault,
        "0x0000000000000000000000000000000000000000", 5 * ETHER, "=:BTC.BTC:" + clean_btc, 2**40))
    T["clean_router_deposit"] = {"hash": h, "amount_wei": str(5 * ETHER), "btc_address": clean_btc}

    # The theft: the signer's key is taken (ownership moves), the thief's own
    # transaction sweeps the wallet.  The thief pays gas with 1 ether of its own.
    thief = addr_of(seed, "thief")
    T["thief"] = thief
    T["thief_gas_funding"] = node.send(funder, thief, ETHER)[0]
    node.send(signer, C["wallet"], data=node.encode("changeOwner(address)", thief))
    stolen_eth = node.balance(C["wallet"])
    drain, drc = node.send(thief, C["wallet"], data=node.encode("sweep(address,address)", tok, thief))
    T["drain"] = {"hash": drain, "victim": C["wallet"], "ether_wei": str(stolen_eth),
                  "token_wei": str(1500 * ETHER)}
    # The gas money's clean remainder goes back (value and fee together are
    # exactly what is left of it), so the loot is all the thief holds.
    drain_fee = int(drc["gasUsed"], 16) * int(drc["effectiveGasPrice"], 16)
    gp = 2 * int(node.call("eth_gasPrice"), 16)
    ret, rrc = node.send(thief, funder, ETHER - drain_fee - 21000 * gp, gas_price=gp)
    assert int(rrc["gasUsed"], 16) * int(rrc["effectiveGasPrice"], 16) == 21000 * gp, rrc
    if node.balance(thief) != stolen_eth:
        raise RuntimeError("the thief holds %d wei, not the loot's %d" % (node.balance(thief), stolen_eth))
    T["thief_gas_return"] = {"hash": ret, "amount_wei": str(ETHER - drain_fee - 21000 * gp), "fee_wei": str(21000 * gp)}

    # The split: ether to N fresh addresses in one transaction (internal
    # calls), the token to a quarter of them one transfer each.
    n = a.splits
    outs = [addr_of(seed, "split%d" % i) for i in range(n)]
    weights = [rint("w%d" % i, 50, 150) for i in range(n)]
    budget = stolen_eth - 2 * ETHER
    amounts = [budget * w // sum(weights) for w in weights]
    amounts[0] += budget - sum(amounts)
    split_h, _ = node.send(thief, C["splitter"], budget, node.encode(
        "split(address[],uint256[])", "[" + ",".join(outs) + "]", "[" + ",".join(map(str, amounts)) + "]"))
    T["split"] = {"hash": split_h, "addresses": outs, "ether_wei": [str(x) for x in amounts]}
    holders = outs[: max(1, n // 4)]
    per = 1500 * ETHER // len(holders)
    T["token_splits"] = []
    for i, h_ in enumerate(holders):
        v = per if i < len(holders) - 1 else 1500 * ETHER - per * (len(holders) - 1)
        T["token_splits"].append({"to": h_, "hash": transfer(thief, h_, v)[0], "amount_wei": str(v)})

    # The token becomes ether in the pool.
    T["swaps"] = []
    for s in T["token_splits"]:
        v = int(s["amount_wei"])
        approve(s["to"], C["pool"], v)
        h, rc = node.send(s["to"], C["pool"], data=node.encode("swapTokenForEther(uint256,address)", v, s["to"]))
        T["swaps"].append({"address": s["to"], "hash": h, "token_in_wei": str(v)})

    # A reverted attempt (an expired router deposit): moves nothing but the fee.
    bad, _ = node.send(outs[1], C["router"], ETHER, node.encode(
        "depositWithExpiry(address,address,uint256,string,uint256)", vault,
        "0x0000000000000000000000000000000000000000", ETHER, "=:BTC.BTC:x", 1), expect_ok=False)
    T["reverted_deposit"] = bad

    # Part into the mixers; the operator later pays fresh addresses.
    mixed = outs[n - 8:]
    T["mixer_deposits"] = []
    for i, m in enumerate(mixed):
        k = 1 + i % 3
        for j in range(k):
            h, _ = node.send(m, C["mixer_10"], 10 * ETHER, node.encode("deposit(bytes32)", "0x" + hashlib.sha256(b"%s/%d" % (m.encode(), j)).hexdigest()))
            T["mixer_deposits"].append({"from": m, "hash": h, "mixer": C["mixer_10"], "amount_wei": str(10 * ETHER)})
    T["mixer_withdrawals"] = []
    for i in range(len(T["mixer_deposits"]) - 2):
        to = addr_of(seed, "mixout%d" % i)
        h, _ = node.send(operator, C["mixer_10"], data=node.encode("withdraw(address,bytes32)", to, "0x" + hashlib.sha256(b"null%d" % i).hexdigest()))
        T["mixer_withdrawals"].append({"to": to, "hash": h, "amount_wei": str(10 * ETHER)})

    # The rest into the router, memos naming fresh Bitcoin addresses, in
    # THORChain's long and short forms; a little ether stays for gas.
    T["router_deposits"] = []
    forms = ["=:BTC.BTC:%s", "SWAP:BTC.BTC:%s", "s:BTC.BTC:%s:0/1/0", "=:b:%s::t:0"]
    for i, o in enumerate(outs[: n - 8]):
        bal = node.balance(o)
        v = (bal - ETHER // 10) // (ETHER // 100) * (ETHER // 100)  # whole hundredths
        if v <= 0:
            continue
        btc = p2wpkh(a.btc_hrp, hashlib.sha256(b"btc-%d-%d" % (seed, i)).digest()[:20])
        memo = forms[i % len(forms)] % btc
        h, _ = node.send(o, C["router"], v, node.encode(
            "depositWithExpiry(address,address,uint256,string,uint256)", vault,
            "0x0000000000000000000000000000000000000000", v, memo, 2**40))
        T["router_deposits"].append({"from": o, "hash": h, "amount_wei": str(v), "memo": memo, "btc_address": btc})

    # One deposit comes back: the vault refunds it through the router.
    r = T["router_deposits"][-1]
    h, _ = node.send(vault, C["router"], int(r["amount_wei"]) - ETHER // 100, node.encode(
        "transferOut(address,address,uint256,string)", r["from"],
        "0x0000000000000000000000000000000000000000", int(r["amount_wei"]) - ETHER // 100, "REFUND:" + r["hash"]))
    r["refund"] = {"hash": h, "amount_wei": str(int(r["amount_wei"]) - ETHER // 100)}

    T["last_block"] = int(node.call("eth_blockNumber"), 16)
    with open(a.out, "w") as f:
        json.dump(T, f, indent=1)
    if a.inbounds:  # THORChain paid every deposit but the refunded one on Bitcoin
        with open(a.inbounds, "w") as f:
            f.write("hash,amount_wei,btc_address\n")
            for d in T["router_deposits"]:
                if "refund" not in d:
                    f.write("%s,%s,%s\n" % (d["hash"], d["amount_wei"], d["btc_address"]))
    if a.tagpack:
        with open(a.tagpack, "w") as f:
            f.write("title: sanctrace laundering scenario on a node (seed %d)\ncreator: sanctrace\ntags:\n" % seed)
            for k in ("mixer_10", "mixer_1"):
                f.write("- address: %s\n  currency: ETH\n  label: Mixer %s\n  category: mixer\n" % (C[k].lower(), k))
            f.write("- address: %s\n  currency: ETH\n  label: Exchange cold wallet (victim)\n  category: exchange\n"
                    % C["wallet"].lower())
    print("scenario: %d blocks, %d split addresses, %d swaps, %d mixer deposits, %d router deposits"
          % (T["last_block"], n, len(T["swaps"]), len(T["mixer_deposits"]), len(T["router_deposits"])))


if __name__ == "__main__":
    sys.exit(main())
