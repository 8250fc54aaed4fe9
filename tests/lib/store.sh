# store.sh - sourced by the store tests (they define fail).
# same_store A B WHAT: store A is store B byte for byte, every file that
# answers a query (columns, indexes, block times, events, the manifest),
# and holds no other files (a temporary left behind, a file B lacks).
same_store() {
  [ "$(ls $1)" = "$(ls $2)" ] || fail "$3: other files than $2's: $(ls $1)"
  for c in $2/*.col $2/*.idx $2/*.bin $2/manifest.json; do
    [ -e "$c" ] || continue
    cmp -s "$c" "$1/${c##*/}" || fail "$3: ${c##*/} differs from $2's"
  done
}
