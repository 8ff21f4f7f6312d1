"""Bearer tokens that are API keys: checked against the database; anything else goes to
the mode's own verifier (local JWTs or Supabase's), so both modes accept keys."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from autofactura.core.apikeys import keys, service
from autofactura.core.auth.principal import Principal
from autofactura.core.config import Settings
from autofactura.core.db import Database
from autofactura.core.db.base import utcnow

if TYPE_CHECKING:
    from autofactura.core.services import TokenVerifier

log = logging.getLogger(__name__)
# A key without an expiry: the same "never" the subscription fan-out uses.
NEVER = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class ApiKeyPrincipal(Principal):
    """A caller authenticated by an API key rather than by a person's session."""

    key_id: uuid.UUID


class ApiKeyVerifier:
    """Wraps the mode's verifier; `afk_…` tokens never reach it."""

    def __init__(self, inner: TokenVerifier, db: Database, settings: Settings) -> None:
        self._inner, self._db, self._settings = inner, db, settings

    async def verify(self, token: str) -> Principal:
        if not keys.is_api_key(token):
            return await self._inner.verify(token)
        now = utcnow()
        async with self._db.session(readonly=True) as session:
            row = await service.check(session, keys.hashing_key(self._settings), token, now)
        if service.needs_touch(row, now):
            await self._touch(row.id, now)
        return ApiKeyPrincipal(
            user_id=row.user_id,
            email=None,
            expires_at=row.expires_at or NEVER,
            scopes=frozenset(row.scopes),
            key_id=row.id,
        )

    async def _touch(self, key_id: uuid.UUID, now: datetime) -> None:
        try:
            async with self._db.session() as session:
                await service.touch(session, key_id, now)
        except SQLAlchemyError as exc:
            # Bookkeeping only: a busy database must not refuse a valid key.
            log.warning("could not record the use of API key %s: %s", key_id, exc)
