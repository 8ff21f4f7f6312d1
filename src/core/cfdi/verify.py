"""Checks that a downloaded CFDI is the buyer's (receptor data) and the ticket's (total).

Each difference comes back as a Mismatch with a Spanish message the buyer can act on.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from autofactura.core.cfdi.parse import Cfdi
from autofactura.core.fiscal import cfdi_use_description, tax_system_description

# Private in fiscal.validation, reused so a profile and a CFDI drop company types alike.
from autofactura.core.fiscal.validation import _strip_company_type

_CENT = Decimal("0.01")
_MORAL_TAX_ID_LENGTH = 12


class Receptor(Protocol):
    """Whatever carries the buyer's receptor data: a fiscal profile, the engines' Buyer."""

    @property
    def tax_id(self) -> str: ...
    @property
    def legal_name(self) -> str: ...
    @property
    def tax_system(self) -> str: ...
    @property
    def zip(self) -> str: ...
    @property
    def cfdi_use(self) -> str: ...


@dataclass(frozen=True)
class Expected:
    """The buyer's fiscal profile and the ticket's total the CFDI must carry."""

    tax_id: str
    legal_name: str
    tax_system: str
    zip: str
    cfdi_use: str
    total: Decimal

    @classmethod
    def of(cls, receptor: Receptor, total: Decimal) -> Expected:
        return cls(
            receptor.tax_id,
            receptor.legal_name,
            receptor.tax_system,
            receptor.zip,
            receptor.cfdi_use,
            total,
        )


@dataclass(frozen=True)
class Mismatch:
    """One CFDI field that differs from what was expected; message is for the buyer."""

    field: str
    expected: str
    found: str
    message: str


def comparable_name(name: str, tax_id: str) -> str:
    """The name as the SAT compares it, less the print differences portals introduce.

    Case and whitespace runs are ignored (the SAT prints uppercase). Accents are not: "PEÑA"
    and "PENA" are different registered names and the SAT would refuse one for the other, so
    only Unicode composition (NFC) is unified. A persona moral's trailing company type ("S.A.
    DE C.V.") is dropped: CFDI 4.0 says to omit it, yet some issuers still print it.
    """
    collapsed = " ".join(unicodedata.normalize("NFC", name).split()).upper()
    if len(tax_id.strip()) == _MORAL_TAX_ID_LENGTH:
        return _strip_company_type(collapsed)
    return collapsed


def _code(value: str | None) -> str:
    return (value or "").strip().upper()


def _described(code: str, describe: str | None) -> str:
    return f"{code} ({describe})" if describe else code


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def _rfc(cfdi: Cfdi, expected: Expected) -> Mismatch | None:
    want, found = _code(expected.tax_id), _code(cfdi.receptor_rfc)
    if want == found:
        return None
    message = f"La factura es para el RFC {found}, no para el tuyo ({want})."
    return Mismatch("receptor.rfc", want, found, message)


def _name(cfdi: Cfdi, expected: Expected) -> Mismatch | None:
    want, found = expected.legal_name.strip(), (cfdi.receptor_name or "").strip()
    if comparable_name(want, expected.tax_id) == comparable_name(found, expected.tax_id):
        return None
    if not found:
        message = f"La factura no trae nombre del receptor; debía decir «{want}»."
    else:
        message = (
            f"La factura está a nombre de «{found}», no de «{want}» como en tu Constancia "
            "de Situación Fiscal."
        )
    return Mismatch("receptor.name", want, found, message)


def _tax_system(cfdi: Cfdi, expected: Expected) -> Mismatch | None:
    want, found = _code(expected.tax_system), _code(cfdi.receptor_tax_system)
    if want == found:
        return None
    want_text = _described(want, tax_system_description(want))
    if not found:
        message = f"La factura no trae tu régimen fiscal; debía ser {want_text}."
    else:
        found_text = _described(found, tax_system_description(found))
        message = f"La factura trae el régimen fiscal {found_text}, no el tuyo: {want_text}."
    return Mismatch("receptor.taxSystem", want, found, message)


def _zip(cfdi: Cfdi, expected: Expected) -> Mismatch | None:
    want, found = _code(expected.zip), _code(cfdi.receptor_zip)
    if want == found:
        return None
    if not found:
        message = f"La factura no trae tu código postal fiscal; debía ser {want}."
    else:
        message = f"La factura trae el código postal fiscal {found}, no el tuyo ({want})."
    return Mismatch("receptor.zip", want, found, message)


def _cfdi_use(cfdi: Cfdi, expected: Expected) -> Mismatch | None:
    want, found = _code(expected.cfdi_use), _code(cfdi.cfdi_use)
    if want == found:
        return None
    want_text = _described(want, cfdi_use_description(want))
    if not found:
        message = f"La factura no trae el uso de CFDI; debía ser {want_text}."
    else:
        found_text = _described(found, cfdi_use_description(found))
        message = f"La factura trae el uso de CFDI {found_text}, no el que pediste: {want_text}."
    return Mismatch("receptor.cfdiUse", want, found, message)


def _total(cfdi: Cfdi, expected: Expected) -> Mismatch | None:
    want = expected.total.quantize(_CENT, ROUND_HALF_UP)
    found = cfdi.total.quantize(_CENT, ROUND_HALF_UP)
    if want == found:
        return None
    message = (
        f"El total de la factura es {_money(found)}, pero el de tu ticket es {_money(want)}: "
        "puede ser la factura de otra compra."
    )
    return Mismatch("total", str(want), str(found), message)


FIELD_NAMES = {
    "receptor.rfc": "el RFC",
    "receptor.name": "la razón social",
    "receptor.taxSystem": "el régimen fiscal",
    "receptor.zip": "el código postal",
    "receptor.cfdiUse": "el uso de CFDI",
    "total": "el total",
}


def mismatch_reason(mismatches: list[Mismatch]) -> str:
    fields = ", ".join(FIELD_NAMES.get(m.field, m.field) for m in mismatches)
    return (
        f"La factura que emitió el portal no coincide con tu ticket o tu perfil: {fields}. "
        "No la des por buena; pide al comercio que la corrija."
    )


_CHECKS = (_rfc, _name, _tax_system, _zip, _cfdi_use, _total)


def verify(cfdi: Cfdi, expected: Expected) -> list[Mismatch]:
    """Every difference between the CFDI and the buyer's data and ticket; [] means it is theirs."""
    return [mismatch for check in _CHECKS if (mismatch := check(cfdi, expected)) is not None]
