"""Reusable test helpers: start the devnet as a subprocess, talk JSON-RPC to it.

From any pytest suite (e.g. Contracts/tests/conftest.py):

    import sys, pathlib
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "Devnet"))
    from x402devnet.testing import *  # noqa: F401,F403  (fixtures: devnet_url, rpc, fresh_rpc)

Fixtures
  devnet_url  (session) URL of a running node: $X402_RPC_URL if set, else a devnet started on a free
              port (stopped with SIGTERM at the end of the session)
  rpc         (session) an RPC client bound to devnet_url
  fresh_rpc   (function) the same client, with evm_snapshot before and evm_revert after the test

Outside pytest: `with DevnetProcess() as node: RPC(node.url).call("eth_blockNumber")`.
"""
import http.client
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

DEVNET_DIR = Path(__file__).resolve().parent.parent
LAUNCHER = DEVNET_DIR / "devnet"


class RPCError(Exception):
    def __init__(self, error):
        super().__init__("%s (code %s)" % (error.get("message"), error.get("code")))
        self.code = error.get("code")
        self.message = error.get("message")
        self.data = error.get("data")
        self.error = error


class RPC:
    """Minimal keep-alive JSON-RPC client (thread-safe through a lock)."""

    def __init__(self, url, timeout=60):
        u = urllib.parse.urlparse(url)
        self.url = url
        self.host, self.port = u.hostname, u.port or 80
        self.path = u.path or "/"
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._conn = None
        self._lock = threading.Lock()

    def _post(self, payload):
        body = json.dumps(payload).encode()
        with self._lock:
            for attempt in (0, 1):
                if self._conn is None:
                    self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                try:
                    self._conn.request("POST", self.path, body, {"Content-Type": "application/json"})
                    resp = self._conn.getresponse()
                    data = resp.read()
                    return json.loads(data)
                except (http.client.HTTPException, ConnectionError, OSError):
                    self._conn.close()
                    self._conn = None
                    if attempt:
                        raise

    def raw(self, method, params=None):
        """The whole response object."""
        return self._post({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params or []})

    def call(self, method, *params):
        resp = self.raw(method, list(params))
        if "error" in resp:
            raise RPCError(resp["error"])
        return resp["result"]

    __call__ = call

    def batch(self, calls):
        """calls: [(method, [params])] -> list of response objects in request order."""
        payload = [{"jsonrpc": "2.0", "id": next(self._ids), "method": m, "params": p} for m, p in calls]
        out = self._post(payload)
        by_id = {r.get("id"): r for r in out}
        return [by_id.get(r["id"]) for r in payload]

    def close(self):
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # conveniences
    def wait_receipt(self, tx_hash, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = self.call("eth_getTransactionReceipt", tx_hash)
            if r is not None:
                return r
            time.sleep(0.05)
        raise TimeoutError("no receipt for %s" % tx_hash)


class DevnetProcess:
    """Runs Devnet/devnet on a free port. Context manager; .url, .proc, .stop()."""

    def __init__(self, args=(), timeout=180, stderr=None):
        self.args = list(args)
        self.timeout = timeout
        self.stderr = stderr
        self.proc = None
        self.url = None

    def start(self):
        cmd = [str(LAUNCHER), "--port", "0", *self.args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        result = {}

        def read_ready():
            line = self.proc.stdout.readline()
            result["line"] = line

        t = threading.Thread(target=read_ready, daemon=True)
        t.start()
        t.join(self.timeout)
        line = result.get("line", "")
        if not line.startswith("ready "):
            self.stop()
            raise RuntimeError("devnet did not become ready (got %r)" % line)
        self.url = line.split(" ", 1)[1].strip()
        return self

    def stop(self, timeout=10):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


try:
    import pytest
except ImportError:  # pragma: no cover
    pytest = None

if pytest is not None:

    @pytest.fixture(scope="session")
    def devnet_url():
        url = os.environ.get("X402_RPC_URL")
        if url:
            yield url
            return
        node = DevnetProcess()
        node.start()
        try:
            yield node.url
        finally:
            node.stop()

    @pytest.fixture(scope="session")
    def rpc(devnet_url):
        client = RPC(devnet_url)
        yield client
        client.close()

    @pytest.fixture
    def fresh_rpc(rpc):
        sid = rpc.call("evm_snapshot")
        yield rpc
        rpc.call("evm_revert", sid)


__all__ = ["RPC", "RPCError", "DevnetProcess", "DEVNET_DIR"]
if pytest is not None:
    __all__ += ["devnet_url", "rpc", "fresh_rpc"]
