# pragma version 0.4.3
# Test contract for the devnet tests: events, custom errors, reason strings, time, refunds, nesting.

event Stored:
    who: indexed(address)
    key: indexed(uint256)
    value: uint256

event Ping:
    n: uint256

stored: public(HashMap[uint256, uint256])

@external
def store(key: uint256, val: uint256):
    self.stored[key] = val
    log Stored(who=msg.sender, key=key, value=val)

@external
def ping(n: uint256):
    log Ping(n=n)

@external
def fail_custom():
    raw_revert(method_id("InvalidSignature()"))

@external
def fail_reason():
    raise "nope"

@external
def fail_empty():
    assert block.number == 0

@external
@view
def now() -> uint256:
    return block.timestamp

@external
@view
def check(x: uint256) -> uint256:
    if x == 0:
        raw_revert(concat(method_id("Bad(uint256)"), convert(x + 7, bytes32)))
    return x * 2

@external
def churn(n: uint256):
    for i: uint256 in range(n, bound=100):
        self.stored[1000 + i] = i + 1
    for i: uint256 in range(n, bound=100):
        self.stored[1000 + i] = 0

@external
def relay(target: address, data: Bytes[256], depth: uint256):
    if depth == 0:
        raw_call(target, data)
    else:
        raw_call(self, abi_encode(target, data, depth - 1, method_id=method_id("relay(address,bytes,uint256)")))

@external
@payable
def __default__():
    pass
