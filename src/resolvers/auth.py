"""register, login and me."""

from __future__ import annotations

import strawberry

from autofactura.core.mail import addresses
from autofactura.core.users import repository as users
from autofactura.schema.context import Info
from autofactura.schema.errors import user_errors
from autofactura.schema.types.auth import AuthPayload, User
from autofactura.schema.types.results import LoginResult, RegisterResult


@user_errors
async def register(info: Info, email: str, password: str) -> RegisterResult:
    services = info.context.services
    await services.limiter.hit(services.rules.register, info.context.client_ip)
    signed = await services.accounts.register(email, password)
    return AuthPayload.from_signed_in(signed)


@user_errors
async def login(info: Info, email: str, password: str) -> LoginResult:
    services = info.context.services
    # Per address and per account: a spray over many accounts and a guess at one both stop.
    await services.limiter.hit(services.rules.login, info.context.client_ip)
    await services.limiter.hit(services.rules.login, f"email:{email.strip().lower()[:254]}")
    signed = await services.accounts.login(email, password)
    return AuthPayload.from_signed_in(signed)


async def me(info: Info) -> User:
    principal = await info.context.principal()
    settings = info.context.services.settings
    async with info.context.db.session(principal.user_id, readonly=True) as session:
        user = await users.get(session, principal.user_id)
    inbound = addresses.address_of(settings, user)
    if inbound is None and settings.inbound_domain and user is not None:
        # A write only the first time (on SQLite a write session takes the write lock).
        async with info.context.db.session(principal.user_id) as session:
            inbound = await addresses.address_for(session, settings, principal.user_id)
    email = user.email if user else (principal.email or "")
    return User(id=strawberry.ID(str(principal.user_id)), email=email, inbound_email=inbound)
