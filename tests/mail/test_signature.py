"""Webhook signatures (t=…,v1=HMAC) and the replay guard, in memory and on Redis."""

from __future__ import annotations

import hashlib
import hmac
import uuid

import pytest

from autofactura.core.mail.signature import (
    ExpiredSignature,
    MalformedSignature,
    MemoryReplayGuard,
    RedisReplayGuard,
    WrongSignature,
    parse,
    replay_guard,
    sign,
    verify,
)
from autofactura.core.services import Services

SECRET = "whsec-test"
BODY = b"From: facturas@vendedor.com.mx\r\n\r\nAdjuntamos tu factura.\r\n"
NOW = 1_750_000_000
TOLERANCE = 300


def test_a_signed_body_verifies_and_returns_its_v1_value() -> None:
    header = sign(SECRET, BODY, NOW)
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"
    assert verify(SECRET, header, BODY, NOW + 10, TOLERANCE) == expected
    assert verify(SECRET.encode(), header, BODY, NOW, TOLERANCE) == expected


def test_a_tampered_body_is_refused() -> None:
    header = sign(SECRET, BODY, NOW)
    with pytest.raises(WrongSignature):
        verify(SECRET, header, BODY + b" ", NOW, TOLERANCE)


def test_another_secret_is_refused() -> None:
    with pytest.raises(WrongSignature):
        verify(SECRET, sign("other-secret", BODY, NOW), BODY, NOW, TOLERANCE)


def test_the_timestamp_is_signed_too() -> None:
    value = sign(SECRET, BODY, NOW).partition(",")[2]
    with pytest.raises(WrongSignature):
        verify(SECRET, f"t={NOW + 1},{value}", BODY, NOW, TOLERANCE)


@pytest.mark.parametrize("offset", [TOLERANCE + 1, -(TOLERANCE + 1), 10 * TOLERANCE])
def test_a_timestamp_outside_the_window_is_refused(offset: int) -> None:
    """Too old (a replay later on) or too far in the future (a signature made to last)."""
    header = sign(SECRET, BODY, NOW)
    with pytest.raises(ExpiredSignature):
        verify(SECRET, header, BODY, NOW + offset, TOLERANCE)
    assert verify(SECRET, header, BODY, NOW + TOLERANCE, TOLERANCE)
    assert verify(SECRET, header, BODY, NOW - TOLERANCE, TOLERANCE)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "v1=abc",
        f"t={NOW}",
        f"t=soon,v1={'0' * 64}",
        f"t=-{NOW},v1={'0' * 64}",
        f"t={NOW};v1={'0' * 64}",
        "garbage",
        f"t=١٢٣,v1={'0' * 64}",  # Arabic-Indic digits: str.isdigit says yes, int() too
    ],
)
def test_malformed_headers_are_refused(header: str | None) -> None:
    with pytest.raises(MalformedSignature):
        verify(SECRET, header, BODY, NOW, TOLERANCE)


def test_non_ascii_values_are_refused_not_crashed_on() -> None:
    with pytest.raises(WrongSignature):
        verify(SECRET, f"t={NOW},v1=ñ{'0' * 63}", BODY, NOW, TOLERANCE)


def test_any_of_several_v1_values_may_match_during_a_rotation() -> None:
    old, new = sign("old-secret", BODY, NOW), sign("new-secret", BODY, NOW)
    both = f"{old},{new.partition(',')[2]},v2=future-scheme"
    assert parse(both) == (NOW, [old.partition("v1=")[2], new.partition("v1=")[2]])
    assert verify("old-secret", both, BODY, NOW, TOLERANCE) == old.partition("v1=")[2]
    assert verify("new-secret", both, BODY, NOW, TOLERANCE) == new.partition("v1=")[2]
    with pytest.raises(WrongSignature):
        verify("third-secret", both, BODY, NOW, TOLERANCE)


async def test_the_memory_guard_lets_a_key_in_once_until_it_expires() -> None:
    now = [100.0]
    guard = MemoryReplayGuard(clock=lambda: now[0])
    assert await guard.first_use("a", 10)
    assert not await guard.first_use("a", 10)
    assert await guard.first_use("b", 10)
    now[0] = 109.9
    assert not await guard.first_use("a", 10)
    now[0] = 110.0
    assert await guard.first_use("a", 10)
    await guard.forget("a")
    assert await guard.first_use("a", 10)


async def test_the_redis_guard_is_shared_and_expires(
    services: Services, redis_url: str | None
) -> None:
    if redis_url is None or services.redis is None:
        pytest.skip("embedded mode: no Redis")
    guard = replay_guard(services, "test")
    assert isinstance(guard, RedisReplayGuard)
    other = RedisReplayGuard(services.redis, "test")  # another API process, same Redis
    key = uuid.uuid4().hex
    assert await guard.first_use(key, 60)
    assert not await other.first_use(key, 60)
    assert await RedisReplayGuard(services.redis, "elsewhere").first_use(key, 60)
    ttl = await services.redis.ttl(f"autofactura:replay:test:{key}")
    assert 0 < ttl <= 60
    await other.forget(key)
    assert await guard.first_use(key, 60)


def test_embedded_services_get_the_memory_guard(services: Services) -> None:
    expected = MemoryReplayGuard if services.redis is None else RedisReplayGuard
    assert isinstance(replay_guard(services, "test"), expected)
