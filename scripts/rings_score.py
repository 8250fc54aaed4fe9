#!/usr/bin/env python3
"""Score `sanctrace rings` output against a truth file.

usage: rings_score.py RESULT.json TRUTH.csv [--label NAME]
TRUTH.csv has a header with columns id and cluster (and optionally role:
"operation" / "innocent").  Prints pairwise precision, recall and F1 over
record pairs placed in one ring vs one true cluster, and, when roles are
given, the share of operation members and of innocents flagged high, and
operation completeness: the share of operations shown as exactly one ring
(every member in one ring that holds no record from outside the operation).
"""
import csv, json, sys
from collections import defaultdict

def pairs_of(groups):
    n = 0
    for g in groups.values():
        k = len(g)
        n += k * (k - 1) // 2
    return n

def main():
    res, truth = sys.argv[1], sys.argv[2]
    label = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--label" else truth
    d = json.load(open(res))
    ring_of = {r["id"]: r["ring"] for r in d["records"]}
    level = {r["id"]: r["level"] for r in d["records"]}
    tc, role = {}, {}
    with open(truth, newline="") as f:
        for row in csv.DictReader(f):
            tc[row["id"]] = row["cluster"]
            if row.get("role"):
                role[row["id"]] = row["role"]
    ids = [i for i in tc if i in ring_of]
    pred = defaultdict(list); true = defaultdict(list); both = defaultdict(list)
    for i in ids:
        true[tc[i]].append(i)
        if ring_of[i] is not None:
            pred[ring_of[i]].append(i)
            both[(ring_of[i], tc[i])].append(i)
    tp = pairs_of(both); pp = pairs_of(pred); tt = pairs_of(true)
    p = tp / pp if pp else 1.0
    r = tp / tt if tt else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    out = {"set": label, "records": len(ids), "missing": len(tc) - len(ids), "true_pairs": tt,
           "predicted_pairs": pp, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}
    if role:
        ops = [i for i in ids if role.get(i) == "operation"]
        inn = [i for i in ids if role.get(i) != "operation"]
        out["operation_members"] = len(ops)
        out["operation_high"] = round(sum(level[i] == "high" for i in ops) / len(ops), 4) if ops else None
        out["innocents"] = len(inn)
        out["innocent_high"] = round(sum(level[i] == "high" for i in inn) / len(inn), 5) if inn else None
        op_ids = sorted({tc[i] for i in ops})
        whole = 0
        for op in op_ids:
            rings = {ring_of[i] for i in true[op]}
            if len(rings) == 1 and None not in rings and len(pred[next(iter(rings))]) == len(true[op]):
                whole += 1
        out["operations"] = len(op_ids)
        out["operation_completeness"] = round(whole / len(op_ids), 4) if op_ids else None
    print(json.dumps(out))

if __name__ == "__main__":
    main()
