"""SAT catalogs for a CFDI 4.0 receptor: tax regimes, CFDI uses and fiscal zip codes.

Descriptions and zip codes come from satcfdi's SQLite catalogs; which person type a regime
applies to and which use fits which regime are not in satcfdi, so they are written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from satcfdi.catalogs import select

_REGIME_CATALOG = "C756_c_RegimenFiscal"
_USE_CATALOG = "C756_c_UsoCFDI"
_ZIP_CATALOG = "C756_c_CodigoPostal"
_ZIP_PATTERN = re.compile(r"[0-9]{5}")
# Catalog keys are at most 4 ASCII characters; anything else is not worth a query.
_CODE_PATTERN = re.compile(r"[0-9A-Z]{1,4}")


@dataclass(frozen=True)
class TaxSystem:
    """A c_RegimenFiscal entry and the person types that may declare it."""

    code: str
    description: str
    for_moral: bool
    for_fisica: bool


@dataclass(frozen=True)
class CfdiUse:
    """A c_UsoCFDI entry and the receptor regimes it is valid with."""

    code: str
    description: str
    tax_systems: frozenset[str]
    fisica_only: bool


@lru_cache(maxsize=256)
def _describe(catalog: str, code: str) -> str | None:
    if not _CODE_PATTERN.fullmatch(code):
        return None
    value = select(catalog, code)
    return value if isinstance(value, str) else None


def tax_system_description(code: str) -> str | None:
    """The SAT description of a c_RegimenFiscal code, or None when the SAT has no such code."""
    return _describe(_REGIME_CATALOG, code)


def cfdi_use_description(code: str) -> str | None:
    """The SAT description of a c_UsoCFDI code, or None when the SAT has no such code."""
    return _describe(_USE_CATALOG, code)


_MORAL_ONLY = ("601", "603", "620", "622", "623", "624")
# 621 (Incorporación Fiscal) is física here; sources disagree on whether a moral may hold it,
# but the RIF was only ever open to personas físicas.
_FISICA_ONLY = ("605", "606", "607", "608", "611", "612", "614", "615", "616", "621", "625")
_BOTH = ("610", "626")
# 622 is not in DOMAIN.md's person-type lists; the SAT c_RegimenFiscal marks it moral only.
# 609 (Consolidación) and 628-630 are in satcfdi's merged catalog but not valid for a
# CFDI 4.0 receptor, so they are left out and reported as unknown.


def _tax_system(code: str, *, moral: bool, fisica: bool) -> TaxSystem:
    return TaxSystem(code, tax_system_description(code) or code, moral, fisica)


TAX_SYSTEMS: dict[str, TaxSystem] = {
    system.code: system
    for system in sorted(
        [_tax_system(code, moral=True, fisica=False) for code in _MORAL_ONLY]
        + [_tax_system(code, moral=False, fisica=True) for code in _FISICA_ONLY]
        + [_tax_system(code, moral=True, fisica=True) for code in _BOTH],
        key=lambda system: system.code,
    )
}

_ALL_SYSTEMS = frozenset(TAX_SYSTEMS)
_BUSINESS_SYSTEMS = frozenset(
    ("601", "603", "606", "612", "620", "621", "622", "623", "624", "625", "626")
)
_DEDUCTION_SYSTEMS = frozenset(("605", "606", "607", "608", "611", "612", "614", "615", "625"))


def _cfdi_use(code: str, systems: frozenset[str], *, fisica_only: bool = False) -> CfdiUse:
    return CfdiUse(code, cfdi_use_description(code) or code, systems, fisica_only)


# P01 ("Por definir") is in satcfdi's catalog but was withdrawn in CFDI 4.0.
CFDI_USES: dict[str, CfdiUse] = {
    use.code: use
    for use in (
        *(_cfdi_use(f"G{n:02d}", _BUSINESS_SYSTEMS) for n in range(1, 4)),
        *(_cfdi_use(f"I{n:02d}", _BUSINESS_SYSTEMS) for n in range(1, 9)),
        *(_cfdi_use(f"D{n:02d}", _DEDUCTION_SYSTEMS, fisica_only=True) for n in range(1, 11)),
        _cfdi_use("S01", _ALL_SYSTEMS),
        _cfdi_use("CP01", _ALL_SYSTEMS),
        _cfdi_use("CN01", frozenset(("605",))),
    )
}


@lru_cache(maxsize=4096)
def _zip_in_catalog(zip_code: str) -> bool:
    return bool(select(_ZIP_CATALOG, zip_code))


def zip_exists(zip: str) -> bool:
    """Whether a five-digit zip code is in the SAT c_CodigoPostal catalog."""
    if not _ZIP_PATTERN.fullmatch(zip):
        return False
    return _zip_in_catalog(zip)
