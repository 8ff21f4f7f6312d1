"""Large answers travel gzip-compressed to clients that ask for it; small ones and clients
that do not ask get them as they are."""

from __future__ import annotations

import gzip
import json

import httpx

from tests.http.conftest import Api

INTROSPECTION = "{ __schema { types { name fields { name description } } } }"


def raw_post(server: str, body: object, encoding: str) -> tuple[httpx.Response, bytes]:
    """The response and the bytes on the wire (httpx would decode gzip by itself)."""
    with (
        httpx.Client(base_url=server, timeout=30) as client,
        client.stream(
            "POST",
            "/graphql",
            json=body,
            headers={"accept-encoding": encoding, "content-type": "application/json"},
        ) as response,
    ):
        return response, b"".join(response.iter_raw())


def test_a_large_graphql_answer_is_gzipped_when_asked(server: str, user: Api) -> None:
    body = {"query": INTROSPECTION}
    zipped, wire = raw_post(server, body, "gzip")
    plain, plain_wire = raw_post(server, body, "identity")

    assert zipped.status_code == plain.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    unpacked = gzip.decompress(wire)
    assert json.loads(unpacked) == json.loads(plain_wire)
    assert len(wire) * 3 < len(unpacked)  # a schema compresses well
    assert "content-encoding" not in plain.headers


def test_a_small_answer_is_sent_as_is(server: str) -> None:
    response, wire = raw_post(server, {"query": "{ __typename }"}, "gzip")
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert json.loads(wire) == {"data": {"__typename": "Query"}}


def test_the_consoles_script_is_gzipped(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        response = client.get("/web/tasks.js", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "export" in response.text or "import" in response.text
