# monitor_expect.sh CUSTOMERS OLD_SDN NEW_SDN - prints the ids of customers
# whose list_name is an SDN entry of NEW_SDN and not of OLD_SDN, sorted:
# the alerts an update from OLD to NEW must raise.  Reads the official
# files directly (independent of sanctrace's parsers).
customers=$1 old=$2 new=$3
tail -n +2 "$customers" | while IFS= read -r line; do
  id=${line%%,*}
  name=$(printf '%s\n' "$line" | sed -n 's/.*,"\(.*\)"$/\1/p')
  [ -n "$name" ] || continue
  grep -q "^[0-9]*,\"$name\"," "$new" || continue
  grep -q "^[0-9]*,\"$name\"," "$old" && continue
  echo "$id"
done | sort
