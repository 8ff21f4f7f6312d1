"""Every GraphQL root operation over real HTTP: a refused token gets UNAUTHENTICATED and no
data; another user's valid token aimed at the victim's objects gets exactly what an id that
names nothing gets (NOT_FOUND or null, never FORBIDDEN), and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import strawberry

from autofactura.core.config import Settings
from tests.http.conftest import Api
from tests.http.test_tokens import BAD_TOKENS
from tests.security.conftest import Victim
from tests.security.operations import OPEN, Operation, missing_like, root_operations
from tests.security.tokens import refused_tokens
from tests.support.api import TLS

TOKEN_KINDS = [*BAD_TOKENS, "tampered", "unknown-api-key"]


def _http_operations(schema: strawberry.Schema) -> list[Operation]:
    """Subscriptions go over the WebSocket (test_websocket.py)."""
    return [op for op in root_operations(schema) if op.root != "subscription"]


def test_the_schema_gives_every_root_operation(schema: strawberry.Schema) -> None:
    names = {op.field for op in root_operations(schema)}
    assert {"me", "tasks", "createTask", "createWebhook", "revokeApiKey", "taskEvents"} <= names
    assert len(names) >= 30


def _post(client: httpx.Client, token: str | None, op: Operation, **variables: Any) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = {"query": op.document, "variables": variables or op.variables}
    response = client.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, (op.field, response.status_code, response.text)
    return response.json()


@pytest.mark.parametrize("kind", TOKEN_KINDS)
def test_a_refused_token_gets_unauthenticated_and_no_data(
    server: str,
    settings: Settings,
    schema: strawberry.Schema,
    attacker: Api,
    victim: Victim,
    kind: str,
) -> None:
    assert attacker.token is not None
    token = refused_tokens(settings, attacker.token, victim.user_id)[kind]
    wrong: dict[str, Any] = {}
    with httpx.Client(base_url=server, timeout=30, verify=TLS) as client:
        for op in _http_operations(schema):
            if op.field in OPEN:
                continue
            body = _post(client, token, op)
            codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
            if not _empty(body) or codes != ["UNAUTHENTICATED"]:
                wrong[op.field] = body
            if op.root == "query":  # GraphQL over GET too
                query = {"query": op.document, "variables": json.dumps(op.variables)}
                headers = {"authorization": f"Bearer {token}"} if token else {}
                got = client.get("/graphql", params=query, headers=headers)
                if got.status_code != 200 or not _empty(got.json()):
                    wrong[f"GET {op.field}"] = (got.status_code, got.text)
    assert wrong == {}


def _empty(body: dict[str, Any]) -> bool:
    """No data: none at all, or a nullable root field that is null (node, task)."""
    data = body.get("data")
    return data is None or all(value is None for value in data.values())


def _normalized(body: Any, *ids: str) -> str:
    text = json.dumps(body, sort_keys=True)
    for object_id in ids:
        text = text.replace(object_id, "<id>")
    return text


def test_someone_elses_objects_answer_like_missing_ones(
    server: str, schema: strawberry.Schema, attacker: Api, victim: Victim
) -> None:
    before = _victims_view(victim)
    aimed = [op for op in _http_operations(schema) if op.id_args]
    assert {"task", "node", "cancelTask", "deleteFiscalProfile", "revokeApiKey"} <= {
        op.field for op in aimed
    }
    wrong: dict[str, Any] = {}
    answered: dict[str, set[str]] = {}
    with httpx.Client(base_url=server, timeout=30, verify=TLS) as client:
        for op in aimed:
            for kind, object_id in victim.object_ids().items():
                missing = missing_like(object_id)
                theirs = _post(client, attacker.token, op, **op.aimed_at(object_id))
                nothing = _post(client, attacker.token, op, **op.aimed_at(missing))
                text = _normalized(theirs, object_id)
                if text != _normalized(nothing, missing) or "FORBIDDEN" in text:
                    wrong[f"{op.field}({kind})"] = (theirs, nothing)
                result = theirs["data"][op.field] if theirs.get("data") else None
                answered.setdefault(op.field, set()).add(result["__typename"] if result else "null")
    assert wrong == {}
    # Queries answer null; mutations NOT_FOUND (a patch too: the lookup comes first).
    assert answered == {
        op.field: {"null" if op.root == "query" else "NotFoundError"} for op in aimed
    }
    assert _victims_view(victim) == before  # nothing was cancelled, edited or revoked


VICTIMS_VIEW = """{
  fiscalProfiles { id taxId legalName zip email }
  webhooks { id url events }
  apiKeys { id revokedAt }
  tasks(first: 50) { edges { node { id attempt vendorUrl ticket { folio total } } } }
}"""


def _victims_view(victim: Victim) -> dict[str, Any]:
    return victim.api.data(VICTIMS_VIEW)


def test_lists_never_show_the_victims_objects(
    server: str, schema: strawberry.Schema, attacker: Api, victim: Victim
) -> None:
    listed = [op for op in _http_operations(schema) if op.root == "query" and not op.id_args]
    secrets = [*victim.object_ids().values(), victim.invoice_uuid, victim.artifact_id]
    with httpx.Client(base_url=server, timeout=30, verify=TLS) as client:
        answers = {op.field: json.dumps(_post(client, attacker.token, op)) for op in listed}
    leaked = {field: s for field, text in answers.items() for s in secrets if s in text}
    assert leaked == {}
    assert all('"errors"' not in text for text in answers.values()), answers
