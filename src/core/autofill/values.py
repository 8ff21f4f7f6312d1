"""The values a portal asks for, by meaning, from the buyer's fiscal profile and ticket,
and how a step event shows them (the buyer's personal data masked)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from autofactura.core.autofill.meanings import SECRET_MEANINGS, Meaning
from autofactura.core.autofill.text import normalize


@dataclass(frozen=True)
class Buyer:
    tax_id: str
    legal_name: str
    tax_system: str
    zip: str
    cfdi_use: str
    email: str


@dataclass(frozen=True)
class Purchase:
    folio: str
    date: str  # YYYY-MM-DD
    total: str  # two decimals, no currency sign
    store: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def amount(self) -> Decimal:
        return Decimal(self.total)


def purchase_of(ticket: dict[str, object]) -> Purchase:
    """The task's stored ticket JSON as the engines use it."""
    extra = ticket.get("extra") or {}
    store = ticket.get("store")
    return Purchase(
        folio=str(ticket["folio"]),
        date=str(ticket["date"]),
        total=str(Decimal(str(ticket["total"])).quantize(Decimal("0.01"))),
        store=str(store) if store else None,
        extra={str(k): str(v) for k, v in extra.items()} if isinstance(extra, dict) else {},
    )


# Printed extras that stand for a meaning the engine already knows how to fill.
_EXTRA_MEANINGS = {
    Meaning.PAYMENT_FORM: ("forma de pago", "metodo de pago", "pago"),
    Meaning.TIME: ("hora", "hora de compra", "hora de venta"),
    Meaning.STORE: ("tienda", "sucursal", "estacion", "es", "no de tienda"),
}


def _extra_for(purchase: Purchase, meaning: Meaning) -> str | None:
    wanted = _EXTRA_MEANINGS.get(meaning, ())
    for label, value in purchase.extra.items():
        if normalize(label) in wanted:
            return value
    return None


def value_for(
    meaning: Meaning, buyer: Buyer, purchase: Purchase, extra_label: str | None = None
) -> str | None:
    """What to put in a control of this meaning; None when the ticket does not say."""
    year, month, day = purchase.date.split("-")
    known: dict[Meaning, str | None] = {
        Meaning.TAX_ID: buyer.tax_id,
        Meaning.LEGAL_NAME: buyer.legal_name,
        Meaning.ZIP: buyer.zip,
        Meaning.TAX_SYSTEM: buyer.tax_system,
        Meaning.CFDI_USE: buyer.cfdi_use,
        Meaning.EMAIL: buyer.email,
        Meaning.EMAIL_CONFIRM: buyer.email,
        Meaning.FOLIO: purchase.folio,
        Meaning.DATE: purchase.date,
        Meaning.DAY: day,
        Meaning.MONTH: month,
        Meaning.YEAR: year,
        Meaning.TOTAL: purchase.total,
        Meaning.CONSENT: "true",
        Meaning.STORE: purchase.store or _extra_for(purchase, Meaning.STORE),
    }
    if meaning is Meaning.EXTRA:
        return purchase.extra.get(extra_label or "")
    if meaning in known:
        return known[meaning]
    return _extra_for(purchase, meaning)


def shown(meaning: Meaning, value: str) -> str:
    """The value as a step event may show it: personal data masked, ticket data as is."""
    if meaning not in SECRET_MEANINGS:
        return value
    return "•" * min(len(value), 8)
