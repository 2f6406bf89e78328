"""python -m x402devnet [--port N] [--chain-id C] ... ; prints `ready http://127.0.0.1:N` when serving."""
import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path


import queue

_log_queue = queue.Queue(maxsize=10000)
_log_dropped = [0]


def _log_writer():
    while True:
        line = _log_queue.get()
        if line is None:
            return
        try:
            sys.stderr.write(line)
            sys.stderr.flush()
        except Exception:
            pass


_log_thread = threading.Thread(target=_log_writer, daemon=True)
_log_thread.start()


def log(msg):
    """Never blocks the server: a parent that does not drain our stderr pipe costs log lines, not
    progress."""
    try:
        _log_queue.put_nowait("[devnet] %s\n" % msg)
    except queue.Full:
        _log_dropped[0] += 1


def flush_logs(timeout=2.0):
    try:
        _log_queue.put(None, timeout=timeout)
    except queue.Full:
        return
    _log_thread.join(timeout)


def main(argv=None):
    t0 = time.time()
    ap = argparse.ArgumentParser(prog="devnet", description="x402 JSON-RPC devnet over py-evm")
    ap.add_argument("--port", type=int, default=8545, help="TCP port (0 = pick a free port); default 8545")
    ap.add_argument("--host", default="127.0.0.1", help="bind address; default 127.0.0.1")
    ap.add_argument("--chain-id", type=int, default=84532, help="chain id; default 84532 (Base Sepolia)")
    ap.add_argument("--gas-limit", type=int, default=30_000_000, help="block gas limit; default 30000000")
    ap.add_argument("--deployments", default=None,
                    help="deployments manifest; default <repo>/Contracts/deployments.json")
    ap.add_argument("--no-contracts", action="store_true", help="start without any contracts")
    ap.add_argument("--quiet", action="store_true", help="no per-block logs on stderr")
    args = ap.parse_args(argv)

    from .genesis import build_devnet
    from .rpc import Methods
    from .server import Server

    repo_root = Path(__file__).resolve().parent.parent.parent
    chain_log = (lambda m: None) if args.quiet else log
    try:
        devnet = build_devnet(chain_id=args.chain_id, gas_limit=args.gas_limit,
                              repo_root=None if args.no_contracts else repo_root,
                              deployments_path=None if args.no_contracts else args.deployments,
                              log=chain_log)
    except Exception as exc:
        log("genesis failed: %s" % exc)
        flush_logs()
        return 1
    devnet.log = chain_log
    try:
        server = Server((args.host, args.port), Methods(devnet), log)
    except OSError as exc:
        log("cannot listen on %s:%d: %s" % (args.host, args.port, exc))
        flush_logs()
        return 1
    port = server.server_address[1]

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    # A parent may start us with these blocked (Foundation's Process does): unblock them, or SIGTERM
    # would never arrive and the parent would wait forever on our pipes.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    from eth_keys.backends import get_default_backend_class

    log("chain id %d, %d contracts, deployer 0x%s, ecc %s, started in %.2f s"
        % (devnet.chain_id, len(devnet.contracts), devnet.deployer.hex(),
           get_default_backend_class().rsplit(".", 1)[-1], time.time() - t0))
    sys.stdout.write("ready http://%s:%d\n" % ("127.0.0.1" if args.host in ("0.0.0.0", "") else args.host, port))
    sys.stdout.flush()
    while not stop.wait(1.0):
        pass
    log("shutting down")
    server.shutdown()
    server.server_close()
    flush_logs(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
