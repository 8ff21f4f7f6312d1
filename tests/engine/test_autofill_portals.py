"""Autofill on portals nobody wrote a script for: it gets the invoice, checks it against
what the portal really issued, maps each portal refusal to its failure code, asks a person
for CAPTCHAs and logins, and never shows the buyer's data in its progress."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from autofactura.core.cfdi.parse import parse_cfdi
from tests.engine.conftest import SECRETS, run_portal
from tests.portals.app import FORM_PORTALS, PortalServer
from tests.portals.buyer import PROFILE


def _folio() -> str:
    return f"T{uuid.uuid4().hex[:10].upper()}"


@pytest.mark.parametrize("name", FORM_PORTALS)
async def test_gets_and_verifies_the_invoice(
    portals: PortalServer, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folio = _folio()
    result = await run_portal(portals, name, folio, tmp_path)
    assert result.status == "COMPLETED", result
    assert result.engine == "autofill"
    stamps = [s for s in portals.ledger.stamps(name, folio) if not s.earlier]
    assert len(stamps) == 1, "stamped exactly once"
    invoice = result.invoice
    assert invoice is not None and invoice["verified"] is True
    assert invoice["uuid"] == stamps[0].uuid
    xml = next(Path(f) for f in invoice["files"] if f.endswith(".xml"))
    cfdi = parse_cfdi(xml.read_bytes())
    assert cfdi.receptor_rfc == PROFILE["taxId"] and str(cfdi.total) == "1234.50"
    progress = capsys.readouterr().err
    assert "fill" in progress
    assert not [s for s in SECRETS if s in progress], "personal data in the step events"


async def test_a_portal_that_issues_a_wrong_total_is_caught(
    portals: PortalServer, tmp_path: Path
) -> None:
    result = await run_portal(portals, "mismatch", _folio(), tmp_path)
    assert (result.status, result.failure_code) == ("FAILED", "INVOICE_MISMATCH")
    assert "el total" in (result.message or "")


async def test_an_emailed_invoice_completes_without_files(
    portals: PortalServer, tmp_path: Path
) -> None:
    folio = _folio()
    result = await run_portal(portals, "correo", folio, tmp_path)
    assert result.status == "COMPLETED", result
    assert result.invoice is None
    assert "correo" in (result.message or "")
    stamps = portals.ledger.stamps("correo", folio)
    assert len(stamps) == 1
    assert [m for m in portals.ledger.emailed if m.uuid == stamps[0].uuid]


@pytest.mark.parametrize(
    ("prefix", "code", "words"),
    [
        ("NOEXISTE", "TICKET_NOT_FOUND", ""),
        ("VENCIDO", "INVOICING_PERIOD_EXPIRED", ""),
        ("CAIDO", "PORTAL_ERROR", "77812"),  # kept verbatim
    ],
)
async def test_portal_refusals_map_to_failure_codes(
    portals: PortalServer, tmp_path: Path, prefix: str, code: str, words: str
) -> None:
    folio = f"{prefix}{uuid.uuid4().hex[:6].upper()}"
    result = await run_portal(portals, "clasico", folio, tmp_path)
    assert (result.status, result.failure_code) == ("FAILED", code), result
    assert words in (result.message or "")
    assert not portals.ledger.stamps("clasico", folio)


async def test_the_sat_refusing_the_name_is_receptor_rejected(
    portals: PortalServer, tmp_path: Path
) -> None:
    profile = {**PROFILE, "legalName": "ESCUELA KEMPER"}
    result = await run_portal(portals, "clasico", _folio(), tmp_path, profile=profile)
    assert (result.status, result.failure_code) == ("FAILED", "RECEPTOR_REJECTED"), result
    assert "CFDI40145" in (result.message or "")


async def test_an_already_invoiced_ticket_brings_back_the_existing_invoice(
    portals: PortalServer, tmp_path: Path
) -> None:
    folio = f"FACTURADO{uuid.uuid4().hex[:6].upper()}"
    result = await run_portal(portals, "clasico", folio, tmp_path)
    earlier = [s for s in portals.ledger.stamps("clasico", folio) if s.earlier]
    assert result.status == "COMPLETED", result
    assert result.invoice is not None and result.invoice["uuid"] == earlier[0].uuid
    assert not [s for s in portals.ledger.stamps("clasico", folio) if not s.earlier]


@pytest.mark.parametrize(("name", "reason"), [("captcha", "CAPTCHA"), ("login", "LOGIN_REQUIRED")])
async def test_captcha_and_login_walls_ask_the_buyer(
    portals: PortalServer, tmp_path: Path, name: str, reason: str
) -> None:
    result = await run_portal(portals, name, _folio(), tmp_path)
    assert (result.status, result.intervention_reason) == ("INTERVENTION_NEEDED", reason), result
