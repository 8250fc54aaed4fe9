// SPDX-License-Identifier: MIT
// The contracts of sanctrace's laundering scenario (tests/lib/evm_scenario.py):
// a liquid-staking-like token, a constant-product pool that emits Uniswap V2's
// Swap event, a cold wallet, a splitter, a fixed-denomination mixer that emits
// Tornado Cash's events, and a router that emits THORChain's Deposit and
// TransferOut events.  They carry only what the scenario plays; none of them
// is safe to deploy anywhere else.
pragma solidity ^0.8.20;

contract StakedEther {
    string public constant name = "Scenario Staked Ether";
    string public constant symbol = "sETH";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    address public immutable minter;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor() { minter = msg.sender; }

    function mint(address to, uint256 value) external {
        require(msg.sender == minter, "not minter");
        totalSupply += value;
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 a = allowance[from][msg.sender];
        require(a >= value, "allowance");
        if (a != type(uint256).max) allowance[from][msg.sender] = a - value;
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) internal {
        require(balanceOf[from] >= value, "balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

// token0 = the staked token, token1 = ether, as a Uniswap V2 pair reports them.
contract EtherPool {
    StakedEther public immutable token;
    uint256 public reserve0;
    uint256 public reserve1;

    event Swap(address indexed sender, uint256 amount0In, uint256 amount1In,
               uint256 amount0Out, uint256 amount1Out, address indexed to);
    event Sync(uint112 reserve0, uint112 reserve1);

    constructor(StakedEther t) { token = t; }

    function addLiquidity(uint256 amount0) external payable {
        require(token.transferFrom(msg.sender, address(this), amount0), "pull");
        reserve0 += amount0;
        reserve1 += msg.value;
        emit Sync(uint112(reserve0), uint112(reserve1));
    }

    function swapTokenForEther(uint256 amountIn, address to) external returns (uint256 out) {
        require(token.transferFrom(msg.sender, address(this), amountIn), "pull");
        out = amountIn * 997 * reserve1 / (reserve0 * 1000 + amountIn * 997);
        reserve0 += amountIn;
        reserve1 -= out;
        (bool ok, ) = payable(to).call{value: out}("");
        require(ok, "pay");
        emit Swap(msg.sender, amountIn, 0, 0, out, to);
        emit Sync(uint112(reserve0), uint112(reserve1));
    }
}

// A cold wallet whose owner can sweep it: the scenario's thief has taken the
// owner key, as Bybit's attackers took the signers' approval.
contract ColdWallet {
    address public owner;

    constructor(address o) { owner = o; }

    receive() external payable {}

    function changeOwner(address o) external {
        require(msg.sender == owner, "owner");
        owner = o;
    }

    function sweep(StakedEther token, address payable to) external {
        require(msg.sender == owner, "owner");
        uint256 t = token.balanceOf(address(this));
        if (t > 0) require(token.transfer(to, t), "token");
        (bool ok, ) = to.call{value: address(this).balance}("");
        require(ok, "pay");
    }
}

// Pays many addresses ether in one transaction (internal calls).
contract Splitter {
    function split(address payable[] calldata to, uint256[] calldata amount) external payable {
        require(to.length == amount.length, "length");
        uint256 sum;
        for (uint256 i = 0; i < to.length; i++) {
            sum += amount[i];
            (bool ok, ) = to[i].call{value: amount[i]}("");
            require(ok, "pay");
        }
        require(sum == msg.value, "sum");
    }
}

// A fixed-denomination pool with Tornado Cash's events.  Withdrawals need no
// proof here: the scenario's operator plays them.
contract Mixer {
    uint256 public immutable denomination;
    address public immutable operator;
    uint32 public nextIndex;
    mapping(bytes32 => bool) public commitments;
    mapping(bytes32 => bool) public nullifierHashes;

    event Deposit(bytes32 indexed commitment, uint32 leafIndex, uint256 timestamp);
    event Withdrawal(address to, bytes32 nullifierHash, address indexed relayer, uint256 fee);

    constructor(uint256 d, address op) { denomination = d; operator = op; }

    function deposit(bytes32 commitment) external payable {
        require(msg.value == denomination, "denomination");
        require(!commitments[commitment], "commitment");
        commitments[commitment] = true;
        emit Deposit(commitment, nextIndex++, block.timestamp);
    }

    function withdraw(address payable to, bytes32 nullifierHash) external {
        require(msg.sender == operator, "operator");
        require(!nullifierHashes[nullifierHash], "spent");
        nullifierHashes[nullifierHash] = true;
        (bool ok, ) = to.call{value: denomination}("");
        require(ok, "pay");
        emit Withdrawal(to, nullifierHash, address(0), 0);
    }
}

// THORChain's router as its EVM side is seen from outside: a deposit of ether
// goes straight on to the vault with the memo in a Deposit event; an outbound
// payment (or a refund) is a TransferOut whose memo is OUT:/REFUND:<hash>.
contract ThorRouter {
    event Deposit(address indexed to, address indexed asset, uint256 amount, string memo);
    event TransferOut(address indexed vault, address indexed to, address asset, uint256 amount, string memo);

    function depositWithExpiry(address payable vault, address asset, uint256 amount,
                               string calldata memo, uint256 expiration) external payable {
        require(block.timestamp < expiration, "expired");
        require(asset == address(0) && amount == msg.value, "ether only");
        (bool ok, ) = vault.call{value: msg.value}("");
        require(ok, "vault");
        emit Deposit(vault, asset, msg.value, memo);
    }

    function transferOut(address payable to, address asset, uint256 amount,
                         string calldata memo) external payable {
        require(asset == address(0) && amount == msg.value, "ether only");
        (bool ok, ) = to.call{value: msg.value}("");
        require(ok, "pay");
        emit TransferOut(msg.sender, to, asset, msg.value, memo);
    }
}
