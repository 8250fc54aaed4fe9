#!/bin/sh
# The screening image end to end, on UN + OFAC SDN: `update` writes it,
# `screen` answers byte for byte the same from the image as from a
# rebuild from entities.jsonl, and a missing, damaged or truncated image
# is rebuilt (said on stderr) without changing a byte of the answers.
set -eu
: "${ST_BIN:?}" "${ST_TMP:?}" "${ST_DATA:?}"
fail() { echo "FAIL: $*"; exit 1; }
src=$ST_TMP/src; home=$ST_TMP/home; mkdir -p "$src"
cp "$ST_DATA"/lists/un-2026-02-27/consolidated.xml "$ST_DATA"/lists/ofac-sdn-2021-07/*.csv "$src"/
"$ST_BIN" update --from "$src" --data-dir "$home" >/dev/null || fail "update"
img=$(ls "$home"/snapshots/*/screen.img 2>/dev/null | head -1)
[ -s "$img" ] || fail "update should write the screening image"

# Queries: list names with a letter dropped or swapped, the names as
# listed with attributes, wallets and identifiers from the list, and ids
# that need escaping in JSON.
python3 - "$ST_DATA/lists/ofac-sdn-2021-07/sdn.csv" "$ST_TMP/q.csv" <<'PY'
import csv, random, re, sys
random.seed(5)
rows = list(csv.reader(open(sys.argv[1], encoding="latin-1")))
out = csv.writer(open(sys.argv[2], "w", newline=""))
out.writerow(["id", "name", "birth_date", "nationality", "wallet", "id_number"])
odd = ['q"uote', 'back\\slash', 'tab\there', 'Ri Pyŏng-ch\'ŏl', 'ctl\x01x', 'slash/ok']
n = 0
for r in rows[::20]:
    if len(r) < 12: continue
    name = r[1].strip()
    if len(name) < 4: continue
    k = random.randrange(1, len(name) - 1)
    v = [name[:k] + name[k + 1:], name[:k - 1] + name[k] + name[k - 1] + name[k + 1:], name][n % 3]
    bd = re.search(r"DOB (\d{2} \w{3} \d{4}|\d{4})", r[11])
    w = re.search(r"Digital Currency Address - XBT (\w+)", r[11])
    pp = re.search(r"Passport (\w+)", r[11])
    out.writerow([odd[n % len(odd)] + str(n) if n % 50 == 0 else "r%d" % n, v,
                  bd.group(1) if bd and n % 2 else "", "KP" if n % 7 == 0 else "",
                  w.group(1) if w else "", pp.group(1) if pp and n % 3 == 0 else ""])
    n += 1
PY
S() { "$ST_BIN" screen --data-dir "$home" --threads 2 --format jsonl "$ST_TMP/q.csv" 2>"$ST_TMP/err" || true; }
S >"$ST_TMP/a.jsonl"
[ -s "$ST_TMP/err" ] && fail "image path should be silent: $(cat "$ST_TMP/err")"
[ "$(grep -c '"match":true' "$ST_TMP/a.jsonl")" -gt 100 ] || fail "too few matches for a real comparison"

# Every line is JSON and the ids that needed escaping came back intact.
python3 - "$ST_TMP/a.jsonl" "$ST_TMP/q.csv" <<'PY' || fail "JSON lines"
import csv, json, sys
got = [json.loads(l)["id"] for l in open(sys.argv[1], encoding="utf-8")]
want = [r[0] for r in csv.reader(open(sys.argv[2], encoding="utf-8", newline=""))][1:]
assert got == want, [(g, w) for g, w in zip(got, want) if g != w][:3]
assert any('"' in i for i in got) and any("\t" in i for i in got) and any("\x01" in i for i in got)
# each line is exactly what jansson's json_dumps(JSON_COMPACT) writes for
# it: keys in order, reals as %.17g with ".0" added, its escapes
def real(x):
    t = "%.17g" % x
    if "." not in t and "e" not in t: t += ".0"
    if "e" in t:
        m, e = t.split("e"); sign = "-" if e[0] == "-" else ""; t = m + "e" + sign + e.lstrip("+-").lstrip("0")
    return t
ESC = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
def s(x): return '"' + "".join(ESC.get(c) or ("\\u%04X" % ord(c) if ord(c) < 0x20 else c) for c in x) + '"'
def dump(v):
    if isinstance(v, dict): return "{" + ",".join(s(k) + ":" + dump(x) for k, x in v.items()) + "}"
    if isinstance(v, list): return "[" + ",".join(dump(x) for x in v) + "]"
    if isinstance(v, str): return s(v)
    if v is True: return "true"
    if v is False: return "false"
    if v is None: return "null"
    if isinstance(v, float): return real(v)
    return str(v)
for l in open(sys.argv[1], encoding="utf-8"):
    assert dump(json.loads(l)) == l.rstrip("\n"), l
PY

rm "$img"
S >"$ST_TMP/b.jsonl"
cmp -s "$ST_TMP/a.jsonl" "$ST_TMP/b.jsonl" || fail "rebuilt snapshot answers differently"
[ -s "$img" ] || fail "screen should write the missing image"

python3 -c 'import sys; p=sys.argv[1]; d=bytearray(open(p,"rb").read()); d[len(d)//2]^=0x55; open(p,"wb").write(d)' "$img"
S >"$ST_TMP/c.jsonl"
grep -q "rebuilding" "$ST_TMP/err" || fail "a damaged image should be reported: $(cat "$ST_TMP/err")"
cmp -s "$ST_TMP/a.jsonl" "$ST_TMP/c.jsonl" || fail "answers changed after a damaged image"

head -c 1000 "$img" >"$ST_TMP/t" && mv "$ST_TMP/t" "$img"
S >"$ST_TMP/d.jsonl"
grep -q "rebuilding" "$ST_TMP/err" || fail "a truncated image should be reported"
cmp -s "$ST_TMP/a.jsonl" "$ST_TMP/d.jsonl" || fail "answers changed after a truncated image"
S >"$ST_TMP/e.jsonl"
[ -s "$ST_TMP/err" ] && fail "the rewritten image should be used silently"
cmp -s "$ST_TMP/a.jsonl" "$ST_TMP/e.jsonl" || fail "answers changed with the rewritten image"
echo "ok"
