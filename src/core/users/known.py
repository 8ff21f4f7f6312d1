"""Mirror Supabase users into our users table the first time their token is seen."""

from __future__ import annotations

import uuid

from autofactura.core import auth
from autofactura.core.db import Database
from autofactura.core.users.service import ensure_user


class KnownUsers:
    """Remembers which users already have a row, so a request costs no query after the first."""

    def __init__(self, db: Database, *, mirror: bool, capacity: int = 100_000) -> None:
        self._db, self._mirror, self._capacity = db, mirror, capacity
        self._seen: set[uuid.UUID] = set()

    async def ensure(self, principal: auth.Principal) -> None:
        if not self._mirror or principal.user_id in self._seen:
            return
        async with self._db.session() as session:
            await ensure_user(session, principal.user_id, principal.email)
        if len(self._seen) >= self._capacity:
            self._seen.clear()
        self._seen.add(principal.user_id)
