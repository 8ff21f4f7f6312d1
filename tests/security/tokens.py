"""Tokens that must never let anyone in, beside the HTTP suite's own set: a genuine token
whose payload was edited (signature kept), and an API key that does not exist."""

from __future__ import annotations

import base64
import json

from autofactura.core.config import Settings
from tests.http.test_tokens import bad_tokens


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tampered(token: str, **claims: object) -> str:
    """`token` with its claims changed and its original signature."""
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return ".".join([header, _b64(json.dumps({**decoded, **claims}).encode()), signature])


def refused_tokens(settings: Settings, genuine: str, victim_id: str) -> dict[str, str | None]:
    """No token, expired, another secret, alg=none, garbage, wrong audience or issuer, the
    attacker's genuine token re-pointed at the victim, and a made-up API key."""
    return {
        **bad_tokens(settings),
        "tampered": tampered(genuine, sub=victim_id),
        "unknown-api-key": "afk_abcdefgh_" + "0" * 32,
    }
