# damage.sh - sourced by the command-line tests of damaged stores.
# damage FILE HOW [KEEP]: FILE's bytes replaced in place, its size kept, as
# a bad disk or a copy cut short and padded leaves a column file: HOW is an
# octal byte (000 zeros, 177, 377) repeated, or `rising`: little-endian
# 64-bit words (i + 1) << 36, ids that climb past any store's tables.  The
# first KEEP bytes (default 0: none) are left as they were (a header).
damage() {
  dm_k=${3:-0}
  dm_n=$(($(wc -c <"$1") - dm_k))
  [ "$dm_n" -ge 0 ] || { echo "damage: $1 is shorter than the $dm_k bytes to keep" >&2; return 1; }
  head -c "$dm_k" "$1" >"$1.dmg"
  case $2 in
    rising) python3 -c "import struct,sys; n=int(sys.argv[1]); w=b''.join(struct.pack('<Q', (i + 1) << 36) for i in range(n // 8 + 1)); sys.stdout.buffer.write(w[:n])" "$dm_n" >>"$1.dmg" ;;
    *) head -c "$dm_n" /dev/zero | tr '\0' "\\$2" >>"$1.dmg" ;;
  esac
  mv "$1.dmg" "$1"
}
# set_words FILE START STEP COUNT EXPR: the little-endian 64-bit words at
# START, START+STEP, ... (COUNT of them, or every one to the end when
# COUNT is 0) set to EXPR, a Python expression of i (the word's number)
# and n (COUNT): links shifted, a field set past every table.
set_words() {
  python3 -c "
import sys; p, at, step, n, expr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
b = bytearray(open(p, 'rb').read())
count = n or max(0, (len(b) - at - 8) // step + 1)
for i in range(count):
    o = at + step * i
    b[o:o + 8] = (eval(expr, {'i': i, 'n': n}) % (1 << 64)).to_bytes(8, 'little')
open(p, 'wb').write(b)" "$@"
}
