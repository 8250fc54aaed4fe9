#!/bin/sh
# chain.sh - `sanctrace chain` end to end on the real block files, checked
# against tests/cli/chain_ref.py (an independent hashlib reader), plus the
# fork chain's tip, error reporting and exit codes, and a synthetic chain.
set -eu
B=$ST_BIN; D=$ST_DATA/chain; T=$ST_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }
. tests/lib/noreserve.sh
SAMPLE=7; [ "${MODE:-release}" = asan ] && SAMPLE=40

# regtest chain: every block and every transaction
$B chain ingest --db $T/rt $D/regtest-blocksci/btc/blk00000.dat >$T/out.json
python3 tests/cli/chain_ref.py regtest $B $T/rt $D/regtest-blocksci/btc/blk00000.dat --sample $((SAMPLE / 7))
$B chain stats --db $T/rt | grep -q '"transactions": 356' || fail "regtest tx count"

# mainnet: blocks 1-255, 277,647 and three raw blocks, in one store
bzip2 -dc $D/mainnet/blocks1-256.bz2 >$T/b1.dat
bzip2 -dc $D/mainnet/277647.dat.bz2 >$T/b2.dat
$B chain ingest --db $T/mn $T/b1.dat $T/b2.dat $D/mainnet/block-540107.raw $D/mainnet/block-574200.raw \
  $D/mainnet/block-702861.raw >/dev/null
python3 tests/cli/chain_ref.py main $B $T/mn $T/b1.dat $T/b2.dat $D/mainnet/block-540107.raw \
  $D/mainnet/block-574200.raw $D/mainnet/block-702861.raw --sample $((SAMPLE * 7))
$B chain address --db $T/mn 1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3 | grep -q '"received": 1000000000' || fail "Hal's address"

# the fork chain ends on the most-work tip, whatever the order
for f in blk_0_to_4 blk_3A blk_4A blk_5A; do bzip2 -dc $D/mainnet/$f.dat.bz2 >$T/$f.dat; done
$B chain ingest --db $T/fk $T/blk_5A.dat $T/blk_0_to_4.dat $T/blk_4A.dat $T/blk_3A.dat >/dev/null
$B chain stats --db $T/fk | grep -q '"tip_hash": "00000000195f85184e77c18914bd0febd11278d950f5e4731a38f71ed79f044e"' \
  || fail "fork tip"

# exit codes: 1 not found, 2 malformed or usage
set +e
$B chain tx --db $T/mn 0000000000000000000000000000000000000000000000000000000000000001 2>$T/err; rc=$?
[ $rc -eq 1 ] && grep -q "not in the store" $T/err || fail "unknown txid exit $rc"
$B chain tx --db $T/mn nothex 2>/dev/null; [ $? -eq 2 ] || fail "malformed txid"
$B chain address --db $T/mn 1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH 2>/dev/null; [ $? -eq 1 ] || fail "unknown address"
$B chain address --db $T/mn 1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMJ 2>$T/err; rc=$?
[ $rc -eq 2 ] && grep -q "not a valid main address" $T/err || fail "malformed address exit $rc"
$B chain block --db $T/mn 999999999 2>/dev/null; [ $? -eq 1 ] || fail "unknown block"
$B chain stats --db $T/nowhere 2>$T/err; [ $? -eq 2 ] && grep -q "no chain store" $T/err || fail "missing store"
$B chain frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown subcommand"
$B chain --help | grep -q "ingest" || fail "help"

# bad input: reported with file and offset, the rest ingested, exit 1
python3 - "$D/regtest-blocksci/btc/blk00000.dat" "$T/bad.dat" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read()); offs = []; o = 0
while o + 8 <= len(d) and d[o:o + 4] == b'\xfa\xbf\xb5\xda':
    n = struct.unpack('<I', d[o + 4:o + 8])[0]; offs.append(o); o += 8 + n
d[offs[10] + 8 + 80 + 10] ^= 0xff
d[offs[20]:offs[20] + 4] = b'\xde\xad\xbe\xef'
open(sys.argv[2], 'wb').write(d[:offs[-1] + 100])
PY
$B chain ingest --db $T/bad $T/bad.dat >/dev/null 2>$T/err; rc=$?
set -e
[ $rc -eq 1 ] || fail "bad input exit $rc"
grep -q "bad.dat:offset 5236: bad magic deadbeef" $T/err || fail "magic report: $(cat $T/err)"
grep -q "bad.dat:offset 89744: truncated block record" $T/err || fail "truncation report"
grep -q "record at offset 2633): merkle root does not match" $T/err || fail "merkle report"
$B chain stats --db $T/bad | grep -q '"tip_height": 200' || fail "rest not ingested"

# a synthetic chain with its planted theft; table output
$B chain synth --txs 20000 --seed 5 --out $T/syn >/dev/null
$B chain ingest --db $T/sy $T/syn >/dev/null
theft=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['theft']['txid'])" $T/syn/truth.json)
$B chain tx --db $T/sy $theft --format table | grep -q "^txid  *$theft" || fail "theft tx"
grep -q "abuse: service_hack" $T/syn/tagpack.yaml || fail "tagpack"
python3 tests/cli/chain_ref.py regtest $B $T/sy $T/syn/blk00000.dat --sample $((SAMPLE * 150)) >/dev/null
# a second writer while an ingest holds the store (flock(1) takes the same
# lock): exit 2 with the reason, the store unchanged; a reader is told too
$B chain stats --db $T/sy >$T/sy.before
set +e
flock -x $T/sy/lock $B chain ingest --db $T/sy $T/syn >/dev/null 2>$T/err; rc=$?
[ $rc -eq 2 ] && grep -q "another ingest holds it" $T/err || fail "ingest during an ingest: exit $rc, $(cat $T/err)"
flock -x $T/sy/lock $B chain stats --db $T/sy >/dev/null 2>$T/err; rc=$?
[ $rc -eq 2 ] && grep -q "an ingest is writing this store" $T/err || fail "reader during an ingest: exit $rc"
set -e
$B chain stats --db $T/sy | cmp -s - $T/sy.before || fail "store changed under a refused ingest"

# no room to grow a column: exit 2 saying so, never SIGBUS; the last commit
# still answers and the space reserved past it is given back.  A first
# ingest commits the chain's first 3 MB, the second meets the limit.
$B chain synth --txs 60000 --seed 3 --out $T/fd >/dev/null
mkdir -p $T/fdpart $T/fdmnt
full_disk_case() { # $1 db, $2 expected message, $3 command prefix for the failing ingest
  head -c 3000000 $T/fd/blk00000.dat >$T/fdpart/blk00000.dat
  set +e
  $B chain ingest --db $1 $T/fdpart/blk00000.dat >/dev/null 2>&1; rc=$? # 1: the cut record
  [ $rc -eq 1 ] || fail "first part: exit $rc"
  $B chain stats --db $1 >$T/fd.before
  $B chain block --db $1 20 >$T/fd.block
  before=$(du -sk $1 | cut -f1)
  cp $T/fd/blk00000.dat $T/fdpart/blk00000.dat
  sh -c "$3 exec $B chain ingest --db $1 $T/fdpart/blk00000.dat" >/dev/null 2>$T/err; rc=$?
  set -e
  [ $rc -eq 2 ] && grep -q "$2" $T/err || fail "no room ($2): exit $rc, $(cat $T/err)"
  $B chain stats --db $1 | cmp -s - $T/fd.before || fail "no room ($2): last commit changed"
  $B chain block --db $1 20 | cmp -s - $T/fd.block || fail "no room ($2): block 20"
  # (a run ended by a signal cannot give its space back: the next ingest
  # with room does)
  after=$(du -sk $1 | cut -f1)
  [ -n "${4:-}" ] || [ $after -le $((before + 64)) ] || fail "no room ($2): $before KiB before, $after KiB after"
}
# a file size limit (ulimit -f 4096: 2 or 4 MiB, as the shell counts blocks
# of 512 or 1024 bytes; the address column grows to 8 MiB), for any user
full_disk_case $T/fdlim "file size limit reached" "ulimit -f 4096;"
$B chain ingest --db $T/fdlim $T/fdpart/blk00000.dat >/dev/null || fail "resume after the limit"
$B chain stats --db $T/fdlim | grep -q '"transactions": 60000' || fail "resume after the limit: count"
# a full filesystem: a 12 MiB tmpfs (root only)
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=12m,mode=0700 sanctrace-test $T/fdmnt 2>/dev/null; then
  trap 'umount -l $T/fdmnt 2>/dev/null || true' EXIT
  trap 'exit 1' INT TERM HUP
  full_disk_case $T/fdmnt/db "no space left on device" ""
  umount $T/fdmnt
  # a file system whose fallocate does not reserve (ZFS; here
  # tests/lib/noreserve.c, preloaded, sets the size and reserves nothing):
  # a column page with no room behind it raises SIGBUS, which ends the
  # ingest with a sentence and exit 2; the next ingest with room resumes
  if noreserve_build $T; then
    mount -t tmpfs -o size=12m,mode=0700 sanctrace-test $T/fdmnt
    full_disk_case $T/fdmnt/db2 "a mapped file could not be read or written" "LD_PRELOAD=$NORESERVE" killed
    rm -rf $T/res; cp -a $T/fdmnt/db2 $T/res
    umount $T/fdmnt
    $B chain ingest --db $T/res $T/fdpart/blk00000.dat >/dev/null || fail "resume after SIGBUS"
    $B chain stats --db $T/res | grep -q '"transactions": 60000' || fail "resume after SIGBUS: count"
  else
    echo "chain: no-reservation case skipped (no C compiler for the preloaded shim)"
  fi
  trap - EXIT
else
  echo "chain: full-filesystem case skipped (needs root to mount a tmpfs)"
fi
echo "chain: ok"
