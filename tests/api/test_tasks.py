"""createTask, tasks and task through GraphQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.support.api import CREATE_TASK, Caller, create_profile, create_task, create_user, ticket

PAGE = """
query($first: Int!, $after: String, $filter: TaskFilterInput) {
  tasks(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id status ticket { folio } fiscalProfile { id } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
TASK = "query($id: ID!) { task(id: $id) { id status ticket { folio } } }"


async def test_create_task_stores_a_pending_task_with_its_first_event(buyer: Caller) -> None:
    profile = await create_profile(buyer)
    task = await create_task(
        buyer,
        profile["id"],
        ticket=ticket(total="1245.5", store=" Sucursal Centro ", extra={"TR#": "01234"}),
    )
    assert task["status"] == "PENDING"
    assert task["attempt"] == 1
    assert task["ticket"]["total"] == "1245.50"
    assert task["ticket"]["store"] == "Sucursal Centro"
    assert task["ticket"]["extra"] == {"TR#": "01234"}
    assert task["fiscalProfile"] == {"id": profile["id"], "taxId": "WAL9709244W4"}
    assert task["events"] == [{"seq": 1, "type": "STATUS", "status": "PENDING"}]
    assert (await buyer(TASK, id=task["id"]))["task"]["id"] == task["id"]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"ticket": ticket(folio="  ")}, "ticket.folio", "REQUIRED"),
        ({"ticket": ticket(total="0")}, "ticket.total", "INVALID_TOTAL"),
        ({"ticket": ticket(total="-5")}, "ticket.total", "INVALID_TOTAL"),
        ({"ticket": ticket(total="10.999")}, "ticket.total", "INVALID_TOTAL"),
        (
            {"ticket": ticket(date=(date.today() + timedelta(days=3)).isoformat())},
            "ticket.date",
            "FUTURE_DATE",
        ),
        ({"ticket": ticket(folio="x" * 100_000)}, "ticket.folio", "INVALID_TEXT"),
        ({"vendorUrl": "ftp://portal.example.com"}, "vendorUrl", "INVALID_VENDOR_URL"),
        ({"vendorUrl": "http://127.0.0.1:8000/"}, "vendorUrl", "INVALID_VENDOR_URL"),
        ({"vendorUrl": "http://169.254.169.254/latest"}, "vendorUrl", "INVALID_VENDOR_URL"),
        ({"vendorUrl": "http://10.1.2.3/"}, "vendorUrl", "INVALID_VENDOR_URL"),
        ({"vendorUrl": "http://localhost/"}, "vendorUrl", "INVALID_VENDOR_URL"),
        ({"vendorUrl": "https://u:p@93.184.216.34/"}, "vendorUrl", "INVALID_VENDOR_URL"),
    ],
)
async def test_bad_input_is_refused_with_the_field(
    buyer: Caller, overrides: dict[str, Any], field: str, code: str
) -> None:
    profile = await create_profile(buyer)
    task_input = {
        "vendorUrl": "https://93.184.216.34/",
        "ticket": ticket(),
        "fiscalProfileId": profile["id"],
        **overrides,
    }
    result = (await buyer(CREATE_TASK, input=task_input))["createTask"]
    assert result["__typename"] == "ValidationError"
    assert (result["field"], result["code"]) == (field, code)
    assert result["message"]
    page = (await buyer(PAGE, first=10))["tasks"]
    assert page["edges"] == []


async def test_another_users_profile_or_task_is_not_found(anonymous: Caller) -> None:
    owner, other = await create_user(anonymous), await create_user(anonymous)
    profile = await create_profile(owner)
    task = await create_task(owner, profile["id"])
    stolen = {
        "vendorUrl": "https://93.184.216.34/",
        "ticket": ticket(),
        "fiscalProfileId": profile["id"],
    }
    result = (await other(CREATE_TASK, input=stolen))["createTask"]
    assert (result["__typename"], result["field"]) == ("NotFoundError", "fiscalProfileId")
    assert (await other(TASK, id=task["id"]))["task"] is None
    assert (await other("query($id: ID!) { node(id: $id) { id } }", id=task["id"]))["node"] is None
    assert (await other(PAGE, first=10))["tasks"]["edges"] == []


async def test_pages_walk_every_task_once_newest_first(buyer: Caller) -> None:
    profile = await create_profile(buyer)
    created = [
        await create_task(buyer, profile["id"], ticket=ticket(folio=f"F{i}")) for i in range(7)
    ]
    seen, after = [], None
    while True:
        page = (await buyer(PAGE, first=3, after=after))["tasks"]
        seen += [edge["node"]["ticket"]["folio"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [t["ticket"]["folio"] for t in reversed(created)]


async def test_filters_by_status_date_and_profile(buyer: Caller) -> None:
    first, second = await create_profile(buyer), await create_profile(buyer, cfdiUse="S01")
    await create_task(buyer, first["id"])
    await create_task(buyer, second["id"])
    today = date.today().isoformat()
    by_profile = (await buyer(PAGE, first=10, filter={"fiscalProfileId": second["id"]}))["tasks"]
    assert [e["node"]["fiscalProfile"]["id"] for e in by_profile["edges"]] == [second["id"]]
    pending = (await buyer(PAGE, first=10, filter={"status": ["PENDING"], "createdBefore": today}))[
        "tasks"
    ]
    assert len(pending["edges"]) == 2
    failed = (await buyer(PAGE, first=10, filter={"status": ["FAILED"]}))["tasks"]
    assert failed["edges"] == []
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    later = (await buyer(PAGE, first=10, filter={"createdAfter": tomorrow}))["tasks"]
    assert later["edges"] == []


async def test_a_bad_cursor_is_a_clear_error(buyer: Caller) -> None:
    errors = await buyer.errors(PAGE, first=5, after="not-a-cursor")
    assert errors[0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_profile_with_a_live_task_cannot_be_deleted(buyer: Caller) -> None:
    profile = await create_profile(buyer)
    await create_task(buyer, profile["id"])
    query = """mutation($id: ID!) {
      deleteFiscalProfile(id: $id) { __typename ... on UserError { code } }
    }"""
    result = await buyer(query, id=profile["id"])
    assert result["deleteFiscalProfile"] == {
        "__typename": "ConflictError",
        "code": "PROFILE_IN_USE",
    }
