#!/bin/sh
# The HTTP service: wrk against POST /match/default (one Person query per
# request, names rotating, audit trail on) at 1, 8 and 64 connections -
# requests/s and p99 latency - beside the engine's in-process throughput
# (sanctrace screen on the same names, load time subtracted) in the same
# run.  Loopback only.  BENCH_SIZE=small: 5 s per point; large: 20 s.
set -e
: "${ST_BIN:?}" "${ST_DATA:=../shared/data}"
case "${BENCH_SIZE:-small}" in large) DUR=20s; NQ=20000 ;; *) DUR=5s; NQ=4000 ;; esac
command -v wrk >/dev/null || { echo "wrk is not installed (make deps)"; exit 1; }
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -TERM $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
"$ST_BIN" update --from "$ST_DATA/lists/un-2026-02-27" --from "$ST_DATA/lists/ofac-sdn-2021-07" \
  --data-dir "$tmp/data" >/dev/null 2>&1
# query names: every 20th SDN name (listed people and companies, in the
# list's "LAST, First" form turned around) and as many made-up innocents
awk -F'"' 'NR % 20 == 1 && $2 != "" { n = split($2, p, ", "); print (n == 2 ? p[2] " " p[1] : $2) }' \
  "$ST_DATA/lists/ofac-sdn-2021-07/sdn.csv" | head -n 400 > "$tmp/listed.txt"
for f in Anna Minho Jisoo Carlos Fatima Olga Wei Kwame Lena Tomas; do
  for l in Park Lee Garcia Haddad Ivanova Zhang Mensah Berg Novak Silva; do echo "$f $l"; done
done > "$tmp/innocent.txt"
cat "$tmp/listed.txt" "$tmp/innocent.txt" > "$tmp/names.txt"
nn=$(wc -l < "$tmp/names.txt")

# in-process: the engine's own benchmark when built (make bench), on this snapshot
if [ -n "${ST_BENCH_BIN:-}" ] && [ -x "$ST_BENCH_BIN/screen_bench" ]; then
  echo "engine in-process (bench/screen_bench, $NQ queries, no baseline):"
  "$ST_BENCH_BIN/screen_bench" "$tmp/data" "$NQ" 0 2>/dev/null | grep -v "baseline\|ratio\|load included" | sed 's/^/  /'
fi
# and through the command: sanctrace screen, one thread and two, NQ queries minus 1 query
awk -v n="$NQ" 'BEGIN { print "id,name,schema" } { a[NR] = $0 } END { for (i = 0; i < n; i++) print i "," a[i % NR + 1] "," }' \
  "$tmp/names.txt" > "$tmp/q.csv"
head -n 2 "$tmp/q.csv" > "$tmp/q1.csv"
t() { s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
for th in 1 2; do
  t1=$(t "$ST_BIN" screen --data-dir "$tmp/data" --threads $th --format jsonl "$tmp/q1.csv")
  tn=$(t "$ST_BIN" screen --data-dir "$tmp/data" --threads $th --format jsonl "$tmp/q.csv")
  echo "sanctrace screen (CSV in, JSON lines out), $th thread(s): $NQ queries in $(printf %.2f "$tn") s, load $(printf %.2f "$t1") s -> $(echo "($NQ - 1) / ($tn - $t1)" | bc) queries/s"
done

# the server
"$ST_BIN" serve --data-dir "$tmp/data" --listen 127.0.0.1:0 --port-file "$tmp/port" --threads 8 2>"$tmp/serve.log" &
pid=$!
while [ ! -s "$tmp/port" ]; do sleep 0.1; done
url=http://127.0.0.1:$(cat "$tmp/port")
cat > "$tmp/match.lua" <<LUA
local names = {}
for line in io.lines("$tmp/names.txt") do names[#names + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #names + 1
  local body = '{"queries": {"q1": {"schema": "Person", "properties": {"name": ["' .. names[i]:gsub('"', '') .. '"]}}}}'
  return wrk.format(nil, "/match/default", nil, body)
end
LUA
curl -sf -XPOST "$url/match/default" -H 'Content-Type: application/json' -d '{"queries":{"q":{"properties":{"name":["warm up"]}}}}' >/dev/null
echo "wrk POST /match/default, $nn rotating names, $DUR per point, server --threads 8, audit trail on:"
for c in 1 8 64; do
  th=$([ $c -lt 2 ] && echo 1 || echo 2)
  wrk -t$th -c$c -d$DUR --latency -s "$tmp/match.lua" "$url" > "$tmp/wrk$c.txt" 2>&1
  rps=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/wrk$c.txt")
  p99=$(awk '$1 == "99%" { print $2 }' "$tmp/wrk$c.txt")
  p50=$(awk '$1 == "50%" { print $2 }' "$tmp/wrk$c.txt")
  errs=$(awk '/Non-2xx|Socket errors/ { print }' "$tmp/wrk$c.txt" | tr '\n' ' ')
  echo "  $c connection(s): $rps requests/s, p50 $p50, p99 $p99 ${errs:+($errs)}"
done
kill -TERM $pid; wait $pid; pid=""
echo "audit records written: $("$ST_BIN" audit count --data-dir "$tmp/data")"
