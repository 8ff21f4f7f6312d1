"""SupabaseAccounts through supabase-py against the stand-in GoTrue on loopback."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from autofactura.core.auth import (
    AuthProviderError,
    EmailTaken,
    InvalidCredentials,
    SupabaseAccounts,
    SupabaseTokens,
)

if TYPE_CHECKING:
    from conftest import StandInSupabase

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(supabase: StandInSupabase) -> SupabaseAccounts:
    return SupabaseAccounts(supabase.url, supabase.anon_key)


async def test_register_then_login(supabase: StandInSupabase, accounts: SupabaseAccounts) -> None:
    registered = await accounts.register("ana@example.com", PASSWORD)
    assert registered.email == "ana@example.com"
    assert registered.user_id == uuid.UUID(supabase.accounts["ana@example.com"].id)
    logged_in = await accounts.login("ana@example.com", PASSWORD)
    assert logged_in.user_id == registered.user_id
    assert logged_in.access_token and logged_in.access_token != registered.access_token
    # The access token Supabase issued verifies locally and names the same user.
    tokens = SupabaseTokens(supabase.url, ["ES256"])
    for result in (registered, logged_in):
        assert result.access_token is not None
        principal = await tokens.verify(result.access_token)
        assert (principal.user_id, principal.email) == (result.user_id, "ana@example.com")


async def test_logins_do_not_share_a_session(
    supabase: StandInSupabase, accounts: SupabaseAccounts
) -> None:
    ana = await accounts.register("ana@example.com", PASSWORD)
    beto = await accounts.register("beto@example.com", PASSWORD)
    again = await accounts.login("ana@example.com", PASSWORD)
    assert len({ana.user_id, beto.user_id}) == 2
    assert again.user_id == ana.user_id


async def test_register_needing_confirmation_has_no_token(
    supabase: StandInSupabase, accounts: SupabaseAccounts
) -> None:
    supabase.require_confirmation = True
    result = await accounts.register("ana@example.com", PASSWORD)
    assert result.access_token is None
    assert result.user_id == uuid.UUID(supabase.accounts["ana@example.com"].id)
    with pytest.raises(InvalidCredentials, match="not confirmed"):
        await accounts.login("ana@example.com", PASSWORD)


async def test_duplicate_email(accounts: SupabaseAccounts) -> None:
    await accounts.register("ana@example.com", PASSWORD)
    with pytest.raises(EmailTaken):
        await accounts.register("ana@example.com", "another good password")


@pytest.mark.parametrize(
    ("email", "password"),
    [("ana@example.com", "wrong password!"), ("nadie@example.com", PASSWORD)],
)
async def test_bad_credentials(accounts: SupabaseAccounts, email: str, password: str) -> None:
    await accounts.register("ana@example.com", PASSWORD)
    with pytest.raises(InvalidCredentials):
        await accounts.login(email, password)


async def test_short_password_refused_before_calling_supabase(
    supabase: StandInSupabase, accounts: SupabaseAccounts
) -> None:
    with pytest.raises(ValueError, match="at least 8"):
        await accounts.register("ana@example.com", "short")
    assert supabase.requests["signup"] == 0


async def test_weak_password_by_project_policy(
    supabase: StandInSupabase, accounts: SupabaseAccounts
) -> None:
    supabase.min_password_length = 12
    with pytest.raises(ValueError, match="at least 12"):
        await accounts.register("ana@example.com", "eleven char")


async def test_invalid_email(accounts: SupabaseAccounts) -> None:
    with pytest.raises(ValueError, match="email"):
        await accounts.register("not-an-email", PASSWORD)


async def test_wrong_anon_key_is_a_provider_error(supabase: StandInSupabase) -> None:
    with pytest.raises(AuthProviderError, match="401"):
        await SupabaseAccounts(supabase.url, "wrong-key").login("ana@example.com", PASSWORD)


async def test_server_down(supabase: StandInSupabase, dead_url: str) -> None:
    accounts = SupabaseAccounts(dead_url, supabase.anon_key)
    with pytest.raises(AuthProviderError):
        await accounts.register("ana@example.com", PASSWORD)
    with pytest.raises(AuthProviderError):
        await accounts.login("ana@example.com", PASSWORD)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors(
    supabase: StandInSupabase, accounts: SupabaseAccounts, status: int
) -> None:
    supabase.fail_status = status
    with pytest.raises(AuthProviderError):
        await accounts.login("ana@example.com", PASSWORD)
    with pytest.raises(AuthProviderError):
        await accounts.register("ana@example.com", PASSWORD)
