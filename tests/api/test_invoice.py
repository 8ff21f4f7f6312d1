"""Task.invoice and Task.requireConfirmation through GraphQL: the stamped CFDI's facts, its
signed XML/PDF links (downloaded over real HTTP), owner scoping and batched loading."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from autofactura.core.cfdi.files import InvoiceFile
from autofactura.core.cfdi.parse import parse_cfdi
from autofactura.core.cfdi.verify import Expected, verify
from autofactura.core.config import Settings
from autofactura.core.invoices import service as invoices
from autofactura.core.services import Services
from autofactura.core.tasks.models import Task as TaskRow
from autofactura.schema.loaders import Loaders
from tests.api.test_query_cost import counting
from tests.artifacts import new_task, task_uuid
from tests.support.api import PROFILE, Caller, create_profile, create_task, create_user
from tests.support.cfdi_factory import make_cfdi, make_pdf, receptor_of
from tests.support.live_server import live_server

INVOICE = """
query($id: ID!) {
  task(id: $id) {
    id requireConfirmation
    invoice {
      uuid total issuerRfc issuerName receptorRfc verified mismatches xmlUrl pdfUrl
    }
  }
}"""
PAGE = """
query($first: Int!) {
  tasks(first: $first) { edges { node { id invoice { uuid total xmlUrl pdfUrl } } } }
}"""
URL = re.compile(r"^/artifacts/[0-9a-f-]{36}\?u=([0-9a-f-]{36})&e=\d+&s=[\w-]{43}$")
TICKET_TOTAL = "245.50"


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[str]:
    with live_server(settings) as url:
        yield url


def _xml(**overrides: Any) -> bytes:
    values: dict[str, Any] = {**receptor_of(PROFILE), "total": TICKET_TOTAL, **overrides}
    return make_cfdi(**values)


async def _record(
    services: Services, caller: Caller, task_id: str, xml: bytes, *, pdf: bytes | None = None
) -> str:
    """Record the invoice as the engine would (checked against the profile and ticket);
    returns its UUID."""
    assert caller.user_id is not None
    cfdi = parse_cfdi(xml)
    expected = Expected(
        tax_id=PROFILE["taxId"],
        legal_name=PROFILE["legalName"],
        tax_system=PROFILE["taxSystem"],
        zip=PROFILE["zip"],
        cfdi_use=PROFILE["cfdiUse"],
        total=Decimal(TICKET_TOTAL),
    )
    files = [InvoiceFile("factura.xml", xml, "xml")]
    if pdf is not None:
        files.append(InvoiceFile("factura.pdf", pdf, "pdf"))
    async with services.db.session(caller.user_id) as session:
        task = await session.get(TaskRow, task_uuid(task_id))
        assert task is not None
        row = await invoices.record(
            session, services.storage, task, cfdi, verify(cfdi, expected), files
        )
        return row.uuid


async def _get(base: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        return await client.get(path)


async def test_owner_sees_the_invoice_and_downloads_its_files(
    services: Services, buyer: Caller, server: str
) -> None:
    task_id = await new_task(buyer)
    xml, pdf = _xml(), make_pdf("Factura A-123456")
    stamp = await _record(services, buyer, task_id, xml, pdf=pdf)

    invoice = (await buyer(INVOICE, id=task_id))["task"]["invoice"]
    urls = {kind: invoice.pop(kind) for kind in ("xmlUrl", "pdfUrl")}
    assert invoice == {
        "uuid": stamp,
        "total": "245.50",
        "issuerRfc": "EKU9003173C9",
        "issuerName": "ESCUELA KEMPER URGATE",
        "receptorRfc": PROFILE["taxId"],
        "verified": True,
        "mismatches": [],
    }
    for kind, body in (("xmlUrl", xml), ("pdfUrl", pdf)):
        match = URL.match(urls[kind])
        assert match and match[1] == str(buyer.user_id), urls[kind]
        response = await _get(server, urls[kind])
        assert (response.status_code, response.content) == (200, body)
    assert (await _get(server, urls["xmlUrl"])).headers["content-type"] == "application/xml"


async def test_another_user_cannot_see_the_invoice(
    services: Services, buyer: Caller, anonymous: Caller
) -> None:
    task_id = await new_task(buyer)
    await _record(services, buyer, task_id, _xml(), pdf=make_pdf("Factura"))
    other = await create_user(anonymous)
    await create_task(other, (await create_profile(other))["id"])

    assert (await other(INVOICE, id=task_id))["task"] is None
    page = (await other(PAGE, first=50))["tasks"]["edges"]
    assert [edge["node"]["invoice"] for edge in page] == [None]
    # The loader itself is scoped: asked for the buyer's task as the other user, nothing.
    assert other.user_id is not None
    loaders = Loaders(services.db, other.user_id)
    assert await loaders.invoice.load(task_uuid(task_id)) is None


async def test_mismatches_are_listed_by_field_and_a_missing_pdf_is_null(
    services: Services, buyer: Caller
) -> None:
    task_id = await new_task(buyer)
    xml = _xml(receptor_rfc="XAXX010101000", total="1245.5")
    await _record(services, buyer, task_id, xml)

    invoice = (await buyer(INVOICE, id=task_id))["task"]["invoice"]
    assert invoice["verified"] is False
    assert invoice["mismatches"] == ["receptor.rfc", "total"]
    assert (invoice["receptorRfc"], invoice["total"]) == ("XAXX010101000", "1245.50")
    assert URL.match(invoice["xmlUrl"]) and invoice["pdfUrl"] is None


async def test_a_total_stamped_without_cents_reads_with_two_decimals(
    services: Services, buyer: Caller
) -> None:
    task_id = await new_task(buyer)
    xml = _xml(total="300").replace(b'Total="300.00"', b'Total="300"')
    assert b'Total="300"' in xml
    await _record(services, buyer, task_id, xml)
    invoice = (await buyer(INVOICE, id=task_id))["task"]["invoice"]
    assert invoice["total"] == "300.00"


async def test_a_task_without_invoice_has_null(buyer: Caller) -> None:
    task_id = await new_task(buyer)
    assert (await buyer(INVOICE, id=task_id))["task"] == {
        "id": task_id,
        "requireConfirmation": False,
        "invoice": None,
    }


async def test_require_confirmation_round_trips(services: Services, buyer: Caller) -> None:
    profile_id = (await create_profile(buyer))["id"]
    asked = await create_task(buyer, profile_id, requireConfirmation=True)
    default = await create_task(buyer, profile_id)
    for task_id, wanted in ((asked["id"], True), (default["id"], False)):
        assert (await buyer(INVOICE, id=task_id))["task"]["requireConfirmation"] is wanted
        assert buyer.user_id is not None
        async with services.db.session(buyer.user_id, readonly=True) as session:
            row = await session.get(TaskRow, task_uuid(task_id))
            assert row is not None and row.require_confirmation is wanted


async def test_a_page_of_invoices_costs_a_bounded_number_of_queries(
    services: Services, buyer: Caller
) -> None:
    profile_id = (await create_profile(buyer))["id"]
    stamps = {}
    for i in range(20):
        task_id = (await create_task(buyer, profile_id))["id"]
        if i % 4 != 3:  # some tasks without an invoice share the page
            stamps[task_id] = await _record(services, buyer, task_id, _xml(folio=f"F{i}"))
    costs = {}
    for size in (5, 20):
        with counting(services) as statements:
            edges = (await buyer(PAGE, first=size))["tasks"]["edges"]
        assert len(edges) == size
        for edge in edges:
            node = edge["node"]
            assert (node["invoice"] or {}).get("uuid") == stamps.get(node["id"])
        reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        costs[size] = len([s for s in reads if "set_config" not in s])
    assert costs[20] == costs[5]
    assert costs[20] <= 2  # tasks, invoices
