"""Each buyer's inbound address: <random local part>@AUTOFACTURA_INBOUND_DOMAIN, made on
first use and looked up when mail arrives."""

from __future__ import annotations

import base64
import secrets
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.config import Settings
from autofactura.core.profiles.models import FiscalProfile
from autofactura.core.users.models import User

PREFIX = "factura-"
_RANDOM_BYTES = 10  # 80 bits: 16 base32 characters, not guessable by a sender


def new_local_part() -> str:
    text = base64.b32encode(secrets.token_bytes(_RANDOM_BYTES)).decode().rstrip("=")
    return PREFIX + text.lower()


def split(address: str) -> tuple[str, str]:
    """(local part, domain), both lower-cased; ("", "") when it is not an address."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or not local or not domain:
        return "", ""
    return local.lower(), domain.lower().rstrip(".")


def address_of(settings: Settings, user: User | None) -> str | None:
    """The user's inbound address if they have one already (no query, no write)."""
    if not settings.inbound_domain or user is None or not user.inbound_local_part:
        return None
    return f"{user.inbound_local_part}@{settings.inbound_domain}"


async def address_for(session: AsyncSession, settings: Settings, user_id: uuid.UUID) -> str | None:
    """The user's inbound address (made now if they have none); None when it is off."""
    if not settings.inbound_domain:
        return None
    local = await _local_part(session, user_id)
    if local is None:
        # Only where none is set, so two racing first uses agree on one address.
        await session.execute(
            update(User)
            .where(User.id == user_id, User.inbound_local_part.is_(None))
            .values(inbound_local_part=new_local_part())
            .execution_options(synchronize_session=False)
        )
        local = await _local_part(session, user_id)
    return f"{local}@{settings.inbound_domain}" if local else None


async def _local_part(session: AsyncSession, user_id: uuid.UUID) -> str | None:
    result = await session.execute(select(User.inbound_local_part).where(User.id == user_id))
    return result.scalar_one_or_none()


async def user_for(session: AsyncSession, settings: Settings, address: str) -> uuid.UUID | None:
    """Whose inbound address this is; None for another domain or an unknown local part."""
    local, domain = split(address)
    if not settings.inbound_domain or domain != settings.inbound_domain or not local:
        return None
    result = await session.execute(select(User.id).where(User.inbound_local_part == local))
    return result.scalar_one_or_none()


def uses_inbound(settings: Settings, profile: FiscalProfile) -> bool:
    """Whether portals get the inbound address for this profile (default: when configured)."""
    if not settings.inbound_domain:
        return False
    return profile.use_inbound_email is not False
