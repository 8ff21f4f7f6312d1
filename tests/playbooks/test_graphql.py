"""playbooks and deletePlaybook: each buyer sees and deletes only their own."""

from __future__ import annotations

from typing import Any

from autofactura.core.playbooks import service as playbooks
from autofactura.core.services import Services
from tests.support.api import Caller, create_user

ACTIONS: list[dict[str, Any]] = [
    {"action": "fill_page"},
    {"action": "click", "text": "Facturar", "tag": "button", "attrs": {"type": "submit"}},
    {"action": "finish"},
]
LIST = """{ playbooks { id domain learnedBy steps successes failures createdAt updatedAt
                        actions } }"""
DELETE = """
mutation($id: ID!) {
  deletePlaybook(id: $id) {
    __typename
    ... on DeletedPlaybook { id }
    ... on UserError { code message field }
  }
}"""


async def _learned(services: Services, caller: Caller, domain: str) -> None:
    assert caller.user_id is not None
    async with services.db.session() as session:
        await playbooks.learn(session, caller.user_id, domain, ACTIONS, "autofill")


async def test_list_shows_only_the_callers_playbooks(
    buyer: Caller, anonymous: Caller, services: Services
) -> None:
    other = await create_user(anonymous)
    await _learned(services, buyer, "facturacion.example.mx")
    await _learned(services, other, "portal.example.com")
    mine = (await buyer(LIST))["playbooks"]
    assert len(mine) == 1
    assert mine[0]["domain"] == "facturacion.example.mx"
    assert (mine[0]["learnedBy"], mine[0]["steps"]) == ("autofill", 3)
    assert (mine[0]["successes"], mine[0]["failures"]) == (0, 0)
    assert mine[0]["actions"] == ACTIONS
    assert [p["domain"] for p in (await other(LIST))["playbooks"]] == ["portal.example.com"]


async def test_delete_is_for_the_owner_only(
    buyer: Caller, anonymous: Caller, services: Services
) -> None:
    other = await create_user(anonymous)
    await _learned(services, buyer, "facturacion.example.mx")
    playbook_id = (await buyer(LIST))["playbooks"][0]["id"]

    refused = (await other(DELETE, id=playbook_id))["deletePlaybook"]
    assert (refused["__typename"], refused["code"]) == ("NotFoundError", "NOT_FOUND")
    assert len((await buyer(LIST))["playbooks"]) == 1

    deleted = (await buyer(DELETE, id=playbook_id))["deletePlaybook"]
    assert deleted == {"__typename": "DeletedPlaybook", "id": playbook_id}
    assert (await buyer(LIST))["playbooks"] == []
    again = (await buyer(DELETE, id=playbook_id))["deletePlaybook"]
    assert again["__typename"] == "NotFoundError"


async def test_anonymous_callers_get_nothing(anonymous: Caller) -> None:
    errors = await anonymous.errors(LIST)
    assert errors and errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_malformed_id_is_not_found(buyer: Caller) -> None:
    result = (await buyer(DELETE, id="not-an-id"))["deletePlaybook"]
    assert (result["__typename"], result["field"]) == ("NotFoundError", "id")
