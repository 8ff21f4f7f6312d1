"""SupabaseTokens against the stand-in's JWKS: algorithms, claims, caching, rotation."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from autofactura.core.auth import AuthProviderError, ExpiredToken, InvalidToken, SupabaseTokens

if TYPE_CHECKING:
    from conftest import StandInSupabase


class FakeClock:
    """A monotonic clock the test moves by hand, to cross cache and throttle windows."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def verifier(
    supabase: StandInSupabase, clock: FakeClock, algorithms: list[str] | None = None, **kw: Any
) -> SupabaseTokens:
    return SupabaseTokens(supabase.url, algorithms or ["ES256", "RS256"], clock=clock, **kw)


def forge_hs256(claims: dict[str, Any], secret: bytes, kid: str) -> str:
    """An HS256 token keyed with arbitrary bytes; PyJWT refuses to make these itself."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = b64(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(mac)}"


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
async def test_asymmetric_tokens_accepted(
    supabase: StandInSupabase, clock: FakeClock, alg: str
) -> None:
    key = supabase.es256 if alg == "ES256" else supabase.rs256
    user = uuid.uuid4()
    principal = await verifier(supabase, clock).verify(supabase.token(key, sub=str(user)))
    assert principal.user_id == user
    assert principal.email == "ana@example.com"
    assert principal.claims["role"] == "authenticated"
    assert not principal.expired()


async def test_hs256_with_project_secret(supabase: StandInSupabase, clock: FakeClock) -> None:
    tokens = verifier(supabase, clock, ["HS256", "ES256"], jwt_secret=supabase.jwt_secret)
    token = jwt.encode(supabase.claims(), supabase.jwt_secret, algorithm="HS256")
    assert (await tokens.verify(token)).email == "ana@example.com"
    assert supabase.requests["jwks"] == 0  # the secret needs no key set
    with pytest.raises(InvalidToken):
        await tokens.verify(jwt.encode(supabase.claims(), "x" * 40, algorithm="HS256"))


def test_hs256_without_secret_is_a_configuration_error(supabase: StandInSupabase) -> None:
    with pytest.raises(ValueError):
        SupabaseTokens(supabase.url, ["HS256"])
    with pytest.raises(ValueError):
        SupabaseTokens(supabase.url, ["none"])


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"aud": "anon"}, InvalidToken),
        ({"iss": "http://127.0.0.1:1/auth/v1"}, InvalidToken),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, ExpiredToken),
        ({"sub": None}, InvalidToken),
        ({"sub": "service_role"}, InvalidToken),
        ({"exp": None}, InvalidToken),
    ],
)
async def test_bad_claims_refused(
    supabase: StandInSupabase, clock: FakeClock, override: dict[str, Any], error: type
) -> None:
    with pytest.raises(error):
        await verifier(supabase, clock).verify(supabase.token(**override))


async def test_unknown_signing_key_refused(supabase: StandInSupabase, clock: FakeClock) -> None:
    stranger = supabase.new_key("stranger")
    tokens = verifier(supabase, clock)
    with pytest.raises(InvalidToken, match="unknown key"):
        await tokens.verify(supabase.token(stranger))
    # A stranger's key under a published kid fails on the signature instead.
    with pytest.raises(InvalidToken):
        await tokens.verify(stranger.sign(supabase.claims(), kid="es-1"))


async def test_kid_of_another_algorithm_refused(
    supabase: StandInSupabase, clock: FakeClock
) -> None:
    with pytest.raises(InvalidToken):
        await verifier(supabase, clock).verify(supabase.es256.sign(supabase.claims(), kid="rs-1"))


@pytest.mark.parametrize("algorithms", [["ES256", "RS256"], ["ES256", "RS256", "HS256"]])
async def test_hs256_keyed_with_public_key_refused(
    supabase: StandInSupabase, clock: FakeClock, algorithms: list[str]
) -> None:
    tokens = verifier(supabase, clock, algorithms, jwt_secret=supabase.jwt_secret)
    await tokens.verify(supabase.token())  # prime the key set so the public key is cached
    pem = supabase.es256.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    jwk = json.dumps(supabase.es256.public_jwk()).encode()
    for secret in (pem, jwk):
        with pytest.raises(InvalidToken):
            await tokens.verify(forge_hs256(supabase.claims(), secret, kid="es-1"))


async def test_algorithm_not_configured_refused(
    supabase: StandInSupabase, clock: FakeClock
) -> None:
    tokens = verifier(supabase, clock, ["ES256"])
    with pytest.raises(InvalidToken, match="not accepted"):
        await tokens.verify(supabase.token(supabase.rs256))
    with pytest.raises(InvalidToken):
        await tokens.verify(jwt.encode(supabase.claims(), "", algorithm="none"))
    assert supabase.requests["jwks"] == 0  # refused before any key lookup


async def test_malformed_token_refused(supabase: StandInSupabase, clock: FakeClock) -> None:
    with pytest.raises(InvalidToken):
        await verifier(supabase, clock).verify("definitely-not-a-jwt")


async def test_jwks_fetched_once_for_many_verifications(
    supabase: StandInSupabase, clock: FakeClock
) -> None:
    tokens = verifier(supabase, clock)
    batch = [supabase.token(supabase.es256 if i % 2 else supabase.rs256) for i in range(20)]
    await asyncio.gather(*(tokens.verify(token) for token in batch))
    for token in batch:
        await tokens.verify(token)
    assert supabase.requests["jwks"] == 1
    clock.advance(601)  # past jwks_cache_seconds
    await tokens.verify(batch[0])
    assert supabase.requests["jwks"] == 2


async def test_unknown_kid_refetches_after_rotation_at_most_every_30_s(
    supabase: StandInSupabase, clock: FakeClock
) -> None:
    tokens = verifier(supabase, clock)
    await tokens.verify(supabase.token())
    rotated = supabase.new_key("es-2")
    supabase.published = [rotated, supabase.es256]
    # Just fetched: a flood of new kids is refused without asking Supabase again.
    for _ in range(10):
        with pytest.raises(InvalidToken, match="unknown key"):
            await tokens.verify(supabase.token(rotated))
    assert supabase.requests["jwks"] == 1
    clock.advance(31)
    assert (await tokens.verify(supabase.token(rotated))).email == "ana@example.com"
    assert supabase.requests["jwks"] == 2
    await tokens.verify(supabase.token(supabase.es256))
    assert supabase.requests["jwks"] == 2


async def test_unreachable_jwks(supabase: StandInSupabase, dead_url: str, clock: FakeClock) -> None:
    tokens = SupabaseTokens(dead_url, ["ES256"], clock=clock)
    token = supabase.new_key("es-1").sign({"sub": str(uuid.uuid4())})
    with pytest.raises(AuthProviderError):
        await tokens.verify(token)


async def test_jwks_server_error_then_recovery(supabase: StandInSupabase, clock: FakeClock) -> None:
    tokens = verifier(supabase, clock)
    supabase.fail_status = 503
    with pytest.raises(AuthProviderError):
        await tokens.verify(supabase.token())
    with pytest.raises(AuthProviderError):
        await tokens.verify(supabase.token())
    assert supabase.requests["jwks"] == 1  # backs off instead of retrying per request
    supabase.fail_status = None
    clock.advance(6)
    assert (await tokens.verify(supabase.token())).email == "ana@example.com"


async def test_stale_keys_keep_working_while_jwks_is_down(
    supabase: StandInSupabase, clock: FakeClock
) -> None:
    tokens = verifier(supabase, clock)
    await tokens.verify(supabase.token())
    supabase.fail_status = 500
    clock.advance(601)
    assert (await tokens.verify(supabase.token())).email == "ana@example.com"
    clock.advance(31)
    with pytest.raises(AuthProviderError):  # a new kid cannot be checked right now
        await tokens.verify(supabase.token(supabase.new_key("es-3")))


async def test_custom_jwks_url(supabase: StandInSupabase, clock: FakeClock) -> None:
    tokens = SupabaseTokens(
        "https://project.supabase.co",
        ["ES256"],
        jwks_url=f"{supabase.url}/auth/v1/.well-known/jwks.json",
        clock=clock,
    )
    token = supabase.token(iss="https://project.supabase.co/auth/v1")
    assert (await tokens.verify(token)).email == "ana@example.com"
    assert supabase.requests["jwks"] == 1
