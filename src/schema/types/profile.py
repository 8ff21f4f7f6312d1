"""FiscalProfile: the receptor data a CFDI is issued to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from autofactura.core.fiscal import person_type, tax_system_description
from autofactura.core.profiles.models import FiscalProfile as FiscalProfileModel
from autofactura.schema.context import Info
from autofactura.schema.ids import parse_uuid


@strawberry.type(name="FiscalProfile")
class FiscalProfile(relay.Node):
    profile_id: relay.NodeID[str]
    tax_id: str
    legal_name: str
    tax_system: str
    zip: str
    cfdi_use: str
    email: str
    tax_id_confirmed: bool = strawberry.field(
        description="The buyer confirmed the RFC is exactly as the SAT printed it."
    )
    created_at: datetime
    updated_at: datetime
    stored_use_inbound_email: strawberry.Private[bool | None]

    @strawberry.field(
        description="Portals get your autofactura inbound address (me.inboundEmail) instead "
        "of `email`, so an e-mailed invoice reaches the task. Default: on when the service "
        "has an inbound domain."
    )
    def use_inbound_email(self, info: Info) -> bool:
        if not info.context.services.settings.inbound_domain:
            return False
        return self.stored_use_inbound_email is not False

    @strawberry.field(description="'moral' (12-character RFC) or 'fisica' (13).")
    def person_type(self) -> str:
        return person_type(self.tax_id)

    @strawberry.field
    def tax_system_description(self) -> str | None:
        return tax_system_description(self.tax_system)

    @classmethod
    def from_model(cls, row: FiscalProfileModel) -> FiscalProfile:
        return cls(
            profile_id=str(row.id),
            tax_id=row.tax_id,
            legal_name=row.legal_name,
            tax_system=row.tax_system,
            zip=row.zip,
            cfdi_use=row.cfdi_use,
            email=row.email,
            tax_id_confirmed=row.tax_id_confirmed,
            created_at=row.created_at,
            updated_at=row.updated_at,
            stored_use_inbound_email=row.use_inbound_email,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False, **_: Any
    ) -> list[FiscalProfile | None]:
        loaders = await info.context.loaders()
        ids = [parse_uuid(node_id) for node_id in node_ids]
        rows = await loaders.profile.load_many([i for i in ids if i is not None])
        found = {row.id: row for row in rows if row is not None}
        return [cls.from_model(found[i]) if i in found else None for i in ids]


@strawberry.type(description="The id of what was deleted.")
class DeletedFiscalProfile:
    id: strawberry.ID
