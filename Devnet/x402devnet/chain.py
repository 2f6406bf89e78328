"""The devnet chain: py-evm (Prague) driven directly, one block per transaction.

eth-tester's PyEVMBackend is not used at run time: its revert, call, estimate and receipt lookup do
not fit this use (see chain-notes.md). This module owns

* the canonical chain as a Python list of mined blocks (reverting = truncating it and resetting the
  pending header onto the snapshot's block; py-evm's own canonical-head bookkeeping is never read),
* a tx-hash -> (block, index) index and pre-formatted receipts and logs per block,
* "latest state": the latest block's state root plus any anvil_set* edits made since,
* chain time: wall clock + offset, strictly increasing, with evm_increaseTime meaning "the next block
  is at least n s after the latest block".
"""
import os
import threading
import time

import rlp
from eth.abc import SignedTransactionAPI
from eth.chains.base import MiningChain
from eth.consensus import ConsensusApplier, NoProofConsensus
from eth.db.atomic import AtomicDB
from eth.exceptions import InsufficientFunds, Revert
from eth.vm.forks import PragueVM
from eth.vm.spoof import SpoofTransaction
from eth_keys import keys
from eth_utils import ValidationError as UtilsValidationError
from eth._utils.address import generate_contract_address

ZERO_ADDRESS = b"\x00" * 20
DEFAULT_GAS_LIMIT = 30_000_000
PRIORITY_FEE = 10**9  # eth_maxPriorityFeePerGas


class RPCError(Exception):
    """An error answered to the client as a JSON-RPC error object."""

    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class RevertError(RPCError):
    def __init__(self, output):
        message = "execution reverted"
        reason = decode_revert_reason(output)
        if reason is not None:
            message += ": " + reason
        super().__init__(3, message, "0x" + output.hex())


def decode_revert_reason(output):
    if len(output) >= 4 and output[:4] == bytes.fromhex("08c379a0"):
        try:
            from eth_abi import decode

            return decode(["string"], output[4:])[0]
        except Exception:
            return None
    if len(output) == 36 and output[:4] == bytes.fromhex("4e487b71"):
        return "panic code 0x%x" % int.from_bytes(output[4:], "big")
    return None


class TxRecord:
    __slots__ = ("tx", "hash", "sender", "index", "gas_used", "cumulative_gas_used", "status",
                 "logs", "contract_address", "effective_gas_price", "block")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)


class BlockRecord:
    __slots__ = ("block", "header", "hash", "number", "txs", "logs", "size")

    def __init__(self, block, txs):
        self.block = block
        self.header = block.header
        self.hash = block.hash
        self.number = block.number
        self.txs = txs  # list of TxRecord
        self.logs = [log for t in txs for log in t.logs]
        self.size = None


class LogRecord:
    __slots__ = ("address", "topics", "data", "log_index", "tx")

    def __init__(self, address, topics, data, log_index, tx):
        self.address = address
        self.topics = topics
        self.data = data
        self.log_index = log_index
        self.tx = tx


def make_chain_class(chain_id):
    vm_configuration = ConsensusApplier(NoProofConsensus).amend_vm_configuration(((0, PragueVM),))

    class DevnetChain(MiningChain):
        pass

    DevnetChain.chain_id = chain_id
    DevnetChain.vm_configuration = vm_configuration

    def create_header_from_parent(self, parent_header, **header_params):
        header_params.setdefault("gas_limit", parent_header.gas_limit)  # constant gas limit
        return MiningChain.create_header_from_parent(self, parent_header, **header_params)

    DevnetChain.create_header_from_parent = create_header_from_parent
    return DevnetChain


def classify_validation_error(exc):
    """Maps py-evm transaction validation failures to geth-like messages."""
    text = str(exc)
    low = text.lower()
    if "nonce" in low:
        return "nonce too low: " + text if "invalid transaction nonce" in low else text
    if "insufficient" in low or "cannot afford" in low or "balance" in low:
        return "insufficient funds for gas * price + value: " + text
    if "base fee" in low:
        return "max fee per gas less than block base fee: " + text
    if "intrinsic" in low:
        return "intrinsic gas too low: " + text
    if "gas limit" in low or "exceeds" in low:
        return "exceeds block gas limit: " + text
    return text


class Devnet:
    def __init__(self, chain_id=84532, gas_limit=DEFAULT_GAS_LIMIT, genesis_state=None,
                 genesis_timestamp=None, log=None):
        self.lock = threading.RLock()
        self.chain_id = chain_id
        self.log = log or (lambda msg: None)
        self.chain_class = make_chain_class(chain_id)
        self.db = AtomicDB()
        params = {
            "difficulty": 0,
            "gas_limit": gas_limit,
            "timestamp": int(genesis_timestamp if genesis_timestamp is not None else time.time()),
            "extra_data": b"x402 devnet",
            "coinbase": ZERO_ADDRESS,
            "mix_hash": b"\x00" * 32,
            "nonce": b"\x00" * 8,
        }
        self.chain = self.chain_class.from_genesis(self.db, params, genesis_state or {})
        genesis = self.chain.get_canonical_block_by_number(0)
        self.blocks = [BlockRecord(genesis, [])]
        self.tx_index = {}  # tx hash -> TxRecord (canonical only)
        self.state_root = genesis.header.state_root  # latest state incl. anvil_set* edits
        self.time_offset = 0
        self.next_ts_min = 0
        self.next_ts_exact = None
        self.snapshots = {}
        self.snapshot_counter = 0
        self.queued = {}  # sender -> {nonce: tx}: future-nonce transactions waiting for a gap
        self.keys = {}  # address bytes -> eth_keys PrivateKey (unlocked dev accounts)
        self._read_state_cache = (None, None)

    # ---------------------------------------------------------------- time

    @property
    def head(self):
        return self.blocks[-1]

    def next_timestamp(self):
        if self.next_ts_exact is not None:
            return self.next_ts_exact
        return max(self.head.header.timestamp + 1, int(time.time()) + self.time_offset,
                   self.next_ts_min)

    def increase_time(self, seconds):
        with self.lock:
            seconds = int(seconds)
            if seconds < 0:
                raise RPCError(-32602, "cannot decrease time")
            self.time_offset += seconds
            self.next_ts_min = max(self.next_ts_min, self.head.header.timestamp + seconds)
            if self.next_ts_exact is not None:
                self.next_ts_exact += seconds
            return self.time_offset

    def set_next_block_timestamp(self, ts):
        with self.lock:
            ts = int(ts)
            if ts <= self.head.header.timestamp:
                raise RPCError(-32602, "timestamp %d is lower than or equal to the latest block's "
                                       "timestamp %d" % (ts, self.head.header.timestamp))
            self.next_ts_exact = ts
            self.time_offset = ts - int(time.time())
            return None

    # ---------------------------------------------------------------- state

    def _pending_header(self):
        return self.chain.header

    def latest_state(self):
        """A read-only state at the latest block including edits (cached per state root)."""
        root, state = self._read_state_cache
        if root != self.state_root or state is None:
            header = self.head.header.copy(state_root=self.state_root)
            state = self.chain.get_vm(header).state
            self._read_state_cache = (self.state_root, state)
        return state

    def resolve_block(self, tag):
        """Returns the BlockRecord for a block tag / number / hash, or None."""
        if tag is None or tag in ("latest", "pending", "safe", "finalized"):
            return self.head
        if tag == "earliest":
            return self.blocks[0]
        if isinstance(tag, dict):
            if "blockHash" in tag:
                return self.block_by_hash(tag["blockHash"])
            if "blockNumber" in tag:
                return self.resolve_block(tag["blockNumber"])
            raise RPCError(-32602, "invalid block specifier")
        if isinstance(tag, bytes) and len(tag) == 32:
            return self.block_by_hash(tag)
        if isinstance(tag, int):
            if 0 <= tag < len(self.blocks):
                return self.blocks[tag]
            return None
        raise RPCError(-32602, "invalid block tag %r" % (tag,))

    def block_by_hash(self, h):
        # Linear from the head: blocks are few and lookups by hash are rare.
        for rec in reversed(self.blocks):
            if rec.hash == h:
                return rec
        return None

    def state_at(self, tag):
        rec = self.resolve_block(tag)
        if rec is None:
            raise RPCError(-32000, "header not found")
        if rec is self.head:
            return self.latest_state()
        return self.chain.get_vm(rec.header).state

    def edit_state(self, fn):
        with self.lock:
            vm = self.chain.get_vm(self.chain.header)
            state = vm.state
            fn(state)
            state.persist()
            self.state_root = state.state_root
            self.chain.header = self.chain.header.copy(state_root=self.state_root)

    # ---------------------------------------------------------------- transactions

    def decode_raw(self, raw):
        try:
            vm = self.chain.get_vm(self.chain.header)
            tx = vm.get_transaction_builder().decode(raw)
            tx.check_signature_validity()
            sender = tx.sender
        except RPCError:
            raise
        except Exception as exc:
            raise RPCError(-32602, "invalid raw transaction: %s" % exc)
        tx_chain_id = getattr(tx, "chain_id", None)
        if tx_chain_id is not None and tx_chain_id != self.chain_id:
            raise RPCError(-32000, "invalid chain id %d (want %d)" % (tx_chain_id, self.chain_id))
        return tx, sender

    def send_raw_transaction(self, raw):
        with self.lock:
            tx, sender = self.decode_raw(raw)
            if tx.hash in self.tx_index:
                return tx.hash  # already mined: idempotent re-broadcast
            nonce = self.latest_state().get_nonce(sender)
            if tx.nonce < nonce:
                raise RPCError(-32000, "nonce too low: next nonce %d, tx nonce %d" % (nonce, tx.nonce))
            if tx.nonce > nonce:
                q = self.queued.setdefault(sender, {})
                if len(q) >= 256 and tx.nonce not in q:
                    raise RPCError(-32000, "too many queued transactions for %s" % sender.hex())
                q[tx.nonce] = tx
                self.log("queued tx %s nonce %d (next %d)" % (tx.hash.hex(), tx.nonce, nonce))
                return tx.hash
            self._mine_tx(tx, sender)
            self._drain_queue(sender)
            return tx.hash

    def _drain_queue(self, sender):
        q = self.queued.get(sender)
        while q:
            nonce = self.latest_state().get_nonce(sender)
            tx = q.pop(nonce, None)
            if tx is None:
                break
            try:
                self._mine_tx(tx, sender)
            except RPCError as exc:
                self.log("dropped queued tx %s: %s" % (tx.hash.hex(), exc.message))
        if sender in self.queued and not self.queued[sender]:
            del self.queued[sender]

    def queued_tx(self, h):
        for q in self.queued.values():
            for tx in q.values():
                if tx.hash == h:
                    return tx
        return None

    def _mine_tx(self, tx, sender):
        chain = self.chain
        saved_header = chain.header
        chain.header = chain.header.copy(timestamp=self.next_timestamp())
        try:
            _, receipt, computation = chain.apply_transaction(tx)
        except (UtilsValidationError, InsufficientFunds) as exc:
            chain.header = saved_header
            raise RPCError(-32000, classify_validation_error(exc))
        except Exception:
            chain.header = saved_header
            raise
        block = self._mine(chain)
        return block

    def _mine(self, chain):
        block = chain.mine_block(mix_hash=os.urandom(32))
        self.next_ts_exact = None
        self.next_ts_min = 0
        base_fee = block.header.base_fee_per_gas or 0
        receipts = block.get_receipts(chain.chaindb)
        txs = []
        prev_cum = 0
        log_index = 0
        for i, (tx, r) in enumerate(zip(block.transactions, receipts)):
            sender = tx.sender
            if getattr(tx, "type_id", None) in (2, 3, 4):
                price = min(tx.max_fee_per_gas, base_fee + tx.max_priority_fee_per_gas)
            else:
                price = tx.gas_price
            contract = None
            if not tx.to:
                contract = generate_contract_address(sender, tx.nonce)
            rec = TxRecord(tx=tx, hash=tx.hash, sender=sender, index=i, gas_used=r.gas_used - prev_cum,
                           cumulative_gas_used=r.gas_used, status=1 if r.state_root == b"\x01" else 0,
                           logs=[], contract_address=contract, effective_gas_price=price, block=None)
            prev_cum = r.gas_used
            for entry in r.logs:
                topics = [t.to_bytes(32, "big") if isinstance(t, int) else bytes(t) for t in entry.topics]
                rec.logs.append(LogRecord(entry.address, topics, entry.data, log_index, rec))
                log_index += 1
            txs.append(rec)
        brec = BlockRecord(block, txs)
        for t in txs:
            t.block = brec
            self.tx_index[t.hash] = t
        self.blocks.append(brec)
        self.state_root = block.header.state_root
        if chain.header.state_root != self.state_root:  # never expected; keep the invariant
            chain.header = chain.header.copy(state_root=self.state_root)
        for t in txs:
            self.log("block %d tx %s status %d gas %d" % (brec.number, t.hash.hex(), t.status, t.gas_used))
        return brec

    def mine_empty(self, timestamp=None):
        with self.lock:
            if timestamp is not None:
                self.set_next_block_timestamp(timestamp)
            self.chain.header = self.chain.header.copy(timestamp=self.next_timestamp())
            return self._mine(self.chain)

    # ---------------------------------------------------------------- calls

    def _call_context(self, tag):
        if tag == "pending":
            header = self.chain.header.copy(timestamp=self.next_timestamp())
        else:
            rec = self.resolve_block(tag)
            if rec is None:
                raise RPCError(-32000, "header not found")
            header = rec.header
            if rec is self.head:
                header = header.copy(state_root=self.state_root)
        return header

    def execute(self, call, tag="latest", gas=None):
        """Runs a call object on a throw-away state. Returns (computation, gas_used)."""
        with self.lock:
            header = self._call_context(tag)
            gas_price = call.get("gas_price")
            fee_fields = call.get("max_fee_per_gas") is not None
            if gas is None:
                gas = call.get("gas") or header.gas_limit
            overrides = {"gas_used": 0, "gas_limit": max(header.gas_limit, gas)}
            if gas_price is None and not fee_fields:
                gas_price = 0
                overrides["base_fee_per_gas"] = 0
            elif gas_price is None:
                gas_price = call["max_fee_per_gas"]
            header = header.copy(**overrides)
            vm = self.chain.get_vm(header)
            state = vm.state
            sender = call.get("from") or ZERO_ADDRESS
            unsigned = vm.create_unsigned_transaction(
                nonce=state.get_nonce(sender), gas_price=gas_price, gas=gas,
                to=call.get("to") or b"", value=call.get("value") or 0, data=call.get("data") or b"")
            tx = SpoofTransaction(unsigned, from_=sender)
            try:
                computation = state.apply_transaction(tx)
            except (UtilsValidationError, InsufficientFunds) as exc:
                raise RPCError(-32000, classify_validation_error(exc))
            gas_used = vm.finalize_gas_used(tx, computation)
            executed = computation.msg.gas - computation.get_gas_remaining()  # beyond intrinsic gas
            pre_refund = gas - computation.get_gas_remaining()
            return computation, gas_used, (pre_refund, executed)

    @staticmethod
    def raise_for_computation(computation):
        if computation.is_error:
            err = computation.error
            if isinstance(err, Revert):
                raise RevertError(bytes(computation.output))
            name = type(err).__name__
            msg = {"OutOfGas": "out of gas", "InvalidInstruction": "invalid opcode"}.get(name, str(err) or name)
            raise RPCError(-32000, msg)

    def call(self, call, tag="latest"):
        computation, _, _ = self.execute(call, tag)
        self.raise_for_computation(computation)
        return bytes(computation.output)

    def estimate_gas(self, call, tag="latest"):
        """One execution at the cap, then a confirmation at the estimate (no binary search)."""
        with self.lock:
            header = self._call_context(tag)
            cap = call.get("gas") or header.gas_limit
            computation, used, (pre_refund, executed) = self.execute(call, tag, gas=cap)
            self.raise_for_computation(computation)
            # Cover the refund (needed before it is paid back) and the 63/64 rule of nested calls.
            estimate = max(used, pre_refund + executed // 32)
            estimate = min(max(estimate, 21000), cap)
            for _ in range(8):
                computation, _, _ = self.execute(call, tag, gas=estimate)
                if not computation.is_error:
                    return estimate
                if estimate >= cap:
                    break
                estimate = min(cap, estimate + max(estimate // 4, 10000))
            self.raise_for_computation(computation)
            return estimate

    # ---------------------------------------------------------------- snapshots

    def snapshot(self):
        with self.lock:
            self.snapshot_counter += 1
            sid = self.snapshot_counter
            self.snapshots[sid] = (len(self.blocks), self.state_root, self.time_offset,
                                   self.next_ts_min, self.next_ts_exact)
            return sid

    def revert(self, sid):
        with self.lock:
            snap = self.snapshots.get(sid)
            if snap is None:
                return False
            length, state_root, self.time_offset, self.next_ts_min, self.next_ts_exact = snap
            for rec in self.blocks[length:]:
                for t in rec.txs:
                    self.tx_index.pop(t.hash, None)
            del self.blocks[length:]
            self.state_root = state_root
            self.queued.clear()
            self.chain.header = self.chain.create_header_from_parent(self.head.header).copy(
                state_root=state_root)
            for k in [k for k in self.snapshots if k >= sid]:
                del self.snapshots[k]
            self.log("reverted to snapshot %d (block %d)" % (sid, self.head.number))
            return True

    # ---------------------------------------------------------------- helpers

    def next_base_fee(self):
        return self.chain.header.base_fee_per_gas or 0

    def add_key(self, private_key_hex):
        pk = keys.PrivateKey(bytes.fromhex(private_key_hex[2:]))
        self.keys[pk.public_key.to_canonical_address()] = pk
        return pk.public_key.to_canonical_address()

    def sign_and_send(self, key_addr, fields):
        """Signs a type-2 tx for an unlocked dev account and sends it. fields: to, value, data,
        gas (optional: estimated), nonce (optional)."""
        from eth_account import Account
        from eth_utils import to_checksum_address

        with self.lock:
            pk = self.keys.get(key_addr)
            if pk is None:
                raise RPCError(-32000, "unknown account %s" % ("0x" + key_addr.hex()))
            q = self.queued.get(key_addr, {})
            nonce = fields.get("nonce")
            if nonce is None:
                nonce = self.latest_state().get_nonce(key_addr)
                while nonce in q:
                    nonce += 1
            gas = fields.get("gas")
            if gas is None:
                gas = self.estimate_gas({"from": key_addr, "to": fields.get("to"),
                                         "value": fields.get("value") or 0, "data": fields.get("data") or b""})
            tx = {
                "type": 2, "chainId": self.chain_id, "nonce": nonce, "gas": gas,
                "maxFeePerGas": fields.get("max_fee_per_gas") or 2 * self.next_base_fee() + PRIORITY_FEE,
                "maxPriorityFeePerGas": fields.get("max_priority_fee_per_gas") or PRIORITY_FEE,
                "value": fields.get("value") or 0, "data": fields.get("data") or b"",
            }
            if fields.get("to"):
                tx["to"] = to_checksum_address(fields["to"])
            raw = Account.sign_transaction(tx, pk.to_bytes()).raw_transaction
            return self.send_raw_transaction(bytes(raw))

    def logs(self, from_block, to_block, addresses=None, topics=None, block_hash=None):
        with self.lock:
            if block_hash is not None:
                rec = self.block_by_hash(block_hash)
                if rec is None:
                    raise RPCError(-32000, "unknown block")
                blocks = [rec]
            else:
                lo = from_block.number
                hi = to_block.number
                blocks = self.blocks[lo:hi + 1]
            out = []
            addr_set = set(addresses) if addresses else None
            for rec in blocks:
                for log in rec.logs:
                    if addr_set is not None and log.address not in addr_set:
                        continue
                    if topics and not _topics_match(log.topics, topics):
                        continue
                    out.append((rec, log))
            return out


def _topics_match(log_topics, want):
    if len(want) > len(log_topics):  # geth: a filter longer than the log's topics never matches
        return False
    for i, w in enumerate(want):
        if w is None:
            continue
        if i >= len(log_topics):
            return False
        if isinstance(w, (list, tuple)):
            if w and log_topics[i] not in w:
                return False
        elif log_topics[i] != w:
            return False
    return True
