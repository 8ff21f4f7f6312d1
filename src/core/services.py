"""Everything a request or an actor needs, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from autofactura.core import auth
from autofactura.core.config import Settings
from autofactura.core.db import Database
from autofactura.core.db.database import sqlite_url
from autofactura.core.privacy import Keyring, use_keyring
from autofactura.core.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter, Rule
from autofactura.core.users.known import KnownUsers
from autofactura.core.users.service import Accounts, BuiltinAccounts, SupabaseAccounts


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

    async def close(self) -> None:
        await self.db.dispose()
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


def build_services(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    use_keyring(keyring_for(settings))
    db = Database(database_url(settings))
    accounts, verifier = _auth(settings, db)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    limiter: RateLimiter = RedisRateLimiter(redis) if redis else MemoryRateLimiter()
    rules = RateRules(
        Rule.parse("login", settings.rate_limit_login),
        Rule.parse("register", settings.rate_limit_register),
        Rule.parse("create_task", settings.rate_limit_create_task),
    )
    known = KnownUsers(db, mirror=settings.supabase_auth)
    return Services(settings, db, accounts, verifier, limiter, rules, redis, known)
