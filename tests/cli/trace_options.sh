#!/bin/sh
# trace_options.sh - each of `trace`, `exposure`, `chain cluster` and
# `chain why` takes only the options its --help documents: another
# command's option is refused by name, an unknown one as unknown, a bad
# number as a bad number, all with exit 2 and before the store is opened.
set -eu
B=$ST_BIN
T=$ST_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }
# want CODE PATTERN ARGS...: exit CODE and stderr matching PATTERN
want() {
    code=$1; pat=$2; shift 2
    set +e
    "$B" "$@" >"$T/opt.out" 2>"$T/opt.err"; rc=$?
    set -e
    [ "$rc" -eq "$code" ] || fail "'$*': exit $rc, want $code ($(cat "$T/opt.err"))"
    grep -q -- "$pat" "$T/opt.err" || fail "'$*': stderr '$(cat "$T/opt.err")' lacks '$pat'"
}
DB="--db $T/nowhere"

# options of another command: refused by name
want 2 "model is an option of 'sanctrace trace', not of exposure" exposure $DB --model nonsense ADDR
want 2 "merge-coinjoin is an option of 'sanctrace chain cluster', not of exposure" exposure $DB --merge-coinjoin ADDR
want 2 "--from is an option of 'sanctrace trace'" exposure $DB --from x ADDR
want 2 "--limit is an option of 'sanctrace trace', not of exposure" exposure $DB --limit 3 ADDR
want 2 "--cluster is an option of 'sanctrace exposure', not of trace" trace $DB --from x --cluster
want 2 "--max-visits is an option of 'sanctrace exposure', not of trace" trace $DB --from x --max-visits 3
want 2 "--change is an option of 'sanctrace chain cluster', not of trace" trace $DB --from x --change type
want 2 "--address is an option of 'sanctrace chain cluster', not of trace" trace $DB --from x --address y
want 2 "--model is an option of 'sanctrace trace', not of chain cluster" chain cluster $DB --model poison
want 2 "--tags is an option of 'sanctrace trace', not of chain cluster" chain cluster $DB --tags x.yaml
want 2 "--max-hops is an option of 'sanctrace trace', not of chain cluster" chain cluster $DB --max-hops 2
want 2 "--tags is an option of 'sanctrace trace', not of chain why" chain why $DB --tags x A B
want 2 "--limit is an option of 'sanctrace trace', not of chain why" chain why $DB --limit 2 A B
want 2 "--merge-coinjoin is an option of 'sanctrace chain cluster', not of chain why" chain why $DB --merge-coinjoin A B
want 2 "--cluster is an option of 'sanctrace exposure', not of chain why" chain why $DB --cluster A B

# unknown options, missing values, stray arguments
want 2 "unknown option --frobnicate" trace $DB --from x --frobnicate
want 2 "unknown option --frobnicate" exposure $DB --frobnicate ADDR
want 2 "unknown option --frobnicate" chain cluster $DB --frobnicate
want 2 "unknown option --frobnicate" chain why $DB --frobnicate A B
want 2 "--model needs a value" trace $DB --from x --model
want 2 "--tags needs a value" exposure $DB ADDR --tags
want 2 "unexpected argument 'stray'" trace $DB --from x stray
want 2 "unexpected argument 'stray'" chain cluster $DB stray
want 2 "unexpected argument 'C'" chain why $DB A B C
want 2 "--address reads the clusters" chain cluster $DB --address A --merge-coinjoin

# numbers are checked for every numeric option
for o in "trace --from x --until-height" "trace --from x --max-hops" "trace --from x --limit" \
         "trace --from x --max-txs" "exposure ADDR --max-hops" "exposure ADDR --max-visits" \
         "chain cluster --large" "chain cluster --address A --limit"; do
    for v in -1 12x "" 99999999999999999999999; do
        # shellcheck disable=SC2086
        want 2 "needs a non-negative number" $o "$v" $DB
    done
done
want 2 "--max-hops is at most 1000000" trace $DB --from x --max-hops 1000001
want 2 "--max-hops is at most 1000000" exposure $DB ADDR --max-hops 1000001
want 2 "--until-height is at most" trace $DB --from x --until-height 9223372036854775808

# what each command documents is accepted (the store is missing: exit 2 from opening it)
want 2 "no chain store" trace $DB --data-dir "$T" --from x --model poison --until-height 5 --max-hops 2 \
    --taint-fee --tags x --no-sanctions --format json --limit 3 --max-txs 9 --through-services
want 2 "no chain store" exposure $DB --data-dir "$T" ADDR --cluster --max-hops 2 --tags x --no-sanctions \
    --format table --max-visits 9
want 2 "no chain store" chain cluster $DB --data-dir "$T" --change type --merge-coinjoin --large 5 --format table
want 2 "no chain store" chain cluster $DB --address A --limit 5
want 2 "no chain store" chain why $DB --data-dir "$T" A B --format table
for c in trace exposure "chain cluster" "chain why"; do
    # shellcheck disable=SC2086
    $B $c --help >/dev/null || fail "$c --help"
done
echo "trace options ok"
