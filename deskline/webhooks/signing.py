"""The signature of a webhook request, as receivers check it (docs/webhooks.md).

`Deskline-Signature: v1=<hex>` where hex is HMAC-SHA256 with the endpoint's secret over
`<timestamp>.<body>`, the timestamp being `Deskline-Timestamp` (Unix seconds). Signing the
timestamp lets a receiver refuse a replayed request whose timestamp is old."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SCHEME = "v1"
TOLERANCE = 300  # seconds a receiver should accept between the timestamp and its clock


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def headers(secret: str, timestamp: int, body: bytes, delivery_id: str,
            event: str) -> dict[str, str]:
    return {"Content-Type": "application/json",
            "User-Agent": "Deskline-Webhooks/1",
            "Deskline-Delivery": delivery_id,
            "Deskline-Event": event,
            "Deskline-Timestamp": str(timestamp),
            "Deskline-Signature": signature(secret, timestamp, body)}
