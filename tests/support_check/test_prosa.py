"""The `prosa` portal does what the agent's tests need: autofill alone stops on its first
page, the wrong branch answers "Ticket no encontrado", and a scripted agent that reads the
prose and chooses right gets the buyer's invoice without any prompt holding their data."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from browser_use import BrowserSession
from starlette.applications import Starlette
from starlette.testclient import TestClient

from autofactura.core.fiscal.catalogs import CFDI_USES, TAX_SYSTEMS
from tests.conftest import DISTRIBUTED
from tests.engine.conftest import run_portal
from tests.portals import prosa
from tests.portals.app import PortalServer, serve_portals
from tests.portals.buyer import PROFILE, ticket
from tests.portals.ledger import NOT_FOUND, Ledger
from tests.support.scripted_chat import ScriptedChat, done, index_of, step
from tests.support_check.conftest import CHROME, action_names, make_agent

BUYER = {
    "x_rfc": PROFILE["taxId"],
    "x_name": PROFILE["legalName"],
    "x_zip": PROFILE["zip"],
    "x_email": PROFILE["email"],
}
chromium = pytest.mark.skipif(not os.access(CHROME, os.X_OK), reason="no /usr/bin/chromium")


@pytest.fixture(scope="module")
def portals() -> Iterator[PortalServer]:
    with serve_portals() as server:
        yield server


def _store_folio() -> str:
    return f"T{uuid.uuid4().hex[:9].upper()}"


def test_only_the_branch_the_prose_names_knows_the_ticket() -> None:
    ledger = Ledger()
    client = TestClient(Starlette(routes=prosa.routes(ledger)))
    yesterday = date.fromisoformat(ticket("X")["date"]).strftime("%d/%m/%Y")
    form = {"fecha": yesterday, "total": "1234.50", "rfc": PROFILE["taxId"]}
    form |= {"razon_social": PROFILE["legalName"], "codigo_postal": PROFILE["zip"]}
    form |= {"regimen_fiscal": "601", "uso_cfdi": "G03", "correo": PROFILE["email"]}
    wrong = client.post("/facturar", data={**form, "canal": "linea", "folio": "T100"})
    right = client.post("/facturar", data={**form, "canal": "tienda", "folio": "T100"})
    online = client.post("/facturar", data={**form, "canal": "linea", "folio": "P200"})
    assert NOT_FOUND in wrong.text
    assert "Tu factura está lista" in right.text and "Tu factura está lista" in online.text
    assert [s.folio for s in ledger.stamped] == ["T100", "P200"]


async def test_autofill_alone_stops_on_the_choice(portals: PortalServer, tmp_path: Path) -> None:
    if DISTRIBUTED:
        pytest.skip("the engine suite runs once, in the embedded mode")
    folio = _store_folio()
    result = await run_portal(portals, "prosa", folio, tmp_path)
    assert (result.status, result.intervention_reason) == ("INTERVENTION_NEEDED", "UNKNOWN_STATE")
    assert portals.ledger.stamps("prosa", folio) == []


def _fill_form(folio: str) -> Callable[[str], dict[str, Any]]:
    """One step that types the ticket, the buyer's data as placeholders, and picks the SAT
    options by their text, the way an LLM reads them from the page."""
    day = date.fromisoformat(ticket(folio)["date"]).strftime("%d/%m/%Y")
    regime = f"601 - {TAX_SYSTEMS['601'].description}"
    use = f"G03 - {CFDI_USES['G03'].description}"

    def reply(prompt: str) -> dict[str, Any]:
        def typed(needle: str, text: str) -> dict[str, Any]:
            return {"input": {"index": index_of(prompt, needle), "text": text}}

        return step(
            typed("id=folio", folio),
            typed("id=fecha", day),
            typed("id=total", "1234.50"),
            typed("id=rfc", "<secret>x_rfc</secret>"),
            typed("id=razon_social", "<secret>x_name</secret>"),
            typed("id=codigo_postal", "<secret>x_zip</secret>"),
            typed("id=correo", "<secret>x_email</secret>"),
            {"select_dropdown": {"index": index_of(prompt, "id=regimen_fiscal"), "text": regime}},
            {"select_dropdown": {"index": index_of(prompt, "id=uso_cfdi"), "text": use}},
        )

    return reply


@chromium
async def test_a_scripted_agent_reads_the_prose_and_gets_the_invoice(
    portals: PortalServer, browser: BrowserSession
) -> None:
    folio = _store_folio()
    llm = ScriptedChat(
        [
            lambda prompt: step({"click": {"index": index_of(prompt, "Sucursal")}}),
            _fill_form(folio),
            lambda prompt: step({"click": {"index": index_of(prompt, "Facturar")}}),
            done("Factura generada."),
        ]
    )
    agent = make_agent(llm, browser, portals.url("prosa"), sensitive_data=BUYER)
    history = await agent.run(max_steps=6)

    assert history.is_done() and history.is_successful(), history.errors()
    assert "Los tickets de tienda empiezan con la letra" in llm.texts[0]  # the rule was shown
    assert action_names(history)[:3] == ["navigate", "click", "input"]
    assert action_names(history).count("select_dropdown") == 2
    [stamp] = portals.ledger.stamps("prosa", folio)
    received = (stamp.data.rfc, stamp.data.name, stamp.data.zip, stamp.data.email)
    assert received == (PROFILE["taxId"], PROFILE["legalName"], PROFILE["zip"], PROFILE["email"])
    assert (stamp.data.tax_system, stamp.data.cfdi_use) == ("601", "G03")
    assert stamp.data.total == Decimal("1234.50")
    assert "Tu factura está lista" in llm.texts[3]
    assert llm.leaked(*BUYER.values()) == []
