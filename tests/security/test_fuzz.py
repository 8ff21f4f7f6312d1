"""Property-based fuzzing of the GraphQL inputs (hypothesis), in-process over the ASGI app
(the whole HTTP stack minus the socket: ~20× faster than uvicorn), rate limits off.

Whatever arrives (any unicode, NUL bytes, 100 KB strings, huge or odd numbers, the wrong
JSON type for a variable), the answer is never a 500 nor a masked INTERNAL error: it is data,
a well-formed GraphQL error, or a UserError with a code and a Spanish message. It runs in
both modes: Postgres refuses what SQLite keeps (NUL bytes in text, integers past 64 bits),
so the distributed run finds what the embedded one cannot."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from autofactura.app import create_app
from autofactura.core.config import Settings
from tests.conftest import DISTRIBUTED
from tests.http.conftest import variant
from tests.support.api import CREATE_PROFILE, CREATE_TASK, PROFILE, REGISTER
from tests.support.live_server import _ProcessGlobals

FUZZ = hypothesis.settings(
    derandomize=True,  # the same cases on every run and in CI
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
UNLIMITED = "1000000000/60"


def examples(embedded: int) -> int:
    """2,000 cases embedded; 40 % of them on Postgres (its round trips cost 3× as much), where
    what is new is the database's own refusals, reached by the same inputs."""
    return embedded if not DISTRIBUTED else embedded * 2 // 5


SPANISH = re.compile(r"[áéíóúñ¿¡]|\b(el|la|los|las|de|del|es|no|un|una|debe|escribe|elige)\b", re.I)
CODE = re.compile(r"^[A-Z][A-Z_]+$")

text = st.one_of(
    st.text(),
    st.text(min_size=1, max_size=8).map(lambda s: s * 3000),  # up to ~50 KB
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "0",
            "-1",
            "1e309",
            "NaN",
            "null",
            "GODE561231GR8",
            "https://93.184.216.34/x",
            "../../etc/passwd",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "\u202e",
            "🧾" * 300,
        ]
    ),
)
number = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
)
anything = st.recursive(
    st.one_of(st.none(), st.booleans(), number, text),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
field_value = st.one_of(text, text, anything)  # mostly strings, sometimes the wrong type


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    unlimited = variant(
        settings,
        rate_limit_login=UNLIMITED,
        rate_limit_register=UNLIMITED,
        rate_limit_create_task=UNLIMITED,
        worker_threads=1,
    )
    held = _ProcessGlobals()
    try:
        with TestClient(create_app(unlimited)) as test_client:
            yield test_client
    finally:
        held.restore()


@pytest.fixture(scope="module")
def session(client: TestClient) -> dict[str, str]:
    """A token and one valid profile, so the fuzz reaches past the lookups."""
    signed = _data(client, None, REGISTER, email="fuzz@example.com", password="s3cret-pass")
    token = signed["register"]["token"]
    profile = _data(client, token, CREATE_PROFILE, input=PROFILE)["createFiscalProfile"]
    return {"token": token, "profile": profile["id"]}


def _post(client: TestClient, token: str | None, query: str, variables: Any) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code in (200, 400, 413), (response.status_code, response.text[:500])
    body: dict[str, Any] = response.json()
    return body


def _data(client: TestClient, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    body = _post(client, token, query, variables)
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


def check(body: dict[str, Any]) -> None:
    """Data, well-formed GraphQL errors, or UserErrors in Spanish; never INTERNAL."""
    for error in body.get("errors") or []:
        assert isinstance(error["message"], str) and error["message"], error
        assert (error.get("extensions") or {}).get("code") != "INTERNAL", error
    assert body.get("data") is not None or body.get("errors"), body
    for result in (body.get("data") or {}).values():
        for item in result if isinstance(result, list) else [result]:
            _check_result(item)


def _check_result(item: Any) -> None:
    if not isinstance(item, dict) or "code" not in item:
        return
    assert CODE.match(item["code"]), item
    assert SPANISH.search(item["message"]), item
    for problem in item.get("problems") or []:
        assert CODE.match(problem["code"]) and SPANISH.search(problem["message"]), problem


def profile_input() -> st.SearchStrategy[dict[str, Any]]:
    keys = ["taxId", "legalName", "taxSystem", "zip", "cfdiUse", "email"]
    valid = st.fixed_dictionaries({k: st.one_of(st.just(PROFILE[k]), field_value) for k in keys})
    return st.one_of(
        valid, st.dictionaries(st.sampled_from([*keys, "taxIdConfirmed", "x"]), anything)
    )


@hypothesis.settings(FUZZ, max_examples=examples(550))
@given(data=profile_input())
def test_create_fiscal_profile(client: TestClient, session: dict[str, str], data: Any) -> None:
    check(_post(client, session["token"], CREATE_PROFILE, {"input": data}))


UPDATE = """
mutation($id: ID!, $input: FiscalProfilePatch!) {
  updateFiscalProfile(id: $id, input: $input) {
  __typename ... on FiscalProfile { id taxId }
  ... on ValidationError { problems { field code message } }
  ... on UserError { code message field } } }"""


@hypothesis.settings(FUZZ, max_examples=examples(350))
@given(
    patch=st.dictionaries(
        st.sampled_from(
            [
                "taxId",
                "legalName",
                "zip",
                "cfdiUse",
                "email",
                "taxSystem",
                "taxIdConfirmed",
                "useInboundEmail",
            ]
        ),
        field_value,
        max_size=4,
    ),
    which=st.one_of(st.just("mine"), text, anything),
)
def test_update_fiscal_profile(
    client: TestClient, session: dict[str, str], patch: Any, which: Any
) -> None:
    profile_id = session["profile"] if which == "mine" else which
    check(_post(client, session["token"], UPDATE, {"id": profile_id, "input": patch}))


def task_input(session: dict[str, str]) -> st.SearchStrategy[Any]:
    ticket = st.fixed_dictionaries(
        {
            "folio": field_value,
            "date": st.one_of(st.just("2026-11-20"), st.dates().map(str), field_value),
            "total": st.one_of(st.just("245.50"), number, field_value),
        },
        optional={"store": field_value, "extra": anything},
    )
    return st.fixed_dictionaries(
        {
            "vendorUrl": st.one_of(st.just("https://93.184.216.34/facturacion"), field_value),
            "ticket": st.one_of(ticket, anything),
            "fiscalProfileId": st.one_of(st.just(session["profile"]), field_value),
        },
        optional={"requireConfirmation": anything},
    )


@hypothesis.settings(FUZZ, max_examples=examples(550))
@given(data=st.data())
def test_create_task(client: TestClient, session: dict[str, str], data: st.DataObject) -> None:
    variables = {
        "input": data.draw(task_input(session)),
        "idempotencyKey": data.draw(st.none() | text),
    }
    check(
        _post(
            client,
            session["token"],
            CREATE_TASK.replace(
                "$input: CreateTaskInput!", "$input: CreateTaskInput!, $idempotencyKey: String"
            ).replace(
                "createTask(input: $input",
                "createTask(input: $input, idempotencyKey: $idempotencyKey",
            ),
            variables,
        )
    )


BATCH = """
mutation($items: [CreateTaskInput!]!, $key: String) {
  createTasks(input: $items, idempotencyKey: $key) {
  __typename ... on Task { id } ... on ValidationError { problems { field code message } }
  ... on UserError { code message field } } }"""


@hypothesis.settings(FUZZ, max_examples=examples(200))
@given(data=st.data())
def test_create_tasks(client: TestClient, session: dict[str, str], data: st.DataObject) -> None:
    items = data.draw(st.lists(task_input(session), max_size=4) | anything)
    check(
        _post(client, session["token"], BATCH, {"items": items, "key": data.draw(st.none() | text)})
    )


QUERIES = [
    "query($a: Int!, $b: String, $f: TaskFilterInput) { tasks(first: $a, after: $b, filter: $f) "
    "{ edges { node { id events(first: $a) { seq } } } pageInfo { hasNextPage } } }",
    "query($b: ID!) { task(id: $b) { id status } }",
    "query($b: ID!) { node(id: $b) { id } }",
    "query($b: ID!, $a: Int!) { task(id: $b) { events(first: $a, after: $a) { seq } } }",
]


@hypothesis.settings(FUZZ, max_examples=examples(350))
@given(
    query=st.sampled_from(QUERIES),
    first=st.one_of(number, anything),
    after=st.one_of(text, anything),
    filter=st.one_of(
        st.none(),
        anything,
        st.fixed_dictionaries(
            {},
            optional={
                "status": st.lists(st.sampled_from(["PENDING", "FAILED", "bogus"])),
                "createdAfter": field_value,
                "createdBefore": field_value,
                "fiscalProfileId": field_value,
            },
        ),
    ),
)
def test_queries_with_arguments(
    client: TestClient, session: dict[str, str], query: str, first: Any, after: Any, filter: Any
) -> None:
    variables = {"a": first, "b": after, "f": filter}
    check(_post(client, session["token"], query, variables))
