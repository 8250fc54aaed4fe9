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
