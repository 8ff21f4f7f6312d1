"""What a playbook may keep of a portal's text: this task's values become their meanings
("{taxId}", "{folio}", "{extra:Web ID}") and anything shaped like personal data is masked,
so a stored playbook holds no RFC, name, zip, e-mail, folio or total."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from autofactura.core.autofill.text import normalize
from autofactura.core.privacy.redaction import replace_all

Values = Mapping[str, str]  # meaning ("taxId", "folio", "extra:<label>") -> this task's value

# Shorter values ("1", "G3") would turn ordinary words into meanings.
MIN_LENGTH = 3
_SHAPES = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "{email}"),
    (re.compile(r"(?<![a-z0-9])[a-zñ&]{3,4}\d{6}[a-z0-9]{3}(?![a-z0-9])", re.I), "{taxId}"),
    (re.compile(r"\$?\s?(?:\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+\.\d{2})(?!\d)"), "{amount}"),
    (re.compile(r"\d{5,}"), "{number}"),
)
_MEANING = re.compile(r"\{([A-Za-z]+(?::[^{}]*)?)\}")


def _forms(meaning: str, value: str) -> list[str]:
    """The ways a portal may print the value (a total with thousands separators)."""
    forms = [value.strip()]
    if meaning == "total":
        try:
            amount = Decimal(value)
        except InvalidOperation:
            amount = None
        if amount is not None:
            forms += [f"{amount:.2f}", f"{amount:,.2f}"]
    return [form for form in forms if len(form) >= MIN_LENGTH]


def redact(text: str, values: Values | None = None) -> str:
    """The text with this task's values replaced by their meanings, then personal-data
    shapes (an RFC, an e-mail, an amount, a long number) masked."""
    markers = {
        form: "{" + meaning + "}"
        for meaning, value in (values or {}).items()
        for form in _forms(meaning, value)
    }
    text = replace_all(text, markers)
    for shape, mark in _SHAPES:
        text = shape.sub(mark, text)
    return text


def fill_in(text: str, values: Values) -> str | None:
    """The recorded text with its meanings replaced by this task's values; None when it
    names one this task does not have (a masked shape such as "{number}")."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        found = values.get(match.group(1))
        missing = missing or found is None
        return found or ""

    filled = _MEANING.sub(value, text)
    return None if missing else filled


def same(live: str, recorded: str, values: Values) -> bool:
    """Whether a text on the page now is the one recorded (values compared as meanings)."""
    return normalize(redact(live, values)) == normalize(recorded)


def ticket_values(ticket: Mapping[str, Any]) -> dict[str, str]:
    """The ticket's values a playbook must not keep: folio, total and the printed extras."""
    values = {key: str(ticket[key]) for key in ("folio", "total") if ticket.get(key)}
    extra = ticket.get("extra")
    if isinstance(extra, Mapping):
        values.update({f"extra:{label}": str(value) for label, value in extra.items() if value})
    return values


def profile_values(tax_id: str, legal_name: str, zip_code: str, email: str) -> dict[str, str]:
    """The buyer's personal data, by meaning."""
    return {"taxId": tax_id, "legalName": legal_name, "zip": zip_code, "email": email}
