"""The key itself: `afk_<8>_<32>` in lowercase base32 (no 0/O or 1/l to misread).

`afk_<8>` is the prefix, stored in clear to find the row and to show in lists; the whole
key is stored only as an HMAC-SHA256 under a key derived from the service's JWT secret, so
a copy of the table (a backup, a leaked dump) holds nothing that authenticates.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from autofactura.core.auth.derived import derived_key
from autofactura.core.config import Settings

MARKER = "afk_"
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_ID_CHARS = 8
_SECRET_CHARS = 32  # 160 bits
_SHAPE = re.compile(rf"(afk_[a-z2-7]{{{_ID_CHARS}}})_[a-z2-7]{{{_SECRET_CHARS}}}")
_CONTEXT = b"autofactura/api-keys/v1"


def hashing_key(settings: Settings) -> bytes:
    """The HMAC key for API keys, used for nothing else."""
    return derived_key(settings, _CONTEXT)


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_key() -> tuple[str, str]:
    """A fresh (key, prefix)."""
    prefix = MARKER + _random(_ID_CHARS)
    return f"{prefix}_{_random(_SECRET_CHARS)}", prefix


def is_api_key(token: str) -> bool:
    """Whether a Bearer token claims to be an API key (rather than a session's JWT)."""
    return token.startswith(MARKER)


def prefix_of(token: str) -> str | None:
    """The prefix of a well-formed key, None for anything else."""
    shape = _SHAPE.fullmatch(token)
    return shape.group(1) if shape else None


def digest(secret: bytes, key: str) -> str:
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()


def matches(secret: bytes, key: str, stored: str) -> bool:
    return hmac.compare_digest(digest(secret, key), stored)
