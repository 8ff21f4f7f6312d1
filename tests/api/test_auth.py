"""Built-in accounts through GraphQL: register, login, and what a bad token gets."""

from __future__ import annotations

import json
import uuid

import jwt
import pytest

from autofactura.core import auth
from autofactura.core.services import Services
from tests.support.api import REGISTER, Caller, create_user

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on AuthPayload { token user { id email } }
    ... on UserError { code message field }
  }
}"""
ME = "{ me { id email } }"


def _secret(services: Services) -> bytes:
    return auth.load_or_create_secret(services.settings.data_dir)


async def test_register_login_me(anonymous: Caller) -> None:
    email = f"Buyer-{uuid.uuid4().hex[:8]}@Example.com"
    registered = (await anonymous(REGISTER, email=email, password="s3cret-pass"))["register"]
    assert registered["user"]["email"] == email.lower()
    logged = (await anonymous(LOGIN, email=email, password="s3cret-pass"))["login"]
    assert logged["__typename"] == "AuthPayload"
    me = (await anonymous.as_user(logged["token"])(ME))["me"]
    assert me == {"id": registered["user"]["id"], "email": email.lower()}


async def test_wrong_password_and_unknown_email_answer_alike(anonymous: Caller) -> None:
    user = await create_user(anonymous, email=f"known-{uuid.uuid4().hex[:6]}@example.com")
    me = (await user(ME))["me"]
    wrong = (await anonymous(LOGIN, email=me["email"], password="not-the-one"))["login"]
    unknown = (await anonymous(LOGIN, email="nobody@example.com", password="x" * 10))["login"]
    assert wrong["__typename"] == unknown["__typename"] == "InvalidCredentialsError"
    assert wrong["message"] == unknown["message"] == "Correo o contraseña incorrectos."


@pytest.mark.parametrize(
    ("email", "password", "field", "code"),
    [
        ("not-an-email", "s3cret-pass", "email", "INVALID_EMAIL"),
        ("ok@example.com", "short", "password", "WEAK_PASSWORD"),
        ("x" * 100_000 + "@example.com", "s3cret-pass", "email", "INVALID_EMAIL"),
        ("ok2@example.com", "p" * 100_000, "password", "WEAK_PASSWORD"),
    ],
)
async def test_bad_registration_input(
    anonymous: Caller, email: str, password: str, field: str, code: str
) -> None:
    result = (await anonymous(REGISTER, email=email, password=password))["register"]
    assert result["__typename"] == "ValidationError"
    assert (result["field"], result["code"]) == (field, code)


async def test_duplicate_email(anonymous: Caller) -> None:
    email = f"twice-{uuid.uuid4().hex[:8]}@example.com"
    await create_user(anonymous, email=email)
    again = (await anonymous(REGISTER, email=email.upper(), password="s3cret-pass"))["register"]
    assert again["__typename"] == "EmailTakenError"


async def test_expired_token_is_refused(anonymous: Caller, services: Services) -> None:
    user = await create_user(anonymous)
    assert user.user_id is not None
    expired = jwt.encode(
        {
            "sub": str(user.user_id),
            "aud": "authenticated",
            "iss": "autofactura",
            "iat": 1_600_000_000,
            "exp": 1_600_000_600,
            "email": "x@example.com",
        },
        _secret(services),
        algorithm="HS256",
    )
    errors = await anonymous.as_user(expired).errors(ME)
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "expiró" in errors[0]["message"]


async def test_tampered_and_foreign_tokens_are_refused(anonymous: Caller) -> None:
    user = await create_user(anonymous)
    assert user.token is not None
    header, _payload, signature = user.token.split(".")
    claims = jwt.decode(user.token, options={"verify_signature": False})
    forged_payload = jwt.utils.base64url_encode(
        json.dumps({**claims, "sub": str(uuid.uuid4())}).encode()
    ).decode()
    other_secret = jwt.encode(claims, b"another-secret-of-at-least-32-bytes!!", algorithm="HS256")
    unsigned = jwt.encode(claims, "", algorithm="none")
    for token in (f"{header}.{forged_payload}.{signature}", other_secret, unsigned, "garbage"):
        errors = await anonymous.as_user(token).errors(ME)
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED", token
