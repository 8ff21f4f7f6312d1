"""Who is calling: the verified identity behind a request, whichever mode issued it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from .errors import InvalidToken

DEFAULT_SCOPES: frozenset[str] = frozenset({"read", "write"})


@dataclass(frozen=True)
class Principal:
    """A verified caller; claims holds the whole token payload, read-only."""

    user_id: uuid.UUID
    email: str | None
    expires_at: datetime
    scopes: frozenset[str] = DEFAULT_SCOPES
    # Left out of eq/hash: a dict is unhashable and identity is user and expiry.
    claims: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, hash=False
    )

    def expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) >= self.expires_at


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Build a Principal from an already verified payload (sub, exp, optional email)."""
    try:
        user_id = uuid.UUID(str(claims["sub"]))
        expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (KeyError, ValueError, TypeError, OverflowError) as exc:
        raise InvalidToken("token subject or expiry is malformed") from exc
    email = claims.get("email")
    return Principal(
        user_id=user_id,
        email=email if isinstance(email, str) and email else None,
        expires_at=expires_at,
        claims=MappingProxyType(dict(claims)),
    )
