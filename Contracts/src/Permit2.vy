# pragma version 0.4.3
# @title Permit2 (SignatureTransfer subset)
# @notice Devnet twin of Uniswap Permit2's SignatureTransfer: permitTransferFrom,
#         permitWitnessTransferFrom (selector 0x137c29fe), unordered nonce bitmap,
#         invalidateUnorderedNonces, DOMAIN_SEPARATOR (version-less domain "Permit2").
#         Same checks in the same order, same custom errors, same signature rules
#         (65-byte or EIP-2098 64-byte ECDSA for EOAs, no low-s check; ERC-1271 for contracts),
#         solmate safeTransferFrom ("TRANSFER_FROM_FAILED").
# @dev Not implemented: AllowanceTransfer and the batch variants. Bounds: witnessTypeString <= 1024
#      chars, signature <= 1024 bytes.

MAX_SIG: constant(uint256) = 1024
MAX_WITNESS_TYPE: constant(uint256) = 1024

struct TokenPermissions:
    token: address
    amount: uint256

struct PermitTransferFrom:
    permitted: TokenPermissions
    nonce: uint256
    deadline: uint256

struct SignatureTransferDetails:
    to: address
    requestedAmount: uint256

event UnorderedNonceInvalidation:
    owner: indexed(address)
    word: uint256
    mask: uint256

_TYPE_HASH: constant(bytes32) = keccak256("EIP712Domain(string name,uint256 chainId,address verifyingContract)")
_HASHED_NAME: constant(bytes32) = keccak256("Permit2")
_TOKEN_PERMISSIONS_TYPEHASH: constant(bytes32) = keccak256("TokenPermissions(address token,uint256 amount)")
_PERMIT_TRANSFER_FROM_TYPEHASH: constant(bytes32) = keccak256("PermitTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline)TokenPermissions(address token,uint256 amount)")
_PERMIT_TRANSFER_FROM_WITNESS_TYPEHASH_STUB: constant(String[100]) = "PermitWitnessTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline,"

ERC1271_MAGIC: constant(bytes4) = 0x1626ba7e
UPPER_BIT_MASK: constant(uint256) = max_value(uint256) >> 1

nonceBitmap: public(HashMap[address, HashMap[uint256, uint256]])


@view
@internal
def _domain_separator() -> bytes32:
    return keccak256(abi_encode(_TYPE_HASH, _HASHED_NAME, chain.id, self))


@view
@external
def DOMAIN_SEPARATOR() -> bytes32:
    return self._domain_separator()


@view
@internal
def _hash_token_permissions(p: TokenPermissions) -> bytes32:
    return keccak256(abi_encode(_TOKEN_PERMISSIONS_TYPEHASH, p.token, p.amount))


@internal
def _use_unordered_nonce(owner: address, nonce: uint256):
    word_pos: uint256 = nonce >> 8
    bit: uint256 = 1 << (nonce & 255)
    flipped: uint256 = self.nonceBitmap[owner][word_pos] ^ bit
    self.nonceBitmap[owner][word_pos] = flipped
    if flipped & bit == 0:
        raw_revert(method_id("InvalidNonce()"))


@view
@internal
def _verify(signature: Bytes[MAX_SIG], data_hash: bytes32, claimed_signer: address):
    digest: bytes32 = keccak256(concat(b"\x19\x01", self._domain_separator(), data_hash))
    if not claimed_signer.is_contract:
        r: uint256 = 0
        s: uint256 = 0
        v: uint256 = 0
        if len(signature) == 65:
            r = convert(slice(signature, 0, 32), uint256)
            s = convert(slice(signature, 32, 32), uint256)
            v = convert(slice(signature, 64, 1), uint256)
        elif len(signature) == 64:
            r = convert(slice(signature, 0, 32), uint256)
            vs: uint256 = convert(slice(signature, 32, 32), uint256)
            s = vs & UPPER_BIT_MASK
            v = (vs >> 255) + 27
        else:
            raw_revert(method_id("InvalidSignatureLength()"))
        signer: address = ecrecover(digest, v, r, s)
        if signer == empty(address):
            raw_revert(method_id("InvalidSignature()"))
        if signer != claimed_signer:
            raw_revert(method_id("InvalidSigner()"))
    else:
        # IERC1271(claimedSigner).isValidSignature(hash, signature): reverts bubble up
        res: Bytes[32] = raw_call(
            claimed_signer,
            abi_encode(digest, signature, method_id=method_id("isValidSignature(bytes32,bytes)")),
            max_outsize=32,
            is_static_call=True,
        )
        assert len(res) == 32
        if convert(slice(res, 0, 4), bytes4) != ERC1271_MAGIC:
            raw_revert(method_id("InvalidContractSignature()"))


@internal
def _safe_transfer_from(token: address, owner: address, to: address, amount: uint256):
    ok: bool = False
    res: Bytes[32] = b""
    ok, res = raw_call(
        token,
        abi_encode(owner, to, amount, method_id=method_id("transferFrom(address,address,uint256)")),
        max_outsize=32,
        revert_on_failure=False,
    )
    # solmate SafeTransferLib: success and (no return data or returned true)
    assert ok and (len(res) == 0 or (len(res) == 32 and convert(res, uint256) == 1)), "TRANSFER_FROM_FAILED"


@internal
def _permit_transfer_from(
    permit: PermitTransferFrom,
    details: SignatureTransferDetails,
    owner: address,
    data_hash: bytes32,
    signature: Bytes[MAX_SIG],
):
    if block.timestamp > permit.deadline:
        raw_revert(concat(method_id("SignatureExpired(uint256)"), convert(permit.deadline, bytes32)))
    if details.requestedAmount > permit.permitted.amount:
        raw_revert(concat(method_id("InvalidAmount(uint256)"), convert(permit.permitted.amount, bytes32)))
    self._use_unordered_nonce(owner, permit.nonce)
    self._verify(signature, data_hash, owner)
    self._safe_transfer_from(permit.permitted.token, owner, details.to, details.requestedAmount)


@external
def permitTransferFrom(
    permit: PermitTransferFrom,
    transferDetails: SignatureTransferDetails,
    owner: address,
    signature: Bytes[MAX_SIG],
):
    data_hash: bytes32 = keccak256(abi_encode(
        _PERMIT_TRANSFER_FROM_TYPEHASH,
        self._hash_token_permissions(permit.permitted),
        msg.sender,
        permit.nonce,
        permit.deadline,
    ))
    self._permit_transfer_from(permit, transferDetails, owner, data_hash, signature)


@external
def permitWitnessTransferFrom(
    permit: PermitTransferFrom,
    transferDetails: SignatureTransferDetails,
    owner: address,
    witness: bytes32,
    witnessTypeString: String[MAX_WITNESS_TYPE],
    signature: Bytes[MAX_SIG],
):
    type_hash: bytes32 = keccak256(concat(_PERMIT_TRANSFER_FROM_WITNESS_TYPEHASH_STUB, witnessTypeString))
    data_hash: bytes32 = keccak256(abi_encode(
        type_hash,
        self._hash_token_permissions(permit.permitted),
        msg.sender,
        permit.nonce,
        permit.deadline,
        witness,
    ))
    self._permit_transfer_from(permit, transferDetails, owner, data_hash, signature)


@external
def invalidateUnorderedNonces(wordPos: uint256, mask: uint256):
    self.nonceBitmap[msg.sender][wordPos] |= mask
    log UnorderedNonceInvalidation(owner=msg.sender, word=wordPos, mask=mask)
