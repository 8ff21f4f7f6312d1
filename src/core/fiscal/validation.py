"""Normalization and validation of a buyer's fiscal profile against the CFDI 4.0 receptor rules.

Every problem comes back at once, keyed by input field, with a Spanish message for the buyer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from autofactura.core.fiscal.catalogs import CFDI_USES, TAX_SYSTEMS, CfdiUse, TaxSystem, zip_exists
from autofactura.core.fiscal.rfc import (
    GENERIC_TAX_IDS,
    RfcCheck,
    check_tax_id,
    normalize_tax_id,
    person_type,
)

MAX_LEGAL_NAME = 254
MAX_EMAIL = 254
_GENERIC_TAX_SYSTEM = "616"
_GENERIC_CFDI_USE = "S01"
_PERSON_LABEL = {"moral": "persona moral", "fisica": "persona física"}


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one input field; message says what and how to fix it."""

    field: str
    code: str
    message: str


@dataclass(frozen=True)
class FiscalProfileData:
    """The receptor data printed on the buyer's Constancia de Situación Fiscal, plus an email."""

    tax_id: str
    legal_name: str
    tax_system: str
    zip: str
    cfdi_use: str
    email: str


def _abbreviation(letters: str) -> str:
    # "SA" matches "SA", "S.A.", "S. A." and "S.A".
    return r"\.?\s?".join(letters) + r"\.?"


def _company_type(*words: str) -> str:
    return r"\s?".join("DE" if word == "DE" else _abbreviation(word) for word in words)


# Written with or without dots, as "S.A. de C.V." or "SA DE CV"; longest forms first.
_ABBREVIATED = (
    "SAPI DE CV,SAB DE CV,SAS DE CV,SA DE CV,S DE RL DE CV,SC DE RL DE CV,SPR DE RL,SPR DE RI,"
    "S DE RL,SAPI,SAB,SAS,SA,SC,AC,IAP"
)
_COMPANY_TYPES = (
    *(_company_type(*words.split()) for words in _ABBREVIATED.split(",")),
    r"SOCIEDAD AN[OÓ]NIMA(?: DE CAPITAL VARIABLE)?",
    r"SOCIEDAD DE RESPONSABILIDAD LIMITADA(?: DE CAPITAL VARIABLE)?",
    r"SOCIEDAD CIVIL",
    r"ASOCIACI[OÓ]N CIVIL",
)
_COMPANY_TYPE_SUFFIX = re.compile(r"[\s,]+(?:" + "|".join(_COMPANY_TYPES) + r")[\s.,]*$")
# Company types are short; searching only the tail keeps a 100 kB name from costing O(n²).
_SUFFIX_WINDOW = 100
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_ZIP = re.compile(r"[0-9]{5}")


def _strip_company_type(name: str) -> str:
    head, tail = name[:-_SUFFIX_WINDOW], name[-_SUFFIX_WINDOW:]
    match = _COMPANY_TYPE_SUFFIX.search(tail)
    if match is None or not (head or tail[: match.start()]):
        return name
    return (head + tail[: match.start()]).rstrip(" ,")


def _normalize_legal_name(name: str, tax_id: str) -> str:
    collapsed = " ".join(name.split()).upper()
    if len(tax_id) == 12:
        return _strip_company_type(collapsed)
    return collapsed


def normalize_profile(data: FiscalProfileData) -> FiscalProfileData:
    """Put the data in the form the SAT prints it; a persona moral's company type is dropped."""
    tax_id = normalize_tax_id(data.tax_id)
    return replace(
        data,
        tax_id=tax_id,
        legal_name=_normalize_legal_name(data.legal_name, tax_id),
        tax_system=data.tax_system.strip().upper(),
        zip=data.zip.strip(),
        cfdi_use=data.cfdi_use.strip().upper(),
        email=data.email.strip().lower(),
    )


def _tax_id_problems(tax_id: str, *, confirmed: bool) -> list[FieldProblem]:
    check = check_tax_id(tax_id)
    if check is RfcCheck.BAD_FORMAT:
        message = (
            "El RFC no tiene un formato válido: debe tener 12 caracteres (persona moral) o 13 "
            "(persona física), con letras, la fecha AAMMDD y la homoclave. Cópialo tal como "
            "aparece en tu Constancia de Situación Fiscal."
        )
        return [FieldProblem("taxId", "INVALID_TAX_ID", message)]
    if check is RfcCheck.BAD_CHECK_DIGIT and not confirmed:
        message = (
            "El dígito verificador del RFC (el último carácter) no corresponde al resto. Revisa "
            "que esté bien escrito; si es exactamente como aparece en tu Constancia de Situación "
            "Fiscal, confírmalo y lo aceptaremos así."
        )
        return [FieldProblem("taxId", "TAX_ID_CHECK_DIGIT", message)]
    return []


def _has_forbidden_character(text: str) -> bool:
    # "|" is the one character the CFDI XML schema forbids in a name.
    return any(char == "|" or unicodedata.category(char).startswith("C") for char in text)


def _legal_name_problems(name: str) -> list[FieldProblem]:
    if not name:
        reason = "El nombre o razón social está vacío."
    elif len(name) > MAX_LEGAL_NAME:
        reason = f"El nombre o razón social tiene más de {MAX_LEGAL_NAME} caracteres."
    elif _has_forbidden_character(name):
        reason = "El nombre o razón social contiene caracteres no permitidos (de control o «|»)."
    else:
        return []
    message = f"{reason} Escríbelo exactamente como aparece en tu Constancia de Situación Fiscal."
    return [FieldProblem("legalName", "INVALID_LEGAL_NAME", message)]


def _zip_problems(zip_code: str) -> list[FieldProblem]:
    if not _ZIP.fullmatch(zip_code):
        message = (
            "El código postal debe tener exactamente 5 dígitos. Usa el domicilio fiscal de tu "
            "Constancia de Situación Fiscal."
        )
        return [FieldProblem("zip", "INVALID_ZIP", message)]
    if not zip_exists(zip_code):
        message = (
            f"El código postal {zip_code} no existe en el catálogo del SAT. Revisa el de tu "
            "domicilio fiscal en tu Constancia de Situación Fiscal."
        )
        return [FieldProblem("zip", "UNKNOWN_ZIP", message)]
    return []


def _email_problems(email: str) -> list[FieldProblem]:
    if len(email) <= MAX_EMAIL and _EMAIL.fullmatch(email) and email.isprintable():
        return []
    message = (
        "El correo electrónico no es válido. Escríbelo completo, sin espacios, por ejemplo "
        "nombre@dominio.mx."
    )
    return [FieldProblem("email", "INVALID_EMAIL", message)]


def _label(system: TaxSystem | CfdiUse) -> str:
    return f"{system.code} ({system.description})"


def _person_type_problems(tax_id: str, system: TaxSystem) -> list[FieldProblem]:
    if tax_id in GENERIC_TAX_IDS:
        if system.code == _GENERIC_TAX_SYSTEM:
            return []
        message = (
            f"Con el RFC genérico {tax_id} el régimen fiscal debe ser 616 (Sin obligaciones "
            f"fiscales), no {_label(system)}. Elige 616 o usa tu propio RFC."
        )
        return [FieldProblem("taxSystem", "TAX_SYSTEM_PERSON_TYPE", message)]
    kind = person_type(tax_id)
    allowed = system.for_moral if kind == "moral" else system.for_fisica
    if allowed:
        return []
    message = (
        f"El régimen {_label(system)} no aplica a una {_PERSON_LABEL[kind]} (RFC de "
        f"{len(tax_id)} caracteres). Elige el régimen que aparece en tu Constancia de "
        "Situación Fiscal."
    )
    return [FieldProblem("taxSystem", "TAX_SYSTEM_PERSON_TYPE", message)]


def _cfdi_use_problems(tax_id: str, system: TaxSystem, use: CfdiUse) -> list[FieldProblem]:
    if tax_id in GENERIC_TAX_IDS:
        if use.code == _GENERIC_CFDI_USE:
            return []
        reason = f"Con el RFC genérico {tax_id} el uso del CFDI debe ser S01 (Sin efectos fiscales)"
    elif use.fisica_only and person_type(tax_id) == "moral":
        reason = f"El uso del CFDI {_label(use)} solo aplica a personas físicas"
    elif system.code not in use.tax_systems:
        reason = f"El uso del CFDI {_label(use)} no es válido con el régimen {_label(system)}"
    else:
        return []
    message = f"{reason}. Elige un uso permitido para tu régimen; S01 sirve con todos."
    return [FieldProblem("cfdiUse", "CFDI_USE_TAX_SYSTEM", message)]


def _unknown_code_problems(data: FiscalProfileData) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if data.tax_system not in TAX_SYSTEMS:
        message = (
            "El régimen fiscal no es una clave válida del catálogo del SAT para CFDI 4.0. Usa la "
            "clave de 3 dígitos de tu Constancia de Situación Fiscal, por ejemplo 601 o 612."
        )
        problems.append(FieldProblem("taxSystem", "UNKNOWN_TAX_SYSTEM", message))
    if data.cfdi_use not in CFDI_USES:
        message = (
            "El uso del CFDI no es una clave válida del catálogo del SAT para CFDI 4.0. Usa una "
            "clave como G03 (Gastos en general) o S01 (Sin efectos fiscales)."
        )
        problems.append(FieldProblem("cfdiUse", "UNKNOWN_CFDI_USE", message))
    return problems


def _consistency_problems(data: FiscalProfileData) -> list[FieldProblem]:
    system = TAX_SYSTEMS.get(data.tax_system)
    if system is None:
        return []
    problems = _person_type_problems(data.tax_id, system)
    use = CFDI_USES.get(data.cfdi_use)
    # A regime that is wrong for the person type would only make the use check noisy.
    if use is not None and not problems:
        problems += _cfdi_use_problems(data.tax_id, system, use)
    return problems


def validate_profile(
    data: FiscalProfileData, *, tax_id_confirmed: bool = False
) -> list[FieldProblem]:
    """All problems of the normalized profile; an empty list means it can be invoiced."""
    data = normalize_profile(data)
    tax_id_problems = _tax_id_problems(data.tax_id, confirmed=tax_id_confirmed)
    problems = [
        *tax_id_problems,
        *_legal_name_problems(data.legal_name),
        *_unknown_code_problems(data),
        *_zip_problems(data.zip),
        *_email_problems(data.email),
    ]
    # The person type comes from the RFC's shape, which a bad check digit alone leaves intact.
    if not any(problem.code == "INVALID_TAX_ID" for problem in tax_id_problems):
        problems += _consistency_problems(data)
    return problems
