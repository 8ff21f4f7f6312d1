"""A stand-in Supabase Auth (GoTrue) served for real on 127.0.0.1, and key helpers."""

from __future__ import annotations

import json
import secrets
import socket
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import get_default_algorithms
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tests.support.api import make_settings
from tests.support.stand_ins import serve_asgi

from autofactura.core.services import Services, build_services

ANON_KEY = "stand-in-anon-key"
PROJECT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"
API_VERSION = "2024-01-01"


@dataclass
class SigningKey:
    """A private key with the kid and alg it is published under."""

    kid: str
    alg: str
    private: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str, alg: str = "ES256") -> SigningKey:
        if alg == "RS256":
            return cls(kid, alg, rsa.generate_private_key(public_exponent=65537, key_size=2048))
        return cls(kid, alg, ec.generate_private_key(ec.SECP256R1()))

    def public_jwk(self) -> dict[str, Any]:
        algorithm = get_default_algorithms()[self.alg]
        jwk = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig", "key_ops": ["verify"]}

    def sign(self, claims: dict[str, Any], kid: str | None = None) -> str:
        return jwt.encode(
            claims, self.private, algorithm=self.alg, headers={"kid": kid or self.kid}
        )


@dataclass
class Account:
    id: str
    email: str
    password: str
    confirmed: bool
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


class StandInSupabase:
    """GoTrue's JWKS, signup and password-grant endpoints, with knobs for the tests."""

    anon_key = ANON_KEY
    jwt_secret = PROJECT_SECRET
    new_key = staticmethod(SigningKey.generate)

    def __init__(self, es256: SigningKey, rs256: SigningKey) -> None:
        self.es256, self.rs256 = es256, rs256
        self.url = ""
        self.reset()

    @property
    def issuer(self) -> str:
        return f"{self.url}/auth/v1"

    def reset(self) -> None:
        self.published = [self.es256, self.rs256]
        self.accounts: dict[str, Account] = {}
        self.requests: Counter[str] = Counter()
        self.require_confirmation = False
        self.min_password_length = 6
        self.fail_status: int | None = None

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": str(uuid.uuid4()),
            "aud": "authenticated",
            "exp": now + 3600,
            "iat": now,
            "email": "ana@example.com",
            "phone": "",
            "role": "authenticated",
            "aal": "aal1",
            "amr": [{"method": "password", "timestamp": now}],
            "session_id": str(uuid.uuid4()),
            "is_anonymous": False,
        }
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}

    def token(self, key: SigningKey | None = None, **overrides: Any) -> str:
        return (key or self.es256).sign(self.claims(**overrides))

    # --- HTTP handlers ---------------------------------------------------------------

    async def jwks(self, request: Request) -> JSONResponse:
        self.requests["jwks"] += 1
        if self.fail_status:
            return JSONResponse({"message": "upstream unavailable"}, self.fail_status)
        return JSONResponse({"keys": [key.public_jwk() for key in self.published]})

    async def signup(self, request: Request) -> JSONResponse:
        self.requests["signup"] += 1
        if refused := self._refuse(request):
            return refused
        body = await request.json()
        email, password = str(body.get("email", "")).lower(), str(body.get("password", ""))
        if "@" not in email:
            return _error(request, 400, "validation_failed", "Unable to validate email address")
        if len(password) < self.min_password_length:
            message = f"Password should be at least {self.min_password_length} characters."
            return _error(request, 422, "weak_password", message)
        if email in self.accounts:
            return _error(request, 422, "user_already_exists", "User already registered")
        account = Account(str(uuid.uuid4()), email, password, not self.require_confirmation)
        self.accounts[email] = account
        if not account.confirmed:
            return JSONResponse(self._user(account))  # a user and no session
        return JSONResponse(self._session(account))

    async def token_grant(self, request: Request) -> JSONResponse:
        self.requests["token"] += 1
        if refused := self._refuse(request):
            return refused
        if request.query_params.get("grant_type") != "password":
            return _error(request, 400, "validation_failed", "unsupported_grant_type")
        body = await request.json()
        account = self.accounts.get(str(body.get("email", "")).lower())
        if account is None or not secrets.compare_digest(account.password, body["password"]):
            return _error(request, 400, "invalid_credentials", "Invalid login credentials")
        if not account.confirmed:
            return _error(request, 400, "email_not_confirmed", "Email not confirmed")
        return JSONResponse(self._session(account))

    def _refuse(self, request: Request) -> JSONResponse | None:
        if self.fail_status:
            return JSONResponse({"message": "upstream unavailable"}, self.fail_status)
        if request.headers.get("apikey") != ANON_KEY:
            # What Supabase's API gateway answers before GoTrue sees the request.
            return JSONResponse({"message": "Invalid API key"}, 401)
        return None

    def _user(self, account: Account) -> dict[str, Any]:
        id_, email, at = account.id, account.email, account.created_at
        metadata = {"email": email, "sub": id_}
        identity: dict[str, Any] = {"id": id_, "identity_id": str(uuid.uuid4()), "user_id": id_}
        identity |= {"identity_data": metadata, "provider": "email", "created_at": at}
        confirmed_at = at if account.confirmed else None
        return {
            **{"id": id_, "aud": "authenticated", "role": "authenticated", "email": email},
            **{"phone": "", "email_confirmed_at": confirmed_at, "confirmed_at": confirmed_at},
            "confirmation_sent_at": None if account.confirmed else at,
            "app_metadata": {"provider": "email", "providers": ["email"]},
            "user_metadata": metadata,
            "identities": [identity],
            **{"created_at": at, "updated_at": at, "is_anonymous": False},
        }

    def _session(self, account: Account) -> dict[str, Any]:
        claims = self.claims(sub=account.id, email=account.email)
        return {
            "access_token": self.es256.sign(claims),
            "token_type": "bearer",
            "expires_in": 3600,
            "expires_at": claims["exp"],
            "refresh_token": secrets.token_urlsafe(9),
            "user": self._user(account),
        }

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/auth/v1/.well-known/jwks.json", self.jwks),
                Route("/auth/v1/signup", self.signup, methods=["POST"]),
                Route("/auth/v1/token", self.token_grant, methods=["POST"]),
            ]
        )


def _error(request: Request, status: int, code: str, message: str) -> JSONResponse:
    """GoTrue's error body: the 2024-01-01 shape when asked for it, else the legacy one."""
    if request.headers.get("X-Supabase-Api-Version") == API_VERSION:
        body: dict[str, Any] = {"code": code, "message": message}
        return JSONResponse(body, status, headers={"X-Supabase-Api-Version": API_VERSION})
    return JSONResponse({"code": status, "error_code": code, "msg": message}, status)


@pytest.fixture(scope="session")
def supabase_server() -> Iterator[StandInSupabase]:
    stand_in = StandInSupabase(SigningKey.generate("es-1"), SigningKey.generate("rs-1", "RS256"))
    with serve_asgi(stand_in.app(), "stand-in Supabase") as url:
        stand_in.url = url
        yield stand_in


@pytest.fixture
def supabase(supabase_server: StandInSupabase) -> StandInSupabase:
    supabase_server.reset()
    return supabase_server


@pytest.fixture
async def supabase_services(
    supabase: StandInSupabase,
    migrated: str,
    redis_url: str | None,
    data_dir: Path,
    encryption_keys: str,
) -> AsyncIterator[Services]:
    """The test services in Supabase mode, against the stand-in."""
    settings = make_settings(
        migrated,
        redis_url,
        data_dir,
        encryption_keys,
        supabase_url=supabase.url,
        supabase_anon_key=ANON_KEY,
        supabase_jwt_algorithms="ES256,RS256",
    )
    services = build_services(settings)
    yield services
    await services.close()


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
