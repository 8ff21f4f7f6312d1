"""The purchase ticket as the buyer gives it: folio, date, total, store, printed extras."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from autofactura.core.errors import FieldIssue, InvalidInput

MEXICO_CITY = ZoneInfo("America/Mexico_City")
_MAX_TEXT = 200
_MAX_EXTRAS = 20


def _text(value: str | None, field: str, issues: list[FieldIssue], required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            issues.append(FieldIssue(field, "REQUIRED", "Este dato del ticket es obligatorio."))
        return None
    if len(text) > _MAX_TEXT or any(ord(ch) < 32 for ch in text):
        issues.append(
            FieldIssue(field, "INVALID_TEXT", "Máximo 200 caracteres, sin saltos de línea.")
        )
        return None
    return text


def _total(value: Decimal | str | float, issues: list[FieldIssue]) -> str | None:
    try:
        amount = Decimal(str(value).replace(",", "").replace("$", "").strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("100000000"):
        issues.append(
            FieldIssue(
                "ticket.total",
                "INVALID_TOTAL",
                "El total debe ser un importe positivo, como 245.50.",
            )
        )
        return None
    if amount != amount.quantize(Decimal("0.01")):
        issues.append(
            FieldIssue("ticket.total", "INVALID_TOTAL", "El total lleva como máximo dos decimales.")
        )
        return None
    return str(amount.quantize(Decimal("0.01")))


def _date(value: date, issues: list[FieldIssue]) -> str | None:
    today = datetime.now(MEXICO_CITY).date()
    if value > today:
        issues.append(
            FieldIssue("ticket.date", "FUTURE_DATE", "La fecha del ticket no puede ser futura.")
        )
        return None
    if value < today - timedelta(days=5 * 366):
        issues.append(
            FieldIssue("ticket.date", "INVALID_DATE", "La fecha del ticket es demasiado antigua.")
        )
        return None
    return value.isoformat()


def _extras(extra: dict[str, Any] | None, issues: list[FieldIssue]) -> dict[str, str]:
    if not extra:
        return {}
    if len(extra) > _MAX_EXTRAS:
        issues.append(FieldIssue("ticket.extra", "TOO_MANY_EXTRAS", "Máximo 20 datos adicionales."))
        return {}
    clean: dict[str, str] = {}
    for label, value in extra.items():
        label_text = _text(str(label), "ticket.extra", issues, required=True)
        value_text = _text(str(value), "ticket.extra", issues, required=True)
        if label_text and value_text:
            clean[label_text] = value_text
    return clean


def clean_ticket(
    *,
    folio: str,
    date_: date,
    total: Decimal | str | float,
    store: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate every field, reporting all problems at once; return the stored JSON form."""
    issues: list[FieldIssue] = []
    ticket = {
        "folio": _text(folio, "ticket.folio", issues, required=True),
        "date": _date(date_, issues),
        "total": _total(total, issues),
        "store": _text(store, "ticket.store", issues, required=False),
        "extra": _extras(extra, issues),
    }
    if issues:
        raise InvalidInput(issues)
    return ticket
