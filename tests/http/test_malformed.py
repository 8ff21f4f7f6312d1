"""Hostile and malformed requests over real HTTP: each gets a GraphQL error or a UserError
result and a status below 500, never a crash."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from autofactura.core.config import Settings
from tests.http.conftest import Api, create_profile, register, task_input, variant
from tests.support.api import CREATE_PROFILE, CREATE_TASK, PROFILE
from tests.support.live_server import live_server, live_server_process

HUGE = "x" * 100_000
ME_ID = "me { id }"


@pytest.fixture(scope="module")
def buyer(api: Api) -> Api:
    return register(api)


@pytest.fixture(scope="module")
def profile_id(buyer: Api) -> str:
    return str(create_profile(buyer)["id"])


# --- 100 kB in every string field ----------------------------------------------------------


@pytest.mark.parametrize("name", ["taxId", "legalName", "taxSystem", "zip", "cfdiUse", "email"])
def test_huge_profile_field_is_a_validation_error(buyer: Api, name: str) -> None:
    result = buyer.data(CREATE_PROFILE, input={**PROFILE, name: HUGE})["createFiscalProfile"]
    assert result["__typename"] == "ValidationError", result
    assert name in {p["field"] for p in result["problems"]}


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[key]
    target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "typename", "problem_field"),
    [
        ("vendorUrl", HUGE, "ValidationError", "vendorUrl"),
        ("ticket.folio", HUGE, "ValidationError", "ticket.folio"),
        ("ticket.store", HUGE, "ValidationError", "ticket.store"),
        ("ticket.extra", {"TR#": HUGE}, "ValidationError", "ticket.extra"),
        ("ticket.extra", {HUGE: "1"}, "ValidationError", "ticket.extra"),
        ("fiscalProfileId", HUGE, "NotFoundError", None),
    ],
    ids=["vendorUrl", "folio", "store", "extra-value", "extra-label", "fiscalProfileId"],
)
def test_huge_task_field_is_a_user_error(
    buyer: Api, profile_id: str, path: str, value: Any, typename: str, problem_field: str | None
) -> None:
    task = _set(task_input(profile_id), path, value)
    result = buyer.data(CREATE_TASK, input=task)["createTask"]
    assert result["__typename"] == typename, result
    if problem_field is not None:
        assert problem_field in {p["field"] for p in result["problems"]}
    else:
        assert result["code"] == "NOT_FOUND"


# --- The hostile table ---------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One request and how it must be refused: a GraphQL error matching `error`, or a
    plain 4xx `status` whose body matches `error`."""

    error: str
    query: str | None = None
    variables: dict[str, Any] | None = None
    method: str = "POST"
    body: Any = None
    status: int = 200


def _deep_query(levels: int) -> str:
    opening = 'node(id: "x") { ... on Task { fiscalProfile { ' * levels
    return "{ " + opening + "__typename" + " } } }" * levels + " }"


def _aliases(count: int, selection: str = ME_ID) -> str:
    return "{ " + " ".join(f"a{i}: {selection}" for i in range(count)) + " }"


def _task(**ticket: Any) -> dict[str, Any]:
    task = task_input("RmlzY2FsUHJvZmlsZTp4")
    task["ticket"].update(ticket)
    return {"input": task}


def _profile(**changes: Any) -> dict[str, Any]:
    return {"input": {**PROFILE, **changes}}


GET_REGISTER = (
    'mutation { register(email: "get@example.com", password: "s3cret-pass") { __typename } }'
)


def _invalid(at: str, why: str) -> str:
    """The coercion error graphql-core gives for one bad spot in `$input`."""
    return re.escape(f"Variable '$input' has invalid value{at}: {why}")


CASES: dict[str, Case] = {
    "number-for-string": Case(
        _invalid(" at .legalName", "String cannot represent a non string value: 123"),
        CREATE_PROFILE,
        _profile(legalName=123),
    ),
    "object-for-string": Case(
        _invalid(" at .zip", "String cannot represent a non string value"),
        CREATE_PROFILE,
        _profile(zip={"a": 1}),
    ),
    "list-for-input": Case(
        _invalid("", "Expected value of type 'FiscalProfileInput' to be an object"),
        CREATE_PROFILE,
        {"input": [PROFILE]},
    ),
    "bool-for-id": Case(
        _invalid(" at .fiscalProfileId", "ID cannot represent value: True"),
        CREATE_TASK,
        {"input": {**_task()["input"], "fiscalProfileId": True}},
    ),
    "word-for-date": Case(
        _invalid(" at .ticket.date", 'Value cannot represent a Date: "yesterday"'),
        CREATE_TASK,
        _task(date="yesterday"),
    ),
    "impossible-date": Case(
        _invalid(" at .ticket.date", 'Value cannot represent a Date: "2024-02-30"'),
        CREATE_TASK,
        _task(date="2024-02-30"),
    ),
    "number-for-date": Case(
        _invalid(" at .ticket.date", "Value cannot represent a Date"),
        CREATE_TASK,
        _task(date=20240101),
    ),
    "abc-for-decimal": Case(
        _invalid(" at .ticket.total", 'Value cannot represent a Decimal: "abc"'),
        CREATE_TASK,
        _task(total="abc"),
    ),
    "null-for-required": Case(
        _invalid(" at .ticket.folio", "Expected value of non-null type 'String!' not to be None"),
        CREATE_TASK,
        _task(folio=None),
    ),
    "missing-required": Case(
        _invalid("", "Expected value of type 'CreateTaskInput' to include required field"),
        CREATE_TASK,
        {"input": {"vendorUrl": "x"}},
    ),
    "missing-variable": Case(
        _invalid("", "Expected a value of non-null type 'CreateTaskInput!' to be provided"),
        CREATE_TASK,
        {},
    ),
    "deep-50": Case(r"demasiado profunda: depth \d+, máximo 12", _deep_query(50)),
    "deep-13": Case(r"demasiado profunda: depth \d+, máximo 12", _deep_query(13)),
    # 1000 aliases are a 6000-token document: the token limit refuses it while parsing,
    # before the alias limiter runs (test_alias_limit_alone shows that one on its own).
    "aliases-1000": Case(r"more than 2000 tokens", _aliases(1000)),
    "aliases-31": Case(r"^La consulta usa demasiados alias: 31, máximo 30\.$", _aliases(31)),
    "tokens-10000": Case(r"more than 2000 tokens", "{ me { " + "id " * 10_000 + "} }"),
    "unknown-field": Case(r"Cannot query field 'nope' on type 'Query'", "{ nope }"),
    "unknown-argument": Case(
        r"Unknown argument 'bogus'", "{ tasks(bogus: 1) { edges { cursor } } }"
    ),
    "unparseable": Case(r"^Syntax Error", "{ me { id "),
    "empty-document": Case(r"^Syntax Error", "   "),
    "two-anonymous-ops": Case(r"anonymous operation", "{ me { id } } { me { email } }"),
    "fragment-cycle": Case(
        r"Cannot spread fragment 'A' within itself", "{ ...A } fragment A on Query { ...A }"
    ),
    "deep-fragment-chain": Case(
        r"240 fragmentos; el máximo es 50",
        "{ ...F239 } fragment F0 on Query { __typename } "
        + " ".join(f"fragment F{i} on Query {{ ...F{i - 1} }}" for i in range(1, 240)),
    ),
    "batch": Case(r"Batching is not enabled", body=[{"query": "{ me { id } }"}], status=400),
    "get-mutation": Case(
        r"mutations are not allowed when using GET", GET_REGISTER, method="GET", status=400
    ),
    "query-not-string": Case(r"must be a string", body={"query": 5}, status=400),
    "variables-not-object": Case(
        r"must be an object", body={"query": "{ me { id } }", "variables": [1]}, status=400
    ),
    "no-query": Case(r"No GraphQL query found", body={}, status=400),
}


def _send(api: Api, case: Case) -> httpx.Response:
    headers = {"authorization": f"Bearer {api.token}"}
    with api.client() as client:
        if case.method == "GET":
            return client.get("/graphql", params={"query": case.query or ""}, headers=headers)
        body = case.body if case.body is not None else {"query": case.query}
        if case.variables is not None:
            body = {**body, "variables": case.variables}
        return client.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize("name", list(CASES))
def test_refused_without_a_crash(buyer: Api, name: str) -> None:
    case = CASES[name]
    response = _send(buyer, case)
    assert response.status_code < 500, response.text
    assert response.status_code == case.status, response.text
    if case.status != 200:
        assert re.search(case.error, response.text), response.text
        return
    body = response.json()
    assert body.get("data") is None, body
    messages = [e["message"] for e in body["errors"]]
    assert any(re.search(case.error, m) for m in messages), messages
    assert not any(e.get("extensions", {}).get("code") == "INTERNAL" for e in body["errors"])


@pytest.mark.parametrize("total", ["NaN", "Infinity", "-1", "0.001", "1e12"])
def test_odd_decimals_are_validation_errors(buyer: Api, profile_id: str, total: str) -> None:
    task = task_input(profile_id, total=total)
    result = buyer.data(CREATE_TASK, input=task)["createTask"]
    assert result["__typename"] == "ValidationError", result
    assert [p["field"] for p in result["problems"]] == ["ticket.total"]


def test_deeply_nested_extra_json_is_a_validation_error(buyer: Api, profile_id: str) -> None:
    nested: Any = "x"
    for _ in range(200):
        nested = [nested]
    task = task_input(profile_id, extra={"TR#": nested})
    result = buyer.data(CREATE_TASK, input=task)["createTask"]
    assert result["__typename"] in ("ValidationError", "Task"), result


def test_deeply_nested_json_body_gets_400(server: str) -> None:
    response = httpx.post(
        f"{server}/graphql",
        content=b"[" * 100_000 + b"]" * 100_000,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400


# --- Limits on their own -------------------------------------------------------------------


@pytest.fixture(scope="module")
def roomy_tokens(settings: Settings) -> Iterator[str]:
    with live_server(variant(settings, max_query_tokens=20_000)) as url:
        yield url


def test_alias_limit_alone(roomy_tokens: str, buyer: Api) -> None:
    """With room for the tokens, the alias limiter refuses 1000 aliases by itself."""
    body = Api(roomy_tokens, buyer.token).result(_aliases(1000))
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == [
        "La consulta usa demasiados alias: 1000, máximo 30."
    ]


def _fragment_bomb(levels: int) -> str:
    """Each fragment spreads the one before it twice: a ~1 kB document whose expansion has
    2**levels fields. Depth 1, no aliases, ~10 tokens per fragment."""
    fragments = ["fragment F0 on Query { __typename }"]
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return f"{{ ...F{levels - 1} }} " + " ".join(fragments)


@pytest.fixture
def disposable_server(settings: Settings) -> Iterator[str]:
    # A child process: if the request wedges its event loop, killing it is the way out.
    with live_server_process(settings) as url:
        yield url


def test_fragment_explosion_is_answered(disposable_server: str) -> None:
    query = _fragment_bomb(40)
    assert len(query) < 2_000
    try:
        response = httpx.post(f"{disposable_server}/graphql", json={"query": query}, timeout=10)
    except httpx.ReadTimeout:
        pytest.fail("the server did not answer a 2 kB query")
    assert response.status_code < 500
    # Either refused as too complex, or answered; both are fine once it is cheap.
    assert response.json().get("errors") or response.json()["data"] == {"__typename": "Query"}
    assert httpx.get(f"{disposable_server}/healthz", timeout=5).status_code == 200
