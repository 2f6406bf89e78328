"""x402ExactPermit2Proxy twin at its canonical address: `exact` payments through Permit2 with a {to, validAfter}
witness (settle / settleWithPermit), the validation reverts of x402BasePermit2Proxy._settle with their exact bytes,
Permit2's signature check binding the witness and the spender, the best-effort EIP-2612 permit and the guard."""
import os

from eth_abi import encode
from eth_utils import keccak
from web3 import Web3

from conftest import (
    ANVIL0, CANONICAL, PERMIT2, PERMIT2_COLLECTOR, TOKEN_PERMISSIONS_TYPEHASH, USDC, ZERO,
    addr, artifact, digest, eip2612_signature, err, new_key, permit2_domain, sign,
)
from x402.mechanisms.evm.constants import (
    PERMIT2_WITNESS_TYPES, X402_EXACT_PERMIT2_PROXY_ABI, X402_EXACT_PERMIT2_PROXY_ADDRESS,
    X402_EXACT_PERMIT2_PROXY_SETTLE_WITH_PERMIT_ABI,
)
from x402.mechanisms.evm.exact.permit2_utils import create_permit2_payload
from x402.mechanisms.evm.signers import EthAccountSigner
from x402.schemas import PaymentRequirements

PROXY = CANONICAL["x402ExactPermit2Proxy"]
WITNESS_TYPE_STRING = "Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,uint256 validAfter)"
WITNESS_TYPEHASH = keccak(text="Witness(address to,uint256 validAfter)")
PERMIT_WITNESS_TYPEHASH = keccak(text="PermitWitnessTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline,"
                                      + WITNESS_TYPE_STRING)
DUMMY_SIG = b"\x11" * 32 + b"\x22" * 32 + b"\x1b"
GUARD = err("ReentrancyGuardReentrantCall()")
# Permit2's own errors, bubbled through the proxy
INVALID_SIGNER = err("InvalidSigner()")
INVALID_NONCE = err("InvalidNonce()")
NO_EVENTS = ("EIP2612PermitFailedWithReason", "EIP2612PermitFailedWithPanic", "EIP2612PermitFailedWithData")


def _proxy(env):
    return env.chain.contract("x402ExactPermit2Proxy", PROXY)


def _sdk(abi):
    return Web3().eth.contract(abi=abi)


def _permit2_sig(env, pk, token, amount, nonce, deadline, to, valid_after, spender=PROXY):
    """PermitWitnessTransferFrom signature, hashed by hand (independent of the SDK and of the contract)."""
    tp = keccak(encode(["bytes32", "address", "uint256"], [TOKEN_PERMISSIONS_TYPEHASH, token, amount]))
    witness = keccak(encode(["bytes32", "address", "uint256"], [WITNESS_TYPEHASH, to, valid_after]))
    struct = keccak(encode(["bytes32", "bytes32", "address", "uint256", "uint256", "bytes32"],
                           [PERMIT_WITNESS_TYPEHASH, tp, spender, nonce, deadline, witness]))
    return sign(pk, digest(permit2_domain(env.chain_id, PERMIT2), struct))


class Payment:
    """A signed exact-Permit2 payment: payer key, receiver, permit tuple, witness tuple, signature."""

    def __init__(self, env, amount=10_000, token=USDC, to=None, valid_after=0, nonce=None, deadline=None,
                 spender=PROXY, pk=None, fund=True, approve=True):
        self.pk = pk or new_key()
        self.payer = addr(self.pk)
        self.to = to or addr(new_key())
        self.token, self.amount = token, amount
        nonce = int.from_bytes(os.urandom(16), "big") if nonce is None else nonce
        deadline = env.now() + 3600 if deadline is None else deadline
        self.permit = ((token, amount), nonce, deadline)
        self.witness = (self.to, valid_after)
        self.sig = _permit2_sig(env, self.pk, token, amount, nonce, deadline, self.to, valid_after, spender)
        if fund:
            env.mint(self.payer, amount, token)
        if approve:
            env.approve_permit2(self.pk, token)

    def settle(self, permit=None, owner=None, witness=None, sig=None):
        return _settle_data(permit or self.permit, owner or self.payer, witness or self.witness,
                            self.sig if sig is None else sig)

    def settle_with_permit(self, permit2612, permit=None, owner=None, witness=None):
        return _settle_with_permit_data(permit2612, permit or self.permit, owner or self.payer,
                                        witness or self.witness, self.sig)


def _settle_data(permit, owner, witness, sig):
    """settle calldata encoded with the official SDK's ABI (X402_EXACT_PERMIT2_PROXY_ABI)."""
    return bytes.fromhex(_sdk(X402_EXACT_PERMIT2_PROXY_ABI).encode_abi("settle", args=[permit, owner, witness, sig])[2:])


def _settle_with_permit_data(permit2612, permit, owner, witness, sig):
    return bytes.fromhex(_sdk(X402_EXACT_PERMIT2_PROXY_SETTLE_WITH_PERMIT_ABI).encode_abi(
        "settleWithPermit", args=[permit2612, permit, owner, witness, sig])[2:])


def _eip2612(env, pk, value, deadline, spender=PERMIT2):
    """EIP2612Permit tuple (value, deadline, r, s, v) signed on TestUSDC."""
    sig = eip2612_signature(env, pk, value, deadline, spender)
    return (value, deadline, sig[:32], sig[32:64], sig[64])


def _events(env, rc, name):
    """Decoded `name` events emitted by the proxy itself."""
    return [e for e in env.logs(rc, name, contract=_proxy(env)) if e.address == PROXY]


# ------------------------------------------------------------------------------------------------ ABI and views

def test_views_selectors_and_abi(env):
    p = _proxy(env)
    assert PROXY == Web3.to_checksum_address(X402_EXACT_PERMIT2_PROXY_ADDRESS)
    assert env.w3.eth.get_code(PROXY).hex().removeprefix("0x") == \
        artifact("x402ExactPermit2Proxy")["deployedBytecode"].removeprefix("0x")
    assert p.functions.PERMIT2().call() == PERMIT2
    assert p.functions.WITNESS_TYPE_STRING().call() == WITNESS_TYPE_STRING
    assert p.functions.WITNESS_TYPEHASH().call() == WITNESS_TYPEHASH
    # the witness type string completes Permit2's stub into the type the SDK signs (PERMIT2_WITNESS_TYPES)
    assert [f["name"] + ":" + f["type"] for f in PERMIT2_WITNESS_TYPES["Witness"]] == ["to:address", "validAfter:uint256"]

    abi = artifact("x402ExactPermit2Proxy")["abi"]

    def sig(e):
        t = lambda i: "(" + ",".join(t(c) for c in i["components"]) + ")" if i["type"] == "tuple" else i["type"]
        return e["name"] + "(" + ",".join(t(i) for i in e["inputs"]) + ")"

    fns = {sig(e): "0x" + keccak(text=sig(e))[:4].hex() for e in abi if e["type"] == "function"}
    assert fns == {
        "PERMIT2()": "0x6afdd850",
        "WITNESS_TYPE_STRING()": "0x156e2152",
        "WITNESS_TYPEHASH()": "0x2c03ae6a",
        "settle(((address,uint256),uint256,uint256),address,(address,uint256),bytes)": "0x13cd3b53",
        "settleWithPermit((uint256,uint256,bytes32,bytes32,uint8),((address,uint256),uint256,uint256),address,(address,uint256),bytes)": "0xfa340378",
    }
    # the SDK's ABI fragments name the same functions
    for sdk_abi in (X402_EXACT_PERMIT2_PROXY_ABI, X402_EXACT_PERMIT2_PROXY_SETTLE_WITH_PERMIT_ABI):
        assert sig(sdk_abi[0]) in fns
        ours = next(e for e in abi if e.get("name") == sdk_abi[0]["name"])
        assert ours["inputs"] == sdk_abi[0]["inputs"] and ours["stateMutability"] == "nonpayable"
    events = {sig(e) for e in abi if e["type"] == "event"}
    assert events == {"Settled()", "SettledWithPermit()", "EIP2612PermitFailedWithReason(address,address,string)",
                      "EIP2612PermitFailedWithPanic(address,address,uint256)", "EIP2612PermitFailedWithData(address,address,bytes)"}
    errors = {sig(e): "0x" + keccak(text=sig(e))[:4].hex() for e in abi if e["type"] == "error"}
    assert errors == {
        "InvalidPermit2Address()": "0x59106c89", "InvalidDestination()": "0xac6b05f5", "PaymentTooEarly()": "0xa65539fa",
        "InvalidOwner()": "0x49e27cff", "InvalidAmount()": "0x2c5211c6", "Permit2612AmountMismatch()": "0x050cda49",
        "ReentrancyGuardReentrantCall()": "0x3ee5aeb5",
    }


# ------------------------------------------------------------------------------------------------ settle

def test_settle_sdk_payload_moves_exact_amount_and_replay_fails(env):
    """The official SDK client's permit2 payload (spender = proxy, witness {payTo, 0}) settled by a third party."""
    pk = new_key()
    payer, to = addr(pk), addr(new_key())
    env.mint(payer, 25_000)
    env.approve_permit2(pk, USDC)
    req = PaymentRequirements(scheme="exact", network=f"eip155:{env.chain_id}", asset=USDC, amount="10000", pay_to=to,
                              max_timeout_seconds=10**8, extra={"assetTransferMethod": "permit2"})  # chain time may run ahead
    payload = create_permit2_payload(EthAccountSigner(__import__("eth_account").Account.from_key(pk)), req)
    auth = payload["permit2Authorization"]
    assert auth["spender"].lower() == PROXY.lower() and auth["witness"] == {"to": to, "validAfter": "0"}
    permit = ((auth["permitted"]["token"], int(auth["permitted"]["amount"])), int(auth["nonce"]), int(auth["deadline"]))
    witness = (auth["witness"]["to"], int(auth["witness"]["validAfter"]))
    data = _settle_data(permit, payer, witness, bytes.fromhex(payload["signature"][2:]))

    rc = env.send(ANVIL0, data, to=PROXY)  # anyone may submit
    assert env.balance(payer) == 15_000 and env.balance(to) == 10_000 and env.balance(PROXY) == 0
    assert len(_events(env, rc, "Settled")) == 1
    assert [l for l in rc.logs if l.address == PROXY][0].topics == [keccak(text="Settled()")]
    assert _events(env, rc, "SettledWithPermit") == []
    # one Transfer payer -> to, made by Permit2
    transfers = env.usdc.events.Transfer().process_receipt(rc, errors=__import__("web3").logs.DISCARD)
    assert [(t.args.sender, t.args.receiver, t.args.value) for t in transfers] == [(payer, to, 10_000)]

    # replaying the same nonce: Permit2 refuses it (InvalidNonce), whoever submits
    env.expect_revert(ANVIL0, data, INVALID_NONCE, to=PROXY)
    env.expect_revert(pk, data, INVALID_NONCE, to=PROXY)


def test_settle_hand_signed_and_at_valid_after(env):
    pay = Payment(env, amount=1_234, valid_after=env.now())
    rc = env.send(ANVIL0, pay.settle(), to=PROXY)  # block.timestamp >= validAfter (equal is enough)
    assert env.balance(pay.to) == 1_234 and env.balance(pay.payer) == 0
    assert len(_events(env, rc, "Settled")) == 1


def test_settle_validation_reverts(env):
    pay = Payment(env, fund=False, approve=False)
    (token, amount), nonce, deadline = pay.permit
    zero_amount = ((token, 0), nonce, deadline)
    late = (pay.to, env.now() + 3600)
    cases = [
        (pay.settle(permit=zero_amount), "InvalidAmount()"),
        (pay.settle(owner=ZERO), "InvalidOwner()"),
        (pay.settle(witness=(ZERO, 0)), "InvalidDestination()"),
        (pay.settle(witness=late), "PaymentTooEarly()"),
        # Solidity's check order: amount, owner, destination, time
        (_settle_data(zero_amount, ZERO, (ZERO, 2**256 - 1), DUMMY_SIG), "InvalidAmount()"),
        (_settle_data(pay.permit, ZERO, (ZERO, 2**256 - 1), DUMMY_SIG), "InvalidOwner()"),
        (_settle_data(pay.permit, pay.payer, (ZERO, 2**256 - 1), DUMMY_SIG), "InvalidDestination()"),
    ]
    for data, error in cases:
        env.expect_revert(ANVIL0, data, err(error), to=PROXY)
    # the same checks guard settleWithPermit (after the EIP-2612 step: value must equal the permitted amount)
    p2612 = (amount, deadline, b"\1" * 32, b"\2" * 32, 27)
    env.expect_revert(ANVIL0, pay.settle_with_permit((0,) + p2612[1:], permit=zero_amount), err("InvalidAmount()"), to=PROXY)
    env.expect_revert(ANVIL0, pay.settle_with_permit(p2612, owner=ZERO), err("InvalidOwner()"), to=PROXY)
    env.expect_revert(ANVIL0, pay.settle_with_permit(p2612, witness=(ZERO, 0)), err("InvalidDestination()"), to=PROXY)
    env.expect_revert(ANVIL0, pay.settle_with_permit(p2612, witness=late), err("PaymentTooEarly()"), to=PROXY)
    # PaymentTooEarly lifts once the chain reaches validAfter (here: a payment signed for a later time)
    later = Payment(env, amount=50, valid_after=env.now() + 30)
    env.expect_revert(ANVIL0, later.settle(), err("PaymentTooEarly()"), to=PROXY)
    env.increase_time(31)
    env.send(ANVIL0, later.settle(), to=PROXY)
    assert env.balance(later.to) == 50


def test_witness_binds_destination_and_valid_after(env):
    pay = Payment(env, amount=700)
    thief = addr(new_key())
    # a relayer redirecting the funds, or changing validAfter / the amount, breaks Permit2's signature check
    env.expect_revert(ANVIL0, pay.settle(witness=(thief, 0)), INVALID_SIGNER, to=PROXY)
    env.expect_revert(ANVIL0, pay.settle(witness=(pay.to, 1)), INVALID_SIGNER, to=PROXY)
    (token, amount), nonce, deadline = pay.permit
    env.expect_revert(ANVIL0, pay.settle(permit=((token, amount - 1), nonce, deadline)), INVALID_SIGNER, to=PROXY)
    # another owner named for the same signature
    other = new_key()
    env.mint(addr(other), 700)
    env.approve_permit2(other, USDC)
    env.expect_revert(ANVIL0, pay.settle(owner=addr(other)), INVALID_SIGNER, to=PROXY)
    env.send(ANVIL0, pay.settle(), to=PROXY)
    assert env.balance(pay.to) == 700 and env.balance(thief) == 0


def test_wrong_spender_refused(env):
    # signed for another spender (the batch Permit2 collector, or an arbitrary address): not valid for the proxy
    for spender in (PERMIT2_COLLECTOR, addr(new_key())):
        pay = Payment(env, amount=300, spender=spender)
        env.expect_revert(ANVIL0, pay.settle(), INVALID_SIGNER, to=PROXY)
    # and a proxy-bound signature cannot be used by calling Permit2 directly (msg.sender is the spender)
    pay = Payment(env, amount=300)
    (token, amount), nonce, deadline = pay.permit
    direct = bytes.fromhex(env.permit2.encode_abi("permitWitnessTransferFrom", args=[
        pay.permit, (pay.to, amount), pay.payer,
        keccak(encode(["bytes32", "address", "uint256"], [WITNESS_TYPEHASH, pay.to, 0])), WITNESS_TYPE_STRING, pay.sig])[2:])
    env.expect_revert(ANVIL0, direct, INVALID_SIGNER, to=PERMIT2)


def test_permit2_errors_bubble(env):
    pay = Payment(env, amount=100, deadline=env.now() - 1)
    env.expect_revert(ANVIL0, pay.settle(), err("SignatureExpired(uint256)", ("uint256", pay.permit[2])), to=PROXY)
    # no Permit2 allowance: solmate's TRANSFER_FROM_FAILED from Permit2
    pay = Payment(env, amount=100, approve=False)
    env.fund(pay.pk)
    ok, ret = env.call(pay.settle(), addr(ANVIL0), PROXY)
    assert not ok and b"TRANSFER_FROM_FAILED" in ret


# ------------------------------------------------------------------------------------------------ settleWithPermit

def test_settle_with_permit_without_prior_allowance(env):
    pay = Payment(env, amount=5_000, approve=False)
    assert env.usdc.functions.allowance(pay.payer, PERMIT2).call() == 0
    p2612 = _eip2612(env, pay.pk, 5_000, env.now() + 3600)
    rc = env.send(ANVIL0, pay.settle_with_permit(p2612), to=PROXY)
    assert env.balance(pay.to) == 5_000 and env.balance(pay.payer) == 0
    assert len(_events(env, rc, "SettledWithPermit")) == 1 and _events(env, rc, "Settled") == []
    for ev in NO_EVENTS:
        assert _events(env, rc, ev) == []
    assert env.usdc.functions.nonces(pay.payer).call() == 1  # the permit was used
    assert env.usdc.functions.allowance(pay.payer, PERMIT2).call() == 0  # and spent by Permit2


def test_settle_with_permit_amount_mismatch(env):
    pay = Payment(env, amount=500, approve=False)
    for value in (499, 501, 0):
        env.expect_revert(ANVIL0, pay.settle_with_permit(_eip2612(env, pay.pk, value, env.now() + 3600)),
                          err("Permit2612AmountMismatch()"), to=PROXY)
    # checked before the settlement checks (Solidity runs _executePermit first)
    (token, _), nonce, deadline = pay.permit
    env.expect_revert(ANVIL0, pay.settle_with_permit(_eip2612(env, pay.pk, 1, deadline), permit=((token, 0), nonce, deadline), owner=ZERO),
                      err("Permit2612AmountMismatch()"), to=PROXY)


def test_settle_with_failing_permit_logs_and_goes_on(env):
    # expired EIP-2612 permit, but the Permit2 allowance exists: logged (Error(string)), settlement proceeds
    pay = Payment(env, amount=800)
    rc = env.send(ANVIL0, pay.settle_with_permit(_eip2612(env, pay.pk, 800, env.now() - 10)), to=PROXY)
    evs = _events(env, rc, "EIP2612PermitFailedWithReason")
    assert [(e.args.token, e.args.owner, e.args.reason) for e in evs] == [(USDC, pay.payer, "FiatTokenV2: permit is expired")]
    assert len(_events(env, rc, "SettledWithPermit")) == 1 and env.balance(pay.to) == 800
    # a token without permit(): empty revert data -> EIP2612PermitFailedWithData
    tok = env.chain.deploy("FeeOnTransferToken")
    env.chain.send(ANVIL0, tok.address, bytes.fromhex(tok.encode_abi("setFee", args=[0])[2:]))
    pay = Payment(env, amount=900, token=tok.address)
    rc = env.send(ANVIL0, pay.settle_with_permit((900, env.now() + 100, b"\1" * 32, b"\2" * 32, 27)), to=PROXY)
    evs = _events(env, rc, "EIP2612PermitFailedWithData")
    assert [(e.args.token, e.args.owner, e.args.data) for e in evs] == [(tok.address, pay.payer, b"")]
    assert env.balance(pay.to, tok.address) == 900
    # failed permit and no allowance: the settlement itself fails in Permit2
    pay = Payment(env, amount=100, approve=False)
    env.fund(pay.pk)
    ok, ret = env.call(pay.settle_with_permit(_eip2612(env, pay.pk, 100, env.now() - 10)), addr(ANVIL0), PROXY)
    assert not ok and b"TRANSFER_FROM_FAILED" in ret


# ------------------------------------------------------------------------------------------------ reentrancy

def test_reentrancy_blocked(env):
    """settle / settleWithPermit -> Permit2 -> token.transferFrom -> proxy.settle(another payment): the nested call
    fails with OZ's ReentrancyGuardReentrantCall() (Permit2 turns a failing transferFrom into TRANSFER_FROM_FAILED,
    so the token records the callback's outcome instead of bubbling it)."""
    tok = env.chain.deploy("ReentrantToken")
    inner = Payment(env, amount=400, token=tok.address)

    def arm(data):
        env.chain.send(ANVIL0, tok.address, bytes.fromhex(tok.encode_abi("arm", args=[PROXY, data, False, True, False])[2:]))

    for with_permit in (False, True):
        outer = Payment(env, amount=1_000, token=tok.address)
        arm(inner.settle())
        count = tok.functions.callbackCount().call()
        data = outer.settle_with_permit((1_000, env.now() + 100, b"\1" * 32, b"\2" * 32, 27)) if with_permit else outer.settle()
        env.send(ANVIL0, data, to=PROXY)
        assert tok.functions.callbackCount().call() == count + 1
        assert tok.functions.lastCallbackSuccess().call() is False and tok.functions.lastCallbackReturn().call() == GUARD
        assert env.balance(outer.to, tok.address) == 1_000 and env.balance(inner.to, tok.address) == 0
    # the guard is released afterwards: the inner payment settles on its own
    env.send(ANVIL0, inner.settle(), to=PROXY)
    assert env.balance(inner.to, tok.address) == 400
    # views stay callable from inside
    arm(bytes.fromhex(_proxy(env).encode_abi("PERMIT2")[2:]))
    env.send(ANVIL0, Payment(env, amount=10, token=tok.address).settle(), to=PROXY)
    assert tok.functions.lastCallbackSuccess().call() is True
    assert tok.functions.lastCallbackReturn().call() == encode(["address"], [PERMIT2])
