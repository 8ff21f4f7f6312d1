"""The buyer's personal data as browser-use sensitive_data, and the redaction of anything
we record from the agent (goals, URLs, portal messages) with the same placeholders."""

from __future__ import annotations

from typing import Any

from autofactura.core.autofill.values import Buyer
from autofactura.core.privacy.redaction import replace_all


def sensitive_data(buyer: Buyer) -> dict[str, str]:
    """Placeholder → value. browser-use redacts exact, case-sensitive matches: portals echo
    names and e-mails upper- or lower-cased, so those spellings get placeholders too."""
    base = {
        "x_rfc": buyer.tax_id,
        "x_razon_social": buyer.legal_name,
        "x_codigo_postal": buyer.zip,
        "x_correo": buyer.email,
    }
    variants: dict[str, str] = {}
    for key, value in base.items():
        for suffix, spelling in (("_mayusculas", value.upper()), ("_minusculas", value.lower())):
            if spelling != value and spelling not in base.values():
                variants[f"{key}{suffix}"] = spelling
    return {**base, **variants}


def redact(text: str, secrets: dict[str, str]) -> str:
    """Every spelling of every secret replaced by its placeholder."""
    return replace_all(text, {value: f"<secret>{key}</secret>" for key, value in secrets.items()})


def redact_json(value: Any, secrets: dict[str, str]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: redact_json(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v, secrets) for v in value]
    return value
