#!/usr/bin/env python3
"""evm_node.py - what tests/cli/evm_rpc.sh asks of a real node, in Python's
standard library only, written apart from sanctrace's C (it shares none of
its code, so an error in one is not repeated in the other):

  etl URL OUT FIRST LAST      the node's blocks FIRST..LAST written as
                              ethereum-etl writes them (blocks, transactions,
                              receipts, logs, token_transfers, traces CSV)
  check URL BIN DB FIRST      every transaction of the store against the node:
                              its flows as the node's receipts and trace_block
                              say they must be (fees: base fee burnt, tip to the
                              fee recipient; a reverted subtree moves nothing),
                              and every address's ether and token balances
                              against eth_getBalance and balanceOf at the last
                              block minus those before block FIRST
  same URL BIN DB1 DB2        two stores answer alike: evm stats, every evm tx
                              and every evm address of the node's blocks
  seeds URL OUT FIRST LAST    the node's answers for blocks FIRST..LAST as seeds of
                              fuzz/fuzz_evm_rpc (trace_block and callTracer forms,
                              and one whole exchange)
  fill URL BLOCKS PER         mine BLOCKS blocks of PER ether transfers each
                              (anvil's unlocked accounts; for bench/evm_rpc.sh)
  bodies OUT LAST             the JSON-RPC batches sanctrace asks for blocks
                              0..LAST (10 blocks each), one file each
  proxy PORTFILE URL [--refuse m1,m2] [--die-after N]
                              a JSON-RPC front of the node on a free loopback
                              port: refuses the named methods as a node that
                              lacks them does (-32601), and exits abruptly
                              (a node going away) at its N+1-th request
"""
import csv
import http.server
import json
import os
import subprocess
import sys
import threading
import urllib.request

TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def rpc(url, method, *params):
    a = post(url, {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    if "error" in a:
        raise SystemExit("%s: %s" % (method, a["error"]))
    return a["result"]


def q(v):
    """a quantity as an int (nodes write hex; trace_block's blockNumber is an integer)"""
    if v is None:
        return None
    return v if isinstance(v, int) else int(v, 16)


def node_blocks(url, first, last):
    """per block: the block with its transactions, its receipts, its trace_block traces"""
    out = []
    for n in range(first, last + 1):
        b = rpc(url, "eth_getBlockByNumber", hex(n), True)
        rs = [rpc(url, "eth_getTransactionReceipt", t["hash"]) for t in b["transactions"]]
        tr = rpc(url, "trace_block", hex(n))
        out.append((b, rs, tr))
    return out


# ---- ethereum-etl's tables ----

def trace_row(t, n):
    a, res, ty = t["action"], t.get("result") or {}, t["type"]
    frm = to = val = None
    if ty == "call":
        frm, to, val = a.get("from"), a.get("to"), a.get("value")
    elif ty == "create":
        frm, to, val = a.get("from"), res.get("address"), a.get("value")
    elif ty == "suicide":
        frm, to, val = a.get("address"), a.get("refundAddress"), a.get("balance")
    elif ty == "reward":
        to, val = a.get("author"), a.get("value")
    return {"block_number": n, "transaction_hash": t.get("transactionHash") or "",
            "transaction_index": "" if t.get("transactionPosition") is None else t["transactionPosition"],
            "from_address": frm or "", "to_address": to or "", "value": "" if val is None else q(val),
            "input": a.get("input", ""), "output": res.get("output", ""), "trace_type": ty,
            "call_type": a.get("callType", ""), "reward_type": a.get("rewardType", ""), "gas": q(a.get("gas")) or "",
            "gas_used": q(res.get("gasUsed")) if res.get("gasUsed") else "", "subtraces": t.get("subtraces", 0),
            "trace_address": ",".join(str(x) for x in t["traceAddress"]), "error": t.get("error") or "",
            "status": "", "trace_id": ""}


def etl(url, out, first, last):
    os.makedirs(out, exist_ok=True)
    cols = {
        "blocks": "number,hash,parent_hash,nonce,sha3_uncles,logs_bloom,transactions_root,state_root,receipts_root,"
                  "miner,difficulty,total_difficulty,size,extra_data,gas_limit,gas_used,timestamp,transaction_count,"
                  "base_fee_per_gas,withdrawals_root,withdrawals",
        "transactions": "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,"
                        "gas_price,input,block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type",
        "receipts": "transaction_hash,transaction_index,block_hash,block_number,cumulative_gas_used,gas_used,"
                    "contract_address,root,status,effective_gas_price,blob_gas_price,blob_gas_used",
        "logs": "log_index,transaction_hash,transaction_index,block_hash,block_number,address,data,topics",
        "token_transfers": "token_address,from_address,to_address,value,transaction_hash,log_index,block_number",
        "traces": "block_number,transaction_hash,transaction_index,from_address,to_address,value,input,output,"
                  "trace_type,call_type,reward_type,gas,gas_used,subtraces,trace_address,error,status,trace_id",
    }
    files = {k: open(os.path.join(out, k + ".csv"), "w", newline="") for k in cols}
    w = {k: csv.DictWriter(files[k], fieldnames=v.split(","), lineterminator="\n") for k, v in cols.items()}
    for x in w.values():
        x.writeheader()
    for b, rs, tr in node_blocks(url, first, last):
        n = q(b["number"])
        wd = ",".join(json.dumps({"index": q(x["index"]), "validator_index": q(x["validatorIndex"]),
                                  "address": x["address"], "amount": q(x["amount"])}, separators=(",", ":"))
                      for x in b.get("withdrawals") or [])
        w["blocks"].writerow({"number": n, "hash": b["hash"], "parent_hash": b["parentHash"], "nonce": b.get("nonce"),
                              "sha3_uncles": b["sha3Uncles"], "logs_bloom": b["logsBloom"],
                              "transactions_root": b["transactionsRoot"], "state_root": b["stateRoot"],
                              "receipts_root": b["receiptsRoot"], "miner": b["miner"], "difficulty": q(b["difficulty"]),
                              "total_difficulty": q(b.get("totalDifficulty")), "size": q(b["size"]),
                              "extra_data": b["extraData"], "gas_limit": q(b["gasLimit"]), "gas_used": q(b["gasUsed"]),
                              "timestamp": q(b["timestamp"]), "transaction_count": len(b["transactions"]),
                              "base_fee_per_gas": q(b.get("baseFeePerGas")), "withdrawals_root": b.get("withdrawalsRoot"),
                              "withdrawals": wd})
        for t, r in zip(b["transactions"], rs):
            w["transactions"].writerow({"hash": t["hash"], "nonce": q(t["nonce"]), "block_hash": b["hash"],
                                        "block_number": n, "transaction_index": q(t["transactionIndex"]),
                                        "from_address": t["from"], "to_address": t.get("to") or "",
                                        "value": q(t["value"]), "gas": q(t["gas"]), "gas_price": q(t.get("gasPrice")),
                                        "input": t["input"], "block_timestamp": q(b["timestamp"]),
                                        "max_fee_per_gas": q(t.get("maxFeePerGas")),
                                        "max_priority_fee_per_gas": q(t.get("maxPriorityFeePerGas")),
                                        "transaction_type": q(t.get("type"))})
            w["receipts"].writerow({"transaction_hash": r["transactionHash"], "transaction_index": q(r["transactionIndex"]),
                                    "block_hash": r["blockHash"], "block_number": n,
                                    "cumulative_gas_used": q(r["cumulativeGasUsed"]), "gas_used": q(r["gasUsed"]),
                                    "contract_address": r.get("contractAddress") or "", "root": r.get("root") or "",
                                    "status": q(r.get("status")), "effective_gas_price": q(r.get("effectiveGasPrice")),
                                    "blob_gas_price": q(r.get("blobGasPrice")), "blob_gas_used": q(r.get("blobGasUsed"))})
            for lg in r["logs"]:
                tp = lg["topics"]
                w["logs"].writerow({"log_index": q(lg["logIndex"]), "transaction_hash": lg["transactionHash"],
                                    "transaction_index": q(lg["transactionIndex"]), "block_hash": lg["blockHash"],
                                    "block_number": n, "address": lg["address"], "data": lg["data"],
                                    "topics": ",".join(tp)})
                # ethereum-etl's token transfer extractor: Transfer with two indexed addresses, 32 bytes of value
                if len(tp) == 3 and tp[0] == TRANSFER and len(lg["data"]) == 66:
                    w["token_transfers"].writerow({"token_address": lg["address"], "from_address": "0x" + tp[1][26:],
                                                   "to_address": "0x" + tp[2][26:], "value": int(lg["data"], 16),
                                                   "transaction_hash": lg["transactionHash"],
                                                   "log_index": q(lg["logIndex"]), "block_number": n})
        # ethereum-etl's trace statuses: 0 under an error, at any depth
        rows = [trace_row(t, n) for t in tr]
        failed = set()
        for row in sorted(rows, key=lambda x: (x["transaction_hash"], len(x["trace_address"]))):
            path = tuple(row["trace_address"].split(",")) if row["trace_address"] else ()
            key = row["transaction_hash"]
            bad = bool(row["error"]) or any((key, path[:k]) in failed for k in range(len(path)))
            if bad:
                failed.add((key, path))
            row["status"] = 0 if bad else 1
            row["trace_id"] = "%s_%s_%s" % (row["trace_type"], key, "_".join(path))
        for row in rows:
            w["traces"].writerow(row)
    for f in files.values():
        f.close()


# ---- sanctrace's answers ----

def st(bin_, *args):
    p = subprocess.run([bin_] + list(args), capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise SystemExit("%s %s: exit %d: %s" % (bin_, " ".join(args), p.returncode, p.stderr))
    return json.loads(p.stdout) if p.stdout.strip() else None


def expected_flows(b, t, r, traces):
    """the flows a transaction must have, from the node's own answers"""
    fee_total = q(r["gasUsed"]) * q(r["effectiveGasPrice"])
    burnt = q(r["gasUsed"]) * q(b["baseFeePerGas"])
    flows = []
    if burnt:
        flows.append(("ETH", t["from"], None, burnt, "fee"))
    if fee_total - burnt:
        flows.append(("ETH", t["from"], b["miner"], fee_total - burnt, "fee"))
    if q(r["status"]) == 1:
        mine = sorted((x for x in traces if x.get("transactionHash") == t["hash"]), key=lambda x: x["traceAddress"])
        reverted = set()
        dead = {}  # accounts deleted at the transaction's end: ether received and sent since
        for x in mine:
            path = tuple(x["traceAddress"])
            if x.get("error") or any(path[:k] in reverted for k in range(len(path))):
                reverted.add(path)
                continue
            a, ty = x["action"], x["type"]
            if ty == "call" and a.get("callType") in ("delegatecall", "staticcall", "callcode"):
                continue
            frm, to, val = {"call": (a.get("from"), a.get("to"), a.get("value")),
                            "create": (a.get("from"), (x.get("result") or {}).get("address"), a.get("value")),
                            "suicide": (a.get("address"), a.get("refundAddress"), a.get("balance"))}[ty]
            # its own beneficiary: the ether goes with the account when the account goes,
            # before Cancun always (the node's blocks then have no blob gas), from it
            # only when created in the same transaction (EIP-6780)
            deletes = ty == "suicide" and ("blobGasUsed" not in b or any(
                y["type"] == "create" and (y.get("result") or {}).get("address") == frm for y in mine))
            if deletes and frm == to:
                to = None
            if q(val):
                if to in dead:
                    dead[to][0] += q(val)
                if frm in dead:
                    dead[frm][1] += q(val)
                flows.append(("ETH", frm, to, q(val), "native" if not path else "internal"))
            if deletes:
                dead.setdefault(frm, [0, 0])
        for lg in sorted(r["logs"], key=lambda x: q(x["logIndex"])):
            tp = lg["topics"]
            if len(tp) == 3 and tp[0] == TRANSFER and int(lg["data"], 16):
                flows.append((lg["address"], "0x" + tp[1][26:], "0x" + tp[2][26:], int(lg["data"], 16), "token"))
        for a, (got, gave) in dead.items():  # in the order they were deleted
            if got > gave:
                flows.append(("ETH", a, None, got - gave, "internal"))
    return [{"asset": a, "from": f, "to": to, "amount": str(v), "kind": k, "position": i}
            for i, (a, f, to, v, k) in enumerate(flows)]


def check(url, bin_, db, first):
    stats = st(bin_, "evm", "stats", "--db", db)
    last = stats["last_block"]
    addrs, tokens, ntx, nflow = set(), set(), 0, 0
    for b, rs, tr in node_blocks(url, first, last):
        addrs.add(b["miner"])
        for t, r in zip(b["transactions"], rs):
            got = st(bin_, "evm", "tx", "--db", db, t["hash"])
            want = expected_flows(b, t, r, tr)
            fee = q(r["gasUsed"]) * q(r["effectiveGasPrice"])
            head = {"block_number": q(b["number"]), "from": t["from"], "to": t.get("to"), "value": str(q(t["value"])),
                    "status": q(r["status"]), "fee": str(fee)}
            for k, v in head.items():
                if got[k] != v:
                    raise SystemExit("tx %s: %s is %r, the node says %r" % (t["hash"], k, got[k], v))
            if got["flows"] != want:
                raise SystemExit("tx %s: flows\n%s\nthe node's answers say\n%s" % (
                    t["hash"], json.dumps(got["flows"], indent=1), json.dumps(want, indent=1)))
            ntx += 1
            nflow += len(want)
            addrs.update([t["from"], t.get("to"), r.get("contractAddress")])
            for x in tr:
                a = x["action"]
                addrs.update([a.get("from"), a.get("to"), a.get("address"), a.get("refundAddress"),
                              (x.get("result") or {}).get("address")])
            for lg in r["logs"]:
                tp = lg["topics"]
                if len(tp) == 3 and tp[0] == TRANSFER:
                    tokens.add(lg["address"])
                    addrs.update(["0x" + tp[1][26:], "0x" + tp[2][26:]])
    addrs.discard(None)
    before = hex(first - 1) if first > 0 else "0x0"
    nbal = 0
    for a in sorted(addrs):
        got = st(bin_, "evm", "address", "--db", db, a) or {}
        bal = {x["asset"]: int(x["balance"]) for x in got.get("balances") or []}
        want = q(rpc(url, "eth_getBalance", a, hex(last))) - q(rpc(url, "eth_getBalance", a, before))
        if bal.get("ETH", 0) != want:
            raise SystemExit("%s: ether %d in the store, the node's balance changed by %d" % (a, bal.get("ETH", 0), want))
        nbal += 1
        for tok in tokens:
            call = {"to": tok, "data": "0x70a08231" + "0" * 24 + a[2:]}
            now = int(rpc(url, "eth_call", call, hex(last)), 16)
            if a == "0x" + "0" * 40:  # mints come from the zero address: it gave the whole supply
                now = -int(rpc(url, "eth_call", {"to": tok, "data": "0x18160ddd"}, hex(last)), 16)
            if bal.get(tok, 0) != now:
                raise SystemExit("%s: token %s %d in the store, balanceOf says %d" % (a, tok, bal.get(tok, 0), now))
            nbal += 1
    if stats["transactions"] != ntx or stats["flows"] != nflow:
        raise SystemExit("store: %d transactions, %d flows; the node's blocks: %d, %d" % (
            stats["transactions"], stats["flows"], ntx, nflow))
    print("evm_node: %d transactions, %d flows and %d balances agree with the node (blocks %d-%d)" % (
        ntx, nflow, nbal, first, last))


def same(url, bin_, db1, db2):
    s1, s2 = st(bin_, "evm", "stats", "--db", db1), st(bin_, "evm", "stats", "--db", db2)
    # the bytes on disk differ with the commits' history (a store grown by
    # many commits holds index deltas); every count and answer must not
    s1.pop("store_bytes", None), s2.pop("store_bytes", None)
    if s1 != s2:
        raise SystemExit("stats differ:\n%s\n%s" % (s1, s2))
    addrs, n = set(), 0
    for b, rs, tr in node_blocks(url, s1["first_block"], s1["last_block"]):
        addrs.add(b["miner"])
        for t in b["transactions"]:
            x, y = st(bin_, "evm", "tx", "--db", db1, t["hash"]), st(bin_, "evm", "tx", "--db", db2, t["hash"])
            if x != y:
                raise SystemExit("tx %s differs:\n%s\n%s" % (t["hash"], x, y))
            n += 1
            addrs.update(f[k] for f in x["flows"] for k in ("from", "to"))
            addrs.update([t["from"], t.get("to")])
    addrs.discard(None)
    for a in sorted(addrs):
        x, y = st(bin_, "evm", "address", "--db", db1, a), st(bin_, "evm", "address", "--db", db2, a)
        if x != y:
            raise SystemExit("address %s differs:\n%s\n%s" % (a, x, y))
    print("evm_node: the stores agree (%d transactions, %d addresses)" % (n, len(addrs)))


def seeds(url, out, first, last):
    os.makedirs(out, exist_ok=True)
    for n in range(first, last + 1):
        b = rpc(url, "eth_getBlockByNumber", hex(n), True)
        rs = rpc(url, "eth_getBlockReceipts", hex(n))
        pt = rpc(url, "trace_block", hex(n))
        gt = rpc(url, "debug_traceBlockByNumber", hex(n), {"tracer": "callTracer"})
        with open(os.path.join(out, "parity_%d" % n), "wb") as f:
            f.write(b"\x00" + json.dumps([b, rs, pt], separators=(",", ":")).encode())
        with open(os.path.join(out, "geth_%d" % n), "wb") as f:
            f.write(b"\x01" + json.dumps([b, rs, gt], separators=(",", ":")).encode())
        if n == last:  # the whole ingest of one block: its head, then the batch
            head = [{"jsonrpc": "2.0", "id": 0, "result": hex(n)}]
            batch = [{"jsonrpc": "2.0", "id": i, "result": x} for i, x in enumerate([b, rs, pt])]
            with open(os.path.join(out, "exchange_%d" % n), "wb") as f:
                f.write(b"\x08" + json.dumps(head).encode() + b"\x00" + json.dumps(batch).encode())


def fill(url, blocks, per):
    accts = rpc(url, "eth_accounts")
    nonce = {a: q(rpc(url, "eth_getTransactionCount", a, "pending")) for a in accts}
    rpc(url, "evm_setAutomine", False)
    for b in range(blocks):
        calls = []
        for i in range(per):
            a = accts[i % len(accts)]
            calls.append({"jsonrpc": "2.0", "id": i, "method": "eth_sendTransaction",
                          "params": [{"from": a, "to": "0x5e%038x" % ((b * per + i) % 5000), "value": hex(10**15 + i),
                                      "nonce": hex(nonce[a]), "gas": "0x5208"}]})
            nonce[a] += 1
        for x in post(url, calls):
            if "error" in x:
                raise SystemExit("eth_sendTransaction: %s" % x["error"])
        rpc(url, "evm_mine")
    rpc(url, "evm_setAutomine", True)


def bodies(out, last):
    os.makedirs(out, exist_ok=True)
    for g in range(0, last + 1, 10):
        calls = []
        for b in range(g, min(g + 10, last + 1)):
            for m, p in (("eth_getBlockByNumber", [hex(b), True]), ("eth_getBlockReceipts", [hex(b)]),
                         ("trace_block", [hex(b)])):
                calls.append({"jsonrpc": "2.0", "id": len(calls), "method": m, "params": p})
        with open(os.path.join(out, "b%08d.json" % g), "w") as f:
            json.dump(calls, f)


# ---- a node that lacks methods, or goes away ----

def proxy(portfile, upstream, refuse, die_after):
    count = [0]
    lock = threading.Lock()

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                count[0] += 1
                if die_after is not None and count[0] > die_after:
                    os._exit(0)  # gone, mid-request, as a killed node is
            calls = body if isinstance(body, list) else [body]
            fwd = [c for c in calls if c["method"] not in refuse]
            ans = post(upstream, fwd) if fwd else []
            ans = ans if isinstance(ans, list) else [ans]
            ans += [{"jsonrpc": "2.0", "id": c["id"], "error": {"code": -32601, "message": "Method not found"}}
                    for c in calls if c["method"] in refuse]
            out = json.dumps(ans if isinstance(body, list) else ans[0]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


def main():
    a = sys.argv[1:]
    if a[0] == "etl":
        etl(a[1], a[2], int(a[3]), int(a[4]))
    elif a[0] == "check":
        check(a[1], a[2], a[3], int(a[4]))
    elif a[0] == "fill":
        fill(a[1], int(a[2]), int(a[3]))
    elif a[0] == "bodies":
        bodies(a[1], int(a[2]))
    elif a[0] == "seeds":
        seeds(a[1], a[2], int(a[3]), int(a[4]))
    elif a[0] == "same":
        same(a[1], a[2], a[3], a[4])
    elif a[0] == "proxy":
        refuse, die = set(), None
        rest = a[3:]
        while rest:
            if rest[0] == "--refuse":
                refuse = set(rest[1].split(","))
            elif rest[0] == "--die-after":
                die = int(rest[1])
            rest = rest[2:]
        proxy(a[1], a[2], refuse, die)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
