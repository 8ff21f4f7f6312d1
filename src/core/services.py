"""Everything a request or an actor needs, built once per process from the settings."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from autofactura.core import auth
from autofactura.core.apikeys.verifier import ApiKeyVerifier
from autofactura.core.artifacts.storage import ArtifactStorage, LocalStorage
from autofactura.core.artifacts.supabase_storage import SupabaseStorage
from autofactura.core.config import Settings
from autofactura.core.db import (
    Database,
    models,  # noqa: F401 — every mapper known before any session
)
from autofactura.core.db.database import Publisher, sqlite_url
from autofactura.core.events.bus import BusEvent, EventBus
from autofactura.core.events.memory_bus import PROCESS_BUS
from autofactura.core.events.redis_bus import RedisBus
from autofactura.core.privacy import Keyring, use_keyring
from autofactura.core.queue import TaskQueue
from autofactura.core.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter, Rule
from autofactura.core.users.known import KnownUsers
from autofactura.core.users.service import Accounts, BuiltinAccounts, SupabaseAccounts

log = logging.getLogger(__name__)


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> auth.Principal: ...


class _LocalVerifier:
    def __init__(self, tokens: auth.LocalTokens) -> None:
        self._tokens = tokens

    async def verify(self, token: str) -> auth.Principal:
        return self._tokens.verify(token)


@dataclass(frozen=True)
class RateRules:
    login: Rule
    register: Rule
    create_task: Rule
    webhook_replay: Rule


@dataclass
class Services:
    settings: Settings
    db: Database
    accounts: Accounts
    verifier: TokenVerifier
    limiter: RateLimiter
    rules: RateRules
    redis: Redis | None
    known_users: KnownUsers
    bus: EventBus
    queue: TaskQueue
    # None means the default: files under <data dir>/artifacts (set in __post_init__).
    storage: ArtifactStorage = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.storage is None:
            self.storage = LocalStorage(self.settings.data_dir / "artifacts")

    async def close(self) -> None:
        await self.bus.close()
        await self.db.dispose()
        closer = getattr(self.storage, "aclose", None)  # Supabase's pool; files need none
        if closer is not None:
            await closer()
        if self.redis is not None:
            await self.redis.aclose()


def database_url(settings: Settings) -> str:
    return settings.database_url or sqlite_url(settings.database_path)


def keyring_for(settings: Settings) -> Keyring:
    if settings.encryption_keys:
        return Keyring.from_setting(settings.encryption_keys)
    return Keyring.load_or_create(settings.data_dir)


def _auth(settings: Settings, db: Database) -> tuple[Accounts, TokenVerifier]:
    if settings.supabase_url:
        verifier = auth.SupabaseTokens(
            settings.supabase_url,
            settings.jwt_algorithm_list,
            jwt_secret=settings.supabase_jwt_secret,
            jwks_url=settings.supabase_jwks_url,
        )
        client = auth.SupabaseAccounts(settings.supabase_url, settings.supabase_anon_key or "")
        return SupabaseAccounts(db, client), verifier
    secret = (
        settings.jwt_secret.encode()
        if settings.jwt_secret
        else auth.load_or_create_secret(settings.data_dir)
    )
    tokens = auth.LocalTokens(secret, settings.token_ttl_seconds)
    hasher = auth.PasswordHasher(
        settings.password_hash_time_cost, settings.password_hash_memory_kib
    )
    return BuiltinAccounts(db, hasher, tokens), _LocalVerifier(tokens)


class _NoQueue:
    """For processes that create no tasks (a worker's own services)."""

    def enqueue(self, task_id: uuid.UUID) -> None:
        raise RuntimeError(f"no task queue configured to run {task_id}")


def _publisher(bus: EventBus) -> Publisher:
    async def publish(events: list[Any]) -> None:
        try:
            await bus.publish([BusEvent.of(event) for event in events])
        except (RedisError, OSError) as exc:
            # Committed events are in the log; subscribers find the gap and catch up.
            log.warning("could not publish %d events live: %s", len(events), exc)

    return publish


def build_services(settings: Settings, queue: TaskQueue | None = None) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    use_keyring(keyring_for(settings))
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    bus: EventBus = RedisBus(redis) if redis is not None else PROCESS_BUS
    db = Database(database_url(settings), publisher=_publisher(bus))
    accounts, session_verifier = _auth(settings, db)
    verifier = ApiKeyVerifier(session_verifier, db, settings)
    limiter: RateLimiter = RedisRateLimiter(redis) if redis else MemoryRateLimiter()
    rules = RateRules(
        Rule.parse("login", settings.rate_limit_login),
        Rule.parse("register", settings.rate_limit_register),
        Rule.parse("create_task", settings.rate_limit_create_task),
        Rule.parse("webhook_replay", settings.rate_limit_webhook_replay),
    )
    known = KnownUsers(db, mirror=settings.supabase_auth)
    return Services(
        settings,
        db,
        accounts,
        verifier,
        limiter,
        rules,
        redis,
        known,
        bus,
        queue or _NoQueue(),
        artifact_storage(settings),
    )


def artifact_storage(settings: Settings) -> ArtifactStorage:
    """A private Supabase Storage bucket when SUPABASE_URL and the service role key are
    set, else files under <data dir>/artifacts."""
    if settings.supabase_url and settings.supabase_service_key:
        return SupabaseStorage(
            settings.supabase_url, settings.supabase_service_key, settings.supabase_storage_bucket
        )
    return LocalStorage(settings.data_dir / "artifacts")
