"""The playbooks table: one recorded flow per buyer and portal domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from autofactura.core.db.base import Base, IdMixin, JSONType, TimestampMixin, utcnow


class Playbook(IdMixin, TimestampMixin, Base):
    __tablename__ = "playbooks"
    __table_args__ = (UniqueConstraint("user_id", "domain", name="uq_playbooks_user_domain"),)

    # Per buyer: a playbook shared across users could be poisoned or deleted by another.
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(255))  # the vendor's host, without "www."
    # Recorder actions ({"action": "fill_page" | "click" | …}); meanings, never values.
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    learned_by: Mapped[str] = mapped_column(String(32))  # the engine whose success it recorded
    successes: Mapped[int] = mapped_column(default=0)  # replays that completed the task
    failures: Mapped[int] = mapped_column(default=0)  # replays that fell back down the chain
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
