"""Create, list and revoke a user's API keys, and check the key a request presents."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.apikeys import keys, repository, scopes
from autofactura.core.apikeys.errors import RefusedApiKey
from autofactura.core.apikeys.models import ApiKey
from autofactura.core.db.base import utcnow
from autofactura.core.errors import Conflict, FieldIssue, InvalidInput, NotFound
from autofactura.core.users import repository as users

MAX_ACTIVE_KEYS = 50
MAX_NAME_LENGTH = 100
# last_used_at is for a person deciding which keys are stale: a minute is precise enough,
# and it spares a write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# 40 random bits per prefix: a clash is rare, five in a row never happens.
PREFIX_ATTEMPTS = 5


@dataclass(frozen=True)
class CreatedKey:
    """A new key's row and the key itself, which is never stored and shown only now."""

    key: str
    row: ApiKey


def _name_issue(name: str) -> FieldIssue | None:
    if not name:
        return FieldIssue(
            "name",
            "NAME_REQUIRED",
            "Ponle un nombre a la clave (por ejemplo, el sistema que la usa).",
        )
    if len(name) > MAX_NAME_LENGTH:
        return FieldIssue(
            "name", "NAME_TOO_LONG", f"El nombre puede tener hasta {MAX_NAME_LENGTH} caracteres."
        )
    return None


def _scopes_issue(chosen: set[str]) -> FieldIssue | None:
    if not chosen:
        return FieldIssue("scopes", "SCOPES_REQUIRED", "Elige al menos un permiso: read o write.")
    unknown = sorted(chosen - set(scopes.ALL))
    if unknown:
        return FieldIssue(
            "scopes",
            "UNKNOWN_SCOPE",
            f"Permiso desconocido: {', '.join(unknown)}. Los permisos son read y write.",
        )
    return None


def _expiry_issue(expires_at: datetime | None, now: datetime) -> FieldIssue | None:
    if expires_at is not None and expires_at <= now:
        return FieldIssue(
            "expiresAt", "EXPIRES_IN_PAST", "La fecha de expiración debe estar en el futuro."
        )
    return None


def _aware(moment: datetime | None) -> datetime | None:
    """A date without an offset is taken as UTC (what the API documents)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


async def _insert(session: AsyncSession, secret: bytes, row: ApiKey) -> str:
    """Give the row a fresh key and insert it; returns the key."""
    key, row.prefix = keys.new_key()
    row.key_hash = keys.digest(secret, key)
    # A savepoint: prefixes are unique across all users, whose rows RLS hides from this
    # session, so a clash shows only at the insert, and must not spoil the transaction.
    async with session.begin_nested():
        await repository.add(session, row)
    return key


async def _insert_with_free_prefix(session: AsyncSession, secret: bytes, row: ApiKey) -> str:
    for _ in range(PREFIX_ATTEMPTS - 1):
        with contextlib.suppress(IntegrityError):
            return await _insert(session, secret, row)
    return await _insert(session, secret, row)


async def create(
    session: AsyncSession,
    secret: bytes,
    user_id: uuid.UUID,
    name: str,
    chosen_scopes: Iterable[str],
    expires_at: datetime | None = None,
    *,
    now: datetime | None = None,
) -> CreatedKey:
    now = now or utcnow()
    name, chosen, expires_at = name.strip(), set(chosen_scopes), _aware(expires_at)
    checks = (_name_issue(name), _scopes_issue(chosen), _expiry_issue(expires_at, now))
    issues = [issue for issue in checks if issue is not None]
    if issues:
        raise InvalidInput(issues)
    await users.lock(session, user_id)  # two creates at once must not both pass the count
    if await repository.count_active(session, user_id, now) >= MAX_ACTIVE_KEYS:
        raise Conflict(
            f"Puedes tener hasta {MAX_ACTIVE_KEYS} claves de API activas; revoca las que ya "
            "no uses.",
            code="TOO_MANY_API_KEYS",
        )
    row = ApiKey(
        user_id=user_id,
        name=name,
        scopes=[scope for scope in scopes.ALL if scope in chosen],
        expires_at=expires_at,
        created_at=now,
    )
    key = await _insert_with_free_prefix(session, secret, row)
    return CreatedKey(key, row)


async def revoke(
    session: AsyncSession, user_id: uuid.UUID, key_id: uuid.UUID, *, now: datetime | None = None
) -> ApiKey:
    """Revoke the key from its next request on; revoking it again changes nothing."""
    row = await repository.get(session, user_id, key_id)
    if row is None:
        raise NotFound("No encontramos esa clave de API.", field="id")
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
        await session.flush()
    return row


def usable(row: ApiKey, now: datetime) -> bool:
    return row.revoked_at is None and (row.expires_at is None or row.expires_at > now)


async def check(session: AsyncSession, secret: bytes, token: str, now: datetime) -> ApiKey:
    """The row of a genuine, unrevoked, unexpired key; RefusedApiKey for anything else."""
    prefix = keys.prefix_of(token)
    row = await repository.by_prefix(session, prefix) if prefix else None
    if row is None or not keys.matches(secret, token, row.key_hash) or not usable(row, now):
        raise RefusedApiKey()
    return row


def needs_touch(row: ApiKey, now: datetime) -> bool:
    return row.last_used_at is None or row.last_used_at <= now - LAST_USED_RESOLUTION


async def touch(session: AsyncSession, key_id: uuid.UUID, now: datetime) -> None:
    await repository.touch(session, key_id, now, now - LAST_USED_RESOLUTION)
