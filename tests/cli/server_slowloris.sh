#!/bin/sh
# Slow clients do not lock others out: 1,100 connections that send one
# header line a second (800 from 127.0.0.1, 300 from 127.0.0.2-.9, all on
# the loopback interface) and come back whenever they are cut off, for
# 15 s, while another client (127.0.0.250) asks GET /healthz four times a
# second.  Every probe must be answered, none after waiting 5 s (a
# correctness bound, far above the milliseconds it takes); the slow
# connections are refused past the per-address cap or cut off with a JSON
# 408 at the header deadline (--header-timeout 3), never held for the
# whole run.
set -eu
. tests/lib/server.sh
trap 'srv_stop S >/dev/null 2>&1 || true' EXIT
D=$ST_TMP/data
"$ST_BIN" update --from "$ST_DATA/lists/ofac-sdn-2019-01" --data-dir "$D" >/dev/null 2>&1
srv_start S --data-dir "$D" --threads 2 --header-timeout 3
addrs=$(for i in $(seq 8); do printf '127.0.0.1,'; done; for i in 2 3 4 5 6 7 8 9; do printf '127.0.0.%s,' "$i"; done)
python3 tests/lib/http_raw.py slowloris "${SRV_URL_S##*:}" 15 1100 "${addrs%,}" > "$ST_TMP/slow.json"
cat "$ST_TMP/slow.json"
o=$ST_TMP/slow.json
[ "$(jget '.probes >= 20' < "$o")" = true ] || fail "too few probes ran"
[ "$(jget .failed < "$o")" -eq 0 ] || fail "probes not answered: $(jget .failed_probes < "$o")"
[ "$(jget '.worst_probe < 5' < "$o")" = true ] || fail "a probe waited $(jget .worst_probe < "$o") s"
[ "$(jget '.answered_408 > 0' < "$o")" = true ] || fail "no slow client was cut off at the header deadline"
[ "$(jget '.longest_open < 12' < "$o")" = true ] || fail "a slow client held its connection $(jget .longest_open < "$o") s"
[ "$(curl -sf "$SRV_URL_S/healthz" | jget .status)" = ok ] || fail "down after the slow clients"
srv_stop S
echo "ok: $(jget .probes < "$o") probes answered during the slow clients, worst $(jget .worst_probe < "$o") s"
