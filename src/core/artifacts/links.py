"""Signed, short-lived download links, so a browser (`<a href>`, `<img src>`) can fetch
an artifact without sending a Bearer header.

A link names the artifact, the user it was issued to and its expiry; the signature is an
HMAC-SHA256 over the three with a key derived from the service's local JWT secret
(AUTOFACTURA_JWT_SECRET when set, else the key file under the data dir).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from urllib.parse import urlencode

from autofactura.core.auth.derived import derive, derived_key
from autofactura.core.config import Settings

LINK_TTL_SECONDS = 15 * 60
_CONTEXT = b"autofactura/artifact-download-links/v1"


def derive_secret(base: bytes) -> bytes:
    """A key used for links only, so a link signature is never a usable JWT signature."""
    return derive(base, _CONTEXT)


def link_secret(settings: Settings) -> bytes:
    return derived_key(settings, _CONTEXT)


def _message(artifact_id: uuid.UUID, user_id: uuid.UUID, expires_at: int) -> bytes:
    return f"artifact:{artifact_id}:{user_id}:{expires_at}".encode()


def sign(secret: bytes, artifact_id: uuid.UUID, user_id: uuid.UUID, expires_at: int) -> str:
    digest = hmac.new(secret, _message(artifact_id, user_id, expires_at), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def verify(
    secret: bytes,
    artifact_id: uuid.UUID,
    user_id: uuid.UUID,
    expires_at: int,
    signature: str,
    *,
    now: float | None = None,
) -> bool:
    """True when the signature matches and the link has not expired."""
    if expires_at <= (time.time() if now is None else now):
        return False
    expected = sign(secret, artifact_id, user_id, expires_at)
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def signed_path(
    secret: bytes,
    artifact_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    ttl_seconds: int = LINK_TTL_SECONDS,
    now: float | None = None,
) -> str:
    """`/artifacts/<id>?u=<user id>&e=<expiry, unix seconds>&s=<signature>`."""
    expires_at = int(time.time() if now is None else now) + ttl_seconds
    query = urlencode(
        {"u": str(user_id), "e": expires_at, "s": sign(secret, artifact_id, user_id, expires_at)}
    )
    return f"/artifacts/{artifact_id}?{query}"
