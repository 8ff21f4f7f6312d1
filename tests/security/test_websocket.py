"""GraphQL over the WebSocket, both protocols: a refused token at connection_init closes
with 4403 before any operation runs; another user's valid connection subscribing to the
victim's task gets what a task that does not exist gets."""

from __future__ import annotations

import json
from typing import Any

import pytest
import strawberry
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.sync.connection import Connection
from websockets.typing import Subprotocol

from autofactura.core.config import Settings
from tests.http.conftest import Api
from tests.security.conftest import Victim
from tests.security.operations import missing_like, root_operations
from tests.security.test_access import TOKEN_KINDS
from tests.security.tokens import refused_tokens

# (protocol, the client's "run this" message type)
PROTOCOLS = {"graphql-transport-ws": "subscribe", "graphql-ws": "start"}


def _socket(server: str, protocol: str) -> ClientConnection:
    url = server.replace("http://", "ws://", 1) + "/graphql"
    return connect(url, subprotocols=[Subprotocol(protocol)], open_timeout=10)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("kind", TOKEN_KINDS)
def test_a_refused_token_closes_the_socket_before_any_operation(
    server: str,
    settings: Settings,
    attacker: Api,
    victim: Victim,
    schema: strawberry.Schema,
    protocol: str,
    kind: str,
) -> None:
    assert attacker.token is not None
    token = refused_tokens(settings, attacker.token, victim.user_id)[kind]
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    subscription = next(op for op in root_operations(schema) if op.root == "subscription")
    received: list[Any] = []
    with _socket(server, protocol) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        start = {"query": subscription.document, "variables": subscription.aimed_at(victim.task_id)}
        with pytest.raises(ConnectionClosed) as closed:
            ws.send(json.dumps({"id": "1", "type": PROTOCOLS[protocol], "payload": start}))
            while True:
                received.append(json.loads(ws.recv(timeout=10)))
    # The legacy protocol says why first (connection_error); nothing else ever arrives.
    assert [m["type"] for m in received] in ([], ["connection_error"])
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


def _first_answer(ws: Connection, protocol: str, query: str, variables: dict[str, Any]) -> Any:
    ws.send(
        json.dumps(
            {
                "id": "1",
                "type": PROTOCOLS[protocol],
                "payload": {"query": query, "variables": variables},
            }
        )
    )
    while True:
        message = json.loads(ws.recv(timeout=10))
        if message["type"] in ("ping", "ka"):
            continue
        return {k: v for k, v in message.items() if k != "id"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_someone_elses_task_events_answer_like_a_missing_task(
    server: str, attacker: Api, victim: Victim, schema: strawberry.Schema, protocol: str
) -> None:
    aimed = [op for op in root_operations(schema) if op.root == "subscription" and op.id_args]
    assert [op.field for op in aimed] == ["taskEvents"]
    answers = []
    for object_id in (victim.task_id, missing_like(victim.task_id)):
        with _socket(server, protocol) as ws:
            init = {"Authorization": f"Bearer {attacker.token}"}
            ws.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
            answers.append(
                _first_answer(ws, protocol, aimed[0].document, aimed[0].aimed_at(object_id))
            )
    theirs, missing = answers
    assert theirs == missing
    text = json.dumps(theirs)
    assert "NOT_FOUND" in text and "FORBIDDEN" not in text and '"seq"' not in text
