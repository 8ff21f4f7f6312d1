"""verify: a CFDI is the buyer's and the ticket's, with tolerance only where portals differ."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from decimal import Decimal

import pytest

from autofactura.core.cfdi import Cfdi, Expected, Mismatch, parse_cfdi, verify
from tests.support.cfdi_factory import make_cfdi

MORAL = "WAL9709244W4"
FISICA = "GODE561231GR8"
EXPECTED = Expected(
    tax_id=MORAL,
    legal_name="NUEVA WAL MART DE MEXICO",
    tax_system="601",
    zip="01000",
    cfdi_use="G03",
    total=Decimal("1234.56"),
)
CFDI = parse_cfdi(
    make_cfdi(
        receptor_rfc=MORAL,
        receptor_name="NUEVA WAL MART DE MEXICO",
        receptor_zip="01000",
        receptor_tax_system="601",
        cfdi_use="G03",
        total="1234.56",
    )
)


def fields(mismatches: list[Mismatch]) -> list[str]:
    return [mismatch.field for mismatch in mismatches]


def test_matching_cfdi_has_no_mismatch() -> None:
    assert verify(CFDI, EXPECTED) == []


def test_profile_as_typed_by_a_person_still_matches() -> None:
    typed = replace(EXPECTED, tax_id=" wal9709244w4 ", legal_name="  Nueva  Wal Mart\tde México ")
    # "México" vs "MEXICO" differs by an accent, so only the name is reported.
    assert fields(verify(CFDI, typed)) == ["receptor.name"]
    typed = replace(
        typed, legal_name="  Nueva  Wal Mart\tde Mexico ", cfdi_use=" g03 ", zip=" 01000"
    )
    assert verify(CFDI, typed) == []


@pytest.mark.parametrize(
    ("cfdi_change", "field", "expected", "found", "words"),
    [
        (
            {"receptor_rfc": "XAXX010101000"},
            "receptor.rfc",
            MORAL,
            "XAXX010101000",
            [f"La factura es para el RFC XAXX010101000, no para el tuyo ({MORAL})."],
        ),
        (
            {"receptor_name": "OTRA EMPRESA"},
            "receptor.name",
            "NUEVA WAL MART DE MEXICO",
            "OTRA EMPRESA",
            ["«OTRA EMPRESA»", "Constancia de Situación Fiscal"],
        ),
        (
            {"receptor_tax_system": "626"},
            "receptor.taxSystem",
            "601",
            "626",
            ["régimen fiscal 626 (Régimen Simplificado de Confianza)", "601 (General de Ley"],
        ),
        (
            {"receptor_zip": "64000"},
            "receptor.zip",
            "01000",
            "64000",
            ["código postal fiscal 64000", "(01000)"],
        ),
        (
            {"cfdi_use": "S01"},
            "receptor.cfdiUse",
            "G03",
            "S01",
            ["uso de CFDI S01 (Sin efectos fiscales)", "G03 (Gastos en general)"],
        ),
        (
            {"total": Decimal("1234.57")},
            "total",
            "1234.56",
            "1234.57",
            ["$1,234.57", "$1,234.56", "ticket"],
        ),
    ],
)
def test_each_field_mismatch(
    cfdi_change: dict[str, object], field: str, expected: str, found: str, words: list[str]
) -> None:
    changes: dict[str, object] = {
        "receptor_rfc": CFDI.receptor_rfc,
        "receptor_name": CFDI.receptor_name,
        "receptor_zip": CFDI.receptor_zip,
        "receptor_tax_system": CFDI.receptor_tax_system,
        "cfdi_use": CFDI.cfdi_use,
        "total": CFDI.total,
    } | cfdi_change
    cfdi = parse_cfdi(make_cfdi(**changes))  # type: ignore[arg-type]
    [mismatch] = verify(cfdi, EXPECTED)
    assert (mismatch.field, mismatch.expected, mismatch.found) == (field, expected, found)
    for word in words:
        assert word in mismatch.message


def test_all_mismatches_come_back_in_a_stable_order() -> None:
    other = Expected(FISICA, "EMMA GOMEZ DIAZ", "612", "64000", "D01", Decimal("10"))
    assert fields(verify(CFDI, other)) == [
        "receptor.rfc",
        "receptor.name",
        "receptor.taxSystem",
        "receptor.zip",
        "receptor.cfdiUse",
        "total",
    ]


def test_missing_receptor_data_is_a_mismatch_that_says_so() -> None:
    bare = replace(CFDI, receptor_name=None, receptor_zip=None, receptor_tax_system=None)
    mismatches = verify(bare, EXPECTED)
    assert fields(mismatches) == ["receptor.name", "receptor.taxSystem", "receptor.zip"]
    assert all("no trae" in mismatch.message for mismatch in mismatches)
    assert all(mismatch.found == "" for mismatch in mismatches)


@pytest.mark.parametrize(
    ("on_cfdi", "on_profile"),
    [
        ("NUEVA WAL MART DE MEXICO, S.A. DE C.V.", "NUEVA WAL MART DE MEXICO"),
        ("NUEVA WAL MART DE MEXICO SA DE CV", "Nueva Wal Mart de Mexico"),
        ("NUEVA WAL MART DE MEXICO", "Nueva Wal Mart de Mexico S. de R.L. de C.V."),
        ("NUEVA WAL MART DE MEXICO S.C.", "NUEVA WAL MART DE MEXICO A.C."),
        ("NUEVA WAL MART DE MEXICO SAPI DE CV", "NUEVA  WAL MART DE MEXICO"),
    ],
)
def test_company_type_is_ignored_for_a_persona_moral(on_cfdi: str, on_profile: str) -> None:
    cfdi = replace(CFDI, receptor_name=on_cfdi)
    assert verify(cfdi, replace(EXPECTED, legal_name=on_profile)) == []


def test_company_type_is_not_a_wildcard() -> None:
    cfdi = replace(CFDI, receptor_name="NUEVA WAL MART S.A. DE C.V.")
    assert fields(verify(cfdi, EXPECTED)) == ["receptor.name"]


def test_company_type_is_not_stripped_for_a_persona_fisica() -> None:
    # A person has no company type; a trailing "SC" on one is part of the registered name.
    cfdi = replace(CFDI, receptor_rfc=FISICA, receptor_name="EMMA GOMEZ DIAZ SC")
    expected = replace(EXPECTED, tax_id=FISICA, legal_name="EMMA GOMEZ DIAZ")
    assert fields(verify(cfdi, expected)) == ["receptor.name"]


@pytest.mark.parametrize(
    ("on_cfdi", "on_profile", "same"),
    [
        ("PEÑA NIETO SOFIA", "PENA NIETO SOFIA", False),
        ("JOSÉ LÓPEZ", "JOSE LOPEZ", False),
        ("JOSÉ LÓPEZ", "josé lópez", True),
        ("PEÑA NIETO SOFIA", "peña nieto sofia", True),
        ("JOSÉ LÓPEZ", unicodedata.normalize("NFD", "José López"), True),
    ],
)
def test_accents_must_match(on_cfdi: str, on_profile: str, same: bool) -> None:
    cfdi = replace(CFDI, receptor_rfc=FISICA, receptor_name=on_cfdi)
    expected = replace(EXPECTED, tax_id=FISICA, legal_name=on_profile)
    assert (verify(cfdi, expected) == []) is same


@pytest.mark.parametrize(
    ("on_cfdi", "on_ticket", "same"),
    [
        ("1234.56", "1234.56", True),
        ("1234.560000", "1234.56", True),
        ("1234.5", "1234.50", True),
        ("1234.564", "1234.56", True),
        ("1234.57", "1234.56", False),
        ("1234.55", "1234.56", False),
        ("123.46", "1234.56", False),
    ],
)
def test_total_is_compared_to_the_cent(on_cfdi: str, on_ticket: str, same: bool) -> None:
    cfdi: Cfdi = replace(CFDI, total=Decimal(on_cfdi))
    expected = replace(EXPECTED, total=Decimal(on_ticket))
    assert (verify(cfdi, expected) == []) is same


def test_codes_are_exact() -> None:
    # Regime and use codes are not names: "601 " is fine, a different code never is.
    assert verify(replace(CFDI, receptor_tax_system=" 601"), EXPECTED) == []
    assert fields(verify(replace(CFDI, receptor_tax_system="6010"), EXPECTED)) == [
        "receptor.taxSystem"
    ]
    assert fields(verify(replace(CFDI, receptor_zip="1000"), EXPECTED)) == ["receptor.zip"]
