"""Register and log in through Supabase Auth (GoTrue) with supabase-py's async client."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pydantic

from .errors import AuthProviderError, EmailTaken, InvalidCredentials
from .passwords import MAX_PASSWORD_LENGTH, check_password_length

if TYPE_CHECKING:
    from supabase_auth import AsyncGoTrueClient
    from supabase_auth.errors import AuthError as SupabaseAuthError
    from supabase_auth.types import AuthResponse

# GoTrue error codes (API version 2024-01-01) and what they mean to our callers.
EMAIL_TAKEN_CODES = {"user_already_exists", "email_exists"}
BAD_CREDENTIALS_CODES = {"invalid_credentials", "email_not_confirmed"}
BAD_INPUT_CODES = {"weak_password", "validation_failed", "email_address_invalid"}

Operation = Callable[["AsyncGoTrueClient"], Awaitable["AuthResponse"]]


@dataclass(frozen=True)
class AuthResult:
    """The account Supabase answered for; access_token is None until the e-mail is confirmed."""

    user_id: uuid.UUID
    email: str
    access_token: str | None


class SupabaseAccounts:
    """Sign-up and password login against one Supabase project, with its anon key."""

    def __init__(self, supabase_url: str, anon_key: str, *, timeout_seconds: float = 10.0) -> None:
        if not supabase_url.startswith(("http://", "https://")) or not anon_key:
            raise ValueError("Supabase URL must be http(s) and the anon key must be set")
        self._url = supabase_url.rstrip("/")
        self._anon_key = anon_key
        self._timeout = timeout_seconds

    async def register(self, email: str, password: str) -> AuthResult:
        """Create the account; raises EmailTaken, ValueError (weak password, bad e-mail)."""
        check_password_length(password)  # the same rule as built-in accounts
        return await self._call(
            email, lambda auth: auth.sign_up({"email": email, "password": password})
        )

    async def login(self, email: str, password: str) -> AuthResult:
        """Exchange e-mail and password for an access token; raises InvalidCredentials."""
        if len(password) > MAX_PASSWORD_LENGTH:
            raise InvalidCredentials("invalid e-mail or password")
        return await self._call(
            email, lambda auth: auth.sign_in_with_password({"email": email, "password": password})
        )

    async def _call(self, email: str, operation: Operation) -> AuthResult:
        # Imported here: supabase-py takes ~0.2 s to import and embedded mode never needs it.
        from supabase import AsyncClientOptions, acreate_client
        from supabase_auth.errors import AuthError as SupabaseAuthError

        # A fresh client per call: supabase-py keeps the signed-in session and headers on
        # the client, which must never carry one user's token into another user's request.
        async with httpx.AsyncClient(timeout=self._timeout) as http:
            options = AsyncClientOptions(
                auto_refresh_token=False,
                persist_session=False,
                flow_type="implicit",
                httpx_client=http,
            )
            client = await acreate_client(self._url, self._anon_key, options)
            try:
                response = await operation(client.auth)
            except SupabaseAuthError as exc:
                raise _translate(exc) from exc
            except pydantic.ValidationError as exc:
                raise AuthProviderError("Supabase Auth answered an unexpected body") from exc
        return _result(response, email)


def _translate(exc: SupabaseAuthError) -> Exception:
    code, status, message = _details(exc)
    if code in EMAIL_TAKEN_CODES:
        return EmailTaken("an account with this e-mail already exists")
    if code in BAD_CREDENTIALS_CODES:
        return InvalidCredentials(message)
    if code in BAD_INPUT_CODES:
        return ValueError(message)
    return AuthProviderError(f"Supabase Auth failed (status {status}): {message}")


def _details(exc: SupabaseAuthError) -> tuple[str | None, int | None, str]:
    """GoTrue's error code, HTTP status and message, read from the response if need be."""
    code: str | None = exc.code
    status: int | None = getattr(exc, "status", None)
    message = exc.message
    # supabase-py turns a 2024-01-01 weak_password answer (it has no "weak_password"
    # payload) into AuthUnknownError without a code; the HTTP error it wraps has the body.
    cause = exc.__cause__
    if isinstance(cause, httpx.HTTPStatusError):
        status = cause.response.status_code
        body = _json_object(cause.response)
        # "code" is the string code in API 2024-01-01; in the legacy shape it is the status.
        body_code = body.get("code") if isinstance(body.get("code"), str) else None
        code = code or body_code or body.get("error_code")
        message = str(body.get("message") or body.get("msg") or message)
    return code, status, message


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _result(response: AuthResponse, email: str) -> AuthResult:
    if response.user is None:
        raise AuthProviderError("Supabase Auth answered without a user")
    try:
        user_id = uuid.UUID(response.user.id)
    except ValueError as exc:
        raise AuthProviderError("Supabase Auth answered a malformed user id") from exc
    session = response.session
    return AuthResult(
        user_id=user_id,
        email=response.user.email or email,
        access_token=session.access_token if session else None,
    )
