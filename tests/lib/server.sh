# server.sh - start and stop `sanctrace serve` in the tests, read JSON.
# Source it after setting ST_BIN and ST_TMP.
#   srv_start NAME ARGS...   starts a server on 127.0.0.1 with a free port;
#                            sets SRV_PID_<NAME>, SRV_URL_<NAME>; log in $ST_TMP/NAME.log
#   srv_stop NAME            SIGTERM, waits, fails unless it exits 0
#   jget EXPR                reads JSON (or JSON lines) on stdin, prints o<EXPR> (node)
#   browser_ready            chromium there, and playwright-core for tests/browser/ (npm ci once)

srv_start() {
  name=$1; shift
  rm -f "$ST_TMP/$name.port"
  "$ST_BIN" serve --listen 127.0.0.1:0 --port-file "$ST_TMP/$name.port" "$@" 2>"$ST_TMP/$name.log" &
  eval "SRV_PID_$name=$!"
  i=0
  while [ ! -s "$ST_TMP/$name.port" ]; do
    i=$((i + 1))
    if [ $i -gt 600 ]; then echo "server $name did not start:"; cat "$ST_TMP/$name.log"; return 1; fi
    sleep 0.05
  done
  eval "SRV_URL_$name=http://127.0.0.1:$(cat "$ST_TMP/$name.port")"
}

srv_stop() {
  name=$1
  pid=$(eval echo "\$SRV_PID_$name")
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  rc=0
  wait "$pid" || rc=$?
  eval "SRV_PID_$name="
  if [ $rc -ne 0 ]; then echo "server $name exited $rc:"; tail -n 20 "$ST_TMP/$name.log"; return 1; fi
}

jget() {
  # one JSON document, or JSON lines (the expression is applied to each)
  node -e '
let s = "";
process.stdin.on("data", (d) => (s += d)).on("end", () => {
  let docs;
  try { docs = [JSON.parse(s)]; } catch (e) { docs = s.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l)); }
  for (const o of docs) { const v = eval("o" + process.argv[1]); console.log(typeof v === "object" ? JSON.stringify(v) : v); }
});' "$1"
}

fail() { echo "FAIL: $*"; exit 1; }

browser_ready() {
  [ -x /usr/bin/chromium ] || fail "chromium is not installed (make deps)"
  if [ ! -d tests/browser/node_modules/playwright-core ]; then
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci in tests/browser"
  fi
}
