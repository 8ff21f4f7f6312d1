"""The artifacts table: metadata here, bytes in the file store under storage_key."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from autofactura.core.db.base import Base, IdMixin, TimestampMixin


class Artifact(IdMixin, TimestampMixin, Base):
    __tablename__ = "artifacts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["task_id", "user_id"],
            ["tasks.id", "tasks.user_id"],
            name="fk_artifacts_task_owner",
            ondelete="CASCADE",
        ),
    )

    # None for the files of an invoice that arrived by e-mail for none of the buyer's tasks.
    task_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(1024))
