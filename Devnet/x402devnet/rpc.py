"""JSON-RPC method table: parameter parsing, geth-like result formatting."""
import json
import traceback

import rlp

from .chain import PRIORITY_FEE, RPCError

CLIENT_VERSION = "x402-devnet/0.1.0/py-evm-0.12.1b1"


# ------------------------------------------------------------------ parsing

def q(n):
    return hex(int(n))


def hx(b):
    return "0x" + bytes(b).hex()


def addr_out(b):
    return None if not b else "0x" + bytes(b).hex()


def p_quantity(v, name="quantity"):
    if isinstance(v, bool):
        raise RPCError(-32602, "invalid %s" % name)
    if isinstance(v, int):
        if v < 0:
            raise RPCError(-32602, "invalid %s" % name)
        return v
    if isinstance(v, str):
        try:
            if v.startswith(("0x", "0X")):
                return int(v, 16) if len(v) > 2 else 0
            return int(v)
        except ValueError:
            pass
    raise RPCError(-32602, "invalid %s: %r" % (name, v))


def p_data(v, name="data"):
    if v is None:
        return b""
    if not isinstance(v, str) or not v.startswith(("0x", "0X")):
        raise RPCError(-32602, "invalid %s: expected 0x-prefixed hex" % name)
    s = v[2:]
    if len(s) % 2:
        s = "0" + s
    try:
        return bytes.fromhex(s)
    except ValueError:
        raise RPCError(-32602, "invalid %s: bad hex" % name)


def p_address(v, name="address"):
    b = p_data(v, name)
    if len(b) != 20:
        raise RPCError(-32602, "invalid %s: want 20 bytes" % name)
    return b


def p_hash(v, name="hash"):
    b = p_data(v, name)
    if len(b) != 32:
        raise RPCError(-32602, "invalid %s: want 32 bytes" % name)
    return b


def p_block(v):
    if v is None:
        return "latest"
    if isinstance(v, str) and v in ("latest", "pending", "earliest", "safe", "finalized"):
        return v
    if isinstance(v, dict):
        if "blockHash" in v:
            return {"blockHash": p_hash(v["blockHash"], "blockHash")}
        if "blockNumber" in v:
            return p_block(v["blockNumber"])
        raise RPCError(-32602, "invalid block specifier")
    if isinstance(v, str) and len(v) == 66:
        return {"blockHash": p_hash(v)}
    return p_quantity(v, "block number")


def p_call(obj):
    if not isinstance(obj, dict):
        raise RPCError(-32602, "invalid call object")
    out = {}
    if obj.get("from") is not None:
        out["from"] = p_address(obj["from"], "from")
    if obj.get("to") is not None:
        out["to"] = p_address(obj["to"], "to")
    for key, name in (("gas", "gas"), ("gasPrice", "gas_price"), ("value", "value"),
                      ("maxFeePerGas", "max_fee_per_gas"),
                      ("maxPriorityFeePerGas", "max_priority_fee_per_gas"), ("nonce", "nonce")):
        if obj.get(key) is not None:
            out[name] = p_quantity(obj[key], key)
    data = obj.get("input") if obj.get("input") is not None else obj.get("data")
    out["data"] = p_data(data, "input")
    return out


def param(params, i, default=None, required=False):
    if i < len(params):
        return params[i]
    if required:
        raise RPCError(-32602, "missing value for required argument %d" % i)
    return default


# ------------------------------------------------------------------ formatting

def fmt_tx(tx, rec=None, sender=None):
    type_id = getattr(tx, "type_id", None) or 0
    out = {
        "hash": hx(tx.hash),
        "type": q(type_id),
        "nonce": q(tx.nonce),
        "from": addr_out(rec.sender if rec else sender),
        "to": addr_out(tx.to),
        "gas": q(tx.gas),
        "value": q(tx.value),
        "input": hx(tx.data),
        "r": q(tx.r),
        "s": q(tx.s),
        "blockHash": hx(rec.block.hash) if rec else None,
        "blockNumber": q(rec.block.number) if rec else None,
        "transactionIndex": q(rec.index) if rec else None,
    }
    if type_id == 0:
        out["gasPrice"] = q(tx.gas_price)
        out["v"] = q(tx.v)
        chain_id = getattr(tx, "chain_id", None)
        if chain_id is not None:
            out["chainId"] = q(chain_id)
    else:
        out["chainId"] = q(tx.chain_id)
        out["v"] = q(tx.y_parity)
        out["yParity"] = q(tx.y_parity)
        out["accessList"] = [
            {"address": addr_out(a), "storageKeys": [hx(k.to_bytes(32, "big") if isinstance(k, int) else k)
                                                     for k in ks]}
            for a, ks in tx.access_list
        ]
        if type_id == 1:
            out["gasPrice"] = q(tx.gas_price)
        else:
            out["maxFeePerGas"] = q(tx.max_fee_per_gas)
            out["maxPriorityFeePerGas"] = q(tx.max_priority_fee_per_gas)
            out["gasPrice"] = q(rec.effective_gas_price if rec else tx.max_fee_per_gas)
    return out


def fmt_log(brec, log):
    t = log.tx
    return {
        "address": addr_out(log.address),
        "topics": [hx(x) for x in log.topics],
        "data": hx(log.data),
        "blockNumber": q(brec.number),
        "blockHash": hx(brec.hash),
        "blockTimestamp": q(brec.header.timestamp),
        "transactionHash": hx(t.hash),
        "transactionIndex": q(t.index),
        "logIndex": q(log.log_index),
        "removed": False,
    }


def fmt_receipt(rec):
    b = rec.block
    tx = rec.tx
    return {
        "transactionHash": hx(rec.hash),
        "transactionIndex": q(rec.index),
        "blockHash": hx(b.hash),
        "blockNumber": q(b.number),
        "from": addr_out(rec.sender),
        "to": addr_out(tx.to),
        "cumulativeGasUsed": q(rec.cumulative_gas_used),
        "gasUsed": q(rec.gas_used),
        "effectiveGasPrice": q(rec.effective_gas_price),
        "contractAddress": addr_out(rec.contract_address),
        "logs": [fmt_log(b, log) for log in rec.logs],
        "logsBloom": hx(_bloom(rec)),
        "type": q(getattr(tx, "type_id", None) or 0),
        "status": q(rec.status),
    }


def _bloom(rec):
    from eth_bloom import BloomFilter

    bloom = BloomFilter()
    for log in rec.logs:
        bloom.add(log.address)
        for t in log.topics:
            bloom.add(t)
    return int(bloom).to_bytes(256, "big")


def fmt_block(brec, full):
    h = brec.header
    if brec.size is None:
        brec.size = len(rlp.encode(brec.block))
    out = {
        "number": q(h.block_number),
        "hash": hx(brec.hash),
        "parentHash": hx(h.parent_hash),
        "nonce": hx(h.nonce),
        "mixHash": hx(h.mix_hash),
        "sha3Uncles": hx(h.uncles_hash),
        "logsBloom": hx(h.bloom.to_bytes(256, "big")),
        "transactionsRoot": hx(h.transaction_root),
        "stateRoot": hx(h.state_root),
        "receiptsRoot": hx(h.receipt_root),
        "miner": addr_out(h.coinbase) or "0x" + "00" * 20,
        "difficulty": "0x0",
        "totalDifficulty": "0x0",
        "extraData": hx(h.extra_data),
        "size": q(brec.size),
        "gasLimit": q(h.gas_limit),
        "gasUsed": q(h.gas_used),
        "timestamp": q(h.timestamp),
        "baseFeePerGas": q(h.base_fee_per_gas),
        "uncles": [],
        "withdrawals": [],
        "transactions": [fmt_tx(t.tx, t) for t in brec.txs] if full else [hx(t.hash) for t in brec.txs],
    }
    for attr, key in (("withdrawals_root", "withdrawalsRoot"),
                      ("parent_beacon_block_root", "parentBeaconBlockRoot")):
        v = getattr(h, attr, None)
        if v is not None:
            out[key] = hx(v)
    for attr, key in (("blob_gas_used", "blobGasUsed"), ("excess_blob_gas", "excessBlobGas")):
        v = getattr(h, attr, None)
        if v is not None:
            out[key] = q(v)
    return out


# ------------------------------------------------------------------ methods

class Methods:
    def __init__(self, devnet):
        self.d = devnet
        self.table = {}
        for name in dir(self):
            if name.startswith("m_"):
                self.table[name[2:]] = getattr(self, name)
        aliases = {
            "hardhat_setCode": "anvil_setCode", "hardhat_setBalance": "anvil_setBalance",
            "hardhat_setStorageAt": "anvil_setStorageAt", "hardhat_setNonce": "anvil_setNonce",
            "anvil_mine": "hardhat_mine", "anvil_snapshot": "evm_snapshot", "anvil_revert": "evm_revert",
            "anvil_increaseTime": "evm_increaseTime",
            "anvil_setNextBlockTimestamp": "evm_setNextBlockTimestamp",
            "anvil_setStorage": "anvil_setStorageAt",
        }
        for alias, target in aliases.items():
            self.table[alias] = self.table[target]

    def dispatch(self, method, params):
        fn = self.table.get(method)
        if fn is None:
            raise RPCError(-32601, "the method %s does not exist/is not available" % method)
        if params is None:
            params = []
        if isinstance(params, dict):
            raise RPCError(-32602, "named parameters are not supported")
        if not isinstance(params, list):
            raise RPCError(-32602, "params must be an array")
        return fn(params)

    # -- plain reads

    def m_web3_clientVersion(self, p):
        return CLIENT_VERSION

    def m_net_version(self, p):
        return str(self.d.chain_id)

    def m_net_listening(self, p):
        return True

    def m_eth_chainId(self, p):
        return q(self.d.chain_id)

    def m_eth_syncing(self, p):
        return False

    def m_eth_accounts(self, p):
        return [addr_out(a) for a in self.d.keys]

    def m_eth_coinbase(self, p):
        return "0x" + "00" * 20

    def m_eth_blockNumber(self, p):
        return q(self.d.head.number)

    def m_eth_gasPrice(self, p):
        return q(2 * self.d.next_base_fee() + PRIORITY_FEE)

    def m_eth_maxPriorityFeePerGas(self, p):
        return q(PRIORITY_FEE)

    def m_eth_blobBaseFee(self, p):
        return q(1)

    def m_eth_feeHistory(self, p):
        count = p_quantity(param(p, 0, required=True), "blockCount")
        newest = self.d.resolve_block(p_block(param(p, 1, "latest")))
        if newest is None:
            raise RPCError(-32000, "header not found")
        percentiles = param(p, 2) or []
        count = max(0, min(count, 1024, newest.number + 1))
        oldest = newest.number - count + 1
        blocks = self.d.blocks[oldest:newest.number + 1]
        base = [q(b.header.base_fee_per_gas or 0) for b in blocks]
        base.append(q(self.d.next_base_fee() if newest is self.d.head
                      else self.d.blocks[newest.number + 1].header.base_fee_per_gas))
        out = {
            "oldestBlock": q(oldest),
            "baseFeePerGas": base,
            "gasUsedRatio": [b.header.gas_used / b.header.gas_limit for b in blocks],
            "baseFeePerBlobGas": ["0x1"] * (len(blocks) + 1),
            "blobGasUsedRatio": [0.0] * len(blocks),
        }
        if percentiles:
            rewards = []
            for b in blocks:
                tips = sorted(t.effective_gas_price - (b.header.base_fee_per_gas or 0) for t in b.txs)
                if not tips:
                    rewards.append(["0x0"] * len(percentiles))
                else:
                    rewards.append([q(tips[min(len(tips) - 1, int(len(tips) * float(pc) / 100))])
                                    for pc in percentiles])
            out["reward"] = rewards
        return out

    def m_eth_getBalance(self, p):
        with self.d.lock:
            return q(self.d.state_at(p_block(param(p, 1))).get_balance(p_address(param(p, 0, required=True))))

    def m_eth_getCode(self, p):
        with self.d.lock:
            return hx(self.d.state_at(p_block(param(p, 1))).get_code(p_address(param(p, 0, required=True))))

    def m_eth_getStorageAt(self, p):
        addr = p_address(param(p, 0, required=True))
        slot = p_quantity(param(p, 1, required=True), "slot") if not (
            isinstance(param(p, 1), str) and len(param(p, 1)) == 66) else int(param(p, 1), 16)
        with self.d.lock:
            v = self.d.state_at(p_block(param(p, 2))).get_storage(addr, slot)
        return hx(v.to_bytes(32, "big"))

    def m_eth_getTransactionCount(self, p):
        addr = p_address(param(p, 0, required=True))
        tag = p_block(param(p, 1))
        with self.d.lock:
            n = self.d.state_at(tag).get_nonce(addr)
            if tag == "pending":
                queued = self.d.queued.get(addr, {})
                while n in queued:
                    n += 1
        return q(n)

    def m_eth_getBlockByNumber(self, p):
        with self.d.lock:
            rec = self.d.resolve_block(p_block(param(p, 0, required=True)))
            return None if rec is None else fmt_block(rec, bool(param(p, 1, False)))

    def m_eth_getBlockByHash(self, p):
        with self.d.lock:
            rec = self.d.block_by_hash(p_hash(param(p, 0, required=True)))
            return None if rec is None else fmt_block(rec, bool(param(p, 1, False)))

    def m_eth_getBlockTransactionCountByNumber(self, p):
        with self.d.lock:
            rec = self.d.resolve_block(p_block(param(p, 0, required=True)))
            return None if rec is None else q(len(rec.txs))

    def m_eth_getTransactionByHash(self, p):
        h = p_hash(param(p, 0, required=True))
        with self.d.lock:
            rec = self.d.tx_index.get(h)
            if rec is not None:
                return fmt_tx(rec.tx, rec)
            tx = self.d.queued_tx(h)
            if tx is not None:
                return fmt_tx(tx, None, tx.sender)
            return None

    def m_eth_getTransactionReceipt(self, p):
        h = p_hash(param(p, 0, required=True))
        with self.d.lock:
            rec = self.d.tx_index.get(h)
            return None if rec is None else fmt_receipt(rec)

    def m_eth_getLogs(self, p):
        f = param(p, 0, {}) or {}
        if not isinstance(f, dict):
            raise RPCError(-32602, "invalid filter")
        addresses = f.get("address")
        if addresses is not None:
            addresses = [addresses] if isinstance(addresses, str) else addresses
            addresses = [p_address(a) for a in addresses]
        topics = f.get("topics")
        if topics is not None:
            if not isinstance(topics, list):
                raise RPCError(-32602, "invalid topics")
            parsed = []
            for t in topics:
                if t is None:
                    parsed.append(None)
                elif isinstance(t, list):
                    parsed.append([p_hash(x, "topic") for x in t if x is not None] if None not in t else None)
                else:
                    parsed.append(p_hash(t, "topic"))
            topics = parsed
        with self.d.lock:
            if f.get("blockHash") is not None:
                if f.get("fromBlock") is not None or f.get("toBlock") is not None:
                    raise RPCError(-32602, "cannot specify both blockHash and fromBlock/toBlock")
                found = self.d.logs(None, None, addresses, topics, block_hash=p_hash(f["blockHash"]))
            else:
                lo = self.d.resolve_block(p_block(f.get("fromBlock", "latest")))
                hi = self.d.resolve_block(p_block(f.get("toBlock", "latest")))
                if lo is None:
                    return []
                if hi is None:
                    hi = self.d.head
                if lo.number > hi.number:
                    raise RPCError(-32602, "invalid block range params")
                found = self.d.logs(lo, hi, addresses, topics)
            return [fmt_log(b, log) for b, log in found]

    # -- execution

    def m_eth_call(self, p):
        call = p_call(param(p, 0, required=True))
        if len(p) > 2 and p[2]:
            raise RPCError(-32602, "state overrides are not supported")
        return hx(self.d.call(call, p_block(param(p, 1))))

    def m_eth_estimateGas(self, p):
        call = p_call(param(p, 0, required=True))
        return q(self.d.estimate_gas(call, p_block(param(p, 1))))

    def m_eth_sendRawTransaction(self, p):
        raw = p_data(param(p, 0, required=True), "raw transaction")
        if not raw:
            raise RPCError(-32602, "empty raw transaction")
        return hx(self.d.send_raw_transaction(raw))

    def m_eth_sendTransaction(self, p):
        call = p_call(param(p, 0, required=True))
        if "from" not in call:
            raise RPCError(-32602, "from is required")
        return hx(self.d.sign_and_send(call["from"], call))

    # -- test helpers

    def m_evm_increaseTime(self, p):
        return self.d.increase_time(p_quantity(param(p, 0, required=True), "seconds"))

    def m_evm_setNextBlockTimestamp(self, p):
        self.d.set_next_block_timestamp(p_quantity(param(p, 0, required=True), "timestamp"))
        return None

    def m_evm_mine(self, p):
        arg = param(p, 0)
        blocks, ts = 1, None
        if isinstance(arg, dict):
            if arg.get("timestamp") is not None:
                ts = p_quantity(arg["timestamp"], "timestamp")
            if arg.get("blocks") is not None:
                blocks = p_quantity(arg["blocks"], "blocks")
        elif arg is not None:
            ts = p_quantity(arg, "timestamp")
        with self.d.lock:
            for i in range(blocks):
                self.d.mine_empty(ts if i == 0 else None)
        return "0x0"

    def m_hardhat_mine(self, p):
        blocks = p_quantity(param(p, 0, 1), "blocks")
        interval = p_quantity(param(p, 1, 1), "interval")
        with self.d.lock:
            for i in range(blocks):
                if i > 0 and interval > 1:
                    self.d.set_next_block_timestamp(self.d.head.header.timestamp + interval)
                self.d.mine_empty()
        return None

    def m_evm_snapshot(self, p):
        return q(self.d.snapshot())

    def m_evm_revert(self, p):
        return self.d.revert(p_quantity(param(p, 0, required=True), "snapshot id"))

    def m_anvil_setCode(self, p):
        addr = p_address(param(p, 0, required=True))
        code = p_data(param(p, 1, required=True), "code")
        self.d.edit_state(lambda s: s.set_code(addr, code))
        return True

    def m_anvil_setBalance(self, p):
        addr = p_address(param(p, 0, required=True))
        bal = p_quantity(param(p, 1, required=True), "balance")
        self.d.edit_state(lambda s: s.set_balance(addr, bal))
        return True

    def m_anvil_setNonce(self, p):
        addr = p_address(param(p, 0, required=True))
        nonce = p_quantity(param(p, 1, required=True), "nonce")
        self.d.edit_state(lambda s: s.set_nonce(addr, nonce))
        return True

    def m_anvil_setStorageAt(self, p):
        addr = p_address(param(p, 0, required=True))
        slot_raw = param(p, 1, required=True)
        slot = int(slot_raw, 16) if isinstance(slot_raw, str) else p_quantity(slot_raw, "slot")
        value = int.from_bytes(p_data(param(p, 2, required=True), "value"), "big")
        self.d.edit_state(lambda s: s.set_storage(addr, slot, value))
        return True

    # -- devnet-specific

    def m_devnet_mint(self, p):
        """devnet_mint(token, to, amount): the deployer calls token.mint(to, amount); returns the tx
        hash (mined). Errors with the revert data if the token refuses."""
        from eth_abi import encode
        from eth_utils import keccak

        token = p_address(param(p, 0, required=True), "token")
        to = p_address(param(p, 1, required=True), "to")
        amount = p_quantity(param(p, 2, required=True), "amount")
        data = keccak(text="mint(address,uint256)")[:4] + encode(["address", "uint256"], ["0x" + to.hex(), amount])
        with self.d.lock:
            h = self.d.sign_and_send(self.d.deployer, {"to": token, "data": data})
            rec = self.d.tx_index.get(h)
            if rec is None or rec.status != 1:
                raise RPCError(-32000, "mint reverted (tx %s)" % hx(h))
        return hx(h)

    def m_devnet_info(self, p):
        return {
            "chainId": self.d.chain_id,
            "deployer": addr_out(self.d.deployer),
            "accounts": [addr_out(a) for a in self.d.keys],
            "contracts": getattr(self.d, "contracts", {}),
            "timeOffset": self.d.time_offset,
            "nextTimestamp": self.d.next_timestamp(),
        }


# ------------------------------------------------------------------ request handling

def error_obj(id_, code, message, data=None):
    err = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "id": id_, "error": err}


def handle_one(methods, req, log):
    if not isinstance(req, dict):
        return error_obj(None, -32600, "invalid request")
    id_ = req.get("id")
    method = req.get("method")
    if not isinstance(method, str):
        return error_obj(id_, -32600, "invalid request: method missing")
    try:
        result = methods.dispatch(method, req.get("params"))
        return {"jsonrpc": "2.0", "id": id_, "result": result}
    except RPCError as e:
        return error_obj(id_, e.code, e.message, e.data)
    except Exception as e:  # never crash on a request
        log("internal error in %s: %s\n%s" % (method, e, traceback.format_exc()))
        return error_obj(id_, -32603, "internal error: %s" % e)


def handle_body(methods, body, log):
    """bytes -> bytes (JSON). Batch arrays answered as arrays."""
    try:
        req = json.loads(body)
    except Exception:
        return json.dumps(error_obj(None, -32700, "parse error")).encode()
    if isinstance(req, list):
        if not req:
            return json.dumps(error_obj(None, -32600, "empty batch")).encode()
        out = [handle_one(methods, r, log) for r in req]
        return json.dumps(out).encode()
    return json.dumps(handle_one(methods, req, log)).encode()
