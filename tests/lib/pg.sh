# pg.sh - a throwaway PostgreSQL server on loopback for the server's tests.
# Source it, call pg_start (sets PG_URL), and pg_stop when done (a trap).
# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# postgres user (Debian's postgresql package creates it) in a directory of
# its own; as another user it simply runs as that user.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_DIR=""
PG_URL=""

pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  [ -x "$PG_BIN/initdb" ] || { echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; return 1; }
  PG_DIR=$(mktemp -d /tmp/sanctrace-pg-XXXXXX)
  chmod 700 "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
  pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U sanctrace -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  tries=0
  while [ $tries -lt 8 ]; do
    tries=$((tries + 1))
    port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 ))
    if pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
         -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
         start >/dev/null 2>&1; then
      PG_URL="postgresql://sanctrace@127.0.0.1:$port/postgres"
      return 0
    fi
  done
  cat "$PG_DIR/server.log" >&2
  return 1
}

pg_stop() {
  [ -n "$PG_DIR" ] || return 0
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}
