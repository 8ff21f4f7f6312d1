"""Keys derived from the service's local JWT secret, one per purpose, so a signature made
for one purpose (a download link, a live-view token) is never valid for another or as a
JWT. The base is AUTOFACTURA_JWT_SECRET when set, else the key file under the data dir."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from pathlib import Path

from autofactura.core.auth.local_tokens import load_or_create_secret
from autofactura.core.config import Settings


def derive(base: bytes, context: bytes) -> bytes:
    return hmac.new(base, context, hashlib.sha256).digest()


@lru_cache(maxsize=16)
def _derived(jwt_secret: str | None, data_dir: Path, context: bytes) -> bytes:
    base = jwt_secret.encode() if jwt_secret else load_or_create_secret(data_dir)
    return derive(base, context)


def derived_key(settings: Settings, context: bytes) -> bytes:
    """The key for `context`, read from disk once per process."""
    return _derived(settings.jwt_secret, settings.data_dir, context)
