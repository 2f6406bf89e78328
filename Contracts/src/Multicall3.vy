# pragma version 0.4.3
# @title Multicall3
# @notice Devnet twin of mds1/multicall Multicall3: aggregate, tryAggregate, tryBlockAndAggregate,
#         blockAndAggregate, aggregate3, aggregate3Value and the block/chain getters, with the same
#         selectors and "Multicall3: call failed" / "Multicall3: value mismatch" revert strings.
# @dev Vyper bounds (ABI-visible difference): at most MAX_CALLS calls per batch, callData at most
#      MAX_DATA bytes; return data longer than MAX_RET bytes is truncated.

MAX_CALLS: constant(uint256) = 64
MAX_DATA: constant(uint256) = 1024
MAX_RET: constant(uint256) = 1024

struct Call:
    target: address
    callData: Bytes[MAX_DATA]

struct Call3:
    target: address
    allowFailure: bool
    callData: Bytes[MAX_DATA]

struct Call3Value:
    target: address
    allowFailure: bool
    value: uint256
    callData: Bytes[MAX_DATA]

struct Result:
    success: bool
    returnData: Bytes[MAX_RET]


@internal
def _try(requireSuccess: bool, calls: DynArray[Call, MAX_CALLS]) -> DynArray[Result, MAX_CALLS]:
    results: DynArray[Result, MAX_CALLS] = []
    for c: Call in calls:
        ok: bool = False
        ret: Bytes[MAX_RET] = b""
        ok, ret = raw_call(c.target, c.callData, max_outsize=MAX_RET, revert_on_failure=False)
        if requireSuccess:
            assert ok, "Multicall3: call failed"
        results.append(Result(success=ok, returnData=ret))
    return results


@payable
@external
def aggregate(calls: DynArray[Call, MAX_CALLS]) -> (uint256, DynArray[Bytes[MAX_RET], MAX_CALLS]):
    out: DynArray[Bytes[MAX_RET], MAX_CALLS] = []
    for c: Call in calls:
        ok: bool = False
        ret: Bytes[MAX_RET] = b""
        ok, ret = raw_call(c.target, c.callData, max_outsize=MAX_RET, revert_on_failure=False)
        assert ok, "Multicall3: call failed"
        out.append(ret)
    return block.number, out


@payable
@external
def tryAggregate(requireSuccess: bool, calls: DynArray[Call, MAX_CALLS]) -> DynArray[Result, MAX_CALLS]:
    return self._try(requireSuccess, calls)


@payable
@external
def tryBlockAndAggregate(requireSuccess: bool, calls: DynArray[Call, MAX_CALLS]) -> (uint256, bytes32, DynArray[Result, MAX_CALLS]):
    # Solidity's blockhash(block.number) is always zero; kept identical.
    return block.number, empty(bytes32), self._try(requireSuccess, calls)


@payable
@external
def blockAndAggregate(calls: DynArray[Call, MAX_CALLS]) -> (uint256, bytes32, DynArray[Result, MAX_CALLS]):
    return block.number, empty(bytes32), self._try(True, calls)


@payable
@external
def aggregate3(calls: DynArray[Call3, MAX_CALLS]) -> DynArray[Result, MAX_CALLS]:
    results: DynArray[Result, MAX_CALLS] = []
    for c: Call3 in calls:
        ok: bool = False
        ret: Bytes[MAX_RET] = b""
        ok, ret = raw_call(c.target, c.callData, max_outsize=MAX_RET, revert_on_failure=False)
        assert ok or c.allowFailure, "Multicall3: call failed"
        results.append(Result(success=ok, returnData=ret))
    return results


@payable
@external
def aggregate3Value(calls: DynArray[Call3Value, MAX_CALLS]) -> DynArray[Result, MAX_CALLS]:
    results: DynArray[Result, MAX_CALLS] = []
    total: uint256 = 0
    for c: Call3Value in calls:
        total += c.value
        ok: bool = False
        ret: Bytes[MAX_RET] = b""
        ok, ret = raw_call(c.target, c.callData, max_outsize=MAX_RET, value=c.value, revert_on_failure=False)
        assert ok or c.allowFailure, "Multicall3: call failed"
        results.append(Result(success=ok, returnData=ret))
    assert msg.value == total, "Multicall3: value mismatch"
    return results


@view
@external
def getBlockHash(blockNumber: uint256) -> bytes32:
    if blockNumber >= block.number or blockNumber + 256 < block.number:
        return empty(bytes32)
    return blockhash(blockNumber)


@view
@external
def getBlockNumber() -> uint256:
    return block.number


@view
@external
def getCurrentBlockCoinbase() -> address:
    return block.coinbase


@view
@external
def getCurrentBlockDifficulty() -> uint256:
    return convert(block.prevrandao, uint256)


@view
@external
def getCurrentBlockGasLimit() -> uint256:
    return block.gaslimit


@view
@external
def getCurrentBlockTimestamp() -> uint256:
    return block.timestamp


@view
@external
def getEthBalance(addr: address) -> uint256:
    return addr.balance


@view
@external
def getLastBlockHash() -> bytes32:
    if block.number == 0:
        return empty(bytes32)
    return blockhash(block.number - 1)


@view
@external
def getBasefee() -> uint256:
    return block.basefee


@view
@external
def getChainId() -> uint256:
    return chain.id
