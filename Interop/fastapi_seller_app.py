"""The official Python SDK's FastAPI seller, run as a process by test_client_interop.py.

    python Interop/fastapi_seller_app.py --facilitator URL --pay-to ADDR --storage DIR [--port 0]

x402ResourceServer + the SDK's batch-settlement server scheme (its own receiver-authorizer key from
SELLER_AUTHORIZER_KEY, the SDK's FileChannelStorage in --storage so a restart keeps the channels) behind the SDK's
FastAPI `payment_middleware`, talking to the facilitator at --facilitator with the SDK's async HTTP client.
`GET /weather` costs $0.001. With --exact the SDK's exact server scheme (ExactEvmServerScheme) is registered too and
`GET /exact` offers only `exact` ($0.002), `GET /both` offers batch-settlement then exact ($0.001). Prints
`LISTENING <port>` once uvicorn listens.
"""
import argparse
import asyncio
import os
import socket

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from x402 import x402ResourceServer
from x402.http import FacilitatorConfig, HTTPFacilitatorClient
from x402.http.middleware.fastapi import payment_middleware
from x402.mechanisms.evm.batch_settlement.authorizer_signer import LocalAuthorizerSigner
from x402.mechanisms.evm.batch_settlement.server.file_storage import FileChannelStorage
from x402.mechanisms.evm.batch_settlement.server.scheme import (
    BatchSettlementEvmScheme,
    BatchSettlementEvmSchemeServerConfig,
)
from x402.mechanisms.evm.exact import ExactEvmServerScheme

NET = "eip155:84532"


def build_app(facilitator: str, pay_to: str, storage: str, exact: bool = False) -> FastAPI:
    signer = LocalAuthorizerSigner(os.environ["SELLER_AUTHORIZER_KEY"])
    scheme = BatchSettlementEvmScheme(pay_to, BatchSettlementEvmSchemeServerConfig(
        receiver_authorizer_signer=signer, storage=FileChannelStorage(storage)))
    server = x402ResourceServer(HTTPFacilitatorClient(FacilitatorConfig(url=facilitator)))
    server.register(NET, scheme)
    routes = {"GET /weather": {"accepts": {"scheme": "batch-settlement", "payTo": pay_to, "price": "$0.001",
                                           "network": NET}}}
    if exact:
        server.register(NET, ExactEvmServerScheme())
        option = {"payTo": pay_to, "network": NET}
        routes["GET /exact"] = {"accepts": dict(option, scheme="exact", price="$0.002")}
        routes["GET /both"] = {"accepts": [dict(option, scheme="batch-settlement", price="$0.001"),
                                           dict(option, scheme="exact", price="$0.001")]}
    app = FastAPI()
    middleware = payment_middleware(routes, server)

    @app.middleware("http")
    async def x402_middleware(request, call_next):
        return await middleware(request, call_next)

    @app.get("/weather")
    async def weather():
        return JSONResponse({"weather": "sunny", "seller": "python"})

    @app.get("/exact")
    @app.get("/both")
    async def paid():
        return JSONResponse({"weather": "sunny", "seller": "python"})

    return app


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--facilitator", required=True)
    parser.add_argument("--pay-to", required=True)
    parser.add_argument("--storage", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--exact", action="store_true", help="also offer exact (GET /exact, GET /both)")
    args = parser.parse_args()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    print(f"LISTENING {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(build_app(args.facilitator, args.pay_to, args.storage, args.exact), log_level="warning")
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))


if __name__ == "__main__":
    main()
