"""RFC (Mexican tax id) normalization, person type and format / check-digit checks."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from stdnum.exceptions import ValidationError
from stdnum.mx import rfc as stdnum_rfc

PersonType = Literal["moral", "fisica"]

PUBLIC_GENERIC_TAX_ID = "XAXX010101000"
FOREIGN_GENERIC_TAX_ID = "XEXX010101000"
GENERIC_TAX_IDS: dict[str, str] = {
    PUBLIC_GENERIC_TAX_ID: "público en general",
    FOREIGN_GENERIC_TAX_ID: "residente en el extranjero",
}

# People paste RFCs from PDFs and spreadsheets: any whitespace, dots and dash lookalikes.
_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015\u2212]+")
# stdnum.compact() silently drops "_" and accepts 10-character RFCs without homoclave,
# so the exact CFDI shape is checked here before handing over to stdnum.
_SHAPE = re.compile(r"[A-Z&Ñ]{3,4}[0-9]{6}[0-9A-Z]{3}")


class RfcCheck(StrEnum):
    """Outcome of checking an RFC."""

    OK = "OK"
    BAD_FORMAT = "BAD_FORMAT"
    BAD_CHECK_DIGIT = "BAD_CHECK_DIGIT"


def normalize_tax_id(raw: str) -> str:
    """Drop whitespace, dots and dashes and uppercase, as the SAT writes RFCs."""
    return _SEPARATORS.sub("", raw).upper()


def person_type(tax_id: str) -> PersonType:
    """Moral for a 12-character RFC, física for 13; ValueError for any other length."""
    length = len(normalize_tax_id(tax_id))
    if length == 12:
        return "moral"
    if length == 13:
        return "fisica"
    raise ValueError(f"an RFC has 12 or 13 characters, not {length}")


def check_tax_id(tax_id: str) -> RfcCheck:
    """Check the RFC's shape, embedded date and mod-11 check digit. Generic RFCs are OK."""
    number = normalize_tax_id(tax_id)
    if number in GENERIC_TAX_IDS:
        return RfcCheck.OK
    if len(number) not in (12, 13) or not _SHAPE.fullmatch(number):
        return RfcCheck.BAD_FORMAT
    try:
        # Dates, and first letters the SAT never issues, are format errors.
        stdnum_rfc.validate(number)
    except ValidationError:
        return RfcCheck.BAD_FORMAT
    try:
        # With check digits stdnum also rejects homoclaves the SAT algorithm would not produce;
        # like a bad digit, the SAT may still have issued them, so the buyer can confirm.
        stdnum_rfc.validate(number, validate_check_digits=True)
    except ValidationError:
        return RfcCheck.BAD_CHECK_DIGIT
    return RfcCheck.OK
