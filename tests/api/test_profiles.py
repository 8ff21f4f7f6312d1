"""Fiscal profiles through GraphQL: checked before storing, scoped to their owner."""

from __future__ import annotations

from typing import Any

from tests.support.api import CREATE_PROFILE, PROFILE, Caller, create_profile, create_user

UPDATE = """
mutation($id: ID!, $input: FiscalProfilePatch!) {
  updateFiscalProfile(id: $id, input: $input) {
    __typename
    ... on FiscalProfile { id legalName cfdiUse taxIdConfirmed }
    ... on ValidationError { problems { field code } }
    ... on UserError { code message field }
  }
}"""

DELETE = """
mutation($id: ID!) {
  deleteFiscalProfile(id: $id) {
    __typename
    ... on DeletedFiscalProfile { id }
    ... on UserError { code message field }
  }
}"""

LIST = "{ fiscalProfiles { id taxId legalName personType taxSystemDescription } }"


async def test_create_normalizes_and_lists(buyer: Caller) -> None:
    created = await create_profile(
        buyer, taxId=" wal-970924-4w4 ", legalName="nueva wal mart de mexico, s. de r.l. de c.v."
    )
    assert created["taxId"] == "WAL9709244W4"
    assert created["legalName"] == "NUEVA WAL MART DE MEXICO"
    listed = (await buyer(LIST))["fiscalProfiles"]
    assert [p["id"] for p in listed] == [created["id"]]
    assert listed[0]["personType"] == "moral"
    assert listed[0]["taxSystemDescription"] == "General de Ley Personas Morales"


async def test_invalid_profile_reports_every_field(buyer: Caller) -> None:
    bad = {**PROFILE, "taxId": "WAL9709244W5", "zip": "00001", "email": "nope"}
    result = (await buyer(CREATE_PROFILE, input=bad))["createFiscalProfile"]
    assert result["__typename"] == "ValidationError"
    codes = {(p["field"], p["code"]) for p in result["problems"]}
    assert codes == {
        ("taxId", "TAX_ID_CHECK_DIGIT"),
        ("zip", "UNKNOWN_ZIP"),
        ("email", "INVALID_EMAIL"),
    }
    assert all(p["message"] for p in result["problems"])
    assert (await buyer(LIST))["fiscalProfiles"] == []


async def test_confirmed_check_digit_is_accepted(buyer: Caller) -> None:
    created = await create_profile(buyer, taxId="WAL9709244W5", taxIdConfirmed=True)
    assert created["taxId"] == "WAL9709244W5"


async def test_update_revalidates_the_merged_profile(buyer: Caller) -> None:
    created = await create_profile(buyer)
    ok = (await buyer(UPDATE, id=created["id"], input={"cfdiUse": "S01"}))["updateFiscalProfile"]
    assert ok["cfdiUse"] == "S01"
    # D01 is for personas físicas only; this profile is a persona moral.
    bad = (await buyer(UPDATE, id=created["id"], input={"cfdiUse": "D01"}))["updateFiscalProfile"]
    assert bad["__typename"] == "ValidationError"
    assert bad["problems"][0]["code"] == "CFDI_USE_TAX_SYSTEM"


async def test_another_users_profile_is_not_found(anonymous: Caller) -> None:
    owner, other = await create_user(anonymous), await create_user(anonymous)
    created = await create_profile(owner)
    patch: dict[str, Any] = {"legalName": "OTRO"}
    for query, variables in (
        (UPDATE, {"id": created["id"], "input": patch}),
        (DELETE, {"id": created["id"]}),
    ):
        result = next(iter((await other(query, **variables)).values()))
        assert result["__typename"] == "NotFoundError"
        assert result["code"] == "NOT_FOUND"
    assert (await other(LIST))["fiscalProfiles"] == []
    node = await other("query($id: ID!) { node(id: $id) { id } }", id=created["id"])
    assert node["node"] is None


async def test_delete(buyer: Caller) -> None:
    created = await create_profile(buyer)
    deleted = (await buyer(DELETE, id=created["id"]))["deleteFiscalProfile"]
    assert deleted == {"__typename": "DeletedFiscalProfile", "id": created["id"]}
    assert (await buyer(LIST))["fiscalProfiles"] == []
    again = (await buyer(DELETE, id=created["id"]))["deleteFiscalProfile"]
    assert again["__typename"] == "NotFoundError"


async def test_garbage_ids_are_not_found(buyer: Caller) -> None:
    for garbage in ("", "x", "RmlzY2FsUHJvZmlsZTpub3QtYS11dWlk", "Task:" + "0" * 36, "💥" * 10):
        result = (await buyer(DELETE, id=garbage))["deleteFiscalProfile"]
        assert result["__typename"] == "NotFoundError", garbage
