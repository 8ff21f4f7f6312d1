"""fiscalProfiles and the profile mutations."""

from __future__ import annotations

import strawberry

from autofactura.core.profiles import repository, service
from autofactura.schema.context import Info
from autofactura.schema.errors import user_errors
from autofactura.schema.ids import require
from autofactura.schema.inputs import FiscalProfileInput, FiscalProfilePatch
from autofactura.schema.types.profile import DeletedFiscalProfile, FiscalProfile
from autofactura.schema.types.results import (
    CreateFiscalProfileResult,
    DeleteFiscalProfileResult,
    UpdateFiscalProfileResult,
)

_MISSING = "No encontramos ese perfil fiscal."


async def fiscal_profiles(info: Info) -> list[FiscalProfile]:
    user_id = await info.context.user_id()
    async with info.context.db.session(user_id, readonly=True) as session:
        rows = await repository.list_for_user(session, user_id)
    return [FiscalProfile.from_model(row) for row in rows]


@user_errors
async def create_fiscal_profile(info: Info, input: FiscalProfileInput) -> CreateFiscalProfileResult:
    user_id = await info.context.user_id()
    async with info.context.db.session(user_id) as session:
        row = await service.create(
            session,
            user_id,
            input.to_data(),
            tax_id_confirmed=input.tax_id_confirmed,
            use_inbound_email=input.use_inbound_email,
        )
    return FiscalProfile.from_model(row)


@user_errors
async def update_fiscal_profile(
    info: Info, id: strawberry.ID, input: FiscalProfilePatch
) -> UpdateFiscalProfileResult:
    user_id = await info.context.user_id()
    profile_id = require(id, "FiscalProfile", "id", _MISSING)
    async with info.context.db.session(user_id) as session:
        row = await service.update(session, user_id, profile_id, input.to_changes())
    return FiscalProfile.from_model(row)


@user_errors
async def delete_fiscal_profile(info: Info, id: strawberry.ID) -> DeleteFiscalProfileResult:
    user_id = await info.context.user_id()
    profile_id = require(id, "FiscalProfile", "id", _MISSING)
    async with info.context.db.session(user_id) as session:
        await service.delete(session, user_id, profile_id)
    return DeletedFiscalProfile(id=id)
