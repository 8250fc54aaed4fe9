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
last_block() { $B evm stats --db "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["last_block"])'; }

# the committed part, then newer blocks; the reference gets both with room
$B evm synth --flows 20000 --seed 3 --out $T/a >/dev/null
$B evm ingest --db $T/ref $T/a >/dev/null
$B evm synth --flows 60000 --seed 4 --from-block $(($(last_block $T/ref) + 1)) --out $T/b >/dev/null
$B evm ingest --db $T/ref $T/b >/dev/null
need=$(du -sk $T/ref | cut -f1)

same_store() { # $1 a store that must hold what $T/ref does, byte for byte
  for f in $T/ref/*.col $T/ref/*.bin $T/ref/*.idx; do
    cmp -s "$f" "$1/$(basename "$f")" || fail "$2: $(basename "$f") differs from the store ingested with room"
  done
}

# $1 db, $2 what the case is, $3 command prefix for the failing ingest;
# prints the file the error named
no_room() {
  $B evm ingest --db $1 $T/a >/dev/null
  $B evm stats --db $1 >$T/before.json
  before=$(du -sk $1 | cut -f1)
  set +e
  sh -c "$3 exec $B evm ingest --db $1 $T/b" >/dev/null 2>$T/err; rc=$?
  set -e
  [ $rc -eq 2 ] || fail "no room ($2): exit $rc, $(cat $T/err)"
  grep -q "sanctrace: $1/.*: .*\(No space left on device\|File too large\)" $T/err \
    || fail "no room ($2): the error names no file: $(cat $T/err)"
  $B evm stats --db $1 | cmp -s - $T/before.json || fail "no room ($2): the last commit changed"
  ! ls $1 | grep -q '\.tmp\.' || fail "no room ($2): temporary files left: $(ls $1 | grep '\.tmp\.')"
  after=$(du -sk $1 | cut -f1)
  [ $after -le $((before + 64)) ] || fail "no room ($2): $before KiB before, $after KiB after"
  sed "s|^sanctrace: $1/\([^:]*\):.*|\1|" $T/err
}

# a file size limit (ulimit -f in 512- or 1024-byte blocks: the largest
# column, the amounts, meets it first), for any user
no_room $T/lim "file size limit" "ulimit -f 1200;" >$T/named
cp -a $T/lim $T/lim2
$B evm ingest --db $T/lim2 $T/b >/dev/null || fail "resume after the size limit"
same_store $T/lim2 "resume after the size limit"

# a full file system: tmpfs mounts a little smaller than the whole store
# needs, down from there, so that the room runs out at the commit's
# indexes as well as in the columns (root only)
mkdir -p $T/mnt
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k,mode=0700 sanctrace-test $T/mnt 2>/dev/null; then
  umount $T/mnt
  trap 'umount $T/mnt 2>/dev/null || true' EXIT
  : >$T/named
  for less in 0 500 1000 1500 2000 2500 3000; do
    mount -t tmpfs -o size=$((need - less))k,mode=0700 sanctrace-test $T/mnt
    no_room $T/mnt/db "file system full, $((need - less)) KiB" "" >>$T/named
    rm -rf $T/res; cp -a $T/mnt/db $T/res
    umount $T/mnt
    $B evm ingest --db $T/res $T/b >/dev/null || fail "resume after a full file system ($((need - less)) KiB)"
    same_store $T/res "resume after a full file system ($((need - less)) KiB)"
  done
  trap - EXIT
  grep -q '\.idx\.tmp\.' $T/named || fail "no case ran out of room in an index: $(tr '\n' ' ' <$T/named)"
  grep -q '\.col$' $T/named || fail "no case ran out of room in a column: $(tr '\n' ' ' <$T/named)"
else
  echo "evm_full: full-file-system cases skipped (needs root to mount a tmpfs)"
fi
echo "evm_full: ok"
