"""JWTs for built-in accounts, shaped like Supabase access tokens so RLS helpers read both."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
import uuid
from pathlib import Path

import jwt

from .errors import ExpiredToken, InvalidToken
from .principal import Principal, principal_from_claims

ALGORITHM = "HS256"
AUDIENCE = "authenticated"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "aud", "iss"]
SECRET_BYTES = 32
KEY_FILE = Path("keys") / "jwt.key"


class LocalTokens:
    """Issues and verifies HS256 access tokens signed with one local secret."""

    def __init__(self, secret: bytes, ttl_seconds: int, issuer: str = "autofactura") -> None:
        if len(secret) < SECRET_BYTES:
            raise ValueError(f"JWT secret must be at least {SECRET_BYTES} bytes")
        if ttl_seconds <= 0:
            raise ValueError("token TTL must be positive")
        self._secret = secret
        self._ttl = ttl_seconds
        self._issuer = issuer

    def issue(self, user_id: uuid.UUID, email: str) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id),
            "email": email,
            "aud": AUDIENCE,
            "role": "authenticated",
            "iss": self._issuer,
            "iat": now,
            "exp": now + self._ttl,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],  # fixed here: the token header never chooses
                audience=AUDIENCE,
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise ExpiredToken("token has expired") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"invalid token: {exc}") from exc
        return principal_from_claims(claims)


def load_or_create_secret(data_dir: Path) -> bytes:
    """Return the secret in data_dir/keys/jwt.key, creating it once (0600) if missing."""
    path = data_dir / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        _create_secret(path)
    secret = path.read_bytes()
    if len(secret) < SECRET_BYTES:
        raise ValueError(f"{path} holds {len(secret)} bytes; expected {SECRET_BYTES}")
    return secret


def _create_secret(path: Path) -> None:
    # Write a private temp file (O_EXCL, 0600), then hard-link it into place: link never
    # overwrites, so racing processes agree on the first key and nobody reads half a file.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(secrets.token_bytes(SECRET_BYTES))
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
