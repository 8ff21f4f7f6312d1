"""Normalization of portal texts and identifiers."""

from __future__ import annotations

import pytest

from autofactura.core.autofill.text import compact, find_phrase, identifier_words, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("R.F.C.", "rfc"),
        ("C.P.", "cp"),
        ("C.P", "cp"),
        ("E.S.", "es"),
        ("No. de Ticket:", "no de ticket"),
        ("Razón Social", "razon social"),
        ("Año", "ano"),
        ("Compañía", "compania"),
        ("  CÓDIGO   POSTAL*  ", "codigo postal"),
        ("TC#", "tc"),
        ("E-mail", "e mail"),
        ("dd/mm/aaaa", "dd mm aaaa"),
        ("Domicilio fiscal (C.P.)", "domicilio fiscal cp"),
        ("S.A. de C.V.", "sa de cv"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize(raw: str | None, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("ctl00$MainContent$txtRFC", "rfc"),
        ("ctl00_ContentPlaceHolder1_txtRazonSocial", "razon social"),
        ("txtrfc", "rfc"),
        ("ddlUsoCFDI", "uso cfdi"),
        ("RFCReceptor", "rfc receptor"),
        ("txtEmail2", "email 2"),
        ("receptor[rfc]", "receptor rfc"),
        ("codigoPostal", "codigo postal"),
        ("cp_fiscal", "cp fiscal"),
        ("inputWebId", "web id"),
        ("selectRegimen", "regimen"),
        ("chkAvisoPrivacidad", "aviso privacidad"),
        # A real word that merely starts like a prefix keeps it.
        ("selloDigital", "sello digital"),
        ("form1", ""),
    ],
)
def test_identifier_words(identifier: str, expected: str) -> None:
    assert identifier_words(identifier) == expected


def test_find_phrase_respects_word_boundaries() -> None:
    assert find_phrase("fecha del ticket", "ticket") == 2
    assert find_phrase("subtotal", "total") is None
    assert find_phrase("codigo postal fiscal", "codigo postal") == 0
    assert compact("Web ID") == compact("WebID") == "webid"
