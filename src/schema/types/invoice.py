"""The stamped invoice (CFDI) a task obtained, or one that arrived for none of the buyer's
tasks: its facts and links to its XML and PDF."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

from autofactura.core.artifacts import links
from autofactura.core.invoices.models import Invoice as InvoiceModel
from autofactura.schema.context import Info
from autofactura.schema.ids import encode

if TYPE_CHECKING:
    from autofactura.schema.types.task import Task

_CENT = Decimal("0.01")


def _amount(text: str) -> Decimal:
    """Two decimals like Ticket.total; a stamped amount is never rounded, so one with
    significant digits past the cents (not valid for MXN, but a vendor's) stays exact."""
    amount = Decimal(text)
    cents = amount.quantize(_CENT)
    return cents if cents == amount else amount


@strawberry.type(description="The CFDI the vendor stamped for the task, as read from its XML.")
class Invoice:
    id: strawberry.ID = strawberry.field(description="This record's id (not the CFDI's UUID).")
    uuid: str = strawberry.field(description="The folio fiscal (UUID of the SAT stamp).")
    total: Decimal
    issuer_rfc: str
    issuer_name: str | None
    receptor_rfc: str
    verified: bool = strawberry.field(
        description="The receptor data and the total match the fiscal profile and the ticket."
    )
    mismatches: list[str] = strawberry.field(
        description='Fields that did not match, e.g. "receptor.rfc" or "total".'
    )
    source: str = strawberry.field(
        description='How it reached us: "portal" (downloaded), "email" or "upload".'
    )
    issued_at: str | None = strawberry.field(description="The CFDI's Fecha, as stamped.")
    received_at: datetime
    task_id: strawberry.ID | None = strawberry.field(
        description="The task it belongs to; null for an invoice that matched none."
    )
    xml_artifact_id: strawberry.Private[UUID | None]
    pdf_artifact_id: strawberry.Private[UUID | None]
    user_id: strawberry.Private[UUID]

    @strawberry.field(description="Signed download link of the XML (like Artifact.url).")
    def xml_url(self, info: Info) -> str | None:
        return self._url(info, self.xml_artifact_id)

    @strawberry.field(description="Signed download link of the PDF (like Artifact.url).")
    def pdf_url(self, info: Info) -> str | None:
        return self._url(info, self.pdf_artifact_id)

    def _url(self, info: Info, artifact_id: UUID | None) -> str | None:
        if artifact_id is None:
            return None
        secret = links.link_secret(info.context.services.settings)
        return links.signed_path(secret, artifact_id, self.user_id)

    @classmethod
    def from_model(cls, row: InvoiceModel) -> Invoice:
        return cls(
            id=strawberry.ID(str(row.id)),
            uuid=row.uuid,
            total=_amount(row.total),
            issuer_rfc=row.issuer_rfc,
            issuer_name=row.issuer_name,
            receptor_rfc=row.receptor_rfc,
            verified=row.verified,
            mismatches=[str(m["field"]) for m in row.mismatches],
            source=row.source,
            issued_at=row.issued_at,
            received_at=row.created_at,
            task_id=strawberry.ID(encode("Task", row.task_id)) if row.task_id else None,
            xml_artifact_id=row.xml_artifact_id,
            pdf_artifact_id=row.pdf_artifact_id,
            user_id=row.user_id,
        )


@strawberry.type(description="What uploadInvoice did with the CFDI.")
class InvoiceUpload:
    invoice: Invoice
    task: Annotated[Task, strawberry.lazy("autofactura.schema.types.task")] | None = (
        strawberry.field(description="The task it completed or joined; null when it matched none.")
    )
