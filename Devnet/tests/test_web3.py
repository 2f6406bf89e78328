"""web3.py 8 (what the official Python SDK uses) against the devnet."""
import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

from conftest import ADDR1, KEY0, calldata, selector


@pytest.fixture
def w3(fresh_rpc, devnet_url):
    return Web3(Web3.HTTPProvider(devnet_url))


def test_web3_basics(w3):
    assert w3.is_connected()
    assert w3.eth.chain_id == 84532
    b = w3.eth.get_block("latest", full_transactions=True)
    assert b["number"] == w3.eth.block_number
    acct = Account.from_key(KEY0)
    nonce = w3.eth.get_transaction_count(acct.address, "pending")
    # web3 fills EIP-1559 fees through eth_feeHistory / eth_maxPriorityFeePerGas
    tx = {"to": Web3.to_checksum_address(ADDR1), "value": 7, "nonce": nonce, "chainId": 84532,
          "gas": 21000, "maxFeePerGas": w3.eth.gas_price * 2, "maxPriorityFeePerGas": w3.eth.max_priority_fee}
    h = w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)
    r = w3.eth.wait_for_transaction_receipt(h, timeout=10, poll_latency=0.05)
    assert r["status"] == 1
    assert w3.eth.get_transaction(h)["blockNumber"] == r["blockNumber"]
    fh = w3.eth.fee_history(3, "latest", [50])
    assert len(fh["baseFeePerGas"]) >= 2


def test_web3_custom_error(w3, probe):
    with pytest.raises((ContractCustomError, ContractLogicError)) as e:
        w3.eth.call({"to": Web3.to_checksum_address(probe), "data": calldata("fail_custom()")})
    assert selector("InvalidSignature()").hex() in str(e.value.data)
    with pytest.raises(ContractLogicError) as e:
        w3.eth.call({"to": Web3.to_checksum_address(probe), "data": calldata("fail_reason()")})
    assert "nope" in str(e.value)


def test_official_facilitator_signer(fresh_rpc, devnet_url, probe, probe_build):
    """x402 SDK FacilitatorWeb3Signer: legacy txs, eth_gasPrice, fixed gas 500,000, pending nonces."""
    from x402.mechanisms.evm.signers import FacilitatorWeb3Signer

    key = "0x" + "03" * 32  # protocol.md test key
    signer = FacilitatorWeb3Signer(private_key=key, rpc_url=devnet_url, confirmation_timeout_seconds=10)
    assert signer.get_chain_id() == 84532
    assert signer.get_balance(signer.address, "") > 0
    assert signer.get_code(probe) == bytes.fromhex(probe_build["bytecode_runtime"][2:])
    h1 = signer.write_contract(probe, probe_build["abi"], "store", 5, 55)
    h2 = signer.send_transaction(probe, bytes.fromhex(calldata("ping(uint256)", ["uint256"], [1])[2:]))
    r1, r2 = signer.wait_for_transaction_receipt(h1), signer.wait_for_transaction_receipt(h2)
    assert r1.status == 1 and r2.status == 1 and r2.block_number == r1.block_number + 1
    assert signer.read_contract(probe, probe_build["abi"], "stored", 5) == 55
    # a reverting settlement is mined with status 0
    h3 = signer.write_contract(probe, probe_build["abi"], "fail_custom")
    assert signer.wait_for_transaction_receipt(h3).status == 0
