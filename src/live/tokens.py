"""Short-lived live-view tokens bound to a task and its owner.

A token is ``base64url("<task id>|<user id>|<expiry, unix seconds>[|view]") + "." +
base64url(HMAC-SHA256(key, <that first part>))``; the key is derived from the service's
local JWT secret (as artifact links do) with its own context, so a live token is never a
valid link or JWT signature. A `view` token watches but never sends input: it is what a
caller without the write scope (a read-only API key) gets.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
import uuid

from autofactura.core.auth.derived import derived_key
from autofactura.core.config import Settings

LIVE_TTL_SECONDS = 3600
_CONTEXT = b"autofactura/live-view-tokens/v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def live_secret(settings: Settings) -> bytes:
    return derived_key(settings, _CONTEXT)


def _sign(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())


def live_token(
    secret: bytes,
    task_id: uuid.UUID,
    user_id: uuid.UUID,
    expires_at: int,
    *,
    view_only: bool = False,
) -> str:
    text = f"{task_id}|{user_id}|{int(expires_at)}" + ("|view" if view_only else "")
    payload = _b64(text.encode())
    return f"{payload}.{_sign(secret, payload)}"


def check_live_token(
    secret: bytes, token: str, task_id: uuid.UUID, *, now: float | None = None
) -> uuid.UUID | None:
    """The user the token was issued to, when it is genuine, unexpired and for `task_id`."""
    rights = live_rights(secret, token, task_id, now=now)
    return rights[0] if rights is not None else None


def live_rights(
    secret: bytes, token: str, task_id: uuid.UUID, *, now: float | None = None
) -> tuple[uuid.UUID, bool] | None:
    """(user, may send input) for a genuine, unexpired token for `task_id`; else None."""
    payload, _, signature = token.partition(".")
    if not payload or not signature:
        return None
    expected = _sign(secret, payload)
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return None
    try:
        task_text, user_text, exp_text, *mode = _unb64(payload).decode().split("|")
        token_task, user_id, expires_at = uuid.UUID(task_text), uuid.UUID(user_text), int(exp_text)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
    if mode not in ([], ["view"]):
        return None
    if token_task != task_id or expires_at <= (time.time() if now is None else now):
        return None
    return user_id, not mode


def live_path(
    settings: Settings,
    task_id: uuid.UUID,
    user_id: uuid.UUID,
    ttl: int = LIVE_TTL_SECONDS,
    *,
    now: float | None = None,
    view_only: bool = False,
) -> str:
    """`/live/<task id>?t=<token>`: what the runner stores in task.live_url."""
    expires_at = int(time.time() if now is None else now) + ttl
    secret = live_secret(settings)
    token = live_token(secret, task_id, user_id, expires_at, view_only=view_only)
    return f"/live/{task_id}?t={token}"
