"""The verifier: only `afk_…` tokens are looked up as keys (sessions go to the mode's own
verifier, built-in or Supabase), and a key's use is recorded at most once a minute."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from autofactura.core import auth
from autofactura.core.apikeys.models import ApiKey
from autofactura.core.apikeys.verifier import NEVER, ApiKeyPrincipal, ApiKeyVerifier
from autofactura.core.services import Services
from autofactura.schema import build_schema
from tests.apikeys.helpers import LIST_KEYS, ME, create_key, set_key
from tests.auth.conftest import StandInSupabase
from tests.support.api import Caller, create_profile


class _Inner:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def verify(self, token: str) -> auth.Principal:
        self.seen.append(token)
        raise auth.InvalidToken("not ours")


async def test_only_api_keys_are_looked_up(services: Services) -> None:
    inner = _Inner()
    verifier = ApiKeyVerifier(inner, services.db, services.settings)
    with pytest.raises(auth.InvalidToken, match="not ours"):
        await verifier.verify("eyJhbGciOi.a.b")
    with pytest.raises(auth.InvalidToken, match="La clave de API"):
        await verifier.verify("afk_nothing")
    assert inner.seen == ["eyJhbGciOi.a.b"]


async def test_a_key_yields_its_owner_and_scopes(buyer: Caller, services: Services) -> None:
    created = await create_key(buyer, ["read"])
    principal = await services.verifier.verify(created["key"])
    assert isinstance(principal, ApiKeyPrincipal)
    assert principal.user_id == buyer.user_id
    assert principal.scopes == frozenset({"read"})
    assert principal.expires_at == NEVER and principal.email is None


async def _last_used(services: Services, prefix: str) -> datetime | None:
    async with services.db.session(readonly=True) as session:
        row = await session.execute(select(ApiKey.last_used_at).where(ApiKey.prefix == prefix))
        return row.scalar_one()


async def test_last_use_is_recorded_at_most_once_a_minute(
    buyer: Caller, services: Services
) -> None:
    created = await create_key(buyer)
    key, prefix = created["key"], created["apiKey"]["prefix"]
    await buyer.as_user(key)(ME)
    first = await _last_used(services, prefix)
    assert first is not None and datetime.now(UTC) - first < timedelta(seconds=30)
    await buyer.as_user(key)(ME)
    assert await _last_used(services, prefix) == first  # within the minute: no write

    a_while_ago = datetime.now(UTC) - timedelta(minutes=2)
    await set_key(services.db, prefix, last_used_at=a_while_ago)
    await buyer.as_user(key)(ME)
    latest = await _last_used(services, prefix)
    assert latest is not None and latest > a_while_ago + timedelta(minutes=1)
    listed = (await buyer(LIST_KEYS))["apiKeys"][0]
    assert datetime.fromisoformat(listed["lastUsedAt"]) == latest


# --- Supabase mode -------------------------------------------------------------------------


async def test_keys_work_in_supabase_mode(
    supabase: StandInSupabase,
    supabase_services: Services,
) -> None:
    caller = Caller(build_schema(supabase_services.settings), supabase_services)
    user_id = uuid.uuid4()
    person = caller.as_user(
        supabase.token(sub=str(user_id), email=f"sb-{user_id.hex[:8]}@example.com")
    )
    await create_profile(person)  # the Supabase user is mirrored on first sight
    key = (await create_key(person, ["read"]))["key"]
    assert (await caller.as_user(key)(ME))["me"]["id"] == str(user_id)
