"""The fiscal_profiles table; personal data is encrypted column by column."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from autofactura.core.db.base import Base, EncryptedText, IdMixin, TimestampMixin, utcnow


class FiscalProfile(IdMixin, TimestampMixin, Base):
    __tablename__ = "fiscal_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    tax_id: Mapped[str] = mapped_column(EncryptedText("fiscal_profiles.tax_id"))
    legal_name: Mapped[str] = mapped_column(EncryptedText("fiscal_profiles.legal_name"))
    zip: Mapped[str] = mapped_column(EncryptedText("fiscal_profiles.zip"))
    email: Mapped[str] = mapped_column(EncryptedText("fiscal_profiles.email"))
    tax_system: Mapped[str] = mapped_column(String(3))
    cfdi_use: Mapped[str] = mapped_column(String(4))
    # The buyer confirmed the RFC is exactly as the SAT printed it despite its check digit.
    tax_id_confirmed: Mapped[bool] = mapped_column(default=False)
    # Give portals the buyer's inbound address instead of `email`, so an e-mailed invoice
    # reaches the task; None is the default: on whenever an inbound domain is configured.
    use_inbound_email: Mapped[bool | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
