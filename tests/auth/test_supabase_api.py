"""Supabase mode end to end: the API signs buyers up through the stand-in Supabase Auth,
accepts its ES256 access tokens, and mirrors each user into our users table."""

from __future__ import annotations

import uuid

import pytest
from tests.auth.conftest import StandInSupabase
from tests.support.api import REGISTER, Caller, create_profile

from autofactura.core.services import Services
from autofactura.schema import build_schema

ME = "{ me { id email } }"


@pytest.fixture
def caller(supabase_services: Services) -> Caller:
    return Caller(build_schema(supabase_services.settings), supabase_services)


async def test_register_goes_to_supabase_and_its_token_works(caller: Caller) -> None:
    email = f"sb-{uuid.uuid4().hex[:8]}@example.com"
    payload = (await caller(REGISTER, email=email, password="s3cret-pass"))["register"]
    assert payload["__typename"] == "AuthPayload"
    signed_in = caller.as_user(payload["token"])
    assert (await signed_in(ME))["me"] == {"id": payload["user"]["id"], "email": email}
    # The mirrored user row makes the buyer's own data possible.
    assert (await create_profile(signed_in))["taxId"] == "WAL9709244W4"


async def test_token_issued_elsewhere_is_accepted_and_mirrored(
    caller: Caller, supabase: StandInSupabase
) -> None:
    user_id, email = uuid.uuid4(), f"web-{uuid.uuid4().hex[:8]}@example.com"
    token = supabase.token(sub=str(user_id), email=email)
    assert (await caller.as_user(token)(ME))["me"] == {"id": str(user_id), "email": email}


@pytest.mark.parametrize(
    ("claim", "value"),
    [("aud", "anon"), ("iss", "https://evil.example.com/auth/v1"), ("exp", 1_600_000_000)],
)
async def test_wrong_audience_issuer_or_expiry_is_refused(
    caller: Caller, supabase: StandInSupabase, claim: str, value: object
) -> None:
    token = supabase.token(None, **{claim: value})
    errors = await caller.as_user(token).errors(ME)
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_duplicate_email_is_a_user_error(caller: Caller) -> None:
    email = f"dup-{uuid.uuid4().hex[:8]}@example.com"
    await caller(REGISTER, email=email, password="s3cret-pass")
    again = (await caller(REGISTER, email=email, password="s3cret-pass"))["register"]
    assert again["__typename"] == "EmailTakenError"
    assert again["field"] == "email"
