#!/bin/sh
# evm_rpc.sh - `sanctrace evm ingest --rpc` against a real node (anvil, on a
# free loopback port): contracts from tests/evm compiled with solcjs and
# played with cast (ether transfers, a block of several transactions, an
# ERC-20, value forwarded through nested calls and a delegatecall, a
# reverted subcall in a successful transaction, failed transactions,
# creates and selfdestructs with value); every flow and balance checked
# against the node's own answers (tests/lib/evm_node.py: receipts and
# trace_block, eth_getBalance, balanceOf); the same blocks through
# debug_traceBlockByNumber, through per-transaction receipts, and written
# out as an ethereum-etl export give the same store; resume; reorganisations
# (anvil_reorg, evm_revert); a node going away mid-ingest.
set -eu
B=$ST_BIN; T=$ST_TMP
X=${ST_EVM_TOOLS:-$PWD/tools/node_modules/.bin}
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$X/anvil" ] && [ -x "$X/cast" ] && [ -x "$X/solcjs" ] || fail "anvil, cast and solcjs not in $X: make evm-tools"
N="python3 tests/lib/evm_node.py"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PORT=$(free_port)
"$X/anvil" --host 127.0.0.1 --port "$PORT" --silent >"$T/anvil.log" 2>&1 &
APID=$!
PXPID=
trap 'kill $APID 2>/dev/null || true; [ -z "$PXPID" ] || kill $PXPID 2>/dev/null || true' EXIT
U=http://127.0.0.1:$PORT
i=0; until "$X/cast" block-number --rpc-url "$U" >/dev/null 2>&1; do
  i=$((i+1)); [ $i -lt 100 ] || fail "anvil did not start: $(cat $T/anvil.log)"; sleep 0.1; done

# ---- the chain ----
mkdir -p "$T/sol" && cp tests/evm/Flows.sol "$T/sol/"
(cd "$T/sol" && "$X/solcjs" --bin -o out Flows.sol >/dev/null 2>&1) || fail "solcjs"
bin() { cat "$T/sol/out/Flows_sol_$1.bin"; }
A0=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266; A1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
A2=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC; A3=0x90F79bf6EB2c4f870365E785982E1f101E93b906
r() { printf '0x5e00%036d' "$1"; } # fresh recipients 0x5e00...01, ... (not precompiles)
C="$X/cast"
send() { from=$1; shift; "$C" send --rpc-url "$U" --unlocked --from "$from" "$@" >/dev/null; }
deploy() { "$C" send --rpc-url "$U" --unlocked --from $A0 --json ${VALUE:+--value $VALUE} --create "$@" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["contractAddress"])'; }
rpcq() { "$C" rpc --rpc-url "$U" "$@" >/dev/null; }

rpcq anvil_setCoinbase 0x00000000000000000000000000000000c0ffee00 # tips go here, away from the zero address
send $A0 "$(r 1)" --value 1ether
send $A1 "$(r 2)" --value 0.3ether --gas-price 10gwei --priority-gas-price 3gwei
# one block of three transactions from three senders
rpcq evm_setAutomine false
send $A1 "$(r 3)" --value 0.5ether --async; send $A2 "$(r 1)" --value 0.25ether --async
send $A3 "$(r 2)" --value 2ether --async --gas-price 10gwei --priority-gas-price 2gwei
rpcq evm_mine
rpcq evm_setAutomine true
TOKEN=$(deploy "$(bin Token)")
RELAY=$(deploy "$(bin Relay)")
FWD=$(deploy "$(bin Forwarder)" "constructor(address,address)" "$RELAY" "$TOKEN")
CHILD=$(deploy "$(bin Child)")
REV=$(deploy "$(bin Reverter)" "constructor(address)" "$CHILD")
FACT=$(deploy "$(bin Factory)")
BOMB=$(VALUE=2ether deploy "$(bin Bomb)")                       # a create with value
send $A0 "$TOKEN" "mint(address,uint256)" $A0 1000000000000000000000
send $A0 "$TOKEN" "transfer(address,uint256)" "$(r 4)" 250000000000000000000
send $A0 "$TOKEN" "mint(address,uint256)" "$FWD" 100
send $A1 "$FWD" "payAndSend(address,uint256)" "$(r 5)" 40 --value 1ether # ether and a token in one
send $A1 "$FWD" "forward(address,address)" "$(r 6)" "$(r 7)" --value 3ether
send $A2 "$FWD" "viaDelegate(address)" "$(r 8)" --value 0.7ether    # delegatecall: from the forwarder
send $A2 "$REV" "halfReverted(address,address)" "$(r 9)" "$(r 10)" --value 4ether
send $A3 "$REV" "boom(address)" "$(r 9)" --value 1ether --gas-limit 200000 2>/dev/null || true # fails
send $A3 "$TOKEN" "transfer(address,uint256)" "$(r 4)" 1 --gas-limit 100000 2>/dev/null || true # fails: no tokens
send $A1 "$BOMB" "kill(address)" "$(r 11)"                           # selfdestruct moving 2 ether
send $A1 "$FACT" "make()" --value 0.5ether                            # an internal create with value
send $A3 "$FACT" "makeAndKill(address)" "$(r 12)" --value 0.25ether
HEAD=$("$C" block-number --rpc-url "$U")
[ "$HEAD" -ge 20 ] || fail "only $HEAD blocks were mined"
failed=$("$C" rpc --rpc-url "$U" eth_getBlockReceipts "$(printf '0x%x' $((HEAD-3)))" | grep -o '"status":"0x0"' | wc -l)
[ "$failed" -ge 1 ] || fail "the failing transactions did not fail on the node"

# ---- from the node: every flow and balance against the node ----
$B evm ingest --db $T/s --rpc "$U" >$T/out.json 2>$T/err || fail "ingest --rpc: $(cat $T/err)"
grep -q '"traces": "trace_block"' $T/out.json || fail "trace_block not used"
grep -q "\"last_block\": $HEAD" $T/out.json || fail "not ingested up to $HEAD"
$N check "$U" $B $T/s 0
$B evm tx --db $T/s "$("$C" block "$HEAD" --rpc-url "$U" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["transactions"][0])')" \
  | grep -q '"kind": "internal"' || fail "the selfdestruct in a create has no internal flows"

# the same blocks: through debug_traceBlockByNumber, and as an ethereum-etl export
$B evm ingest --db $T/dbg --rpc "$U" --traces debug >$T/out.json || fail "ingest --traces debug"
grep -q '"traces": "debug_traceBlockByNumber"' $T/out.json || fail "debug not used"
$N same "$U" $B $T/s $T/dbg
$N etl "$U" $T/etl 0 "$HEAD"
$B evm ingest --db $T/files $T/etl >$T/out.json || fail "ingest of the export: $(cat $T/out.json)"
$N same "$U" $B $T/s $T/files
# the block times too (tags' dates are read against them), byte for byte
[ -s $T/s/blocktimes.bin ] || fail "no block times from the node"
cmp -s $T/s/blocktimes.bin $T/files/blocktimes.bin || fail "the node's block times differ from the export's"
# one batch at a time, and sixteen small ones at once (answers taken in block order): the same store
$B evm ingest --db $T/seq --rpc "$U" --parallel-requests 1 >/dev/null || fail "--parallel-requests 1"
$N same "$U" $B $T/s $T/seq
$B evm ingest --db $T/par --rpc "$U" --parallel-requests 16 --request-blocks 1 --commit-blocks 5 >/dev/null \
  || fail "--parallel-requests 16"
$N same "$U" $B $T/s $T/par
# a node's tip followed one block per commit: each commit rewrites the index deltas, some merge them
$B evm ingest --db $T/tip --rpc "$U" --commit-blocks 1 >/dev/null
$N same "$U" $B $T/s $T/tip

# blocks from files on top of blocks from a node: the kept hashes stop below the store's last block, said so
$B evm ingest --db $T/mix --rpc "$U" --to-block 10 >/dev/null
$N etl "$U" $T/etl2 11 "$HEAD"
$B evm ingest --db $T/mix $T/etl2 >/dev/null
$B evm ingest --db $T/mix --rpc "$U" >$T/out.json 2>$T/err
grep -q "reorganisations at or below block $HEAD cannot be followed" $T/err || fail "stale block records not said: $(cat $T/err)"
$N same "$U" $B $T/s $T/mix

# resumable: to block 5, then on (and a run with nothing new adds nothing)
$B evm ingest --db $T/res --rpc "$U" --to-block 5 >$T/out.json
grep -q '"last_block": 5' $T/out.json || fail "--to-block 5"
$B evm ingest --db $T/res --rpc "$U" --from-block 3 >$T/out.json 2>$T/err
grep -q '"first_block": 6' $T/out.json || fail "the second run did not continue after block 5"
grep -q "holds blocks up to 5" $T/err || fail "--from-block below the store's last block not said"
$B evm ingest --db $T/res --rpc "$U" >$T/out.json
grep -q '"blocks_added": 0' $T/out.json || fail "a run with nothing new added blocks"
$N same "$U" $B $T/s $T/res

# a node without eth_getBlockReceipts and trace_block (receipts per transaction, callTracer)
PF=$T/port1; $N proxy $PF "$U" --refuse eth_getBlockReceipts,trace_block & PXPID=$!
i=0; until [ -s $PF ]; do i=$((i+1)); [ $i -lt 100 ] || fail "proxy"; sleep 0.1; done
$B evm ingest --db $T/fb --rpc "http://127.0.0.1:$(cat $PF)" --commit-blocks 7 --request-blocks 3 >$T/out.json 2>$T/err || fail "fallbacks: $(cat $T/err)"
grep -q '"receipts": "eth_getTransactionReceipt"' $T/out.json && grep -q '"traces": "debug_traceBlockByNumber"' $T/out.json \
  || fail "fallbacks not used: $(cat $T/out.json)"
kill $PXPID; wait $PXPID 2>/dev/null || true; PXPID=
$N same "$U" $B $T/s $T/fb

# the node goes away mid-ingest: the last commit stays, the error names the blocks, a rerun completes
PF=$T/port2; $N proxy $PF "$U" --die-after 7 & PXPID=$!
i=0; until [ -s $PF ]; do i=$((i+1)); [ $i -lt 100 ] || fail "proxy"; sleep 0.1; done
set +e
$B evm ingest --db $T/kill --rpc "http://127.0.0.1:$(cat $PF)" --commit-blocks 2 >$T/out.json 2>$T/err; rc=$?
set -e
wait $PXPID 2>/dev/null || true; PXPID=
[ $rc = 2 ] || fail "a node gone: exit $rc"
grep -q "stopped answering while asking blocks [0-9]*-[0-9]*" $T/err && grep -q "run again to continue" $T/err \
  || fail "unclear error: $(cat $T/err)"
last=$($B evm stats --db $T/kill | python3 -c 'import json,sys; print(json.load(sys.stdin)["last_block"])')
[ "$last" -ge 1 ] && [ "$last" -lt "$HEAD" ] || fail "the store after the node went away ends at $last"
grep -q "blocks up to $last" $T/err || fail "the error does not say the store's last block $last"
$B evm ingest --db $T/kill --rpc "$U" >$T/out.json || fail "rerun"
$N same "$U" $B $T/s $T/kill
cmp -s $T/s/blocktimes.bin $T/kill/blocktimes.bin || fail "block times after the node went away differ"

# no room at a commit (2 KiB a file: the kept block hashes meet it after a
# few commits): exit 2 naming the file, and a rerun with room gives the
# same store, block times byte for byte (the failed commit takes back the
# ones its blocks appended, else the rerun writes them twice)
if command -v prlimit >/dev/null; then
  set +e
  prlimit --fsize=2048 $B evm ingest --db $T/full --rpc "$U" --commit-blocks 2 >/dev/null 2>$T/err; rc=$?
  set -e
  [ $rc = 2 ] && grep -q "$T/full/.*File too large" $T/err || fail "no room over --rpc: exit $rc, $(cat $T/err)"
  $B evm ingest --db $T/full --rpc "$U" >/dev/null || fail "rerun after no room"
  $N same "$U" $B $T/s $T/full
  cmp -s $T/s/blocktimes.bin $T/full/blocktimes.bin || fail "block times written twice after a failed commit"
fi

# a reorganisation of the last 3 blocks (same height), then new blocks
rpcq anvil_reorg 3 '[]'
send $A0 "$(r 13)" --value 0.125ether
send $A1 "$TOKEN" "transfer(address,uint256)" "$(r 4)" 0 2>/dev/null || true
$B evm ingest --db $T/s --rpc "$U" >$T/out.json 2>$T/err || fail "ingest after a reorg: $(cat $T/err)"
grep -q "chain changed after block $((HEAD-3))" $T/err || fail "the reorg not said: $(cat $T/err)"
python3 -c "import json,sys; j=json.load(open('$T/out.json')); sys.exit(not (j['fork_block']==$HEAD-3 and j['blocks_rolled_back']>=3))" \
  || fail "fork point: $(cat $T/out.json)"
$N check "$U" $B $T/s 0
$B evm ingest --db $T/fresh1 --rpc "$U" >/dev/null
$N same "$U" $B $T/s $T/fresh1

# the chain cut back below the store's last block (evm_revert), then other blocks
SNAP=$("$C" rpc --rpc-url "$U" evm_snapshot | tr -d '"')
send $A2 "$(r 14)" --value 1ether; send $A2 "$(r 15)" --value 1ether; send $A2 "$(r 16)" --value 1ether
$B evm ingest --db $T/s --rpc "$U" --commit-blocks 1 >/dev/null
rpcq evm_revert "$SNAP"
send $A3 "$(r 17)" --value 0.5ether
$B evm ingest --db $T/s --rpc "$U" --commit-blocks 1 >$T/out.json 2>$T/err || fail "ingest after evm_revert: $(cat $T/err)"
grep -q '"blocks_rolled_back": 3' $T/out.json || fail "evm_revert: $(cat $T/out.json)"
$N check "$U" $B $T/s 0
$B evm ingest --db $T/fresh2 --rpc "$U" >/dev/null
$N same "$U" $B $T/s $T/fresh2

# before Cancun (a node on Shanghai: its blocks have no blob gas) a contract
# that names itself its selfdestruct's beneficiary burns its ether, though
# created in an earlier transaction; from Cancun it keeps it
for fork in shanghai cancun; do
  P2=$(free_port)
  "$X/anvil" --host 127.0.0.1 --port "$P2" --silent --hardfork $fork >"$T/anvil_$fork.log" 2>&1 &
  APID2=$!
  U2=http://127.0.0.1:$P2
  i=0; until "$X/cast" block-number --rpc-url "$U2" >/dev/null 2>&1; do
    i=$((i+1)); [ $i -lt 100 ] || fail "anvil on $fork did not start: $(cat $T/anvil_$fork.log)"; sleep 0.1
  done
  OLD=$("$C" send --rpc-url "$U2" --unlocked --from $A0 --json --value 2ether --create "$(bin Bomb)" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["contractAddress"])')
  "$C" send --rpc-url "$U2" --unlocked --from $A1 "$OLD" "kill(address)" "$OLD" >/dev/null
  # destroyed, then paid in the same transaction: gone with it before Cancun, kept from it
  PHX=$("$C" send --rpc-url "$U2" --unlocked --from $A0 --json --create "$(bin Phoenix)" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["contractAddress"])')
  KIL=$("$C" send --rpc-url "$U2" --unlocked --from $A0 --json --create "$(bin Killer)" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["contractAddress"])')
  "$C" send --rpc-url "$U2" --unlocked --from $A0 "$PHX" --value 1ether >/dev/null
  "$C" send --rpc-url "$U2" --unlocked --from $A2 "$KIL" "killThenPay(address,address)" "$PHX" "$(r 21)" \
    --value 0.5ether >/dev/null
  $B evm ingest --db $T/fork_$fork --rpc "$U2" >/dev/null 2>$T/err || fail "ingest on $fork: $(cat $T/err)"
  $B evm ingest --db $T/fork_${fork}_dbg --rpc "$U2" --traces debug >/dev/null 2>$T/err \
    || fail "debug on $fork: $(cat $T/err)"
  for s in fork_$fork fork_${fork}_dbg; do
    for a in "$OLD" "$PHX"; do
      want=$("$C" balance "$a" --rpc-url "$U2")
      $B evm address --db $T/$s "$a" >$T/fork_out
      got=$(python3 -c "import json,sys; print(json.load(sys.stdin)['balances'][0]['balance'])" <$T/fork_out)
      [ "$got" = "$want" ] || fail "$s: a destroyed contract ($a) holds $got, the node $want"
    done
  done
  $N check "$U2" $B $T/fork_$fork 0
  kill $APID2 2>/dev/null || true; wait $APID2 2>/dev/null || true
done

# usage
set +e
$B evm ingest --db $T/u --rpc "$U" --traces nope >/dev/null 2>&1; [ $? = 2 ] || fail "--traces nope"
$B evm ingest --db $T/u --rpc "$U" somefile >/dev/null 2>&1; [ $? = 2 ] || fail "--rpc with a PATH"
$B evm ingest --db $T/u --rpc "$U" --chain bitcoin >/dev/null 2>&1; [ $? = 2 ] || fail "--rpc --chain bitcoin"
$B evm ingest --db $T/u --rpc "http://127.0.0.1:$(free_port)" >/dev/null 2>$T/err; rc=$?
set -e
[ $rc = 2 ] && grep -q "stopped answering" $T/err || fail "no node: exit $rc, $(cat $T/err)"
echo "evm_rpc: ok"
