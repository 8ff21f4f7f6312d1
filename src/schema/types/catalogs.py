"""The SAT catalogs a fiscal profile is made from, for forms that offer choices instead of
asking for codes: c_RegimenFiscal with its person types, c_UsoCFDI with its regimes."""

from __future__ import annotations

import strawberry

from autofactura.core.fiscal import CFDI_USES, TAX_SYSTEMS


@strawberry.type(description="A c_RegimenFiscal entry valid for a CFDI 4.0 receptor.")
class TaxSystemEntry:
    code: str
    description: str
    for_moral: bool = strawberry.field(description="A 12-character RFC may declare it.")
    for_fisica: bool = strawberry.field(description="A 13-character RFC may declare it.")


@strawberry.type(description="A c_UsoCFDI entry and the receptor regimes it is valid with.")
class CfdiUseEntry:
    code: str
    description: str
    tax_systems: list[str]
    fisica_only: bool


@strawberry.type(description="What createFiscalProfile accepts for taxSystem and cfdiUse.")
class FiscalCatalogs:
    tax_systems: list[TaxSystemEntry]
    cfdi_uses: list[CfdiUseEntry]


def fiscal_catalogs() -> FiscalCatalogs:
    return FiscalCatalogs(
        tax_systems=[
            TaxSystemEntry(
                code=s.code, description=s.description, for_moral=s.for_moral,
                for_fisica=s.for_fisica,
            )
            for s in TAX_SYSTEMS.values()
        ],
        cfdi_uses=[
            CfdiUseEntry(
                code=u.code, description=u.description, tax_systems=sorted(u.tax_systems),
                fisica_only=u.fisica_only,
            )
            for u in CFDI_USES.values()
        ],
    )  # fmt: skip
