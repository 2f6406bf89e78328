"""Starting and stopping `x402` subcommands (our Swift binary) for the interop tests."""
import json
import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def x402_bin():
    """$X402_BIN (which must then be executable), else <repo>/.build/debug/x402 if built, else None."""
    env = os.environ.get("X402_BIN")
    if env:
        if not os.access(env, os.X_OK):
            pytest.fail(f"X402_BIN={env} is not an executable")
        return env
    default = ROOT / ".build" / "debug" / "x402"
    return str(default) if os.access(default, os.X_OK) else None


class X402Process:
    """`x402 ARGS` running until `stop()`; `url` is what it printed after `listening `."""

    def __init__(self, proc, url, log):
        self.proc, self.url, self.log = proc, url, log

    def stop(self):
        """SIGTERM (drain and flush), then the exit code, or a note when it had to be killed."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "killed after SIGTERM timeout"


def start_x402(args, env, work):
    """Runs `x402 ARGS` with `env`, logs under `work`, and waits (60 s) for its `listening URL` line."""
    exe = x402_bin()
    if exe is None:
        pytest.skip("needs the x402 binary: set X402_BIN, or build <repo>/.build/debug/x402 (swift build)")
    work.mkdir(parents=True, exist_ok=True)
    out, log = work / "stdout.log", work / "stderr.log"
    with open(out, "w") as o, open(log, "w") as e:
        proc = subprocess.Popen([exe, *args], stdout=o, stderr=e, stdin=subprocess.DEVNULL, env=env)
    url = None
    deadline = time.time() + 60
    while time.time() < deadline and url is None:
        for line in out.read_text().splitlines():
            if line.startswith("listening "):
                url = line.split()[1].rstrip("/")
        if url is None:
            if proc.poll() is not None:
                pytest.fail(f"x402 {args[0]} exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
            time.sleep(0.05)
    if url is None:
        proc.kill()
        pytest.fail(f"x402 {args[0]} did not print 'listening' within 60 s:\n{log.read_text()[-4000:]}")
    return X402Process(proc, url, log)


class Upstream:
    """The API `x402 serve` sells in these tests: JSON answers (`weather`, `path`); `/dynamic` charges half through
    Settlement-Overrides. `calls` records each request's path and the payment and payer headers it got."""

    def __init__(self):
        self.calls = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                upstream.calls.append((self.path, self.headers.get("payment-signature"), self.headers.get("x-x402-payer")))
                body = json.dumps({"weather": "sunny", "path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if self.path.startswith("/dynamic"):
                    self.send_header("Settlement-Overrides", json.dumps({"amount": "50%"}))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
