#!/usr/bin/env python3
"""Convert the entity-resolution benchmarks in ../shared/data/er into
`sanctrace rings` input (CSV with the rings columns) plus a truth file
(id,cluster), so the same scorer (rings_score.py) serves all of them.

usage: rings_er.py febrl FILE... OUT.csv TRUTH.csv
       rings_er.py splink fake_1000.csv OUT.csv TRUTH.csv
       rings_er.py senzing DIR OUT.csv TRUTH.csv
Ground truth: FEBRL rec-N-org / rec-N-dup-k share N; Splink's `cluster`
column; Senzing's actual_truthset_key.csv (records absent from the key are
their own cluster).
"""
import csv, os, sys

COLS = ["id", "name", "email", "phone", "phone_type", "address", "country", "nationality", "birth_date",
        "employer", "education", "ip", "device_id", "payment_account", "shipping_address", "photo_hash",
        "resume_text", "timezone", "login_hours_utc"]

def write(rows, truth, out, tout):
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in COLS})
    with open(tout, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "cluster"])
        for i, c in truth:
            w.writerow([i, c])

def join(*parts):
    return " ".join(p.strip() for p in parts if p and p.strip())

def febrl(files, out, tout):
    rows, truth = [], []
    for fn in files:
        with open(fn, newline="") as f:
            for r in csv.DictReader(f, skipinitialspace=True):
                r = {k.strip(): (v or "").strip() for k, v in r.items()}
                rid = r["rec_id"]
                rows.append({"id": rid, "name": join(r["given_name"], r["surname"]),
                             "address": join(r["street_number"], r["address_1"], r["address_2"], r["suburb"],
                                             r["postcode"], r["state"]),
                             "birth_date": r["date_of_birth"], "country": "AU"})
                truth.append((rid, rid.split("-")[1]))
    write(rows, truth, out, tout)

def splink(fn, out, tout):
    rows, truth = [], []
    with open(fn, newline="") as f:
        for r in csv.DictReader(f):
            rows.append({"id": r["unique_id"], "name": join(r["first_name"], r["surname"]),
                         "birth_date": r["dob"], "address": r["city"], "email": r["email"]})
            truth.append((r["unique_id"], r["cluster"]))
    write(rows, truth, out, tout)

def senzing(d, out, tout):
    key = {}
    with open(os.path.join(d, "actual_truthset_key.csv"), newline="") as f:
        for r in csv.DictReader(f):
            key[(r["DATA_SOURCE"], r["RECORD_ID"])] = r["CLUSTER_ID"]
    rows, truth = [], []
    for name in ("customers.csv", "reference.csv", "watchlist.csv"):
        with open(os.path.join(d, name), newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                g = lambda k: (r.get(k) or "").strip()
                rid = g("DATA_SOURCE") + ":" + g("RECORD_ID")
                nm = g("PRIMARY_NAME_FULL") or g("PRIMARY_NAME_ORG") or join(g("PRIMARY_NAME_FIRST"), g("PRIMARY_NAME_MIDDLE"), g("PRIMARY_NAME_LAST"))
                addr = g("ADDR_FULL") or join(g("ADDR_LINE1"), g("ADDR_CITY"), g("ADDR_STATE"), g("ADDR_POSTAL_CODE"))
                rows.append({"id": rid, "name": nm, "email": g("EMAIL_ADDRESS"), "phone": g("PHONE_NUMBER"),
                             "phone_type": g("PHONE_TYPE"), "address": addr, "country": g("ADDR_COUNTRY") or "US",
                             "birth_date": g("DATE_OF_BIRTH"), "employer": g("EMPLOYER")})
                truth.append((rid, key.get((g("DATA_SOURCE"), g("RECORD_ID")), "self:" + rid)))
    write(rows, truth, out, tout)

if __name__ == "__main__":
    kind, args = sys.argv[1], sys.argv[2:]
    if kind == "febrl": febrl(args[:-2], args[-2], args[-1])
    elif kind == "splink": splink(args[0], args[1], args[2])
    elif kind == "senzing": senzing(args[0], args[1], args[2])
    else: sys.exit("unknown set " + kind)
