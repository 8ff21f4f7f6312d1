"""The tasks table: the ticket, where to invoice it, for whom, and how far it got."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from autofactura.core.db.base import Base, IdMixin, JSONType, TimestampMixin, utcnow
from autofactura.core.tasks.status import TaskStatus


class Task(IdMixin, TimestampMixin, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_user_created", "user_id", "created_at", "id"),
        Index("ix_tasks_user_status", "user_id", "status"),
        # The sweeper's look for tasks whose e-mailed invoice is overdue.
        Index("ix_tasks_awaiting_email", "status", "awaiting_email_until"),
        # Target of the (task_id, user_id) foreign keys: a row can't hang off another's task.
        UniqueConstraint("id", "user_id", name="uq_tasks_id_user"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Kept when a finished task's profile is deleted; a profile with live tasks can't be.
    fiscal_profile_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("fiscal_profiles.id", ondelete="SET NULL"), index=True
    )
    vendor_url: Mapped[str] = mapped_column(String(2048))
    ticket: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(32), default=TaskStatus.PENDING.value)
    failure_code: Mapped[str | None] = mapped_column(String(48), default=None)
    failure_reason: Mapped[str | None] = mapped_column(Text, default=None)
    intervention_reason: Mapped[str | None] = mapped_column(String(48), default=None)
    live_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    # The buyer approves what will be sent before the irreversible stamping click.
    require_confirmation: Mapped[bool] = mapped_column(default=False, server_default="0")
    engine: Mapped[str | None] = mapped_column(String(32), default=None)
    attempt: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The seq of the task's newest event: incremented in the same statement that
    # allocates the next one, so concurrent writers never collide.
    last_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    # A worker running the task holds it until then, renewing between steps; a
    # redelivered message finds the lease live (skip) or expired (take over).
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    # Workers that took this attempt: one normally, one more per takeover after a crash
    # (a dead worker or browser). Bounded, so a portal that kills Chromium every time
    # fails instead of being retried forever.
    claims: Mapped[int] = mapped_column(default=0, server_default="0")
    # AWAITING_EMAIL: the portal e-mailed the invoice to the buyer's inbound address; the
    # task fails with TIMEOUT if it has not arrived by then.
    awaiting_email_until: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def task_status(self) -> TaskStatus:
        return TaskStatus(self.status)


class IdempotencyKey(IdMixin, TimestampMixin, Base):
    """createTask's idempotencyKey: the same key and input give the same task (24 h)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),
        Index("ix_idempotency_keys_created_at", "created_at"),  # the sweeper's clean-up
        ForeignKeyConstraint(
            ["task_id", "user_id"],
            ["tasks.id", "tasks.user_id"],
            name="fk_idempotency_keys_task_owner",
            ondelete="CASCADE",
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the normalized input
    task_id: Mapped[uuid.UUID] = mapped_column()
