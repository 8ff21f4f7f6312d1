"""createTask's idempotency keys: a retried request (a timeout, a crash between send and
answer) gets the task the first one made, for 24 hours; the same key with another input is
the caller's bug and is refused rather than guessed at."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.db.base import utcnow
from autofactura.core.errors import Conflict, invalid
from autofactura.core.tasks.models import IdempotencyKey, Task

KEPT_FOR = timedelta(hours=24)
MAX_KEY = 255


def clean_key(key: str) -> str:
    text = key.strip()
    if not 1 <= len(text) <= MAX_KEY or not text.isprintable():
        raise invalid(
            "idempotencyKey",
            "INVALID_IDEMPOTENCY_KEY",
            f"La clave de idempotencia debe tener de 1 a {MAX_KEY} caracteres imprimibles.",
        )
    return text


def request_hash(request: dict[str, Any]) -> str:
    """The input as stored (URL checked, ticket cleaned), so spelling does not matter."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def earlier(session: AsyncSession, user_id: uuid.UUID, key: str, digest: str) -> Task | None:
    """The task an earlier request with this key made; Conflict if its input differed."""
    row = await _row(session, user_id, key)
    if row is None:
        return None
    if row.created_at < utcnow() - KEPT_FOR:  # expired: the key is free again
        await session.delete(row)
        await session.flush()
        return None
    if row.request_hash != digest:
        raise Conflict(
            "Ya usaste esa clave de idempotencia con otros datos; usa una clave nueva "
            "para una tarea distinta.",
            code="IDEMPOTENCY_CONFLICT",
            field="idempotencyKey",
        )
    return await session.get(Task, row.task_id)


async def remember(
    session: AsyncSession, user_id: uuid.UUID, key: str, digest: str, task_id: uuid.UUID
) -> None:
    """Claim the key for this task; a racing request with the same key fails here with
    IntegrityError (the unique key), and the caller reads the winner's task."""
    session.add(IdempotencyKey(user_id=user_id, key=key, request_hash=digest, task_id=task_id))
    await session.flush()


async def forget_expired(session: AsyncSession, limit: int = 1000) -> int:
    cutoff = utcnow() - KEPT_FOR
    old = select(IdempotencyKey.id).where(IdempotencyKey.created_at < cutoff).limit(limit)
    ids = list((await session.execute(old)).scalars())
    if ids:
        await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id.in_(ids)))
    return len(ids)


async def _row(session: AsyncSession, user_id: uuid.UUID, key: str) -> IdempotencyKey | None:
    query = select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
    )
    return (await session.execute(query)).scalar_one_or_none()
