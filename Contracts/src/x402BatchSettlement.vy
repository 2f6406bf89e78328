#pragma version 0.4.3
"""
@title x402BatchSettlement (devnet twin)
@notice Vyper twin of the canonical Solidity `x402BatchSettlement`: same external ABI (names, types,
        selectors), events, custom-error revert bytes and semantics. Runtime code is placed at genesis, so
        there is no constructor: the EIP-712 domain is computed at run time from chain.id and self.
@dev Differences visible through the ABI are listed in Contracts/README.md. In short:
     * `claim` and `claimWithSignature` are decoded by hand from calldata in `__default__` (Vyper would copy a
       bounded `DynArray` argument into memory sized for its bound, which costs ~100k+ gas even for one row).
       Their ABI entries come from x402BatchSettlement.abi.json. claimWithSignature: at most 500 rows;
       ERC-1271 signatures (in calldata rows and for claimWithSignature) at most 2048 bytes.
     * `getClaimBatchDigest`: at most 300 rows, row signatures at most 1024 bytes.
     * `refundWithSignature` signature and `deposit` collectorData: at most 2048 / 4096 bytes.
     * `multicall`: at most 8 calls of at most 4096 bytes each; results at most 1024 bytes each.
     * Checked-arithmetic and ABI-decoding failures revert with empty data (Solidity: empty data too, except
       Panic(0x11) on overflow, which is reproduced where an overflow is reachable).
"""

# ---------------------------------------------------------------------------------------------------------
# Interfaces
# ---------------------------------------------------------------------------------------------------------

interface IERC20:
    def balanceOf(account: address) -> uint256: view

interface IDepositCollector:
    def collect(payer: address, token: address, amount: uint256, channelId: bytes32, collectorData: Bytes[4096]): nonpayable

# ---------------------------------------------------------------------------------------------------------
# Structs
# ---------------------------------------------------------------------------------------------------------

struct ChannelConfig:
    payer: address
    payerAuthorizer: address
    receiver: address
    receiverAuthorizer: address
    token: address
    withdrawDelay: uint40
    salt: bytes32

struct ChannelState:
    balance: uint128
    totalClaimed: uint128

struct WithdrawalState:
    amount: uint128
    initiatedAt: uint40

struct ReceiverState:
    totalClaimed: uint128
    totalSettled: uint128

struct Voucher:
    channel: ChannelConfig
    maxClaimableAmount: uint128

struct VoucherClaim:
    voucher: Voucher
    signature: Bytes[1024]
    totalClaimed: uint128

# ---------------------------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------------------------

MIN_WITHDRAW_DELAY: public(constant(uint40)) = 900
MAX_WITHDRAW_DELAY: public(constant(uint40)) = 2592000

CHANNEL_CONFIG_TYPEHASH: public(constant(bytes32)) = keccak256("ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)")
VOUCHER_TYPEHASH: public(constant(bytes32)) = keccak256("Voucher(bytes32 channelId,uint128 maxClaimableAmount)")
REFUND_TYPEHASH: public(constant(bytes32)) = keccak256("Refund(bytes32 channelId,uint256 nonce,uint128 amount)")
CLAIM_ENTRY_TYPEHASH: public(constant(bytes32)) = keccak256("ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)")
CLAIM_BATCH_TYPEHASH: public(constant(bytes32)) = keccak256("ClaimBatch(ClaimEntry[] claims)ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)")

EIP712_DOMAIN_TYPEHASH: constant(bytes32) = keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
DOMAIN_NAME: constant(String[21]) = "x402 Batch Settlement"
DOMAIN_VERSION: constant(String[1]) = "1"
DOMAIN_NAME_HASH: constant(bytes32) = keccak256("x402 Batch Settlement")
DOMAIN_VERSION_HASH: constant(bytes32) = keccak256("1")

# secp256k1n / 2 (OpenZeppelin ECDSA malleability bound)
HALF_N: constant(uint256) = 57896044618658097711785492504343953926418782139537452191302581570759080747168
ERC1271_MAGIC: constant(bytes32) = 0x1626ba7e00000000000000000000000000000000000000000000000000000000

CLAIM_SELECTOR: constant(bytes4) = 0x29237b0c
CLAIM_WITH_SIGNATURE_SELECTOR: constant(bytes4) = 0xe43ce1f2

MAX_CLAIM_ROWS: constant(uint256) = 100000   # loop bound for hand-decoded `claim` (gas is the real limit)
MAX_SIGNED_BATCH: constant(uint256) = 500    # `claimWithSignature` rows (entries-root buffer)
MAX_DIGEST_ROWS: constant(uint256) = 300     # `getClaimBatchDigest` rows
MAX_SIG: constant(uint256) = 2048            # ERC-1271 signature bytes
MAX_SIG_CHUNKS: constant(uint256) = 64       # MAX_SIG / 32
MC_CALLS: constant(uint256) = 8
MC_CALL_BYTES: constant(uint256) = 4096
MC_RESULT_BYTES: constant(uint256) = 1024

# ---------------------------------------------------------------------------------------------------------
# Storage (the `channels`, `pendingWithdrawals` and `receivers` getters are written by hand below so their
# ABI outputs are flat tuples, exactly like Solidity's public-mapping getters)
# ---------------------------------------------------------------------------------------------------------

_channels: HashMap[bytes32, ChannelState]
refundNonce: public(HashMap[bytes32, uint256])
_pendingWithdrawals: HashMap[bytes32, WithdrawalState]
_receivers: HashMap[address, HashMap[address, ReceiverState]]

# OpenZeppelin ReentrancyGuardTransient equivalent (EIP-1153), with OZ's revert bytes
_entered: transient(bool)

# ---------------------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------------------

event ChannelCreated:
    channelId: indexed(bytes32)
    config: ChannelConfig

event ChannelClosed:
    channelId: indexed(bytes32)
    config: ChannelConfig

event Deposited:
    channelId: indexed(bytes32)
    sender: indexed(address)
    amount: uint128
    newBalance: uint128

event Claimed:
    channelId: indexed(bytes32)
    sender: indexed(address)
    claimAmount: uint128
    newTotalClaimed: uint128

event Settled:
    receiver: indexed(address)
    token: indexed(address)
    sender: indexed(address)
    amount: uint128

event Refunded:
    channelId: indexed(bytes32)
    sender: indexed(address)
    amount: uint128

event WithdrawInitiated:
    channelId: indexed(bytes32)
    amount: uint128
    finalizeAfter: uint40

event WithdrawFinalized:
    channelId: indexed(bytes32)
    sender: indexed(address)
    amount: uint128

# ---------------------------------------------------------------------------------------------------------
# Guard, errors, token transfer
# ---------------------------------------------------------------------------------------------------------

@internal
def _enter():
    if self._entered:
        raw_revert(method_id("ReentrancyGuardReentrantCall()"))
    self._entered = True


@internal
def _exit():
    self._entered = False


@internal
@pure
def _panic_overflow():
    raw_revert(concat(method_id("Panic(uint256)"), convert(17, bytes32)))


@internal
def _safe_transfer(token: address, to: address, amount: uint256):
    # OpenZeppelin SafeERC20.safeTransfer: bubble a revert; no return data needs code; else the word must be 1
    resp: Bytes[32] = raw_call(
        token, abi_encode(to, amount, method_id=method_id("transfer(address,uint256)")), max_outsize=32
    )
    if len(resp) == 0:
        if token.codesize == 0:
            raw_revert(concat(method_id("SafeERC20FailedOperation(address)"), convert(token, bytes32)))
    elif len(resp) < 32 or convert(resp, uint256) != 1:
        raw_revert(concat(method_id("SafeERC20FailedOperation(address)"), convert(token, bytes32)))

# ---------------------------------------------------------------------------------------------------------
# EIP-712
# ---------------------------------------------------------------------------------------------------------

@internal
@view
def _domain_separator() -> bytes32:
    return keccak256(abi_encode(EIP712_DOMAIN_TYPEHASH, DOMAIN_NAME_HASH, DOMAIN_VERSION_HASH, chain.id, self))


@internal
@pure
def _typed(ds: bytes32, struct_hash: bytes32) -> bytes32:
    return keccak256(concat(b"\x19\x01", ds, struct_hash))


@internal
@pure
def _channel_id(cfg: ChannelConfig, ds: bytes32) -> bytes32:
    return keccak256(concat(b"\x19\x01", ds, keccak256(abi_encode(CHANNEL_CONFIG_TYPEHASH, cfg))))


@internal
@pure
def _voucher_digest(ds: bytes32, channel_id: bytes32, max_claimable: uint128) -> bytes32:
    return keccak256(concat(b"\x19\x01", ds, keccak256(abi_encode(VOUCHER_TYPEHASH, channel_id, max_claimable))))


@internal
@pure
def _claim_entry_hash(channel_id: bytes32, max_claimable: uint128, total_claimed: uint128) -> bytes32:
    return keccak256(abi_encode(CLAIM_ENTRY_TYPEHASH, channel_id, max_claimable, total_claimed))

# ---------------------------------------------------------------------------------------------------------
# Signatures (OpenZeppelin ECDSA / SignatureChecker semantics)
# ---------------------------------------------------------------------------------------------------------

@internal
@view
def _erc1271(signer: address, digest: bytes32, sig: Bytes[MAX_SIG]) -> bool:
    ok: bool = False
    resp: Bytes[32] = b""
    ok, resp = raw_call(
        signer,
        abi_encode(digest, sig, method_id=method_id("isValidSignature(bytes32,bytes)")),
        max_outsize=32,
        is_static_call=True,
        revert_on_failure=False,
    )
    return ok and len(resp) == 32 and convert(resp, bytes32) == ERC1271_MAGIC


@internal
@view
def _ecdsa_try(digest: bytes32, r: uint256, s: uint256, v: uint256) -> address:
    # ECDSA.tryRecover: high s and failed recovery both give the zero address here
    if s > HALF_N:
        return empty(address)
    return ecrecover(digest, v, r, s)


@internal
@view
def _is_valid_sig_mem(signer: address, digest: bytes32, sig: Bytes[MAX_SIG]) -> bool:
    # SignatureChecker.isValidSignatureNow: ECDSA if the signer has no code, ERC-1271 otherwise
    if signer.codesize == 0:
        if len(sig) != 65:
            return False
        rec: address = self._ecdsa_try(digest, extract32(sig, 0, output_type=uint256), extract32(sig, 32, output_type=uint256), convert(slice(sig, 64, 1), uint256))
        return rec != empty(address) and rec == signer
    return self._erc1271(signer, digest, sig)

# --- calldata access (hand-decoded claim rows) ---

@internal
@view
def _word(pos: uint256) -> uint256:
    return convert(slice(msg.data, pos, 32), uint256)


@internal
@view
def _sig_len(sig_pos: uint256) -> uint256:
    # `bytes` in calldata: length word, then the bytes; all of it must lie inside calldata
    sig_len: uint256 = self._word(sig_pos)
    assert sig_pos + 32 + sig_len <= len(msg.data)
    return sig_len


@internal
@view
def _rsv(sig_pos: uint256) -> (uint256, uint256, uint256):
    rs: Bytes[64] = slice(msg.data, sig_pos + 32, 64)
    return extract32(rs, 0, output_type=uint256), extract32(rs, 32, output_type=uint256), convert(slice(msg.data, sig_pos + 96, 1), uint256)


@internal
@view
def _copy_sig(sig_pos: uint256, sig_len: uint256) -> Bytes[MAX_SIG]:
    assert sig_len <= MAX_SIG
    words: bytes32[MAX_SIG_CHUNKS] = empty(bytes32[MAX_SIG_CHUNKS])
    for k: uint256 in range(MAX_SIG_CHUNKS):
        if k * 32 >= sig_len:
            break
        words[k] = convert(slice(msg.data, sig_pos + 32 + k * 32, 32), bytes32)
    return slice(abi_encode(words, ensure_tuple=False), 0, sig_len)


@internal
@view
def _is_valid_sig_cd(signer: address, digest: bytes32, sig_pos: uint256) -> bool:
    sig_len: uint256 = self._sig_len(sig_pos)
    if signer.codesize == 0:
        if sig_len != 65:
            return False
        r: uint256 = 0
        s: uint256 = 0
        v: uint256 = 0
        r, s, v = self._rsv(sig_pos)
        rec: address = self._ecdsa_try(digest, r, s, v)
        return rec != empty(address) and rec == signer
    return self._erc1271(signer, digest, self._copy_sig(sig_pos, sig_len))


@internal
@view
def _recover_cd(digest: bytes32, sig_pos: uint256) -> address:
    # ECDSA.recoverCalldata: reverts with OpenZeppelin's ECDSA errors
    sig_len: uint256 = self._sig_len(sig_pos)
    if sig_len != 65:
        raw_revert(concat(method_id("ECDSAInvalidSignatureLength(uint256)"), convert(sig_len, bytes32)))
    r: uint256 = 0
    s: uint256 = 0
    v: uint256 = 0
    r, s, v = self._rsv(sig_pos)
    if s > HALF_N:
        raw_revert(concat(method_id("ECDSAInvalidSignatureS(bytes32)"), convert(s, bytes32)))
    rec: address = ecrecover(digest, v, r, s)
    if rec == empty(address):
        raw_revert(method_id("ECDSAInvalidSignature()"))
    return rec

# ---------------------------------------------------------------------------------------------------------
# Deposits
# ---------------------------------------------------------------------------------------------------------

@external
def deposit(config: ChannelConfig, amount: uint128, collector: address, collectorData: Bytes[4096]):
    self._enter()
    if config.payer == empty(address):
        raw_revert(method_id("InvalidChannel()"))
    if config.receiver == empty(address):
        raw_revert(method_id("InvalidChannel()"))
    if config.receiverAuthorizer == empty(address):
        raw_revert(method_id("InvalidChannel()"))
    if config.token == empty(address):
        raw_revert(method_id("InvalidChannel()"))
    if config.withdrawDelay < MIN_WITHDRAW_DELAY or config.withdrawDelay > MAX_WITHDRAW_DELAY:
        raw_revert(method_id("WithdrawDelayOutOfRange()"))
    if amount == 0:
        raw_revert(method_id("ZeroDeposit()"))
    if collector == empty(address):
        raw_revert(method_id("InvalidCollector()"))

    channel_id: bytes32 = self._channel_id(config, self._domain_separator())
    ch: ChannelState = self._channels[channel_id]
    if amount > max_value(uint128) - ch.balance:
        raw_revert(method_id("DepositOverflow()"))
    ch.balance += amount
    self._channels[channel_id].balance = ch.balance

    bal_before: uint256 = staticcall IERC20(config.token).balanceOf(self)
    extcall IDepositCollector(collector).collect(config.payer, config.token, convert(amount, uint256), channel_id, collectorData)
    bal_after: uint256 = staticcall IERC20(config.token).balanceOf(self)
    if bal_after != bal_before + convert(amount, uint256):
        raw_revert(method_id("DepositCollectionFailed()"))

    if ch.balance == amount and ch.totalClaimed == 0:
        log ChannelCreated(channelId=channel_id, config=config)
    log Deposited(channelId=channel_id, sender=msg.sender, amount=amount, newBalance=ch.balance)
    self._exit()

# ---------------------------------------------------------------------------------------------------------
# Claim (hand-decoded from calldata, dispatched from __default__) & settle
# ---------------------------------------------------------------------------------------------------------

@internal
@view
def _read_row(e: uint256) -> (ChannelConfig, uint128, uint256, uint128):
    # VoucherClaim at calldata position e: 7 config words, maxClaimableAmount, offset(signature), totalClaimed
    return abi_decode(slice(msg.data, e, 320), (ChannelConfig, uint128, uint256, uint128))


@internal
def _process_claim(cfg: ChannelConfig, max_claimable: uint128, sig_pos: uint256, total_claimed: uint128, ds: bytes32):
    channel_id: bytes32 = self._channel_id(cfg, ds)
    ch: ChannelState = self._channels[channel_id]
    if total_claimed <= ch.totalClaimed:
        return
    if total_claimed > max_claimable:
        raw_revert(method_id("ClaimExceedsCeiling()"))
    if total_claimed > ch.balance:
        raw_revert(method_id("ClaimExceedsBalance()"))

    digest: bytes32 = self._voucher_digest(ds, channel_id, max_claimable)
    if cfg.payerAuthorizer != empty(address):
        if self._recover_cd(digest, sig_pos) != cfg.payerAuthorizer:
            raw_revert(method_id("InvalidSignature()"))
    elif not self._is_valid_sig_cd(cfg.payer, digest, sig_pos):
        raw_revert(method_id("InvalidSignature()"))

    delta: uint128 = total_claimed - ch.totalClaimed
    self._channels[channel_id].totalClaimed = total_claimed
    rs_claimed: uint128 = self._receivers[cfg.receiver][cfg.token].totalClaimed
    if delta > max_value(uint128) - rs_claimed:
        self._panic_overflow()
    self._receivers[cfg.receiver][cfg.token].totalClaimed = rs_claimed + delta
    log Claimed(channelId=channel_id, sender=msg.sender, claimAmount=delta, newTotalClaimed=total_claimed)


@internal
@view
def _claim_batch_digest_cd(heads: uint256, n: uint256, ds: bytes32) -> bytes32:
    assert n <= MAX_SIGNED_BATCH
    hashes: DynArray[bytes32, MAX_SIGNED_BATCH] = []
    for i: uint256 in range(n, bound=MAX_SIGNED_BATCH):
        e: uint256 = heads + self._word(heads + 32 * i)
        cfg: ChannelConfig = empty(ChannelConfig)
        max_claimable: uint128 = 0
        sig_off: uint256 = 0
        total_claimed: uint128 = 0
        cfg, max_claimable, sig_off, total_claimed = self._read_row(e)
        hashes.append(self._claim_entry_hash(self._channel_id(cfg, ds), max_claimable, total_claimed))
    root: bytes32 = keccak256(slice(abi_encode(hashes, ensure_tuple=False), 32, n * 32))
    return self._typed(ds, keccak256(abi_encode(CLAIM_BATCH_TYPEHASH, root)))


@internal
def _claim(with_signature: bool):
    self._enter()
    arr: uint256 = 4 + self._word(4)
    n: uint256 = self._word(arr)
    if n == 0:
        raw_revert(method_id("EmptyBatch()"))
    heads: uint256 = arr + 32
    ds: bytes32 = self._domain_separator()

    authorizer: address = empty(address)
    if with_signature:
        cfg0: ChannelConfig = empty(ChannelConfig)
        m0: uint128 = 0
        o0: uint256 = 0
        t0: uint128 = 0
        cfg0, m0, o0, t0 = self._read_row(heads + self._word(heads))
        authorizer = cfg0.receiverAuthorizer
        digest: bytes32 = self._claim_batch_digest_cd(heads, n, ds)
        if not self._is_valid_sig_cd(authorizer, digest, 4 + self._word(36)):
            raw_revert(method_id("InvalidSignature()"))

    for i: uint256 in range(n, bound=MAX_CLAIM_ROWS):
        e: uint256 = heads + self._word(heads + 32 * i)
        cfg: ChannelConfig = empty(ChannelConfig)
        max_claimable: uint128 = 0
        sig_off: uint256 = 0
        total_claimed: uint128 = 0
        cfg, max_claimable, sig_off, total_claimed = self._read_row(e)
        if with_signature:
            if cfg.receiverAuthorizer != authorizer:
                raw_revert(method_id("NotReceiverAuthorizer()"))
        elif msg.sender != cfg.receiverAuthorizer and msg.sender != cfg.receiver:
            raw_revert(method_id("NotAuthorizedToClaim()"))
        self._process_claim(cfg, max_claimable, e + sig_off, total_claimed, ds)
    self._exit()


@external
def __default__():
    """
    @notice Dispatches `claim(VoucherClaim[])` (0x29237b0c) and `claimWithSignature(VoucherClaim[],bytes)`
            (0xe43ce1f2), decoded by hand from calldata; any other call reverts with empty data.
    """
    selector: bytes4 = convert(slice(msg.data, 0, 4), bytes4)
    if selector == CLAIM_SELECTOR:
        self._claim(False)
    elif selector == CLAIM_WITH_SIGNATURE_SELECTOR:
        self._claim(True)
    else:
        raise


@external
def settle(receiver: address, token: address):
    self._enter()
    rs: ReceiverState = self._receivers[receiver][token]
    amount: uint128 = rs.totalClaimed - rs.totalSettled
    if amount == 0:
        self._exit()
        return
    self._receivers[receiver][token].totalSettled = rs.totalClaimed
    self._safe_transfer(token, receiver, convert(amount, uint256))
    log Settled(receiver=receiver, token=token, sender=msg.sender, amount=amount)
    self._exit()

# ---------------------------------------------------------------------------------------------------------
# Withdrawal flow
# ---------------------------------------------------------------------------------------------------------

@external
def initiateWithdraw(config: ChannelConfig, amount: uint128):
    self._enter()
    if msg.sender != config.payer and msg.sender != config.payerAuthorizer:
        raw_revert(method_id("InvalidChannel()"))
    if amount == 0:
        raw_revert(method_id("NothingToWithdraw()"))
    channel_id: bytes32 = self._channel_id(config, self._domain_separator())
    if self._pendingWithdrawals[channel_id].initiatedAt != 0:
        raw_revert(method_id("WithdrawalAlreadyPending()"))
    ch: ChannelState = self._channels[channel_id]
    if amount > ch.balance - ch.totalClaimed:
        raw_revert(method_id("WithdrawAmountExceedsAvailable()"))
    now: uint40 = convert(block.timestamp, uint40)
    self._pendingWithdrawals[channel_id] = WithdrawalState(amount=amount, initiatedAt=now)
    log WithdrawInitiated(channelId=channel_id, amount=amount, finalizeAfter=now + config.withdrawDelay)
    self._exit()


@external
def finalizeWithdraw(config: ChannelConfig):
    self._enter()
    if msg.sender != config.payer and msg.sender != config.payerAuthorizer:
        raw_revert(method_id("NotAuthorizedToFinalizeWithdraw()"))
    channel_id: bytes32 = self._channel_id(config, self._domain_separator())
    ws: WithdrawalState = self._pendingWithdrawals[channel_id]
    if ws.initiatedAt == 0:
        raw_revert(method_id("WithdrawalNotPending()"))
    if block.timestamp < convert(ws.initiatedAt, uint256) + convert(config.withdrawDelay, uint256):
        raw_revert(method_id("WithdrawDelayNotElapsed()"))

    ch: ChannelState = self._channels[channel_id]
    available: uint128 = ch.balance - ch.totalClaimed
    withdraw_amount: uint128 = min(ws.amount, available)
    self._pendingWithdrawals[channel_id] = empty(WithdrawalState)
    ch.balance -= withdraw_amount
    self._channels[channel_id].balance = ch.balance

    log WithdrawFinalized(channelId=channel_id, sender=msg.sender, amount=withdraw_amount)
    if ch.balance == 0 and ch.totalClaimed == 0:
        log ChannelClosed(channelId=channel_id, config=config)
    if withdraw_amount > 0:
        self._safe_transfer(config.token, config.payer, convert(withdraw_amount, uint256))
    self._exit()

# ---------------------------------------------------------------------------------------------------------
# Refunds
# ---------------------------------------------------------------------------------------------------------

@internal
def _execute_refund(config: ChannelConfig, channel_id: bytes32, amount: uint128):
    if amount == 0:
        raw_revert(method_id("ZeroRefund()"))
    self.refundNonce[channel_id] = unsafe_add(self.refundNonce[channel_id], 1)

    ch: ChannelState = self._channels[channel_id]
    refund_amount: uint128 = min(amount, ch.balance - ch.totalClaimed)
    if refund_amount == 0:
        return
    ch.balance -= refund_amount
    self._channels[channel_id].balance = ch.balance

    pws: WithdrawalState = self._pendingWithdrawals[channel_id]
    if pws.initiatedAt != 0:
        if refund_amount >= pws.amount:
            self._pendingWithdrawals[channel_id] = empty(WithdrawalState)
        else:
            self._pendingWithdrawals[channel_id].amount = pws.amount - refund_amount

    log Refunded(channelId=channel_id, sender=msg.sender, amount=refund_amount)
    if ch.balance == 0 and ch.totalClaimed == 0:
        log ChannelClosed(channelId=channel_id, config=config)
    self._safe_transfer(config.token, config.payer, convert(refund_amount, uint256))


@external
def refund(config: ChannelConfig, amount: uint128):
    self._enter()
    if msg.sender != config.receiverAuthorizer and msg.sender != config.receiver:
        raw_revert(method_id("NotAuthorizedToRefund()"))
    self._execute_refund(config, self._channel_id(config, self._domain_separator()), amount)
    self._exit()


@external
def refundWithSignature(config: ChannelConfig, amount: uint128, nonce: uint256, receiverAuthorizerSignature: Bytes[MAX_SIG]):
    self._enter()
    ds: bytes32 = self._domain_separator()
    channel_id: bytes32 = self._channel_id(config, ds)
    if nonce != self.refundNonce[channel_id]:
        raw_revert(method_id("InvalidRefundNonce()"))
    digest: bytes32 = self._typed(ds, keccak256(abi_encode(REFUND_TYPEHASH, channel_id, nonce, amount)))
    if not self._is_valid_sig_mem(config.receiverAuthorizer, digest, receiverAuthorizerSignature):
        raw_revert(method_id("InvalidSignature()"))
    self._execute_refund(config, channel_id, amount)
    self._exit()

# ---------------------------------------------------------------------------------------------------------
# Multicall (OpenZeppelin Multicall: delegate-call to self, bubble reverts)
# ---------------------------------------------------------------------------------------------------------

@external
def multicall(data: DynArray[Bytes[MC_CALL_BYTES], MC_CALLS]) -> DynArray[Bytes[MC_RESULT_BYTES], MC_CALLS]:
    results: DynArray[Bytes[MC_RESULT_BYTES], MC_CALLS] = []
    for item: Bytes[MC_CALL_BYTES] in data:
        ok: bool = False
        resp: Bytes[MC_RESULT_BYTES] = b""
        ok, resp = raw_call(self, item, max_outsize=MC_RESULT_BYTES, is_delegate_call=True, revert_on_failure=False)
        if not ok:
            if len(resp) == 0:
                raw_revert(method_id("FailedCall()"))
            raw_revert(resp)
        results.append(resp)
    return results

# ---------------------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------------------

@external
@view
def channels(channelId: bytes32) -> (uint128, uint128):
    ch: ChannelState = self._channels[channelId]
    return ch.balance, ch.totalClaimed


@external
@view
def pendingWithdrawals(channelId: bytes32) -> (uint128, uint40):
    ws: WithdrawalState = self._pendingWithdrawals[channelId]
    return ws.amount, ws.initiatedAt


@external
@view
def receivers(receiver: address, token: address) -> (uint128, uint128):
    rs: ReceiverState = self._receivers[receiver][token]
    return rs.totalClaimed, rs.totalSettled


@external
@view
def getChannelId(config: ChannelConfig) -> bytes32:
    return self._channel_id(config, self._domain_separator())


@external
@view
def getVoucherDigest(channelId: bytes32, maxClaimableAmount: uint128) -> bytes32:
    return self._voucher_digest(self._domain_separator(), channelId, maxClaimableAmount)


@external
@view
def getRefundDigest(channelId: bytes32, nonce: uint256, amount: uint128) -> bytes32:
    return self._typed(self._domain_separator(), keccak256(abi_encode(REFUND_TYPEHASH, channelId, nonce, amount)))


@external
@view
def getClaimBatchDigest(voucherClaims: DynArray[VoucherClaim, MAX_DIGEST_ROWS]) -> bytes32:
    ds: bytes32 = self._domain_separator()
    hashes: DynArray[bytes32, MAX_DIGEST_ROWS] = []
    for vc: VoucherClaim in voucherClaims:
        hashes.append(self._claim_entry_hash(self._channel_id(vc.voucher.channel, ds), vc.voucher.maxClaimableAmount, vc.totalClaimed))
    root: bytes32 = keccak256(slice(abi_encode(hashes, ensure_tuple=False), 32, len(hashes) * 32))
    return self._typed(ds, keccak256(abi_encode(CLAIM_BATCH_TYPEHASH, root)))


@external
@view
def eip712Domain() -> (bytes1, String[21], String[1], uint256, address, bytes32, DynArray[uint256, 1]):
    return 0x0f, DOMAIN_NAME, DOMAIN_VERSION, chain.id, self, empty(bytes32), []
