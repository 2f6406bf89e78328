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
