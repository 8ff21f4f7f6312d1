"""The users table: one row per buyer, whichever auth provider signed them in."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from autofactura.core.db.base import Base, IdMixin, TimestampMixin


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    # Null for Supabase accounts: their password lives in Supabase Auth.
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    # The random local part of the buyer's inbound address (<part>@inbound domain), made
    # on first use; unguessable, since whoever knows it can send the buyer invoices.
    inbound_local_part: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
