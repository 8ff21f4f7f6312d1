"""The signature scheme of our webhooks, both ways: `X-Autofactura-Signature:
t=<unix seconds>,v1=<hex>` where v1 is HMAC-SHA256(secret, b"<t>." + raw body).

Outbound webhooks (core.webhooks) sign with it; the inbound mail webhook verifies with it
(core.mail.signature adds the replay guard).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Autofactura-Signature"
SCHEME = "v1"


class SignatureError(Exception):
    """A webhook signature is missing, malformed, wrong or outside the time window."""


class MalformedSignature(SignatureError):
    """The header is missing or not `t=<seconds>,v1=<hex>[,v1=<hex>…]`."""


class ExpiredSignature(SignatureError):
    """The signed timestamp is further from now than the tolerance (past or future)."""


class WrongSignature(SignatureError):
    """No v1 value is the body's HMAC under our secret."""


def _key(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def digest(secret: str | bytes, body: bytes, timestamp: int) -> str:
    """The v1 value: hex HMAC-SHA256 over b"<timestamp>." + body."""
    return hmac.new(_key(secret), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, timestamp: int) -> str:
    """The header value for `body` sent at `timestamp` (unix seconds)."""
    return f"t={timestamp},{SCHEME}={digest(secret, body, timestamp)}"


def parse(header: str | None) -> tuple[int, list[str]]:
    """The timestamp and every v1 value (several while the sender rotates its secret);
    other schemes are ignored, so a future v2 can be sent alongside."""
    timestamp: int | None = None
    values: list[str] = []
    for item in (header or "").split(","):
        name, _, value = item.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif name == SCHEME and value:
            values.append(value)
    if timestamp is None or not values:
        raise MalformedSignature(f"expected t=<seconds>,{SCHEME}=<hex> in {SIGNATURE_HEADER}")
    return timestamp, values


def verify(secret: str | bytes, header: str | None, body: bytes, now: float, tolerance: int) -> str:
    """Check `header` against `body`; return the matching v1 value (a replay guard's key).

    Raises a SignatureError subclass saying what was wrong."""
    timestamp, values = parse(header)
    if abs(now - timestamp) > tolerance:
        raise ExpiredSignature(f"signature timestamp {timestamp} is outside ±{tolerance}s")
    expected = digest(secret, body, timestamp).encode()
    # Compared as bytes: compare_digest refuses non-ASCII str, and headers can carry any.
    for value in values:
        if hmac.compare_digest(expected, value.encode()):
            return value
    raise WrongSignature("signature does not match the body")
