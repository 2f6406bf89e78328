"""TestUSDC (FiatToken v2.2 twin), FeeOnTransferToken, ReentrantToken, ERC1271Wallet over JSON-RPC."""
import os

import pytest
from eth_abi import encode
from eth_utils import keccak

from test_tokens_support import (  # noqa: F401  (fixture)
    ANVIL0, CANONICAL, KEY1, KEY2, KEY3, addr, chain, digest, domain4, error_string, selector, sign,
)

TWA = keccak(text="TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)")
RWA = keccak(text="ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)")
CANCEL = keccak(text="CancelAuthorization(address authorizer,bytes32 nonce)")
PERMIT = keccak(text="Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")
HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@pytest.fixture(scope="module")
def usdc(chain):
    return chain.canonical("TestUSDC")


def fresh_nonce(tag=b""):
    return keccak(os.urandom(32) + tag)


def auth_digest(chain, usdc, typehash, frm, to, value, va, vb, nonce):
    ds = domain4("USDC", "2", chain.chain_id, usdc.address)
    return digest(ds, keccak(encode(["bytes32", "address", "address", "uint256", "uint256", "uint256", "bytes32"],
                                    [typehash, frm, to, value, va, vb, nonce])))


def split(sig):
    return sig[64], sig[:32], sig[32:64]


def mint(chain, usdc, to, amount):
    chain.send(ANVIL0, usdc.address, usdc.encode_abi("mint", args=[to, amount]))


def bal(usdc, a):
    return usdc.functions.balanceOf(a).call()


def test_metadata_and_domain(chain, usdc):
    assert usdc.functions.name().call() == "USDC"
    assert usdc.functions.version().call() == "2"
    assert usdc.functions.symbol().call() == "USDC"
    assert usdc.functions.decimals().call() == 6
    ds = usdc.functions.DOMAIN_SEPARATOR().call()
    assert ds == domain4("USDC", "2", chain.chain_id, usdc.address)
    assert usdc.functions.RECEIVE_WITH_AUTHORIZATION_TYPEHASH().call().hex() == \
        "d099cc98ef71107a616c4f0f941f04c322d8e254fe26b3c6668db87aae413de8"
    assert usdc.functions.TRANSFER_WITH_AUTHORIZATION_TYPEHASH().call() == TWA
    assert usdc.functions.PERMIT_TYPEHASH().call() == PERMIT


def test_base_sepolia_vectors(chain, usdc):
    """protocol.md C.3 / C.8: the canonical token on chain 84532 has the Base Sepolia USDC domain."""
    if chain.chain_id != 84532 or usdc.address != CANONICAL["TestUSDC"]:
        pytest.skip("needs the devnet (chain 84532, canonical address)")
    ds = usdc.functions.DOMAIN_SEPARATOR().call()
    assert ds.hex() == "71f17a3b2ff373b803d70a5a07c046c1a2bc8e89c09ef722fcb047abe94c9818"
    nonce = bytes.fromhex("f65a0b59572398baf1c114a2c6aad6090fb39843e0853eec4ef3eda3cf93dc35")
    d = auth_digest(chain, usdc, RWA, addr(KEY1), "0x4020806089470a89826cB9fB1f4059150b550004", 10000, 0, 1770000000, nonce)
    assert d.hex() == "ce2c02fd87f7a6763878816b4883956e5019754c411d23b7a1a9e414651e2cd6"
    assert sign(KEY1, d).hex() == ("b198fc766f3549887ff8fb7430dc070b90e30421cefa851aede0a07c78f3bef1"
                                   "28c981cf817bb4a10630785231e685cc6699634a0e91cbfa6f6b3389bebfc2281c")


def test_erc20_basics(chain, usdc):
    a, b = addr(KEY1), addr(KEY2)
    mint(chain, usdc, a, 5_000_000)
    ba, bb = bal(usdc, a), bal(usdc, b)
    chain.send(KEY1, usdc.address, usdc.encode_abi("transfer", args=[b, 1_000]))
    assert (bal(usdc, a), bal(usdc, b)) == (ba - 1_000, bb + 1_000)
    ok, data = chain.call(usdc.address, usdc.encode_abi("transfer", args=[b, ba * 10]), a)
    assert not ok and data == error_string("ERC20: transfer amount exceeds balance")
    ok, data = chain.call(usdc.address, usdc.encode_abi("transferFrom", args=[a, b, 1]), addr(KEY3))
    assert not ok and data == error_string("ERC20: transfer amount exceeds allowance")
    chain.send(KEY1, usdc.address, usdc.encode_abi("approve", args=[addr(KEY3), 500]))
    chain.send(KEY3, usdc.address, usdc.encode_abi("transferFrom", args=[a, b, 200]))
    assert usdc.functions.allowance(a, addr(KEY3)).call() == 300


def test_transfer_with_authorization(chain, usdc):
    a, b = addr(KEY1), addr(KEY2)
    mint(chain, usdc, a, 1_000_000)
    now = chain.latest_timestamp()
    nonce = fresh_nonce()
    vb = now + 3600
    sig = sign(KEY1, auth_digest(chain, usdc, TWA, a, b, 12_345, 0, vb, nonce))
    v, r, s = split(sig)
    ba, bb = bal(usdc, a), bal(usdc, b)
    data = usdc.encode_abi("transferWithAuthorization", args=[a, b, 12_345, 0, vb, nonce, v, r, s])
    # anyone may submit it
    rcpt = chain.send(KEY3, usdc.address, data)
    assert (bal(usdc, a), bal(usdc, b)) == (ba - 12_345, bb + 12_345)
    used = usdc.events.AuthorizationUsed().process_receipt(rcpt)
    assert used[0].args.authorizer == a and used[0].args.nonce == nonce
    assert usdc.functions.authorizationState(a, nonce).call() is True
    # replay
    ok, ret = chain.call(usdc.address, data, addr(KEY3))
    assert not ok and ret == error_string("FiatTokenV2: authorization is used or canceled")
    # the same authorization through the `bytes signature` overload (0xcf092995) is a replay too
    sel = selector("transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)")
    assert sel.hex() == "cf092995"
    raw = sel + encode(["address", "address", "uint256", "uint256", "uint256", "bytes32", "bytes"], [a, b, 12_345, 0, vb, nonce, sig])
    ok, ret = chain.call(usdc.address, raw, addr(KEY3))
    assert not ok and ret == error_string("FiatTokenV2: authorization is used or canceled")


def test_transfer_with_authorization_bytes_overload(chain, usdc):
    a, b = addr(KEY1), addr(KEY2)
    mint(chain, usdc, a, 1_000_000)
    vb = chain.latest_timestamp() + 3600
    nonce = fresh_nonce()
    sig = sign(KEY1, auth_digest(chain, usdc, TWA, a, b, 777, 0, vb, nonce))
    raw = selector("transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)") + \
        encode(["address", "address", "uint256", "uint256", "uint256", "bytes32", "bytes"], [a, b, 777, 0, vb, nonce, sig])
    bb = bal(usdc, b)
    chain.send(KEY3, usdc.address, raw)
    assert bal(usdc, b) == bb + 777
    assert usdc.functions.authorizationState(a, nonce).call()


def test_authorization_time_window(chain, usdc):
    a, b = addr(KEY1), addr(KEY2)
    mint(chain, usdc, a, 1_000)
    now = chain.latest_timestamp()
    # expired: validBefore <= block.timestamp (next block is >= latest)
    nonce = fresh_nonce()
    v, r, s = split(sign(KEY1, auth_digest(chain, usdc, TWA, a, b, 1, 0, now, nonce)))
    ok, ret = chain.call(usdc.address, usdc.encode_abi("transferWithAuthorization", args=[a, b, 1, 0, now, nonce, v, r, s]))
    assert not ok and ret == error_string("FiatTokenV2: authorization is expired")
    # not yet valid
    va = now + 10_000
    v, r, s = split(sign(KEY1, auth_digest(chain, usdc, TWA, a, b, 1, va, va + 10, nonce)))
    ok, ret = chain.call(usdc.address, usdc.encode_abi("transferWithAuthorization", args=[a, b, 1, va, va + 10, nonce, v, r, s]))
    assert not ok and ret == error_string("FiatTokenV2: authorization is not yet valid")


def test_bad_signatures(chain, usdc):
    a, b = addr(KEY1), addr(KEY2)
    vb = chain.latest_timestamp() + 3600
    nonce = fresh_nonce()
    d = auth_digest(chain, usdc, TWA, a, b, 5, 0, vb, nonce)

    def attempt(v, r, s):
        return chain.call(usdc.address, usdc.encode_abi("transferWithAuthorization", args=[a, b, 5, 0, vb, nonce, v, r, s]))

    # signed by someone else
    v, r, s = split(sign(KEY2, d))
    assert attempt(v, r, s) == (False, error_string("FiatTokenV2: invalid signature"))
    # signature over another message (value 6)
    v, r, s = split(sign(KEY1, auth_digest(chain, usdc, TWA, a, b, 6, 0, vb, nonce)))
    assert attempt(v, r, s) == (False, error_string("FiatTokenV2: invalid signature"))
    # high-s twin of a valid signature is rejected (malleability)
    v, r, s = split(sign(KEY1, d))
    hs = (N - int.from_bytes(s, "big")).to_bytes(32, "big")
    assert attempt(55 - v, r, hs) == (False, error_string("ECRecover: invalid signature 's' value"))
    # bad v
    assert attempt(29, r, s) == (False, error_string("ECRecover: invalid signature 'v' value"))
    # unrecoverable (r = 0)
    assert attempt(27, b"\0" * 32, s) == (False, error_string("ECRecover: invalid signature"))
    # bad length through the bytes overload
    raw = selector("transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)") + \
        encode(["address", "address", "uint256", "uint256", "uint256", "bytes32", "bytes"], [a, b, 5, 0, vb, nonce, b"\1" * 64])
    assert chain.call(usdc.address, raw) == (False, error_string("ECRecover: invalid signature length"))
    # the good one still works
    assert attempt(v, r, s)[0] or bal(usdc, a) < 5


def test_receive_with_authorization(chain, usdc):
    a, b = addr(KEY1), addr(KEY2)
    mint(chain, usdc, a, 100_000)
    vb = chain.latest_timestamp() + 3600
    nonce = fresh_nonce()
    sig = sign(KEY1, auth_digest(chain, usdc, RWA, a, b, 4_242, 0, vb, nonce))
    data = usdc.encode_abi("receiveWithAuthorization", args=[a, b, 4_242, 0, vb, nonce, sig])
    assert data[:10] == "0x88b7ab63"
    # caller must be the payee
    ok, ret = chain.call(usdc.address, data, addr(KEY3))
    assert not ok and ret == error_string("FiatTokenV2: caller must be the payee")
    # a TransferWithAuthorization signature is not a ReceiveWithAuthorization one
    sig_twa = sign(KEY1, auth_digest(chain, usdc, TWA, a, b, 4_242, 0, vb, nonce))
    ok, ret = chain.call(usdc.address, usdc.encode_abi("receiveWithAuthorization", args=[a, b, 4_242, 0, vb, nonce, sig_twa]), b)
    assert not ok and ret == error_string("FiatTokenV2: invalid signature")
    bb = bal(usdc, b)
    chain.send(KEY2, usdc.address, data)
    assert bal(usdc, b) == bb + 4_242
    ok, ret = chain.call(usdc.address, data, b)
    assert not ok and ret == error_string("FiatTokenV2: authorization is used or canceled")


def test_receive_with_authorization_vrs_overload(chain, usdc):
    a, b = addr(KEY1), addr(KEY2)
    mint(chain, usdc, a, 100_000)
    vb = chain.latest_timestamp() + 3600
    nonce = fresh_nonce()
    v, r, s = split(sign(KEY1, auth_digest(chain, usdc, RWA, a, b, 99, 0, vb, nonce)))
    sel = selector("receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)")
    raw = sel + encode(["address", "address", "uint256", "uint256", "uint256", "bytes32", "uint8", "bytes32", "bytes32"],
                       [a, b, 99, 0, vb, nonce, v, r, s])
    assert chain.call(usdc.address, raw, addr(KEY3)) == (False, error_string("FiatTokenV2: caller must be the payee"))
    bb = bal(usdc, b)
    chain.send(KEY2, usdc.address, raw)
    assert bal(usdc, b) == bb + 99


def test_cancel_authorization(chain, usdc):
    a, b = addr(KEY1), addr(KEY2)
    mint(chain, usdc, a, 1_000)
    ds = usdc.functions.DOMAIN_SEPARATOR().call()
    vb = chain.latest_timestamp() + 3600
    for overload in ("vrs", "bytes"):
        nonce = fresh_nonce()
        csig = sign(KEY1, digest(ds, keccak(encode(["bytes32", "address", "bytes32"], [CANCEL, a, nonce]))))
        if overload == "vrs":
            v, r, s = split(csig)
            data = usdc.encode_abi("cancelAuthorization", args=[a, nonce, v, r, s])
        else:
            data = selector("cancelAuthorization(address,bytes32,bytes)") + encode(["address", "bytes32", "bytes"], [a, nonce, csig])
        rcpt = chain.send(KEY3, usdc.address, data)
        ev = usdc.events.AuthorizationCanceled().process_receipt(rcpt)
        assert ev[0].args.nonce == nonce
        assert usdc.functions.authorizationState(a, nonce).call()
        v, r, s = split(sign(KEY1, auth_digest(chain, usdc, TWA, a, b, 1, 0, vb, nonce)))
        ok, ret = chain.call(usdc.address, usdc.encode_abi("transferWithAuthorization", args=[a, b, 1, 0, vb, nonce, v, r, s]))
        assert not ok and ret == error_string("FiatTokenV2: authorization is used or canceled")


def test_permit(chain, usdc):
    owner, spender = addr(KEY1), addr(KEY3)
    ds = usdc.functions.DOMAIN_SEPARATOR().call()
    deadline = chain.latest_timestamp() + 3600
    for overload in ("vrs", "bytes"):
        n = usdc.functions.nonces(owner).call()
        amount = 1_000 + n
        sig = sign(KEY1, digest(ds, keccak(encode(["bytes32", "address", "address", "uint256", "uint256", "uint256"],
                                                  [PERMIT, owner, spender, amount, n, deadline]))))
        if overload == "vrs":
            v, r, s = split(sig)
            data = usdc.encode_abi("permit", args=[owner, spender, amount, deadline, v, r, s])
            assert data[:10] == "0xd505accf"
        else:
            data = selector("permit(address,address,uint256,uint256,bytes)") + \
                encode(["address", "address", "uint256", "uint256", "bytes"], [owner, spender, amount, deadline, sig])
        chain.send(KEY2, usdc.address, data)
        assert usdc.functions.allowance(owner, spender).call() == amount
        assert usdc.functions.nonces(owner).call() == n + 1
        ok, ret = chain.call(usdc.address, data)  # replay: nonce moved on
        assert not ok and ret == error_string("FiatTokenV2: invalid signature")
    # expired
    n = usdc.functions.nonces(owner).call()
    past = chain.latest_timestamp() - 1
    v, r, s = split(sign(KEY1, digest(ds, keccak(encode(["bytes32", "address", "address", "uint256", "uint256", "uint256"],
                                                        [PERMIT, owner, spender, 1, n, past])))))
    ok, ret = chain.call(usdc.address, usdc.encode_abi("permit", args=[owner, spender, 1, past, v, r, s]))
    assert not ok and ret == error_string("FiatTokenV2: permit is expired")


def test_erc1271_wallet_authorizations(chain, usdc):
    owner = addr(KEY1)
    wallet = chain.deploy("ERC1271Wallet", ["address"], [owner])
    b = addr(KEY2)
    mint(chain, usdc, wallet.address, 10_000)
    vb = chain.latest_timestamp() + 3600
    nonce = fresh_nonce()
    sig = sign(KEY1, auth_digest(chain, usdc, RWA, wallet.address, b, 500, 0, vb, nonce))
    data = usdc.encode_abi("receiveWithAuthorization", args=[wallet.address, b, 500, 0, vb, nonce, sig])
    # rejecting modes
    for mode in (1, 2):
        chain.send(KEY1, wallet.address, wallet.encode_abi("setMode", args=[mode]))
        assert chain.call(usdc.address, data, b) == (False, error_string("FiatTokenV2: invalid signature"))
    chain.send(KEY1, wallet.address, wallet.encode_abi("setMode", args=[0]))
    # owner's signature over another digest is refused
    bad = sign(KEY1, auth_digest(chain, usdc, RWA, wallet.address, b, 501, 0, vb, nonce))
    assert chain.call(usdc.address, usdc.encode_abi("receiveWithAuthorization", args=[wallet.address, b, 500, 0, vb, nonce, bad]), b) == \
        (False, error_string("FiatTokenV2: invalid signature"))
    bb = bal(usdc, b)
    chain.send(KEY2, usdc.address, data)
    assert bal(usdc, b) == bb + 500
    # isValidSignature directly
    h = keccak(b"hello")
    assert wallet.functions.isValidSignature(h, sign(KEY1, h)).call().hex() == "1626ba7e"
    assert wallet.functions.isValidSignature(h, sign(KEY2, h)).call().hex() == "ffffffff"


def test_fee_on_transfer_token(chain):
    t = chain.deploy("FeeOnTransferToken")
    a, b = addr(KEY1), addr(KEY2)
    chain.send(KEY1, t.address, t.encode_abi("mint", args=[a, 1_000_000]))
    assert t.functions.feeBps().call() == 100
    chain.send(KEY1, t.address, t.encode_abi("transfer", args=[b, 10_000]))
    assert t.functions.balanceOf(b).call() == 9_900
    assert t.functions.balanceOf(a).call() == 990_000
    assert t.functions.totalSupply().call() == 999_900
    chain.send(KEY1, t.address, t.encode_abi("approve", args=[addr(KEY3), 10_000]))
    chain.send(KEY3, t.address, t.encode_abi("transferFrom", args=[a, b, 10_000]))
    assert t.functions.balanceOf(b).call() == 19_800
    chain.send(KEY1, t.address, t.encode_abi("setFee", args=[0]))
    chain.send(KEY1, t.address, t.encode_abi("transfer", args=[b, 100]))
    assert t.functions.balanceOf(b).call() == 19_900


def test_reentrant_token(chain, usdc):
    t = chain.deploy("ReentrantToken")
    a, b = addr(KEY1), addr(KEY2)
    chain.send(KEY1, t.address, t.encode_abi("mint", args=[a, 1_000]))
    # callback into a target that reverts with a reason: bubbled
    bad_cb = bytes.fromhex(usdc.encode_abi("transfer", args=[b, 10**30])[2:])
    chain.send(KEY1, t.address, t.encode_abi("arm", args=[usdc.address, bad_cb, True, False, True]))
    ok, ret = chain.call(t.address, t.encode_abi("transfer", args=[b, 1]), a)
    assert not ok and ret == error_string("ERC20: transfer amount exceeds balance")
    # not bubbled: the transfer succeeds and the failure is recorded
    chain.send(KEY1, t.address, t.encode_abi("arm", args=[usdc.address, bad_cb, True, False, False]))
    chain.send(KEY1, t.address, t.encode_abi("transfer", args=[b, 1]))
    assert t.functions.balanceOf(b).call() == 1
    assert t.functions.lastCallbackSuccess().call() is False
    assert t.functions.lastCallbackReturn().call() == error_string("ERC20: transfer amount exceeds balance")
    assert t.functions.armed().call() is False
    # a succeeding callback on transferFrom (a view call into the token itself)
    cb = bytes.fromhex(t.encode_abi("balanceOf", args=[b])[2:])
    chain.send(KEY1, t.address, t.encode_abi("arm", args=[t.address, cb, False, True, True]))
    chain.send(KEY1, t.address, t.encode_abi("approve", args=[addr(KEY3), 5]))
    chain.send(KEY3, t.address, t.encode_abi("transferFrom", args=[a, b, 5]))
    assert t.functions.lastCallbackSuccess().call() is True
    assert int.from_bytes(t.functions.lastCallbackReturn().call(), "big") == 6
    assert t.functions.callbackCount().call() == 2
