"""The launcher: ready line, free port, signals, flags."""
import os
import signal
import subprocess
import time

import pytest

from x402devnet.testing import RPC, DevnetProcess

pytestmark = pytest.mark.skipif(bool(os.environ.get("X402_RPC_URL")), reason="uses its own devnet processes")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_clean_shutdown(sig):
    node = DevnetProcess(["--quiet"]).start()
    c = RPC(node.url)
    assert c("eth_chainId") == hex(84532)
    t = time.time()
    node.proc.send_signal(sig)
    assert node.proc.wait(10) == 0
    assert time.time() - t < 5
    c.close()
    with pytest.raises(OSError):
        RPC(node.url, timeout=2)("eth_chainId")


def test_chain_id_flag_and_ready_line():
    with DevnetProcess(["--chain-id", "1337", "--quiet"]) as node:
        assert node.url.startswith("http://127.0.0.1:")
        assert RPC(node.url)("eth_chainId") == hex(1337)
        assert RPC(node.url)("net_version") == "1337"


def test_port_in_use_fails_cleanly():
    with DevnetProcess(["--quiet"]) as node:
        port = node.url.rsplit(":", 1)[1]
        from x402devnet.testing import LAUNCHER
        p = subprocess.run([str(LAUNCHER), "--port", port], capture_output=True, text=True, timeout=60)
        assert p.returncode != 0 and "ready" not in p.stdout


def test_genesis_manifest_init_calls_and_missing_artifacts(tmp_path, probe_build):
    """Runtime code placed at the manifest address, init calls sent by the deployer, missing artifact
    only warned about."""
    import json
    from devnet_helpers import calldata

    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / "Probe.json").write_text(json.dumps(
        {"deployedBytecode": probe_build["bytecode_runtime"], "abi": probe_build["abi"]}))
    addr = "0x4020000000000000000000000000000000000042"
    (tmp_path / "deployments.json").write_text(json.dumps({"contracts": [
        {"artifact": "Probe", "address": addr, "init": [
            {"function": "store(uint256,uint256)", "args": [7, "0x2a"]},
            {"function": "store(uint256, uint256)", "args": ["8", 9]}]},
        {"artifact": "Missing", "address": "0x" + "99" * 20, "init": []},
    ]}))
    log = tmp_path / "stderr.txt"
    with open(log, "w") as err, DevnetProcess(["--deployments", str(tmp_path / "deployments.json")],
                                              stderr=err) as node:
        c = RPC(node.url)
        assert c("eth_getCode", addr, "latest") == probe_build["bytecode_runtime"]
        out = c("eth_call", {"to": addr, "data": calldata("stored(uint256)", ["uint256"], [7])})
        assert int(out, 16) == 42
        assert int(c("eth_call", {"to": addr, "data": calldata("stored(uint256)", ["uint256"], [8])}), 16) == 9
        assert c("eth_getTransactionCount", "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720", "latest") == "0x2"
        assert c("eth_getCode", "0x" + "99" * 20, "latest") == "0x"
        assert c("eth_blockNumber") == "0x2"
    text = log.read_text()
    assert "Missing.json missing" in text


def test_failing_init_aborts_startup(tmp_path, probe_build):
    import json

    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / "Probe.json").write_text(json.dumps(
        {"deployedBytecode": probe_build["bytecode_runtime"]}))
    (tmp_path / "deployments.json").write_text(json.dumps({"contracts": [
        {"artifact": "Probe", "address": "0x" + "42" * 20, "init": [{"function": "fail_custom()", "args": []}]}]}))
    from x402devnet.testing import LAUNCHER
    p = subprocess.run([str(LAUNCHER), "--port", "0", "--deployments", str(tmp_path / "deployments.json")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "ready" not in p.stdout and "genesis failed" in p.stderr


def test_undrained_stderr_pipe_does_not_block():
    """A parent that pipes stderr and never reads it must not stall the devnet (logs are dropped)."""
    from eth_account import Account

    key = "0x" + "02" * 32
    acct = Account.from_key(key)
    raws = ["0x" + bytes(acct.sign_transaction({"nonce": i, "to": "0x" + "11" * 20, "value": 1, "gas": 21000,
                                                  "gasPrice": 10**10, "chainId": 84532}).raw_transaction).hex()
            for i in range(700)]  # ~700 log lines > a 64 KiB pipe buffer
    node = DevnetProcess(stderr=subprocess.PIPE).start()
    try:
        c = RPC(node.url, timeout=120)
        out = c.batch([("eth_sendRawTransaction", [r]) for r in raws])
        assert all("result" in o for o in out)
        assert c("eth_getTransactionCount", acct.address, "latest") == hex(700)
    finally:
        assert node.stop() == 0
