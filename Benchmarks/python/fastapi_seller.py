"""The official x402 Python SDK's FastAPI seller, for the seller benchmark's comparison.

Started by "seller loopback HTTP: Python SDK FastAPI vs ours" (Benchmarks/Benchmarks/X402Benchmarks/
SellerHTTPBenchmarks.swift) with Devnet/.venv/bin/python (Devnet/ensure-venv installs fastapi and uvicorn):

    python Benchmarks/python/fastapi_seller.py --seed SEED.json [--port 0]

The app is the SDK's: x402ResourceServer + the batch-settlement server scheme (BatchSettlementEvmScheme with a
receiver_authorizer_signer) behind its FastAPI payment middleware, selling `GET /paid` at the seed's price, beside
an unpaid `GET /free` answering the same small body. The facilitator is an in-process stub that answers
`/supported` only: the seed's channels are put in the scheme's storage as synced records (balance from the seed,
onchain_synced_at = now), so their vouchers verify locally in the SDK too and commit without a facilitator
(a `/verify` or `/settle` call fails the request and is counted on stderr).

Once uvicorn listens, prints `LISTENING <port>` on stdout. Exits when its parent process goes away.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import sys
import threading
import time

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from x402 import x402ResourceServer
from x402.http.middleware.fastapi import payment_middleware
from x402.mechanisms.evm.batch_settlement.authorizer_signer import LocalAuthorizerSigner
from x402.mechanisms.evm.batch_settlement.server.scheme import (
    BatchSettlementEvmScheme,
    BatchSettlementEvmSchemeServerConfig,
)
from x402.mechanisms.evm.batch_settlement.server.storage import Channel
from x402.mechanisms.evm.batch_settlement.types import ChannelConfig
from x402.schemas import SupportedKind, SupportedResponse

BODY = {"ok": True}


class StubFacilitator:
    """Answers /supported (advertising the receiver authorizer); /verify and /settle must not be reached."""

    def __init__(self, network: str, authorizer: str) -> None:
        self._supported = SupportedResponse(kinds=[SupportedKind(
            x402_version=2, scheme="batch-settlement", network=network, extra={"receiverAuthorizer": authorizer})])
        self.remote_calls = 0

    def get_supported(self) -> SupportedResponse:
        return self._supported

    async def verify(self, payload, requirements):
        self.remote_calls += 1
        print(f"stub facilitator: /verify called ({self.remote_calls})", file=sys.stderr)
        raise RuntimeError("the stub facilitator does not verify")

    async def settle(self, payload, requirements):
        self.remote_calls += 1
        print(f"stub facilitator: /settle called ({self.remote_calls})", file=sys.stderr)
        raise RuntimeError("the stub facilitator does not settle")


def build_app(seed: dict) -> FastAPI:
    signer = LocalAuthorizerSigner(seed["receiverAuthorizerKey"])
    scheme = BatchSettlementEvmScheme(seed["payTo"], BatchSettlementEvmSchemeServerConfig(
        receiver_authorizer_signer=signer, withdraw_delay=int(seed["withdrawDelay"])))
    now = int(time.time() * 1000)
    storage = scheme.get_storage()
    for c in seed["channels"]:
        config = ChannelConfig.from_dict({k: c[k] for k in (
            "payer", "payerAuthorizer", "receiver", "receiverAuthorizer", "token", "withdrawDelay", "salt")})
        record = Channel(channel_id=c["channelId"], channel_config=config, balance=seed["balance"],
                         onchain_synced_at=now, last_request_timestamp=now)
        storage.update_channel(c["channelId"], lambda _current, record=record: record)

    server = x402ResourceServer(StubFacilitator(seed["network"], signer.address))
    server.register(seed["network"], scheme)
    routes = {"GET /paid": {"accepts": {"scheme": "batch-settlement", "payTo": seed["payTo"], "price": seed["price"],
                                        "network": seed["network"]}}}
    app = FastAPI()
    middleware = payment_middleware(routes, server)

    @app.middleware("http")
    async def x402_middleware(request, call_next):
        return await middleware(request, call_next)

    @app.get("/paid")
    async def paid():
        return JSONResponse(BODY)

    @app.get("/free")
    async def free():
        return JSONResponse(BODY)

    return app


def watch_parent() -> None:
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", required=True, help="JSON: network, payTo, asset, price, receiverAuthorizerKey, "
                                                      "withdrawDelay, balance, channels[]")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with open(args.seed) as f:
        seed = json.load(f)
    app = build_app(seed)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(2048)
    threading.Thread(target=watch_parent, daemon=True).start()
    print(f"LISTENING {sock.getsockname()[1]}", flush=True)
    logging.getLogger("x402").setLevel(logging.ERROR)
    config = uvicorn.Config(app, log_level="error", access_log=False)
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))


if __name__ == "__main__":
    main()
