# pragma version 0.4.3
# @title TestUSDC
# @notice Devnet twin of Circle's FiatToken v2.2 (USDC): ERC-20 with 6 decimals, EIP-3009
#         (transfer/receive/cancel authorizations, both the (v,r,s) and the `bytes signature`
#         overloads), EIP-2612 permit (both overloads), ERC-1271 signatures for contract signers
#         (Circle's SignatureChecker), FiatToken revert strings. Minting is open (test token).
# @dev No constructor is needed: the code is placed at genesis at the Base Sepolia USDC address.
#      The EIP-712 domain is computed at run time from chain.id and self; name/version default to
#      "USDC"/"2" (Base Sepolia) and can be set once with `initialize`.
#      Overloads Vyper cannot declare (same name) are dispatched by selector in __default__:
#        receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32) 0xef55bec6
#        transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)               0xcf092995
#        cancelAuthorization(address,bytes32,bytes)                                                     0xb7b72899
#        permit(address,address,uint256,uint256,bytes)                                                  0x9fd5a6cf
#      Signatures passed as `bytes` are bounded to 1024 bytes.

from ethereum.ercs import IERC20

implements: IERC20

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256

event AuthorizationUsed:
    authorizer: indexed(address)
    nonce: indexed(bytes32)

event AuthorizationCanceled:
    authorizer: indexed(address)
    nonce: indexed(bytes32)

event Mint:
    minter: indexed(address)
    to: indexed(address)
    amount: uint256

event Burn:
    burner: indexed(address)
    amount: uint256

MAX_SIG: constant(uint256) = 1024
SIG_BUF: constant(uint256) = MAX_SIG + 64  # internal bound (word-wise calldata decoding)

EIP712_DOMAIN_TYPEHASH: constant(bytes32) = keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
TRANSFER_WITH_AUTHORIZATION_TYPEHASH: public(constant(bytes32)) = keccak256("TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)")
RECEIVE_WITH_AUTHORIZATION_TYPEHASH: public(constant(bytes32)) = keccak256("ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)")
CANCEL_AUTHORIZATION_TYPEHASH: public(constant(bytes32)) = keccak256("CancelAuthorization(address authorizer,bytes32 nonce)")
PERMIT_TYPEHASH: public(constant(bytes32)) = keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")

SECP256K1_HALF_N: constant(uint256) = 57896044618658097711785492504343953926418782139537452191302581570759080747168
ERC1271_MAGIC: constant(bytes32) = 0x1626ba7e00000000000000000000000000000000000000000000000000000000

SEL_RECEIVE_VRS: constant(bytes4) = method_id("receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)", output_type=bytes4)
SEL_TRANSFER_BYTES: constant(bytes4) = method_id("transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)", output_type=bytes4)
SEL_CANCEL_BYTES: constant(bytes4) = method_id("cancelAuthorization(address,bytes32,bytes)", output_type=bytes4)
SEL_PERMIT_BYTES: constant(bytes4) = method_id("permit(address,address,uint256,uint256,bytes)", output_type=bytes4)

balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
totalSupply: public(uint256)
nonces: public(HashMap[address, uint256])

_authorizationStates: HashMap[address, HashMap[bytes32, bool]]
_name: String[64]
_symbol: String[32]
_version: String[16]
_initialized: bool


# ---------------------------------------------------------------- metadata

@external
def initialize(name_: String[64], symbol_: String[32], version_: String[16]):
    """
    @notice One-time override of the EIP-712 name/version and the symbol (defaults "USDC"/"2"/"USDC").
    """
    assert not self._initialized, "FiatToken: contract is already initialized"
    self._initialized = True
    self._name = name_
    self._symbol = symbol_
    self._version = version_


@view
@internal
def _name_() -> String[64]:
    if self._initialized:
        return self._name
    return "USDC"


@view
@internal
def _version_() -> String[16]:
    if self._initialized:
        return self._version
    return "2"


@view
@external
def name() -> String[64]:
    return self._name_()


@view
@external
def symbol() -> String[32]:
    if self._initialized:
        return self._symbol
    return "USDC"


@view
@external
def version() -> String[16]:
    return self._version_()


@pure
@external
def decimals() -> uint8:
    return 6


@view
@external
def currency() -> String[8]:
    return "USD"


@view
@internal
def _domain_separator() -> bytes32:
    return keccak256(abi_encode(
        EIP712_DOMAIN_TYPEHASH,
        keccak256(self._name_()),
        keccak256(self._version_()),
        chain.id,
        self,
    ))


@view
@external
def DOMAIN_SEPARATOR() -> bytes32:
    return self._domain_separator()


@view
@external
def authorizationState(authorizer: address, nonce: bytes32) -> bool:
    return self._authorizationStates[authorizer][nonce]


# ---------------------------------------------------------------- ERC-20

@internal
def _transfer(sender: address, receiver: address, amount: uint256):
    assert sender != empty(address), "ERC20: transfer from the zero address"
    assert receiver != empty(address), "ERC20: transfer to the zero address"
    assert amount <= self.balanceOf[sender], "ERC20: transfer amount exceeds balance"
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=sender, receiver=receiver, value=amount)


@internal
def _approve(owner: address, spender: address, amount: uint256):
    assert owner != empty(address), "ERC20: approve from the zero address"
    assert spender != empty(address), "ERC20: approve to the zero address"
    self.allowance[owner][spender] = amount
    log Approval(owner=owner, spender=spender, value=amount)


@external
def transfer(receiver: address, amount: uint256) -> bool:
    self._transfer(msg.sender, receiver, amount)
    return True


@external
def transferFrom(sender: address, receiver: address, amount: uint256) -> bool:
    assert amount <= self.allowance[sender][msg.sender], "ERC20: transfer amount exceeds allowance"
    self._transfer(sender, receiver, amount)
    self.allowance[sender][msg.sender] -= amount
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    self._approve(msg.sender, spender, amount)
    return True


@external
def increaseAllowance(spender: address, increment: uint256) -> bool:
    self._approve(msg.sender, spender, self.allowance[msg.sender][spender] + increment)
    return True


@external
def decreaseAllowance(spender: address, decrement: uint256) -> bool:
    current: uint256 = self.allowance[msg.sender][spender]
    assert decrement <= current, "ERC20: decreased allowance below zero"
    self._approve(msg.sender, spender, current - decrement)
    return True


@external
def mint(to: address, amount: uint256) -> bool:
    """
    @notice Open mint (devnet test token).
    """
    assert to != empty(address), "FiatToken: mint to the zero address"
    assert amount > 0, "FiatToken: mint amount not greater than 0"
    self.totalSupply += amount
    self.balanceOf[to] += amount
    log Mint(minter=msg.sender, to=to, amount=amount)
    log Transfer(sender=empty(address), receiver=to, value=amount)
    return True


@external
def burn(amount: uint256):
    assert amount > 0, "FiatToken: burn amount not greater than 0"
    assert amount <= self.balanceOf[msg.sender], "FiatToken: burn amount exceeds balance"
    self.balanceOf[msg.sender] -= amount
    self.totalSupply -= amount
    log Burn(burner=msg.sender, amount=amount)
    log Transfer(sender=msg.sender, receiver=empty(address), value=amount)


# ---------------------------------------------------------------- signatures

@view
@internal
def _require_valid_signature(signer: address, data_hash: bytes32, signature: Bytes[SIG_BUF]):
    """
    @dev Circle SignatureChecker.isValidSignatureNow over the EIP-712 digest; EOAs go through
         Circle's ECRecover (length 65, low s, v in {27, 28}, non-zero signer).
    """
    digest: bytes32 = keccak256(concat(b"\x19\x01", self._domain_separator(), data_hash))
    if signer.is_contract:
        ok: bool = False
        res: Bytes[32] = b""
        ok, res = raw_call(
            signer,
            abi_encode(digest, signature, method_id=method_id("isValidSignature(bytes32,bytes)")),
            max_outsize=32,
            is_static_call=True,
            revert_on_failure=False,
        )
        assert ok and len(res) == 32 and convert(res, bytes32) == ERC1271_MAGIC, "FiatTokenV2: invalid signature"
        return
    assert len(signature) == 65, "ECRecover: invalid signature length"
    r: uint256 = convert(slice(signature, 0, 32), uint256)
    s: uint256 = convert(slice(signature, 32, 32), uint256)
    v: uint256 = convert(slice(signature, 64, 1), uint256)
    assert s <= SECP256K1_HALF_N, "ECRecover: invalid signature 's' value"
    assert v == 27 or v == 28, "ECRecover: invalid signature 'v' value"
    recovered: address = ecrecover(digest, v, r, s)
    assert recovered != empty(address), "ECRecover: invalid signature"
    assert recovered == signer, "FiatTokenV2: invalid signature"


@view
@internal
def _require_valid_authorization(authorizer: address, nonce: bytes32, valid_after: uint256, valid_before: uint256):
    assert block.timestamp > valid_after, "FiatTokenV2: authorization is not yet valid"
    assert block.timestamp < valid_before, "FiatTokenV2: authorization is expired"
    assert not self._authorizationStates[authorizer][nonce], "FiatTokenV2: authorization is used or canceled"


@internal
def _mark_used(authorizer: address, nonce: bytes32):
    self._authorizationStates[authorizer][nonce] = True
    log AuthorizationUsed(authorizer=authorizer, nonce=nonce)


@internal
def _transfer_with_authorization(
    typehash: bytes32,
    sender: address,
    receiver: address,
    amount: uint256,
    valid_after: uint256,
    valid_before: uint256,
    nonce: bytes32,
    signature: Bytes[SIG_BUF],
):
    self._require_valid_authorization(sender, nonce, valid_after, valid_before)
    self._require_valid_signature(
        sender,
        keccak256(abi_encode(typehash, sender, receiver, amount, valid_after, valid_before, nonce)),
        signature,
    )
    self._mark_used(sender, nonce)
    self._transfer(sender, receiver, amount)


@internal
def _cancel_authorization(authorizer: address, nonce: bytes32, signature: Bytes[SIG_BUF]):
    assert not self._authorizationStates[authorizer][nonce], "FiatTokenV2: authorization is used or canceled"
    self._require_valid_signature(authorizer, keccak256(abi_encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce)), signature)
    self._authorizationStates[authorizer][nonce] = True
    log AuthorizationCanceled(authorizer=authorizer, nonce=nonce)


@internal
def _permit(owner: address, spender: address, amount: uint256, deadline: uint256, signature: Bytes[SIG_BUF]):
    assert deadline == max_value(uint256) or deadline >= block.timestamp, "FiatTokenV2: permit is expired"
    nonce: uint256 = self.nonces[owner]
    self.nonces[owner] = nonce + 1
    self._require_valid_signature(owner, keccak256(abi_encode(PERMIT_TYPEHASH, owner, spender, amount, nonce, deadline)), signature)
    self._approve(owner, spender, amount)


@pure
@internal
def _pack(v: uint8, r: bytes32, s: bytes32) -> Bytes[SIG_BUF]:
    return concat(r, s, convert(v, bytes1))


# ---------------------------------------------------------------- EIP-3009 / EIP-2612 (ABI-visible overloads)

@external
def transferWithAuthorization(
    _from: address, to: address, amount: uint256, validAfter: uint256, validBefore: uint256,
    nonce: bytes32, v: uint8, r: bytes32, s: bytes32,
):
    self._transfer_with_authorization(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, _from, to, amount, validAfter, validBefore, nonce, self._pack(v, r, s))


@external
def receiveWithAuthorization(
    _from: address, to: address, amount: uint256, validAfter: uint256, validBefore: uint256,
    nonce: bytes32, signature: Bytes[MAX_SIG],
):
    assert to == msg.sender, "FiatTokenV2: caller must be the payee"
    self._transfer_with_authorization(RECEIVE_WITH_AUTHORIZATION_TYPEHASH, _from, to, amount, validAfter, validBefore, nonce, signature)


@external
def cancelAuthorization(authorizer: address, nonce: bytes32, v: uint8, r: bytes32, s: bytes32):
    self._cancel_authorization(authorizer, nonce, self._pack(v, r, s))


@external
def permit(owner: address, spender: address, amount: uint256, deadline: uint256, v: uint8, r: bytes32, s: bytes32):
    self._permit(owner, spender, amount, deadline, self._pack(v, r, s))


# ---------------------------------------------------------------- the other overloads

@external
def __default__():
    assert len(msg.data) >= 4
    sel: bytes4 = convert(slice(msg.data, 0, 4), bytes4)
    if sel == SEL_RECEIVE_VRS:
        f: address = empty(address)
        t: address = empty(address)
        val: uint256 = 0
        va: uint256 = 0
        vb: uint256 = 0
        n: bytes32 = empty(bytes32)
        v: uint8 = 0
        r: bytes32 = empty(bytes32)
        s: bytes32 = empty(bytes32)
        f, t, val, va, vb, n, v, r, s = abi_decode(slice(msg.data, 4, 288), (address, address, uint256, uint256, uint256, bytes32, uint8, bytes32, bytes32))
        assert t == msg.sender, "FiatTokenV2: caller must be the payee"
        self._transfer_with_authorization(RECEIVE_WITH_AUTHORIZATION_TYPEHASH, f, t, val, va, vb, n, self._pack(v, r, s))
        return

    # dynamic overloads: fixed head, then the `bytes signature` read word by word
    head_words: uint256 = 0
    if sel == SEL_TRANSFER_BYTES:
        head_words = 7
    elif sel == SEL_CANCEL_BYTES:
        head_words = 3
    elif sel == SEL_PERMIT_BYTES:
        head_words = 5
    else:
        raise
    sig_pos: uint256 = convert(slice(msg.data, 4 + (head_words - 1) * 32, 32), uint256)
    sig_len: uint256 = convert(slice(msg.data, 4 + sig_pos, 32), uint256)
    assert sig_len <= MAX_SIG
    chunks: DynArray[bytes32, MAX_SIG // 32] = []
    for i: uint256 in range(MAX_SIG // 32):
        if i * 32 >= sig_len:
            break
        chunks.append(convert(slice(msg.data, 4 + sig_pos + 32 + i * 32, 32), bytes32))
    signature: Bytes[SIG_BUF] = slice(abi_encode(chunks), 64, sig_len)

    w0: uint256 = convert(slice(msg.data, 4, 32), uint256)
    w1: uint256 = convert(slice(msg.data, 36, 32), uint256)
    if sel == SEL_CANCEL_BYTES:
        self._cancel_authorization(convert(convert(w0, uint160), address), convert(w1, bytes32), signature)
        return
    w2: uint256 = convert(slice(msg.data, 68, 32), uint256)
    w3: uint256 = convert(slice(msg.data, 100, 32), uint256)
    if sel == SEL_PERMIT_BYTES:
        self._permit(convert(convert(w0, uint160), address), convert(convert(w1, uint160), address), w2, w3, signature)
        return
    w4: uint256 = convert(slice(msg.data, 132, 32), uint256)
    w5: bytes32 = convert(slice(msg.data, 164, 32), bytes32)
    self._transfer_with_authorization(
        TRANSFER_WITH_AUTHORIZATION_TYPEHASH,
        convert(convert(w0, uint160), address), convert(convert(w1, uint160), address), w2, w3, w4, w5, signature,
    )
