// SPDX-License-Identifier: MIT
// Flows.sol - contracts for tests/cli/evm_rpc.sh: each moves value in one
// of the ways the Ethereum store must follow exactly (an ERC-20, value
// forwarded through nested internal calls and a delegatecall, a reverted
// subcall inside a successful transaction, a failed transaction, creates
// and selfdestructs with value, a contract paid after its selfdestruct in
// the same transaction).
pragma solidity ^0.8.20;

contract Token {
    mapping(address => uint256) public balanceOf;
    uint256 public totalSupply;
    address private owner;
    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor() { owner = msg.sender; }

    function mint(address to, uint256 v) external {
        require(msg.sender == owner, "owner only");
        balanceOf[to] += v;
        totalSupply += v;
        emit Transfer(address(0), to, v);
    }

    function transfer(address to, uint256 v) external returns (bool) {
        require(balanceOf[msg.sender] >= v, "balance");
        balanceOf[msg.sender] -= v;
        balanceOf[to] += v;
        emit Transfer(msg.sender, to, v);
        return true;
    }
}

contract Relay {
    function pass(address payable to) external payable {
        (bool ok, ) = to.call{value: msg.value}("");
        require(ok, "pass");
    }
}

contract Forwarder {
    Relay public relay;
    Token public token;

    constructor(Relay r, Token t) { relay = r; token = t; }

    // a third straight to a, the rest through the relay to b (two levels deep)
    function forward(address payable a, address payable b) external payable {
        uint256 third = msg.value / 3;
        (bool ok, ) = a.call{value: third}("");
        require(ok, "a");
        relay.pass{value: msg.value - third}(b);
    }

    // the relay's code run here: the value leaves this contract, not the relay
    function viaDelegate(address payable a) external payable {
        (bool ok, ) = address(relay).delegatecall(abi.encodeWithSelector(Relay.pass.selector, a));
        require(ok, "delegate");
    }

    // value and a token transfer in one transaction
    function payAndSend(address payable a, uint256 tokens) external payable {
        (bool ok, ) = a.call{value: msg.value}("");
        require(ok, "pay");
        require(token.transfer(a, tokens), "send");
    }
}

contract Child {
    // pays half onward, then reverts: the payment never happened
    function failAfterPaying(address payable x) external payable {
        (bool ok, ) = x.call{value: msg.value / 2}("");
        require(ok, "x");
        revert("child gives up");
    }
}

contract Reverter {
    Child public child;

    constructor(Child c) { child = c; }

    // half to keep; a quarter into a subcall that reverts (caught): the transaction succeeds
    function halfReverted(address payable keep, address payable lost) external payable {
        (bool ok, ) = keep.call{value: msg.value / 2}("");
        require(ok, "keep");
        try child.failAfterPaying{value: msg.value / 4}(lost) {} catch {}
    }

    // pays, then the whole transaction fails
    function boom(address payable x) external payable {
        (bool ok, ) = x.call{value: msg.value / 2}("");
        require(ok, "x");
        revert("boom");
    }

    receive() external payable {}
}

contract Bomb {
    constructor() payable {}

    function kill(address payable to) external {
        selfdestruct(to);
    }
}

contract Factory {
    // an internal create with value
    function make() external payable returns (address) {
        Bomb b = new Bomb{value: msg.value}();
        return address(b);
    }

    // created with value and destroyed in the same transaction
    function makeAndKill(address payable to) external payable {
        Bomb b = new Bomb{value: msg.value}();
        b.kill(to);
    }
}

// a contract that takes ether and can destroy itself
contract Phoenix {
    receive() external payable {}

    function kill(address payable to) external {
        selfdestruct(to);
    }
}

contract Killer {
    // p destroyed, then paid in the same transaction: that ether goes with
    // it at the transaction's end before Cancun; from Cancun p (created
    // earlier) outlives the transaction and keeps it
    function killThenPay(Phoenix p, address payable to) external payable {
        p.kill(to);
        (bool ok, ) = payable(address(p)).call{value: msg.value}("");
        require(ok, "paid");
    }
}
