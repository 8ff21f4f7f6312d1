"""createApiKey, apiKeys and revokeApiKey: the key is shown once, stored hashed, listed
by prefix, and only its owner (signed in as a person) can see or revoke it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from autofactura.core.apikeys import keys
from autofactura.core.apikeys.models import ApiKey
from autofactura.core.apikeys.service import MAX_ACTIVE_KEYS
from autofactura.core.services import Services
from tests.apikeys.helpers import (
    CREATE_KEY,
    LIST_KEYS,
    ME,
    REVOKE_KEY,
    codes,
    create_key,
    key_uuid,
    revoke_key,
    set_key,
)
from tests.support.api import Caller, create_user


async def test_a_key_is_shown_once_and_listed_by_its_prefix(buyer: Caller) -> None:
    created = await create_key(buyer, ["read"], name="  Contabilidad  ")
    key, row = created["key"], created["apiKey"]
    assert re.fullmatch(r"afk_[a-z2-7]{8}_[a-z2-7]{32}", key)
    assert row["prefix"] == key[:12] and key.startswith(row["prefix"] + "_")
    assert row["name"] == "Contabilidad"
    assert row["scopes"] == ["read"]
    assert row["revokedAt"] is None and row["expiresAt"] is None and row["lastUsedAt"] is None

    newer = await create_key(buyer, ["write", "read"])
    assert newer["apiKey"]["scopes"] == ["read", "write"]
    listed = (await buyer(LIST_KEYS))["apiKeys"]
    assert [k["id"] for k in listed] == [newer["apiKey"]["id"], row["id"]]  # newest first
    assert listed[1] == row
    assert "key" not in listed[0] and key not in str(listed)


async def test_the_stored_row_holds_only_a_hash(buyer: Caller, services: Services) -> None:
    key = (await create_key(buyer))["key"]
    async with services.db.session(readonly=True) as session:
        row = (await session.execute(select(ApiKey).where(ApiKey.prefix == key[:12]))).scalar_one()
    secret_part = key.split("_")[2]
    columns = [str(getattr(row, c.key)) for c in ApiKey.__table__.columns]
    assert not any(secret_part in value for value in columns)
    assert row.key_hash == keys.digest(keys.hashing_key(services.settings), key)
    assert len(row.key_hash) == 64


async def test_revoking_keeps_the_key_listed_with_its_date(buyer: Caller) -> None:
    row = (await create_key(buyer))["apiKey"]
    revoked = await revoke_key(buyer, row["id"])
    assert revoked["__typename"] == "ApiKey"
    assert revoked["revokedAt"] is not None
    again = await revoke_key(buyer, row["id"])
    assert again["revokedAt"] == revoked["revokedAt"]  # revoking twice changes nothing
    [listed] = [k for k in (await buyer(LIST_KEYS))["apiKeys"] if k["id"] == row["id"]]
    assert listed["revokedAt"] == revoked["revokedAt"]


async def test_another_users_key_cannot_be_revoked(buyer: Caller, anonymous: Caller) -> None:
    other = await create_user(anonymous)
    theirs = (await create_key(other))["apiKey"]
    for key_id in (theirs["id"], str(key_uuid(theirs["id"])), "garbage"):
        result = await revoke_key(buyer, key_id)
        assert (result["__typename"], result["code"]) == ("NotFoundError", "NOT_FOUND")
        assert result["message"] == "No encontramos esa clave de API."
    assert (await other(LIST_KEYS))["apiKeys"][0]["revokedAt"] is None
    assert (await buyer(LIST_KEYS))["apiKeys"] == []


async def test_invalid_input_reports_every_field(buyer: Caller) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    result = (await buyer(CREATE_KEY, name="   ", scopes=[], expiresAt=past))["createApiKey"]
    assert result["__typename"] == "ValidationError"
    problems = {(p["field"], p["code"]): p["message"] for p in result["problems"]}
    assert problems == {
        (
            "name",
            "NAME_REQUIRED",
        ): "Ponle un nombre a la clave (por ejemplo, el sistema que la usa).",
        ("scopes", "SCOPES_REQUIRED"): "Elige al menos un permiso: read o write.",
        ("expiresAt", "EXPIRES_IN_PAST"): "La fecha de expiración debe estar en el futuro.",
    }
    long_name = (await buyer(CREATE_KEY, name="x" * 101, scopes=["read"]))["createApiKey"]
    assert [p["code"] for p in long_name["problems"]] == ["NAME_TOO_LONG"]
    assert (await buyer(LIST_KEYS))["apiKeys"] == []


async def test_an_unknown_scope_is_refused_by_the_schema(buyer: Caller) -> None:
    errors = await buyer.errors(CREATE_KEY, name="ERP", scopes=["admin"])
    assert "ApiKeyScope" in errors[0]["message"]


async def test_a_future_expiry_is_kept(buyer: Caller) -> None:
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    row = (await create_key(buyer, expiresAt=expires.isoformat()))["apiKey"]
    assert datetime.fromisoformat(row["expiresAt"]) == expires


async def test_active_keys_are_capped(buyer: Caller, services: Services) -> None:
    made = [(await create_key(buyer, name=f"k{i}"))["apiKey"] for i in range(MAX_ACTIVE_KEYS)]
    full = (await buyer(CREATE_KEY, name="one more", scopes=["read"]))["createApiKey"]
    assert (full["__typename"], full["code"]) == ("ConflictError", "TOO_MANY_API_KEYS")
    # Revoked and expired keys do not count.
    await revoke_key(buyer, made[0]["id"])
    await set_key(services.db, made[1]["prefix"], expires_at=datetime.now(UTC))
    await create_key(buyer)
    await create_key(buyer)
    full = (await buyer(CREATE_KEY, name="one more", scopes=["read"]))["createApiKey"]
    assert full["__typename"] == "ConflictError"


async def test_a_key_cannot_manage_keys(buyer: Caller) -> None:
    mine = await create_key(buyer)
    as_key = buyer.as_user(mine["key"])
    message = (
        "Las claves de API no pueden crear, listar ni revocar claves; inicia sesión con tu "
        "cuenta para hacerlo."
    )
    for query, variables in (
        (CREATE_KEY, {"name": "more", "scopes": ["read", "write"]}),
        (REVOKE_KEY, {"id": mine["apiKey"]["id"]}),
        (LIST_KEYS, {}),
    ):
        errors = await as_key.errors(query, **variables)
        assert codes(errors) == ["FORBIDDEN"]
        assert errors[0]["message"] == message
    assert len((await buyer(LIST_KEYS))["apiKeys"]) == 1


async def test_a_prefix_clash_draws_again(
    buyer: Caller, anonymous: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prefixes are unique across users (whose rows RLS hides): a clash is retried."""
    other = await create_user(anonymous)
    taken = (await create_key(other))["key"]
    fresh = iter([(taken, taken[:12]), (taken, taken[:12]), keys.new_key()])
    monkeypatch.setattr(keys, "new_key", lambda: next(fresh))
    created = await create_key(buyer, ["read"], name="tras un choque")
    assert created["apiKey"]["prefix"] != taken[:12]
    assert created["apiKey"]["name"] == "tras un choque"
    assert created["apiKey"]["scopes"] == ["read"]
    assert (await buyer.as_user(created["key"])(ME))["me"]["id"] == str(buyer.user_id)
    assert [k["id"] for k in (await buyer(LIST_KEYS))["apiKeys"]] == [created["apiKey"]["id"]]
