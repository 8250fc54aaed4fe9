# rollback.sh - sourced by the command-line tests of the Ethereum store.
# waits_for_rollback DIR CMD...: runs CMD while DIR/readers.lock is held
# exclusive for a second, as an `evm ingest --rpc` rollback holds it while
# it cuts the column files.  A reader holds the lock shared from opening
# the store to closing it, so CMD must wait for the rollback to end: 0 when
# CMD succeeded after the lock was let go, else 1 with the reason on stderr.
waits_for_rollback() {
  wr_dir=$1; shift
  wr_t=$(mktemp -d)
  ( flock -x "$wr_dir/readers.lock" sh -c ": >'$wr_t/held'; sleep 1; : >'$wr_t/released'" ) &
  wr_n=0
  while [ ! -e "$wr_t/held" ]; do
    wr_n=$((wr_n + 1))
    [ $wr_n -lt 400 ] || { echo "flock never took $wr_dir/readers.lock" >&2; wait; rm -rf "$wr_t"; return 1; }
    sleep 0.05
  done
  wr_rc=0
  "$@" >/dev/null || { echo "$* failed while a rollback held the store" >&2; wr_rc=1; }
  [ $wr_rc -eq 1 ] || [ -e "$wr_t/released" ] || { echo "$* read the store while a rollback held it" >&2; wr_rc=1; }
  wait
  rm -rf "$wr_t"
  return $wr_rc
}
