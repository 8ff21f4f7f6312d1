"""Picking the option that means a value among what a portal lists."""

from __future__ import annotations

import pytest

from autofactura.core.autofill.meanings import Meaning
from autofactura.core.autofill.options import is_placeholder_option, pick_option

M = Meaning
REGIMES_CODED = (
    "Selecciona tu régimen",
    "601 - General de Ley Personas Morales",
    "603 - Personas Morales con Fines no Lucrativos",
    "612 - Personas Físicas con Actividades Empresariales y Profesionales",
    "626 - Régimen Simplificado de Confianza",
)
REGIMES_NAMED = (
    "-- Seleccione --",
    "General de Ley Personas Morales",
    "Personas Morales con Fines no Lucrativos",
    "Actividades Empresariales y Profesionales",
    "Actividades Empresariales con ingresos a través de Plataformas Tecnológicas",
    "RESICO",
)
USES = (
    "",
    "G01 - Adquisición de mercancías",
    "G03 - Gastos en general",
    "S01 Sin efectos fiscales",
)
FORMS = ("Selecciona", "01 - Efectivo", "03 - Transferencia", "04 - Tarjeta de crédito", "28")
FORM_NAMES = (
    "Efectivo",
    "Cheque",
    "Transferencia electrónica",
    "Tarjeta de crédito",
    "Tarjeta de débito",
    "Por definir",
)
MONTHS = ("Mes", "Enero", "Febrero", "Marzo", "Abril")
MONTH_CODES = ("MM", "01", "02", "03", "04")


@pytest.mark.parametrize(
    ("options", "meaning", "value", "expected"),
    [
        (REGIMES_CODED, M.TAX_SYSTEM, "601", 1),
        (REGIMES_CODED, M.TAX_SYSTEM, "626", 4),
        (REGIMES_CODED, M.TAX_SYSTEM, "605", None),
        (("601", "612"), M.TAX_SYSTEM, "612", 1),
        (REGIMES_NAMED, M.TAX_SYSTEM, "601", 1),
        (REGIMES_NAMED, M.TAX_SYSTEM, "612", 3),
        (REGIMES_NAMED, M.TAX_SYSTEM, "625", 4),
        (REGIMES_NAMED, M.TAX_SYSTEM, "626", 5),
        (
            ("Régimen General de Ley Personas Morales", "Régimen Simplificado de Confianza"),
            M.TAX_SYSTEM,
            "601",
            0,
        ),
        (REGIMES_NAMED, M.TAX_SYSTEM, "General de Ley Personas Morales", 1),
        (USES, M.CFDI_USE, "G03", 2),
        (USES, M.CFDI_USE, "g03", 2),
        (USES, M.CFDI_USE, "S01", 3),
        (("G03 Gastos en General", "G01 Adquisición"), M.CFDI_USE, "G03", 0),
        (("Adquisición de mercancías", "Gastos en general"), M.CFDI_USE, "G03", 1),
        # "G03" is not inside "G030".
        (("G030 - Otro", "G01 - Adquisición de mercancías"), M.CFDI_USE, "G03", None),
        (("G030 - Otro", "G03-Gastos en general"), M.CFDI_USE, "G03", 1),
        (FORMS, M.PAYMENT_FORM, "01", 1),
        (FORMS, M.PAYMENT_FORM, "04", 3),
        (FORMS, M.PAYMENT_FORM, "28", 4),
        (FORMS, M.PAYMENT_FORM, "Efectivo", 1),
        (("1 - Efectivo", "4 - Tarjeta de crédito"), M.PAYMENT_FORM, "04", 1),
        (FORM_NAMES, M.PAYMENT_FORM, "01", 0),
        (FORM_NAMES, M.PAYMENT_FORM, "02", 1),
        (FORM_NAMES, M.PAYMENT_FORM, "03", 2),
        (FORM_NAMES, M.PAYMENT_FORM, "04", 3),
        (FORM_NAMES, M.PAYMENT_FORM, "28", 4),
        (FORM_NAMES, M.PAYMENT_FORM, "99", 5),
        (("Efectivo", "Tarjeta"), M.PAYMENT_FORM, "28", 1),
        (("Efectivo", "Tarjeta"), M.PAYMENT_FORM, "03", None),
        (MONTHS, M.MONTH, "03", 3),
        (MONTHS, M.MONTH, "3", 3),
        (MONTH_CODES, M.MONTH, "03", 3),
        (("ene", "feb", "mar", "abr"), M.MONTH, "03", 2),
        (("3 - Marzo", "4 - Abril"), M.MONTH, "03", 0),
        (MONTHS, M.MONTH, "marzo", 3),
        (("Día", "1", "2", "3", "10"), M.DAY, "03", 3),
        (("Día", "01", "02", "03"), M.DAY, "3", 3),
        (("Año", "2023", "2024", "2025"), M.YEAR, "2024", 2),
        (("23", "24", "25"), M.YEAR, "2024", 1),
        (("Sucursal Polanco", "Sucursal Santa Fe"), M.STORE, "Santa Fe", 1),
        (("123 - Centro", "1234 - Norte"), M.STORE, "123", 0),
        (("456 - Centro", "457 - Norte"), M.STORE, "0456", 0),
        (("Centro", "Centro Histórico"), M.STORE, "centro", 0),
        (("Norte 1", "Norte 2"), M.STORE, "Norte", None),
        (("Selecciona", "Starbucks", "Domino's"), M.EXTRA, "DOMINOS", 2),
        (("Selecciona",), M.STORE, "Selecciona", None),
        ((), M.STORE, "x", None),
    ],
)
def test_pick_option(
    options: tuple[str, ...], meaning: Meaning, value: str, expected: int | None
) -> None:
    assert pick_option(options, meaning, value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Selecciona…", True),
        ("-- Seleccione --", True),
        ("(Elige una opción)", True),
        ("--", True),
        ("", True),
        ("Mes", True),
        ("Efectivo", False),
        ("601 - General de Ley Personas Morales", False),
    ],
)
def test_placeholder_options(text: str, expected: bool) -> None:
    assert is_placeholder_option(text) is expected
