"""The invoices table: one row per task, the CFDI's facts and its stored files; a CFDI that
arrived by e-mail (or upload) for none of the buyer's tasks is kept with no task."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, ForeignKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from autofactura.core.db.base import Base, EncryptedText, IdMixin, JSONType, TimestampMixin


class Invoice(IdMixin, TimestampMixin, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        ForeignKeyConstraint(
            ["task_id", "user_id"],
            ["tasks.id", "tasks.user_id"],
            name="fk_invoices_task_owner",
            ondelete="CASCADE",
        ),
        UniqueConstraint("task_id", name="uq_invoices_task_id"),
    )

    task_id: Mapped[UUID | None] = mapped_column(default=None)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(String(36), index=True)
    total: Mapped[str] = mapped_column(String(20))  # exact decimal text, as stamped
    issuer_rfc: Mapped[str] = mapped_column(String(13))
    issuer_name: Mapped[str | None] = mapped_column(Text, default=None)
    receptor_rfc: Mapped[str] = mapped_column(EncryptedText("invoices.receptor_rfc"))
    verified: Mapped[bool] = mapped_column(default=False)
    # What did not match the profile or the ticket: [{"field", "message"}], no values.
    mismatches: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    xml_artifact_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("artifacts.id", ondelete="SET NULL"), default=None
    )
    pdf_artifact_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("artifacts.id", ondelete="SET NULL"), default=None
    )
    # How it reached us: "portal" (an engine downloaded it), "email" or "upload".
    source: Mapped[str] = mapped_column(String(16), default="portal", server_default="portal")
    issued_at: Mapped[str | None] = mapped_column(String(32), default=None)  # CFDI Fecha
