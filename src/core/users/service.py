"""Sign-up and sign-in, built in or through Supabase Auth, and the users mirror table."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core import auth
from autofactura.core.db import Database
from autofactura.core.errors import EmailTaken, InvalidCredentials, Unavailable, invalid
from autofactura.core.users import repository
from autofactura.core.users.models import User

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class SignedIn:
    user_id: uuid.UUID
    email: str
    token: str | None  # None when Supabase waits for the e-mail to be confirmed


class Accounts(Protocol):
    async def register(self, email: str, password: str) -> SignedIn: ...
    async def login(self, email: str, password: str) -> SignedIn: ...


def clean_email(raw: str) -> str:
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise invalid("email", "INVALID_EMAIL", "Escribe un correo electrónico válido.")
    return email


def check_password(password: str) -> None:
    if not 8 <= len(password) <= 1024:
        raise invalid(
            "password", "WEAK_PASSWORD", "La contraseña debe tener entre 8 y 1024 caracteres."
        )


async def ensure_user(session: AsyncSession, user_id: uuid.UUID, email: str | None) -> User:
    """Mirror an externally authenticated user (Supabase) into our users table."""
    user = await repository.get(session, user_id)
    if user is None:
        user = await repository.add(
            session, User(id=user_id, email=email or f"{user_id}@users.invalid")
        )
    return user


class BuiltinAccounts:
    """Accounts kept here: Argon2id hashes and locally signed JWTs."""

    def __init__(self, db: Database, hasher: auth.PasswordHasher, tokens: auth.LocalTokens) -> None:
        self._db, self._hasher, self._tokens = db, hasher, tokens
        # Verified against when the e-mail is unknown, so timing does not reveal accounts.
        self._decoy = hasher.hash("decoy-password-never-matches")

    async def register(self, email: str, password: str) -> SignedIn:
        email = clean_email(email)
        check_password(password)
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        try:
            async with self._db.session() as session:
                if await repository.get_by_email(session, email):
                    raise EmailTaken("Ya existe una cuenta con ese correo.", field="email")
                user = await repository.add(session, User(email=email, password_hash=password_hash))
        except IntegrityError:
            raise EmailTaken("Ya existe una cuenta con ese correo.", field="email") from None
        return SignedIn(user.id, email, self._tokens.issue(user.id, email))

    async def login(self, email: str, password: str) -> SignedIn:
        email = email.strip().lower()
        async with self._db.session() as session:
            user = await repository.get_by_email(session, email)
        stored = user.password_hash if user and user.password_hash else self._decoy
        ok = await asyncio.to_thread(self._hasher.verify, stored, password[:1024])
        if user is None or not ok:
            raise InvalidCredentials("Correo o contraseña incorrectos.")
        return SignedIn(user.id, email, self._tokens.issue(user.id, email))


class SupabaseAccounts:
    """Accounts kept by Supabase Auth; we mirror the user row for our foreign keys."""

    def __init__(self, db: Database, client: auth.SupabaseAccounts) -> None:
        self._db, self._client = db, client

    async def register(self, email: str, password: str) -> SignedIn:
        email = clean_email(email)
        check_password(password)
        result = await self._call(self._client.register(email, password))
        return await self._mirror(result)

    async def login(self, email: str, password: str) -> SignedIn:
        result = await self._call(self._client.login(email.strip().lower(), password))
        return await self._mirror(result)

    async def _mirror(self, result: auth.AuthResult) -> SignedIn:
        async with self._db.session() as session:
            await ensure_user(session, result.user_id, result.email)
        return SignedIn(result.user_id, result.email, result.access_token)

    @staticmethod
    async def _call(pending: Awaitable[auth.AuthResult]) -> auth.AuthResult:
        try:
            return await pending
        except auth.EmailTaken:
            raise EmailTaken("Ya existe una cuenta con ese correo.", field="email") from None
        except auth.InvalidCredentials:
            raise InvalidCredentials("Correo o contraseña incorrectos.") from None
        except ValueError as exc:
            field = "email" if "email" in str(exc).lower() else "password"
            raise invalid(
                field, "REJECTED_BY_AUTH", "El servicio de cuentas rechazó ese dato; revísalo."
            ) from None
        except auth.AuthProviderError:
            raise Unavailable(
                "El servicio de cuentas no responde; inténtalo en un momento."
            ) from None
