"""The agent finishes what autofill cannot (a choice only the page's prose explains), never
shows the model the buyer's data, cannot leave the vendor's domain, stops for the buyer's
pause and cancel, ends within its budget, and works through a real provider client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from autofactura.core.config import Settings
from autofactura.oneshot import Request, run_once
from tests.agent.conftest import folio, run_agent
from tests.portals.app import PortalServer
from tests.portals.buyer import PROFILE, ticket
from tests.support.agents import CHATS, OUTSIDE
from tests.support.openai_standin import Reply, request_text, serve_openai_standin
from tests.support.pages import StaticPage, serve_pages
from tests.support.scripted_chat import done, index_of, step

SECRETS = [PROFILE[k] for k in ("taxId", "legalName", "zip", "email")]


async def test_the_agent_finishes_what_autofill_could_not(
    portals: PortalServer, tmp_path: Path
) -> None:
    number = folio("PROSA")
    result = await run_agent(portals, "prosa", number, tmp_path)
    assert (result.status, result.engine) == ("COMPLETED", "agent"), result
    assert result.invoice is not None and result.invoice["verified"]
    assert len(portals.ledger.stamps("prosa", number)) == 1
    chat = CHATS[number]
    assert chat.calls >= 3
    assert chat.leaked(*SECRETS) == [], "the model saw the buyer's data"


@pytest.fixture
def outside() -> Iterator[tuple[str, list[str]]]:
    """A server the vendor's pages must not reach, and the paths it was asked for."""
    asked: list[str] = []

    class Logged(dict[str, StaticPage]):
        def get(self, key: str, default: object = None) -> StaticPage:
            asked.append(key)
            return super().__getitem__("/")

    with serve_pages(Logged({"/": StaticPage(b"<p>fuera</p>")})) as url:
        yield url.replace("127.0.0.1", "localhost"), asked


async def test_leaving_the_vendors_domain_is_refused_before_any_request(
    portals: PortalServer,
    tmp_path: Path,
    outside: tuple[str, list[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, asked = outside
    number = folio("FUERA")
    OUTSIDE[number] = f"{url}/outside"
    result = await run_agent(portals, "prosa", number, tmp_path)
    assert asked == [], "the browser reached a host outside the vendor's domain"
    assert "Bloqueamos una salida del portal hacia localhost" in capsys.readouterr().err
    assert result.status == "INTERVENTION_NEEDED"  # the agent gave up: the buyer's turn
    assert not portals.ledger.stamps("prosa", number)


async def test_the_step_budget_ends_the_agent_and_hands_over(
    portals: PortalServer, tmp_path: Path
) -> None:
    number = folio("ESPERA")
    result = await run_agent(portals, "prosa", number, tmp_path, agent_max_steps=2)
    assert (result.status, result.intervention_reason) == ("INTERVENTION_NEEDED", "UNKNOWN_STATE")
    assert CHATS[number].calls <= 3


async def test_the_openai_client_through_a_compatible_endpoint(
    portals: PortalServer, tmp_path: Path
) -> None:
    script: list[Reply] = [
        lambda prompt: step({"click": {"index": index_of(prompt, "Sucursal")}}, goal="Tienda"),
        step({"fill_fiscal_data": {}}, goal="Llenar"),
        lambda prompt: step({"click": {"index": index_of(prompt, "Facturar")}}, goal="Timbrar"),
        done("Listo"),
    ]
    number = folio("OPENAI")
    with serve_openai_standin(script) as (base_url, requests):
        settings = Settings(
            allow_private_urls=True,
            log_level="WARNING",
            llm_provider="openai",
            llm_model="gpt-4.1-mini",
            llm_base_url=base_url,
            llm_api_key="test-key",
        )
        request = Request(portals.url("prosa"), ticket(number), PROFILE, tmp_path, "auto", 120)
        result = await run_once(settings, request)
    assert (result.status, result.engine) == ("COMPLETED", "agent"), result
    assert len(requests) >= 3
    assert requests[0]["model"] == "gpt-4.1-mini"
    assert not [s for s in SECRETS for body in requests if s in request_text(body)]
