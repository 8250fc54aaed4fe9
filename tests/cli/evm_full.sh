#!/bin/sh
# evm_full.sh - `evm ingest` that runs out of room: exit 2 naming the file,
# the last commit still answers, what the run wrote past it is given back
# (no temporary index files, the column tails cut), and the same export
# then ingests to the store a run with room makes.  The room runs out at
# every stage: a column written while reading, a hash table or the flow
# lists built in their files at the commit.
set -eu
B=$ST_BIN; T=$ST_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }
. tests/lib/noreserve.sh
. tests/lib/store.sh
last_block() { $B evm stats --db "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["last_block"])'; }

# the committed part, then newer blocks; the reference gets both with room
$B evm synth --flows 20000 --seed 3 --out $T/a >/dev/null
$B evm ingest --db $T/ref $T/a >/dev/null
$B evm synth --flows 60000 --seed 4 --from-block $(($(last_block $T/ref) + 1)) --out $T/b >/dev/null
$B evm ingest --db $T/ref $T/b >/dev/null
need=$(du -sk $T/ref | cut -f1)


# $1 db (the first part committed unless it is there), $2 what the case
# is, $3 the failing ingest's command prefix (ending in exec), $4 its
# export ($T/b); prints the file the error named
no_room() {
  [ -d $1 ] || $B evm ingest --db $1 $T/a >/dev/null
  $B evm stats --db $1 >$T/before.json
  before=$(du -sk $1 | cut -f1)
  set +e
  sh -c "$3 $B evm ingest --db $1 ${4:-$T/b}" >/dev/null 2>$T/err; rc=$?
  set -e
  [ $rc -eq 2 ] || fail "no room ($2): exit $rc, $(cat $T/err)"
  $B evm stats --db $1 >$T/after.json
  cmp -s $T/before.json $T/after.json || fail "no room ($2): the last commit changed"
  grep -q "sanctrace: $1/.*: .*\(No space left on device\|File too large\)" $T/err \
    || fail "no room ($2): the error names no file: $(cat $T/err)"
  ! ls $1 | grep -q '\.tmp\.' || fail "no room ($2): temporary files left: $(ls $1 | grep '\.tmp\.')"
  after=$(du -sk $1 | cut -f1)
  [ $after -le $((before + 64)) ] || fail "no room ($2): $before KiB before, $after KiB after"
  sed "s|^sanctrace: $1/\([^:]*\):.*|\1|" $T/err
}

# $1 KiB less than the store needs, $2 what the case is, $3 as no_room's:
# the case on a tmpfs of that size, then the store copied out and the
# ingest resumed with room
full_fs() {
  mount -t tmpfs -o size=$((need - $1))k,mode=0700 sanctrace-test $T/mnt
  no_room $T/mnt/db "$2, $((need - $1)) KiB" "$3" >>$T/named
  rm -rf $T/res; cp -a $T/mnt/db $T/res
  umount $T/mnt
  $B evm ingest --db $T/res $T/b >/dev/null || fail "resume after $2 ($((need - $1)) KiB)"
  same_store $T/res $T/ref "resume after $2 ($((need - $1)) KiB)"
  ! ls $T/res | grep -q '\.tmp\.' || fail "resume after $2: temporary files left"
}

# a file size limit (ulimit -f in 512- or 1024-byte blocks: the largest
# column, the amounts, meets it first), for any user
no_room $T/lim "file size limit" "ulimit -f 1200; exec" >$T/named
cp -a $T/lim $T/lim2
$B evm ingest --db $T/lim2 $T/b >/dev/null || fail "resume after the size limit"
same_store $T/lim2 $T/ref "resume after the size limit"

# an export out of block order is read again whole: the columns its first
# reading wrote (32 MiB batches, so a million flows) are given back too
# when the whole reading runs out of room (prlimit: a limit in bytes,
# whatever the shell's ulimit counts in)
if command -v prlimit >/dev/null; then
  $B evm synth --flows 1000000 --seed 5 --out $T/o >/dev/null
  f=$T/o/transactions.csv; n=$(wc -l <$f)
  awk -v at=$((n * 4 / 5)) 'NR == 3 { held = $0; next } { print } NR == at { print held }' $f >$T/o.csv
  mv $T/o.csv $f
  set +e
  prlimit --fsize=14336000 $B evm ingest --db $T/ooo $T/o >/dev/null 2>$T/err; rc=$?
  set -e
  [ $rc -eq 2 ] && grep -q "File too large" $T/err || fail "out of block order, no room: exit $rc, $(cat $T/err)"
  for c in $T/ooo/*.col; do
    [ ! -s "$c" ] || fail "out of block order, no room: $(basename "$c") keeps $(wc -c <"$c") bytes of no commit"
  done
  ! ls $T/ooo | grep -q '\.tmp\.' || fail "out of block order, no room: temporary files left"
  $B evm ingest --db $T/ooo $T/o >/dev/null || fail "out of block order: resume"
  rm -rf $T/o $T/ooo
fi

# a full file system: tmpfs mounts smaller than the whole store needs,
# from 500 KiB less down, so that the room runs out at the commit's
# indexes as well as in the columns (root only)
mkdir -p $T/mnt
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k,mode=0700 sanctrace-test $T/mnt 2>/dev/null; then
  umount $T/mnt
  # never left mounted, whatever ends the test (the runner removes $T)
  trap 'umount -l $T/mnt 2>/dev/null || true' EXIT
  trap 'exit 1' INT TERM HUP
  : >$T/named
  for less in 500 1000 1500 2000 2500 3000; do full_fs $less "a full file system" exec; done
  grep -q '\.idx\.tmp\.' $T/named || fail "no case ran out of room in an index: $(tr '\n' ' ' <$T/named)"
  grep -q '\.col$' $T/named || fail "no case ran out of room in a column: $(tr '\n' ' ' <$T/named)"
  # a file system whose fallocate does not reserve (ZFS; here
  # tests/lib/noreserve.c preloaded): the index images are built in memory
  # and written, so the room runs out at a write, which says so and names
  # the file (never a SIGBUS, as a store to a mapped page would raise);
  # the last commit answers and the next ingest with room gives the store
  # a run with room makes
  if noreserve_build $T; then
    : >$T/named
    for less in 500 1000 1500; do full_fs $less "no reservation" "LD_PRELOAD=$NORESERVE exec"; done
    # and one without fallocate at all (EOPNOTSUPP: NFS before 4.2, FUSE):
    # the index files are made unreserved and the write says no room
    for less in 500 1000; do full_fs $less "no fallocate" "NORESERVE_NONE=1 LD_PRELOAD=$NORESERVE exec"; done
    grep -q '\.idx\.tmp\.' $T/named \
      || fail "no reservation: no case ran out of room in an index: $(tr '\n' ' ' <$T/named)"
  else
    echo "evm_full: no-reservation cases skipped (no C compiler for the preloaded shim)"
  fi
  trap - EXIT
else
  echo "evm_full: full-file-system cases skipped (needs root to mount a tmpfs)"
fi
echo "evm_full: ok"
