"""Permit2 SignatureTransfer twin: permitWitnessTransferFrom / permitTransferFrom over JSON-RPC."""
import os

import pytest
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from test_tokens_support import (  # noqa: F401  (fixture)
    ANVIL0, CANONICAL, KEY1, KEY2, KEY3, addr, chain, digest, error_string, permit2_domain, selector, sign,
)

STUB = "PermitWitnessTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline,"
WITNESS_TYPE = "DepositWitness witness)DepositWitness(bytes32 channelId)TokenPermissions(address token,uint256 amount)"
TP_TYPEHASH = keccak(text="TokenPermissions(address token,uint256 amount)")
DW_TYPEHASH = keccak(text="DepositWitness(bytes32 channelId)")
PTF_TYPEHASH = keccak(text="PermitTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline)"
                           "TokenPermissions(address token,uint256 amount)")
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def err(sig, *args):
    types = sig[sig.index("(") + 1:-1].split(",") if "()" not in sig else []
    return selector(sig) + (encode(types, list(args)) if types else b"")


@pytest.fixture(scope="module")
def env(chain):
    usdc = chain.canonical("TestUSDC")
    p2 = chain.canonical("Permit2")
    payer = addr(KEY1)
    chain.send(ANVIL0, usdc.address, usdc.encode_abi("mint", args=[payer, 10_000_000]))
    chain.send(KEY1, usdc.address, usdc.encode_abi("approve", args=[p2.address, 2**256 - 1]))
    return chain, usdc, p2


def witness_hash(channel_id):
    return keccak(encode(["bytes32", "bytes32"], [DW_TYPEHASH, channel_id]))


def witness_digest(chain, p2, token, amount, spender, nonce, deadline, channel_id, type_string=WITNESS_TYPE):
    th = keccak(text=STUB + type_string)
    tp = keccak(encode(["bytes32", "address", "uint256"], [TP_TYPEHASH, token, amount]))
    sh = keccak(encode(["bytes32", "bytes32", "address", "uint256", "uint256", "bytes32"],
                       [th, tp, spender, nonce, deadline, witness_hash(channel_id)]))
    return digest(permit2_domain(chain.chain_id, p2.address), sh)


def witness_call(p2, token, amount, nonce, deadline, to, requested, owner, channel_id, sig, type_string=WITNESS_TYPE):
    return p2.encode_abi("permitWitnessTransferFrom", args=[
        ((token, amount), nonce, deadline), (to, requested), owner, witness_hash(channel_id), type_string, sig])


def rand_nonce():
    return int.from_bytes(os.urandom(31), "big")


def test_selectors_and_domain(env):
    chain, usdc, p2 = env
    assert p2.encode_abi("permitWitnessTransferFrom", args=[((usdc.address, 1), 0, 0), (usdc.address, 1), usdc.address,
                                                             b"\0" * 32, "", b""])[:10] == "0x137c29fe"
    assert p2.functions.DOMAIN_SEPARATOR().call() == permit2_domain(chain.chain_id, p2.address)
    if chain.chain_id == 84532 and p2.address == CANONICAL["Permit2"]:
        assert p2.functions.DOMAIN_SEPARATOR().call().hex() == \
            "010f27a92fb9a32622f44f001dc4d15706a85b33499cfc2ce9033113ab26592c"  # protocol.md C.3


def test_witness_digest_matches_standard_eip712(env):
    """The stub + witnessTypeString concatenation is exactly EIP-712 encodeType (eth_account) and C.9."""
    chain, usdc, p2 = env
    cid = bytes.fromhex("66f2b00c9859327c1b959575fc0b0ff71971f15eda6ff270caa3cec308ede223")
    spender = "0x4020425FAf3B746C082C2f942b4E5159887B0005"
    typed = {
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
                             {"name": "verifyingContract", "type": "address"}],
            "PermitWitnessTransferFrom": [{"name": "permitted", "type": "TokenPermissions"}, {"name": "spender", "type": "address"},
                                          {"name": "nonce", "type": "uint256"}, {"name": "deadline", "type": "uint256"},
                                          {"name": "witness", "type": "DepositWitness"}],
            "TokenPermissions": [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint256"}],
            "DepositWitness": [{"name": "channelId", "type": "bytes32"}],
        },
        "primaryType": "PermitWitnessTransferFrom",
        "domain": {"name": "Permit2", "chainId": chain.chain_id, "verifyingContract": p2.address},
        "message": {"permitted": {"token": usdc.address, "amount": 10000}, "spender": spender, "nonce": 123456789,
                    "deadline": 1770000000, "witness": {"channelId": cid}},
    }
    std = Account.sign_message(encode_typed_data(full_message=typed), KEY1).signature
    mine = witness_digest(chain, p2, usdc.address, 10000, spender, 123456789, 1770000000, cid)
    assert bytes(std) == sign(KEY1, mine)
    assert keccak(text=STUB + WITNESS_TYPE).hex() == "436a25c01a21a6ed025816c4c9ea3d6132aa879dd7ef16f6188dd3b0aebccc52"
    if chain.chain_id == 84532 and p2.address == CANONICAL["Permit2"] and usdc.address == CANONICAL["TestUSDC"]:
        assert mine.hex() == "b00d708f6539ef8498459f649d61489566fd00ca96c84170286446450b348cde"


def test_witness_transfer_happy_path_and_replay(env):
    chain, usdc, p2 = env
    payer, spender, to = addr(KEY1), addr(KEY3), addr(KEY2)
    cid, nonce = os.urandom(32), rand_nonce()
    deadline = chain.latest_timestamp() + 3600
    sig = sign(KEY1, witness_digest(chain, p2, usdc.address, 5_000, spender, nonce, deadline, cid))
    data = witness_call(p2, usdc.address, 5_000, nonce, deadline, to, 4_000, payer, cid, sig)
    bp, bt = usdc.functions.balanceOf(payer).call(), usdc.functions.balanceOf(to).call()
    rcpt = chain.send(KEY3, p2.address, data)
    assert usdc.functions.balanceOf(payer).call() == bp - 4_000
    assert usdc.functions.balanceOf(to).call() == bt + 4_000
    print("permitWitnessTransferFrom gas", rcpt.gasUsed)
    assert p2.functions.nonceBitmap(payer, nonce >> 8).call() & (1 << (nonce & 255))
    assert chain.call(p2.address, data, spender) == (False, err("InvalidNonce()"))


def test_witness_transfer_failures(env):
    chain, usdc, p2 = env
    payer, spender, to = addr(KEY1), addr(KEY3), addr(KEY2)
    cid, nonce = os.urandom(32), rand_nonce()
    now = chain.latest_timestamp()
    deadline = now + 3600
    good = sign(KEY1, witness_digest(chain, p2, usdc.address, 5_000, spender, nonce, deadline, cid))

    def attempt(sig=good, *, amount=5_000, requested=5_000, dl=deadline, channel=cid, sender=spender, ts=WITNESS_TYPE, owner=payer):
        return chain.call(p2.address, witness_call(p2, usdc.address, amount, nonce, dl, to, requested, owner, channel, sig, ts), sender)

    # expired deadline (checked first)
    past = now - 1
    s_past = sign(KEY1, witness_digest(chain, p2, usdc.address, 5_000, spender, nonce, past, cid))
    assert attempt(s_past, dl=past) == (False, err("SignatureExpired(uint256)", past))
    # requested more than permitted
    assert attempt(requested=5_001) == (False, err("InvalidAmount(uint256)", 5_000))
    # wrong witness (another channel), wrong spender, wrong amount, wrong owner, other signer
    assert attempt(channel=os.urandom(32)) == (False, err("InvalidSigner()"))
    assert attempt(sender=addr(KEY2)) == (False, err("InvalidSigner()"))
    assert attempt(amount=6_000) == (False, err("InvalidSigner()"))
    assert attempt(sign(KEY2, witness_digest(chain, p2, usdc.address, 5_000, spender, nonce, deadline, cid))) == \
        (False, err("InvalidSigner()"))
    # witness type string changes the type hash
    assert attempt(ts=WITNESS_TYPE.replace("bytes32 channelId", "bytes32 channelID")) == (False, err("InvalidSigner()"))
    # malformed signatures
    assert attempt(good[:10]) == (False, err("InvalidSignatureLength()"))
    assert attempt(b"\0" * 64 + bytes([27])) == (False, err("InvalidSignature()"))
    # EIP-2098 compact form of the good signature works; so does the good one (no low-s rule in Permit2)
    r, s, v = good[:32], int.from_bytes(good[32:64], "big"), good[64]
    compact = r + ((s | ((v - 27) << 255)).to_bytes(32, "big"))
    assert attempt(compact) == (True, b"")
    high_s = r + (N - s).to_bytes(32, "big") + bytes([55 - v])
    assert attempt(high_s) == (True, b"")
    assert attempt() == (True, b"")
    # no allowance: solmate's safeTransferFrom message
    fresh = Account.create()
    chain.fund(fresh.address)
    chain.send(ANVIL0, usdc.address, usdc.encode_abi("mint", args=[fresh.address, 10_000]))
    s_fresh = sign(fresh.key, witness_digest(chain, p2, usdc.address, 5_000, spender, nonce, deadline, cid))
    assert attempt(s_fresh, owner=fresh.address) == (False, error_string("TRANSFER_FROM_FAILED"))


def test_permit_transfer_from_and_invalidate(env):
    chain, usdc, p2 = env
    payer, spender, to = addr(KEY1), addr(KEY3), addr(KEY2)
    nonce = rand_nonce()
    deadline = chain.latest_timestamp() + 3600
    tp = keccak(encode(["bytes32", "address", "uint256"], [TP_TYPEHASH, usdc.address, 700]))
    sh = keccak(encode(["bytes32", "bytes32", "address", "uint256", "uint256"], [PTF_TYPEHASH, tp, spender, nonce, deadline]))
    sig = sign(KEY1, digest(permit2_domain(chain.chain_id, p2.address), sh))
    data = p2.encode_abi("permitTransferFrom", args=[((usdc.address, 700), nonce, deadline), (to, 700), payer, sig])
    bt = usdc.functions.balanceOf(to).call()
    chain.send(KEY3, p2.address, data)
    assert usdc.functions.balanceOf(to).call() == bt + 700
    # invalidate a nonce, then a signature over it is refused
    n2 = rand_nonce()
    rcpt = chain.send(KEY1, p2.address, p2.encode_abi("invalidateUnorderedNonces", args=[n2 >> 8, 1 << (n2 & 255)]))
    ev = p2.events.UnorderedNonceInvalidation().process_receipt(rcpt)
    assert ev[0].args.owner == payer and ev[0].args.word == n2 >> 8
    cid = os.urandom(32)
    s2 = sign(KEY1, witness_digest(chain, p2, usdc.address, 1, spender, n2, deadline, cid))
    assert chain.call(p2.address, witness_call(p2, usdc.address, 1, n2, deadline, to, 1, payer, cid, s2), spender) == \
        (False, err("InvalidNonce()"))


def test_erc1271_owner(env):
    chain, usdc, p2 = env
    wallet = chain.deploy("ERC1271Wallet", ["address"], [addr(KEY1)])
    chain.send(ANVIL0, usdc.address, usdc.encode_abi("mint", args=[wallet.address, 10_000]))
    approve = bytes.fromhex(usdc.encode_abi("approve", args=[p2.address, 2**256 - 1])[2:])
    chain.send(KEY1, wallet.address, wallet.encode_abi("execute", args=[usdc.address, 0, approve]))
    spender, to = addr(KEY3), addr(KEY2)
    cid, nonce = os.urandom(32), rand_nonce()
    deadline = chain.latest_timestamp() + 3600
    sig = sign(KEY1, witness_digest(chain, p2, usdc.address, 1_000, spender, nonce, deadline, cid))
    data = witness_call(p2, usdc.address, 1_000, nonce, deadline, to, 1_000, wallet.address, cid, sig)
    chain.send(KEY1, wallet.address, wallet.encode_abi("setMode", args=[1]))
    assert chain.call(p2.address, data, spender) == (False, err("InvalidContractSignature()"))
    chain.send(KEY1, wallet.address, wallet.encode_abi("setMode", args=[2]))
    assert chain.call(p2.address, data, spender) == (False, error_string("ERC1271Wallet: rejected"))
    chain.send(KEY1, wallet.address, wallet.encode_abi("setMode", args=[0]))
    bt = usdc.functions.balanceOf(to).call()
    chain.send(KEY3, p2.address, data)
    assert usdc.functions.balanceOf(to).call() == bt + 1_000
