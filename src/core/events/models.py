"""The task_events table: seq 1, 2, 3… per task, never rewritten."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from autofactura.core.db.base import Base, JSONType, TimestampMixin


class EventType(StrEnum):
    STATUS = "status"
    STEP = "step"
    LIVE_URL = "live_url"
    ARTIFACT = "artifact"
    INVOICE = "invoice"
    ERROR = "error"


class TaskEvent(TimestampMixin, Base):
    __tablename__ = "task_events"
    __table_args__ = (
        UniqueConstraint("task_id", "seq", name="uq_task_events_task_seq"),
        # With the owner in the key, row-level security also stops events on others' tasks.
        ForeignKeyConstraint(
            ["task_id", "user_id"],
            ["tasks.id", "tasks.user_id"],
            name="fk_task_events_task_owner",
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    task_id: Mapped[uuid.UUID]
    # Denormalised owner: row-level security and taskUpdates filter on it without a join.
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
