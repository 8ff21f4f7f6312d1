"""Local verification of Supabase Auth access tokens: HS* by project secret, others by JWKS."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt

from .errors import AuthProviderError, ExpiredToken, InvalidToken
from .principal import Principal, principal_from_claims

logger = logging.getLogger(__name__)

AUDIENCE = "authenticated"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "aud", "iss"]
ASYMMETRIC = {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "EdDSA"}
SYMMETRIC = {"HS256", "HS384", "HS512"}
# A flood of tokens with unknown kids must not turn into a flood of JWKS requests.
MIN_REFETCH_SECONDS = 30.0
RETRY_AFTER_FAILURE_SECONDS = 5.0
FETCH_TIMEOUT_SECONDS = 5.0
# Supabase's clock and ours may differ a little; a fresh token must not look "not yet valid".
LEEWAY_SECONDS = 10


class SupabaseTokens:
    """Verifies access tokens from one Supabase project with the algorithms configured."""

    def __init__(
        self,
        supabase_url: str,
        algorithms: list[str],
        jwt_secret: str | None = None,
        jwks_url: str | None = None,
        jwks_cache_seconds: int = 600,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        unknown = set(algorithms) - ASYMMETRIC - SYMMETRIC
        if not algorithms or unknown:
            raise ValueError(f"unsupported JWT algorithms: {sorted(unknown) or 'none'}")
        if set(algorithms) & SYMMETRIC and not jwt_secret:
            raise ValueError("HS* algorithms need the Supabase JWT secret")
        base = supabase_url.rstrip("/")
        self._issuer = f"{base}/auth/v1"
        self._algorithms = frozenset(algorithms)
        self._secret = jwt_secret
        self._jwks_url = jwks_url or f"{base}/auth/v1/.well-known/jwks.json"
        self._cache_seconds = jwks_cache_seconds
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._error: AuthProviderError | None = None
        self._generation = 0
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> Principal:
        header = _header(token)
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self._algorithms:
            raise InvalidToken(f"token algorithm {alg!r} is not accepted")
        key: jwt.PyJWK | str
        if alg in SYMMETRIC:
            # Only the project secret may verify HS*, never a public key (alg confusion).
            if self._secret is None:
                raise InvalidToken("no secret configured for HS* tokens")
            key = self._secret
        else:
            key = await self._public_key(header.get("kid"), alg)
        return principal_from_claims(self._decode(token, key, alg))

    def _decode(self, token: str, key: jwt.PyJWK | str, alg: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=AUDIENCE,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise ExpiredToken("token has expired") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"invalid token: {exc}") from exc

    async def _public_key(self, kid: object, alg: str) -> jwt.PyJWK:
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("token has no key id")
        if self._cache_is_stale():
            await self._refresh()
        key = self._keys.get(kid)
        if key is None and self._clock() - self._attempted_at >= MIN_REFETCH_SECONDS:
            await self._refresh()  # an unknown kid may mean Supabase rotated its keys
            key = self._keys.get(kid)
        if key is None:
            if self._error is not None:
                # Without the key set we cannot tell a forged token from a valid one.
                raise AuthProviderError(str(self._error)) from self._error
            raise InvalidToken("token is signed by an unknown key")
        if key.algorithm_name != alg:
            raise InvalidToken(f"key {kid!r} is for {key.algorithm_name}, token says {alg}")
        return key

    def _cache_is_stale(self) -> bool:
        now = self._clock()
        if self._error is not None and now - self._attempted_at < RETRY_AFTER_FAILURE_SECONDS:
            return False  # back off after a failed fetch instead of retrying per request
        return now - self._fetched_at >= self._cache_seconds

    async def _refresh(self) -> None:
        """Fetch the key set once for all callers waiting; on failure keep the old keys."""
        generation = self._generation
        async with self._lock:
            if generation != self._generation:
                return  # another caller fetched while we waited: share its outcome
            self._attempted_at = self._clock()
            try:
                self._keys = await self._fetch()
                self._fetched_at, self._error = self._attempted_at, None
            except AuthProviderError as exc:
                # Stale keys keep verifying through a Supabase outage; new kids cannot.
                logger.warning("%s", exc)
                self._error = exc
            finally:
                self._generation += 1

    async def _fetch(self) -> dict[str, jwt.PyJWK]:
        try:
            async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS) as client:
                response = await client.get(self._jwks_url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AuthProviderError(f"cannot fetch Supabase JWKS: {exc}") from exc
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list):
            raise AuthProviderError("Supabase JWKS has no key list")
        return _usable_keys(keys)


def _header(token: str) -> dict[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise InvalidToken(f"malformed token: {exc}") from exc


def _usable_keys(entries: list[Any]) -> dict[str, jwt.PyJWK]:
    """Asymmetric signing keys by kid; anything else in the set is skipped."""
    keys: dict[str, jwt.PyJWK] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        kid = entry.get("kid")
        try:
            key = jwt.PyJWK(entry)
        except jwt.PyJWTError:
            continue
        if isinstance(kid, str) and key.algorithm_name in ASYMMETRIC:
            keys[kid] = key
    return keys
