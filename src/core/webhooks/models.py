"""The webhook tables: endpoints a user registered, each delivery of an event to one, and
every attempt at it (the delivery log)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from autofactura.core.db.base import Base, EncryptedText, IdMixin, JSONType, TimestampMixin


class Webhook(IdMixin, TimestampMixin, Base):
    __tablename__ = "webhooks"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSONType, default=list)  # "task.completed", …
    secret: Mapped[str] = mapped_column(EncryptedText("webhooks.secret"))
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookDelivery(IdMixin, TimestampMixin, Base):
    """One event for one endpoint; retried until delivered or its time runs out."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_state_next", "state", "next_attempt_at"),)

    webhook_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), default=None
    )
    event: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the exact JSON body sent
    state: Mapped[str] = mapped_column(String(16), default="pending")  # delivered, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    replay_of: Mapped[uuid.UUID | None] = mapped_column(default=None)


class WebhookAttempt(IdMixin, TimestampMixin, Base):
    """One POST of a delivery: what the endpoint answered, or why it did not."""

    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column()
    status_code: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    duration_ms: Mapped[int] = mapped_column(default=0)
