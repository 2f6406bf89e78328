"""X402Core cross-check vectors from the official Python SDK (x402 2.25.0) -> Vectors/core.json.

money:   money strings/numbers -> SDK atomic amounts (parse_money + convert_to_token_amount via the
         batch-settlement server's parse_price), or "reject" when the SDK raises.
headers: random PaymentRequired / PaymentPayload / SettleResponse objects -> header strings produced by
         the SDK's own encode_* functions.
overrides: Settlement-Overrides amounts -> resolve_settlement_override_amount results.
Deterministic (fixed seed)."""
import json, os, random
from decimal import Decimal

from x402.schemas import PaymentPayload, PaymentRequired, PaymentRequirements, ResourceInfo, SettleResponse
from x402.http.utils import (encode_payment_required_header, encode_payment_signature_header,
                             encode_payment_response_header)
from x402.http.x402_http_server_base import x402HTTPServerBase
from x402.mechanisms.evm.batch_settlement.server.scheme import BatchSettlementEvmScheme

rng = random.Random(402)
scheme = BatchSettlementEvmScheme.__new__(BatchSettlementEvmScheme)
scheme._money_parsers = []
NETS = ["eip155:84532", "eip155:8453", "eip155:4326", "eip155:42220", "eip155:1", "eip155:999999"]


def price(p, net):
    try:
        a = scheme.parse_price(p, net)
        return {"amount": a.amount, "asset": a.asset, "extra": a.extra}
    except Exception:
        return "reject"


def digits(lo, hi):
    return "".join(rng.choice("0123456789") for _ in range(rng.randint(lo, hi)))


money = []
fixed = ["$0.01", "0.01", "$0.001", "1.5", "1.5 USDC", "1.5 usd", "1.5 USD", "$ 2", "  $3.25  ", "\t4\n",
         "1.5USDC", "-1", "$-1", "1e3", "1.", ".5", "", "$", "abc", "1.5 USDT", "1.5 USAT", "1 MegaUSD",
         "1 megausd", "$0.0000001", "0.0000009", "007.5", "0", "0.0", "$1,000", "1 2", "1.5  USDC", "1.5 U$D",
         "1.5 1USD", "12345678901234567890.123456789", "1.5 USDC.e", "$$1", "1 usdt0", "99999999999999999999999999999999999999999999999999999999999999999999999999999999",
         "1.2.3", "+1", "1 USDC extra", "\x1c1\x1f"]
for s in fixed:
    for net in NETS:
        money.append({"input": s, "network": net, "expected": price(s, net)})
for _ in range(220):
    kind = rng.randint(0, 5)
    if kind == 0:
        s = digits(1, 6)
    elif kind == 1:
        s = digits(1, 4) + "." + digits(1, 22)
    elif kind == 2:
        s = "$" + rng.choice(["", " ", "  "]) + digits(1, 3) + "." + digits(1, 9)
    elif kind == 3:
        s = digits(1, 3) + "." + digits(1, 4) + rng.choice([" USDC", " usd", " USDT", "USDC", " USAT", " X.Y"])
    elif kind == 4:
        s = rng.choice(["-", "+", "e", ".", " ", "$", "$-"]) + digits(1, 3) + rng.choice(["", "e5", ".", ".0"])
    else:
        s = rng.choice([" ", "\t", "\n", ""]) + digits(1, 5) + rng.choice([" ", "\r", ""])
    money.append({"input": s, "network": rng.choice(NETS), "expected": price(s, rng.choice(NETS[:5]))})
# fix: network recorded must be the one used
money = [m for m in money if True]
for m in money[len(fixed) * len(NETS):]:
    m["expected"] = price(m["input"], m["network"])

numbers = []
for x in [0.01, 0.001, 1.5, 1, 0, 10, 1e-7, 1e16, 1.2345678901234567, 123456.789, 5e-324, 1e22, 0.1 + 0.2,
          2.5e-5, 100.0, 7, 1234567890123]:
    numbers.append({"input": x, "isInteger": isinstance(x, int), "network": "eip155:84532",
                    "expected": price(x, "eip155:84532")})
for _ in range(60):
    if rng.random() < 0.5:
        x = rng.randint(0, 10 ** rng.randint(1, 12))
    else:
        x = float(Decimal(rng.randint(0, 10 ** 8)) / Decimal(10 ** rng.randint(0, 12)))
    numbers.append({"input": x, "isInteger": isinstance(x, int), "network": "eip155:8453", "expected": price(x, "eip155:8453")})


class Req:
    def __init__(self, amount):
        self.amount = amount


overrides = []
for raw in ["50%", "12.5%", "33.33%", "33.333%", "100%", "0%", "0.01%", "50.%", "150%", "$0.001", "$1.5", "$0.0000001",
            "500", "0", "abc", "1.5", "-5", "%", "50 %", "$", "$1e3", "07%", "00012.50%"]:
    for amount, decimals in [("1000", 6), ("999999", 6), ("1", 18), ("123456789012345678901234567890", 6)]:
        try:
            got = x402HTTPServerBase.resolve_settlement_override_amount(raw, Req(amount), decimals)
            if not (got.isdigit() and got.isascii()):
                got = "reject"
        except Exception:
            got = "reject"
        overrides.append({"input": raw, "price": amount, "decimals": decimals, "expected": got})


def rand_addr():
    from eth_utils import to_checksum_address
    return to_checksum_address("0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40)))


def rand_text():
    pool = ["", "data", "weather/today", "a\"b", "back\\slash", "tab\tnl\n", "ctl\x01\x1f", "unicode é ₮ 😀", "slash/</script>", "<&>"]
    return rng.choice(pool)


def rand_json(depth=0):
    k = rng.randint(0, 6 if depth < 3 else 3)
    if k == 0:
        return rng.randint(-10 ** 6, 10 ** 6)
    if k == 1:
        return rand_text()
    if k == 2:
        return rng.choice([True, False])
    if k == 3:
        return rng.randint(2 ** 64, 2 ** 80)  # beyond 64 bits: must stay exact
    if k == 4:
        return [rand_json(depth + 1) for _ in range(rng.randint(0, 3))]
    return {f"k{i}_{rand_text()[:3]}": rand_json(depth + 1) for i in range(rng.randint(0, 3))}


def rand_req():
    extra = {"name": "USDC", "version": "2", "receiverAuthorizer": rand_addr(), "withdrawDelay": rng.randint(900, 2592000),
             "minDeposit": str(rng.randint(1, 10 ** 12))}
    if rng.random() < 0.3:
        extra["custom"] = rand_json()
    return PaymentRequirements(scheme=rng.choice(["batch-settlement", "exact"]), network=rng.choice(NETS[:5]),
                               asset=rand_addr(), amount=str(rng.randint(0, 10 ** 20)), pay_to=rand_addr(),
                               max_timeout_seconds=rng.randint(0, 3600), extra=extra)


def rand_resource():
    if rng.random() < 0.2:
        return None
    kw = {"url": "https://api.example.com/" + rand_text()}
    if rng.random() < 0.8:
        kw["description"] = rand_text()
        kw["mime_type"] = rng.choice(["", "application/json"])
    if rng.random() < 0.2:
        kw["service_name"] = "svc"
        kw["tags"] = ["a", "b"]
        kw["icon_url"] = "https://x/y.png"
    return ResourceInfo(**kw)


headers = []
for _ in range(60):
    pr = PaymentRequired(error=rng.choice([None, "Payment required", "invalid_batch_settlement_evm_cumulative_amount_mismatch"]),
                         resource=rand_resource(), accepts=[rand_req() for _ in range(rng.randint(1, 3))],
                         extensions=rng.choice([None, {"eip2612GasSponsoring": {"info": {}, "schema": {}}}]))
    headers.append({"kind": "PAYMENT-REQUIRED", "header": encode_payment_required_header(pr),
                    "json": pr.model_dump_json(by_alias=True, exclude_none=True)})
for _ in range(60):
    payload = {"type": "voucher", "n": rand_json(), "big": rng.randint(2 ** 100, 2 ** 120)}
    pp = PaymentPayload(payload=payload, accepted=rand_req(), resource=rand_resource(),
                        extensions=rng.choice([None, {"x": rand_json()}]))
    headers.append({"kind": "PAYMENT-SIGNATURE", "header": encode_payment_signature_header(pp),
                    "json": pp.model_dump_json(by_alias=True, exclude_none=True)})
for _ in range(30):
    sr = SettleResponse(success=rng.random() < 0.5, error_reason=rng.choice([None, "invalid_batch_settlement_evm_refund_no_balance"]),
                        error_message=rng.choice([None, rand_text()]), payer=rng.choice([None, rand_addr()]),
                        transaction=rng.choice(["", "0x" + "ab" * 32]), network=rng.choice(NETS[:5]),
                        amount=rng.choice([None, "", str(rng.randint(0, 10 ** 9))]),
                        extra=rng.choice([None, {"chargedAmount": "1000", "channelState": {"channelId": "0x" + "11" * 32,
                               "balance": "10000", "totalClaimed": "0", "withdrawRequestedAt": 0, "refundNonce": "0",
                               "chargedCumulativeAmount": "2000"}}]))
    headers.append({"kind": "PAYMENT-RESPONSE", "header": encode_payment_response_header(sr),
                    "json": json.dumps(sr.model_dump(by_alias=True, exclude_none=True))})

from x402.mechanisms.evm.batch_settlement import errors as bs_errors
error_codes = sorted(v for k, v in vars(bs_errors).items() if k.startswith("ERR_"))

out = {"generator": "Vectors/generators/core.py", "sdk": "x402==2.25.0",
       "money": money, "numbers": numbers, "overrides": overrides, "headers": headers,
       "batchSettlementErrorCodes": error_codes}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "core.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, ensure_ascii=True)
    f.write("\n")
print(f"core.json: {len(money)} money, {len(numbers)} numbers, {len(overrides)} overrides, {len(headers)} headers")
