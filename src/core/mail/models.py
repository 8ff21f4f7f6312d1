"""The inbound_messages table: one row per e-mail received for a buyer, so the same message
delivered twice (a sender's retry, SMTP and webhook both) is processed once."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from autofactura.core.db.base import Base, IdMixin, TimestampMixin


class InboundMessage(IdMixin, TimestampMixin, Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("user_id", "sha256", name="uq_inbound_messages_user_sha256"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(255), default=None)
    channel: Mapped[str] = mapped_column(String(16))  # smtp, webhook, upload
    invoices: Mapped[int] = mapped_column(default=0)
    matched: Mapped[int] = mapped_column(default=0)
