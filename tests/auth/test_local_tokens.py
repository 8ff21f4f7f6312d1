"""LocalTokens and load_or_create_secret: built-in accounts' own JWTs."""

from __future__ import annotations

import base64
import json
import stat
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from autofactura.core.auth import (
    ExpiredToken,
    InvalidToken,
    LocalTokens,
    load_or_create_secret,
)

SECRET = b"0123456789abcdef0123456789abcdef"
USER = uuid.UUID("7d0e6f1c-3a57-4b0e-9a4e-2f1c5d6e7f80")


@pytest.fixture
def tokens() -> LocalTokens:
    return LocalTokens(SECRET, ttl_seconds=3600)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "sub": str(USER),
        "email": "ana@example.com",
        "aud": "authenticated",
        "role": "authenticated",
        "iss": "autofactura",
        "iat": now,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def sign(payload: dict[str, Any], key: bytes = SECRET, alg: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=alg)


def test_round_trip(tokens: LocalTokens) -> None:
    principal = tokens.verify(tokens.issue(USER, "ana@example.com"))
    assert principal.user_id == USER
    assert principal.email == "ana@example.com"
    expected = datetime.now(UTC) + timedelta(seconds=3600)
    assert abs((principal.expires_at - expected).total_seconds()) < 5
    assert principal.expires_at.tzinfo is not None
    assert not principal.expired()
    assert principal.expired(now=expected + timedelta(seconds=5))
    assert principal.scopes == frozenset({"read", "write"})


def test_issued_claims_have_the_supabase_shape(tokens: LocalTokens) -> None:
    token = tokens.issue(USER, "ana@example.com")
    payload = jwt.decode(token, options={"verify_signature": False})
    assert set(payload) == {"sub", "email", "aud", "role", "iss", "iat", "exp", "jti"}
    assert (payload["aud"], payload["role"], payload["iss"]) == (
        "authenticated",
        "authenticated",
        "autofactura",
    )
    assert payload["exp"] - payload["iat"] == 3600
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert tokens.verify(token).claims["jti"] == payload["jti"]


def test_each_token_gets_its_own_jti(tokens: LocalTokens) -> None:
    first, second = (tokens.issue(USER, "a@example.com") for _ in range(2))
    assert tokens.verify(first).claims["jti"] != tokens.verify(second).claims["jti"]


def test_expired_token(tokens: LocalTokens) -> None:
    past = int(time.time()) - 7200
    with pytest.raises(ExpiredToken):
        tokens.verify(sign(claims(iat=past, exp=past + 60)))


def test_tampered_payload(tokens: LocalTokens) -> None:
    header, _, signature = tokens.issue(USER, "ana@example.com").split(".")
    forged = claims(sub=str(uuid.uuid4()))
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        tokens.verify(f"{header}.{body}.{signature}")


def test_wrong_secret(tokens: LocalTokens) -> None:
    with pytest.raises(InvalidToken):
        tokens.verify(sign(claims(), key=b"another-secret-of-32-bytes-long!!"))


def test_alg_none_refused(tokens: LocalTokens) -> None:
    unsigned = jwt.encode(claims(), "", algorithm="none")
    with pytest.raises(InvalidToken):
        tokens.verify(unsigned)


def test_other_hmac_algorithm_refused_even_with_the_right_secret(tokens: LocalTokens) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns that 32 bytes is short for HS512
        token = sign(claims(), alg="HS512")
    with pytest.raises(InvalidToken):
        tokens.verify(token)


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "aud", "iss"])
def test_missing_claims_refused(tokens: LocalTokens, missing: str) -> None:
    with pytest.raises(InvalidToken):
        tokens.verify(sign(claims(**{missing: None})))


@pytest.mark.parametrize(
    "override",
    [{"aud": "anon"}, {"iss": "someone-else"}, {"sub": "not-a-uuid"}],
)
def test_wrong_claims_refused(tokens: LocalTokens, override: dict[str, Any]) -> None:
    with pytest.raises(InvalidToken):
        tokens.verify(sign(claims(**override)))


def test_garbage_refused(tokens: LocalTokens) -> None:
    with pytest.raises(InvalidToken):
        tokens.verify("not.a.jwt")


def test_short_secret_refused() -> None:
    with pytest.raises(ValueError):
        LocalTokens(b"short", ttl_seconds=60)


def test_secret_created_once_private_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "var" / "nested"
    secret = load_or_create_secret(data_dir)
    path = data_dir / "keys" / "jwt.key"
    assert len(secret) == 32
    assert path.read_bytes() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(data_dir) == secret
    assert LocalTokens(secret, 60).verify(LocalTokens(secret, 60).issue(USER, "a@b.mx"))


def test_secret_race_ends_with_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        secrets = list(pool.map(lambda _: load_or_create_secret(tmp_path), range(32)))
    assert len(set(secrets)) == 1
    assert [p.name for p in (tmp_path / "keys").iterdir()] == ["jwt.key"]


def test_truncated_secret_file_refused(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "jwt.key").write_bytes(b"tiny")
    with pytest.raises(ValueError, match="expected 32"):
        load_or_create_secret(tmp_path)
