"""Mutation inputs; names follow the profile/ticket JSON of the CLI contract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from autofactura.core.fiscal import FiscalProfileData
from autofactura.core.profiles.service import ProfileChanges
from autofactura.schema.types.enums import TaskStatus


@strawberry.input
class FiscalProfileInput:
    tax_id: str = strawberry.field(description="RFC: 12 characters (moral) or 13 (física).")
    legal_name: str = strawberry.field(description="As on the Constancia de Situación Fiscal.")
    tax_system: str = strawberry.field(description="c_RegimenFiscal code, e.g. 601 or 612.")
    zip: str = strawberry.field(description="Fiscal zip code (5 digits).")
    cfdi_use: str = strawberry.field(description="c_UsoCFDI code, e.g. G03.")
    email: str
    tax_id_confirmed: bool = strawberry.field(
        default=False,
        description="Set when the RFC fails its check digit but is exactly as the SAT printed it.",
    )
    use_inbound_email: bool | None = strawberry.field(
        default=None,
        description="Give portals your inbound address instead of `email` (null: the default).",
    )

    def to_data(self) -> FiscalProfileData:
        return FiscalProfileData(
            tax_id=self.tax_id,
            legal_name=self.legal_name,
            tax_system=self.tax_system,
            zip=self.zip,
            cfdi_use=self.cfdi_use,
            email=self.email,
        )


@strawberry.input(description="Only the fields given change.")
class FiscalProfilePatch:
    tax_id: str | None = None
    legal_name: str | None = None
    tax_system: str | None = None
    zip: str | None = None
    cfdi_use: str | None = None
    email: str | None = None
    tax_id_confirmed: bool | None = None
    use_inbound_email: bool | None = None

    def to_changes(self) -> ProfileChanges:
        return ProfileChanges(**{k: getattr(self, k) for k in ProfileChanges.__dataclass_fields__})


@strawberry.input
class TicketInput:
    folio: str
    date: date
    total: Decimal
    store: str | None = None
    extra: JSON | None = strawberry.field(
        default=None, description='Other printed values by label, e.g. {"TR#": "01234"}.'
    )


@strawberry.input
class CreateTaskInput:
    vendor_url: str = strawberry.field(description="The vendor's invoicing portal.")
    ticket: TicketInput
    fiscal_profile_id: strawberry.ID
    require_confirmation: bool = strawberry.field(
        default=False,
        description="Stop before the irreversible stamping click until you approve (resumeTask).",
    )


@strawberry.input
class TaskFilterInput:
    status: list[TaskStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    created_after: date | None = None
    created_before: date | None = None
    fiscal_profile_id: strawberry.ID | None = None
