"""Create, change and delete fiscal profiles; nothing invalid for the SAT is ever stored."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.errors import Conflict, FieldIssue, InvalidInput, NotFound
from autofactura.core.fiscal import FiscalProfileData, normalize_profile, validate_profile
from autofactura.core.profiles import repository
from autofactura.core.profiles.models import FiscalProfile
from autofactura.core.users import repository as users

MAX_PROFILES = 50


@dataclass(frozen=True)
class ProfileChanges:
    """Fields left as None keep their current value."""

    tax_id: str | None = None
    legal_name: str | None = None
    tax_system: str | None = None
    zip: str | None = None
    cfdi_use: str | None = None
    email: str | None = None
    tax_id_confirmed: bool | None = None
    use_inbound_email: bool | None = None


def _checked(data: FiscalProfileData, tax_id_confirmed: bool) -> FiscalProfileData:
    clean = normalize_profile(data)
    problems = validate_profile(clean, tax_id_confirmed=tax_id_confirmed)
    if problems:
        raise InvalidInput([FieldIssue(p.field, p.code, p.message) for p in problems])
    return clean


def _data_of(profile: FiscalProfile) -> FiscalProfileData:
    return FiscalProfileData(
        tax_id=profile.tax_id,
        legal_name=profile.legal_name,
        tax_system=profile.tax_system,
        zip=profile.zip,
        cfdi_use=profile.cfdi_use,
        email=profile.email,
    )


def _apply(profile: FiscalProfile, data: FiscalProfileData, tax_id_confirmed: bool) -> None:
    profile.tax_id = data.tax_id
    profile.legal_name = data.legal_name
    profile.tax_system = data.tax_system
    profile.zip = data.zip
    profile.cfdi_use = data.cfdi_use
    profile.email = data.email
    profile.tax_id_confirmed = tax_id_confirmed


async def get(session: AsyncSession, user_id: uuid.UUID, profile_id: uuid.UUID) -> FiscalProfile:
    profile = await repository.get(session, user_id, profile_id)
    if profile is None:
        raise NotFound("No encontramos ese perfil fiscal.", field="id")
    return profile


async def create(
    session: AsyncSession,
    user_id: uuid.UUID,
    data: FiscalProfileData,
    *,
    tax_id_confirmed: bool = False,
    use_inbound_email: bool | None = None,
) -> FiscalProfile:
    clean = _checked(data, tax_id_confirmed)
    await users.lock(session, user_id)  # two creates at once must not both pass the count
    if len(await repository.list_for_user(session, user_id)) >= MAX_PROFILES:
        raise Conflict(
            f"Puedes tener hasta {MAX_PROFILES} perfiles fiscales.", code="TOO_MANY_PROFILES"
        )
    profile = FiscalProfile(user_id=user_id, use_inbound_email=use_inbound_email)
    _apply(profile, clean, tax_id_confirmed)
    return await repository.add(session, profile)


async def update(
    session: AsyncSession, user_id: uuid.UUID, profile_id: uuid.UUID, changes: ProfileChanges
) -> FiscalProfile:
    profile = await get(session, user_id, profile_id)
    current = _data_of(profile)
    flags = ("tax_id_confirmed", "use_inbound_email")
    fields = {k: v for k, v in vars(changes).items() if v is not None and k not in flags}
    merged = replace(current, **fields)
    # A confirmation covers the RFC it was given for; a new RFC needs its own.
    confirmed = changes.tax_id_confirmed
    if confirmed is None:
        confirmed = profile.tax_id_confirmed and "tax_id" not in fields
    clean = _checked(merged, confirmed)
    _apply(profile, clean, confirmed)
    if changes.use_inbound_email is not None:
        profile.use_inbound_email = changes.use_inbound_email
    await session.flush()
    return profile


async def delete(session: AsyncSession, user_id: uuid.UUID, profile_id: uuid.UUID) -> uuid.UUID:
    profile = await get(session, user_id, profile_id)
    if await repository.has_live_tasks(session, profile.id):
        raise Conflict(
            "Este perfil tiene facturas en proceso; espera a que terminen o cancélalas.",
            code="PROFILE_IN_USE",
            field="id",
        )
    await repository.delete(session, profile)
    return profile_id
