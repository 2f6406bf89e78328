"""Fixtures and helpers for the x402BatchSettlement / deposit-collector tests (driven over JSON-RPC).

The `devnet` fixture uses X402_RPC_URL when set, else launches `Devnet/devnet --port 0` for the session.
The contracts under test are the ones the devnet places at their canonical deployments.json addresses.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from web3 import Web3

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_tokens_support import (  # noqa: E402
    ANVIL0, CANONICAL, KEY1, KEY2, KEY3, Chain, _launch_devnet, addr, artifact, digest, domain4,
    permit2_domain, selector, sign,
)

SETTLEMENT = CANONICAL["x402BatchSettlement"]
ERC3009_COLLECTOR = CANONICAL["ERC3009DepositCollector"]
PERMIT2_COLLECTOR = CANONICAL["Permit2DepositCollector"]
PERMIT2 = CANONICAL["Permit2"]
USDC = CANONICAL["TestUSDC"]
ZERO = "0x0000000000000000000000000000000000000000"

CC_TYPEHASH = keccak(text="ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)")
VOUCHER_TYPEHASH = keccak(text="Voucher(bytes32 channelId,uint128 maxClaimableAmount)")
REFUND_TYPEHASH = keccak(text="Refund(bytes32 channelId,uint256 nonce,uint128 amount)")
CLAIM_ENTRY_TYPEHASH = keccak(text="ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)")
CLAIM_BATCH_TYPEHASH = keccak(text="ClaimBatch(ClaimEntry[] claims)ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)")
RWA_TYPEHASH = keccak(text="ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)")
PERMIT_WITNESS_TYPEHASH = keccak(text="PermitWitnessTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline,DepositWitness witness)DepositWitness(bytes32 channelId)TokenPermissions(address token,uint256 amount)")
TOKEN_PERMISSIONS_TYPEHASH = keccak(text="TokenPermissions(address token,uint256 amount)")
DEPOSIT_WITNESS_TYPEHASH = keccak(text="DepositWitness(bytes32 channelId)")
EIP2612_PERMIT_TYPEHASH = keccak(text="Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")
CONFIG_TYPES = "(address,address,address,address,address,uint40,bytes32)"
VOUCHER_CLAIM_TYPES = f"(({CONFIG_TYPES},uint128),bytes,uint128)[]"


def err(sig: str, *args_types_values) -> bytes:
    """Revert bytes of a custom error: err("InvalidSignature()") or err("X(uint256)", ("uint256", 5))."""
    data = selector(sig)
    if args_types_values:
        data += encode([t for t, _ in args_types_values], [v for _, v in args_types_values])
    return data


def eip2612_signature(env, pk, value, deadline, spender=PERMIT2) -> bytes:
    """The owner's 65-byte signature of EIP-2612 Permit(owner, spender, value, nonces(owner), deadline) on TestUSDC."""
    owner = addr(pk)
    nonce = env.usdc.functions.nonces(owner).call()
    struct = keccak(encode(["bytes32", "address", "address", "uint256", "uint256", "uint256"],
                           [EIP2612_PERMIT_TYPEHASH, owner, spender, value, nonce, deadline]))
    return sign(pk, digest(domain4("USDC", "2", env.chain_id, USDC), struct))


def new_key() -> str:
    return "0x" + os.urandom(32).hex()


@dataclass(frozen=True)
class Cfg:
    payer: str
    payerAuthorizer: str
    receiver: str
    receiverAuthorizer: str
    token: str
    withdrawDelay: int = 900
    salt: bytes = b"\0" * 32

    def tuple(self):
        return (self.payer, self.payerAuthorizer, self.receiver, self.receiverAuthorizer, self.token,
                self.withdrawDelay, self.salt)

    def but(self, **kw) -> "Cfg":
        return replace(self, **kw)


def domain_separator(chain_id: int) -> bytes:
    return domain4("x402 Batch Settlement", "1", chain_id, SETTLEMENT)


def channel_id(cfg: Cfg, chain_id: int) -> bytes:
    struct = keccak(encode(["bytes32", "address", "address", "address", "address", "address", "uint40", "bytes32"],
                           [CC_TYPEHASH, *cfg.tuple()]))
    return digest(domain_separator(chain_id), struct)


def voucher_digest(chain_id: int, cid: bytes, max_claimable: int) -> bytes:
    return digest(domain_separator(chain_id), keccak(encode(["bytes32", "bytes32", "uint128"], [VOUCHER_TYPEHASH, cid, max_claimable])))


def refund_digest(chain_id: int, cid: bytes, nonce: int, amount: int) -> bytes:
    return digest(domain_separator(chain_id), keccak(encode(["bytes32", "bytes32", "uint256", "uint128"], [REFUND_TYPEHASH, cid, nonce, amount])))


def claim_batch_digest(chain_id: int, rows) -> bytes:
    """rows: VoucherClaim tuples ((config, maxClaimable), signature, totalClaimed)."""
    entries = b"".join(
        keccak(encode(["bytes32", "bytes32", "uint128", "uint128"],
                      [CLAIM_ENTRY_TYPEHASH, channel_id(Cfg(*r[0][0]), chain_id), r[0][1], r[2]]))
        for r in rows)
    return digest(domain_separator(chain_id), keccak(encode(["bytes32", "bytes32"], [CLAIM_BATCH_TYPEHASH, keccak(entries)])))


class Env:
    """The devnet plus the canonical contracts and signing/sending helpers."""

    def __init__(self, chain: Chain):
        self.chain = chain
        self.w3 = chain.w3
        self.chain_id = chain.chain_id
        self.bs = chain.contract("x402BatchSettlement", SETTLEMENT)
        self.usdc = chain.contract("TestUSDC", USDC)
        self.c3009 = chain.contract("ERC3009DepositCollector", ERC3009_COLLECTOR)
        self.cp2 = chain.contract("Permit2DepositCollector", PERMIT2_COLLECTOR)
        self.permit2 = chain.contract("Permit2", PERMIT2)

    # ------------------------------------------------------------ chain access
    def call(self, data: bytes, sender=None, to=SETTLEMENT):
        return self.chain.call(to, data, sender)

    def send(self, key, data: bytes, to=SETTLEMENT, gas=None):
        return self.chain.send(key, to, data, gas=gas)

    def expect_revert(self, key_or_addr, data: bytes, expected: bytes, to=SETTLEMENT):
        sender = addr(key_or_addr) if len(key_or_addr) == 66 else key_or_addr
        ok, ret = self.call(data, sender, to)
        assert not ok, "call succeeded, expected a revert"
        assert ret == expected, f"revert data 0x{ret.hex()} != expected 0x{expected.hex()}"

    def enc(self, fn, *args, contract=None):
        return bytes.fromhex((contract or self.bs).encode_abi(fn, args=list(args))[2:])

    def fund(self, key):
        self.chain.fund(addr(key))

    def mint(self, to, amount, token=None):
        token = token or USDC
        self.chain.send(ANVIL0, token, bytes.fromhex(self.chain.contract("TestUSDC", token).encode_abi("mint", args=[to, amount])[2:]))

    def now(self):
        return self.chain.latest_timestamp()

    def increase_time(self, seconds):
        # then mine, so that eth_call / eth_estimateGas (run on the latest block) see the new time too
        self.chain.rpc("evm_increaseTime", [seconds])
        self.chain.rpc("evm_mine", [])

    def logs(self, rcpt, event, contract=None):
        return (contract or self.bs).events[event]().process_receipt(rcpt, errors=__import__("web3").logs.DISCARD)

    # ------------------------------------------------------------ views
    def channel(self, cfg: Cfg):
        return tuple(self.bs.functions.channels(channel_id(cfg, self.chain_id)).call())

    def pending(self, cfg: Cfg):
        return tuple(self.bs.functions.pendingWithdrawals(channel_id(cfg, self.chain_id)).call())

    def nonce(self, cfg: Cfg):
        return self.bs.functions.refundNonce(channel_id(cfg, self.chain_id)).call()

    def receiver_state(self, receiver, token=USDC):
        return tuple(self.bs.functions.receivers(receiver, token).call())

    def balance(self, who, token=USDC):
        return self.chain.contract("TestUSDC", token).functions.balanceOf(who).call()

    # ------------------------------------------------------------ configs and signatures
    def cfg(self, payer_key, receiver=None, receiver_auth_key=KEY2, payer_auth=None, token=USDC, delay=900):
        payer = addr(payer_key)
        return Cfg(payer, payer if payer_auth is None else payer_auth, receiver or addr(new_key()),
                   addr(receiver_auth_key), token, delay, os.urandom(32))

    def cid(self, cfg: Cfg) -> bytes:
        return channel_id(cfg, self.chain_id)

    def voucher_sig(self, key, cfg: Cfg, max_claimable: int) -> bytes:
        return sign(key, voucher_digest(self.chain_id, self.cid(cfg), max_claimable))

    def row(self, key, cfg: Cfg, max_claimable: int, total_claimed: int, sig: bytes | None = None):
        return ((cfg.tuple(), max_claimable), self.voucher_sig(key, cfg, max_claimable) if sig is None else sig, total_claimed)

    def batch_sig(self, key, rows) -> bytes:
        return sign(key, claim_batch_digest(self.chain_id, rows))

    def refund_sig(self, key, cfg: Cfg, nonce: int, amount: int) -> bytes:
        return sign(key, refund_digest(self.chain_id, self.cid(cfg), nonce, amount))

    # ------------------------------------------------------------ deposits
    def erc3009_collector_data(self, payer_key, cfg: Cfg, amount, salt=None, valid_before=None, to=ERC3009_COLLECTOR):
        salt = int.from_bytes(os.urandom(32), "big") if salt is None else salt
        valid_before = self.now() + 3600 if valid_before is None else valid_before
        nonce = keccak(encode(["bytes32", "uint256"], [self.cid(cfg), salt]))
        struct = keccak(encode(["bytes32", "address", "address", "uint256", "uint256", "uint256", "bytes32"],
                               [RWA_TYPEHASH, addr(payer_key), to, amount, 0, valid_before, nonce]))
        sig = sign(payer_key, digest(domain4("USDC", "2", self.chain_id, cfg.token), struct))
        return encode(["uint256", "uint256", "uint256", "bytes"], [0, valid_before, salt, sig])

    def permit2_signature(self, payer_key, token, amount, cid: bytes, nonce, deadline):
        tp = keccak(encode(["bytes32", "address", "uint256"], [TOKEN_PERMISSIONS_TYPEHASH, token, amount]))
        witness = keccak(encode(["bytes32", "bytes32"], [DEPOSIT_WITNESS_TYPEHASH, cid]))
        struct = keccak(encode(["bytes32", "bytes32", "address", "uint256", "uint256", "bytes32"],
                               [PERMIT_WITNESS_TYPEHASH, tp, PERMIT2_COLLECTOR, nonce, deadline, witness]))
        return sign(payer_key, digest(permit2_domain(self.chain_id, PERMIT2), struct))

    def permit2_collector_data(self, payer_key, cfg: Cfg, amount, eip2612=b"", nonce=None, deadline=None):
        nonce = int.from_bytes(os.urandom(16), "big") if nonce is None else nonce
        deadline = self.now() + 3600 if deadline is None else deadline
        sig = self.permit2_signature(payer_key, cfg.token, amount, self.cid(cfg), nonce, deadline)
        return encode(["uint256", "uint256", "bytes", "bytes"], [nonce, deadline, sig, eip2612])

    def approve_permit2(self, payer_key, token, amount=2**256 - 1):
        self.fund(payer_key)
        self.chain.send(payer_key, token, bytes.fromhex(self.chain.contract("TestUSDC", token).encode_abi("approve", args=[PERMIT2, amount])[2:]))

    def deposit_data(self, cfg: Cfg, amount, collector, collector_data):
        return self.enc("deposit", cfg.tuple(), amount, collector, collector_data)

    def deposit(self, payer_key, cfg: Cfg, amount, relayer=ANVIL0, mint=True):
        """ERC-3009 deposit (the default path) relayed by `relayer`."""
        if mint:
            self.mint(cfg.payer, amount, cfg.token)
        data = self.deposit_data(cfg, amount, ERC3009_COLLECTOR, self.erc3009_collector_data(payer_key, cfg, amount))
        return self.send(relayer, data)

    def open_channel(self, amount=10_000, payer_key=None, **kw):
        payer_key = payer_key or new_key()
        cfg = self.cfg(payer_key, **kw)
        self.deposit(payer_key, cfg, amount)
        return payer_key, cfg

    # ------------------------------------------------------------ claims
    def claim_data(self, rows):
        return self.enc("claim", rows)

    def claim_with_sig_data(self, rows, sig):
        return self.enc("claimWithSignature", rows, sig)


@pytest.fixture(scope="session")
def devnet():
    url = os.environ.get("X402_RPC_URL")
    if url:
        ch = Chain(Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120})), "rpc")
    else:
        launched = _launch_devnet()
        if not launched:
            pytest.fail("cannot start Devnet/devnet (set X402_RPC_URL to use a running devnet)")
        proc, url = launched
        ch = Chain(Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120})), "rpc", proc)
    for name in ("x402BatchSettlement", "ERC3009DepositCollector", "Permit2DepositCollector", "Permit2", "TestUSDC",
                 "x402ExactPermit2Proxy"):
        code = ch.w3.eth.get_code(CANONICAL[name])
        assert code.hex().removeprefix("0x") == artifact(name)["deployedBytecode"].removeprefix("0x"), \
            f"{name} at {CANONICAL[name]} is not the current artifact"
    for k in (ANVIL0, KEY1, KEY2, KEY3):
        ch.fund(addr(k))
    yield ch
    ch.close()


@pytest.fixture(scope="session")
def env(devnet):
    return Env(devnet)
