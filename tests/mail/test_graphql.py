"""The inbox through GraphQL: me.inboundEmail, the profile's delivery choice,
unmatchedInvoices and uploadInvoice (the same matching and verification as e-mail)."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from autofactura.core.services import Services
from autofactura.schema.ids import decode
from tests.mail.conftest import DOMAIN
from tests.mail.inbox import Buyer, new_task, task_row
from tests.support.api import PROFILE, Caller, create_profile, create_user
from tests.support.cfdi_factory import make_cfdi, receptor_of

ME = "{ me { email inboundEmail } }"
UNMATCHED = "{ unmatchedInvoices { id uuid total receptorRfc source taskId xmlUrl } }"
UPLOAD = """
mutation($xml: String!, $taskId: ID) {
  uploadInvoice(xml: $xml, taskId: $taskId) {
    __typename
    ... on InvoiceUpload { invoice { uuid verified source taskId xmlUrl }
                           task { id status engine invoice { uuid } } }
    ... on ValidationError { problems { field code message } }
    ... on UserError { code message field }
  }
}"""


def cfdi(total: str = "1234.50", **overrides: Any) -> str:
    values: dict[str, Any] = {
        **receptor_of(PROFILE),
        "total": total,
        "uuid": str(uuid.uuid4()).upper(),
        **overrides,
    }
    return make_cfdi(**values).decode()


async def mail_buyer(schema: strawberry.Schema, services: Services) -> tuple[Caller, Buyer]:
    caller = await create_user(Caller(schema, services))
    profile = await create_profile(caller)
    address = (await caller(ME))["me"]["inboundEmail"]
    assert caller.user_id is not None
    profile_id = decode(profile["id"], "FiscalProfile")
    assert profile_id is not None
    return caller, Buyer(caller.user_id, profile_id, address)


async def upload(caller: Caller, xml: str, task_id: uuid.UUID | None = None) -> dict[str, Any]:
    variables: dict[str, Any] = {"xml": xml, "taskId": str(task_id) if task_id else None}
    result: dict[str, Any] = (await caller(UPLOAD, **variables))["uploadInvoice"]
    return result


async def test_me_shows_one_unguessable_inbound_address(
    schema: strawberry.Schema, mail_services: Services, services: Services
) -> None:
    caller, buyer = await mail_buyer(schema, mail_services)
    local, _, domain = buyer.address.partition("@")
    assert domain == DOMAIN and local.startswith("factura-") and len(local) >= 24
    assert (await caller(ME))["me"]["inboundEmail"] == buyer.address  # stable
    _, theirs = await mail_buyer(schema, mail_services)
    assert theirs.address != buyer.address
    without = Caller(schema, services, caller.token, caller.user_id)  # no inbound domain
    assert (await without(ME))["me"]["inboundEmail"] is None


async def test_the_profile_choice_defaults_on_with_a_domain(
    schema: strawberry.Schema, mail_services: Services, services: Services
) -> None:
    caller, _ = await mail_buyer(schema, mail_services)
    query = "{ fiscalProfiles { useInboundEmail } }"
    assert (await caller(query))["fiscalProfiles"] == [{"useInboundEmail": True}]
    off = await create_profile(caller, useInboundEmail=False)
    flags = {p["useInboundEmail"] for p in (await caller(query))["fiscalProfiles"]}
    assert flags == {True, False}
    patch = (
        "mutation($id: ID!) { updateFiscalProfile(id: $id, input: {useInboundEmail: true}) "
        "{ ... on FiscalProfile { useInboundEmail } } }"
    )
    assert (await caller(patch, id=off["id"]))["updateFiscalProfile"]["useInboundEmail"] is True
    plain = Caller(schema, services, caller.token, caller.user_id)
    assert {p["useInboundEmail"] for p in (await plain(query))["fiscalProfiles"]} == {False}


async def test_an_upload_completes_the_task_it_matches(
    schema: strawberry.Schema, mail_services: Services
) -> None:
    caller, buyer = await mail_buyer(schema, mail_services)
    task_id = await new_task(mail_services, buyer)
    xml = cfdi()
    done = await upload(caller, xml)
    assert done["__typename"] == "InvoiceUpload", done
    assert done["invoice"]["verified"] and done["invoice"]["source"] == "upload"
    assert (done["task"]["status"], done["task"]["engine"]) == ("COMPLETED", "email")
    assert done["invoice"]["xmlUrl"].startswith("/artifacts/")
    again = await upload(caller, xml)
    assert (again["__typename"], again["code"]) == ("ConflictError", "INVOICE_ALREADY_KEPT")
    assert (await task_row(mail_services, task_id)).status == "COMPLETED"


async def test_an_upload_that_matches_nothing_is_kept_and_listed(
    schema: strawberry.Schema, mail_services: Services
) -> None:
    caller, _ = await mail_buyer(schema, mail_services)
    xml = cfdi(total="77.00")
    done = await upload(caller, xml)
    assert (done["__typename"], done["task"], done["invoice"]["taskId"]) == (
        "InvoiceUpload",
        None,
        None,
    )
    [listed] = (await caller(UNMATCHED))["unmatchedInvoices"]
    assert (listed["total"], listed["source"], listed["taskId"]) == ("77.00", "upload", None)
    assert listed["xmlUrl"].startswith("/artifacts/")
    other, _ = await mail_buyer(schema, mail_services)
    assert (await other(UNMATCHED))["unmatchedInvoices"] == []  # nobody else's


async def test_an_upload_for_a_named_task_must_be_that_tasks(
    schema: strawberry.Schema, mail_services: Services
) -> None:
    caller, buyer = await mail_buyer(schema, mail_services)
    task_id = await new_task(mail_services, buyer)
    refused = await upload(caller, cfdi(total="99.90"), task_id)
    assert (refused["__typename"], refused["code"]) == ("ConflictError", "INVOICE_NOT_FOR_TASK")
    assert "el total" in refused["message"]
    assert (await caller(UNMATCHED))["unmatchedInvoices"] == []  # nothing kept from a refusal
    done = await upload(caller, cfdi(), task_id)
    assert done["task"]["status"] == "COMPLETED"
    twice = await upload(caller, cfdi(), task_id)
    assert (twice["__typename"], twice["code"]) == ("ConflictError", "TASK_NOT_WAITING")


async def test_an_upload_that_is_not_a_cfdi_is_refused_in_spanish(
    schema: strawberry.Schema, mail_services: Services
) -> None:
    caller, _ = await mail_buyer(schema, mail_services)
    for xml in ("<html>hola</html>", "no es xml", "<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>"):
        refused = await upload(caller, xml)
        assert refused["__typename"] == "ValidationError", refused
        assert refused["problems"][0]["field"] == "xml"
        assert refused["problems"][0]["code"] == "NOT_A_CFDI"
    other, _ = await mail_buyer(schema, mail_services)
    missing = await upload(other, cfdi(), uuid.uuid4())
    assert (missing["__typename"], missing["field"]) == ("NotFoundError", "taskId")
