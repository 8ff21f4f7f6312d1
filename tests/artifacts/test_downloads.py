"""Task.artifacts over GraphQL, and GET /artifacts/{id} over real HTTP: signed links and
Bearer tokens open the owner's files, and nobody else's."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from autofactura.core.artifacts import links
from autofactura.core.config import Settings
from autofactura.core.services import Services
from tests.artifacts import add_artifact, new_task
from tests.support.api import Caller, create_user
from tests.support.live_server import live_server

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4 + b"\xff\xd9"
PDF = b"%PDF-1.7\n" + b"\x00\x01binary\xfe" * 50
HTML = b"<!doctype html><html><body><script>alert(1)</script>Gracias</body></html>"

ARTIFACTS = """
query($id: ID!) {
  task(id: $id) { artifacts { id name kind contentType size sha256 url } }
}"""
URL = re.compile(r"^/artifacts/([0-9a-f-]{36})\?u=([0-9a-f-]{36})&e=(\d+)&s=([\w-]{43})$")


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[str]:
    with live_server(settings) as url:
        yield url


async def _urls(caller: Caller, task_id: str) -> dict[str, dict[str, Any]]:
    data = await caller(ARTIFACTS, id=task_id)
    return {item["name"]: item for item in data["task"]["artifacts"]}


async def _get(base: str, path: str, token: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        return await client.get(path, headers=headers)


async def test_task_lists_its_artifacts_with_signed_urls(
    services: Services, buyer: Caller, anonymous: Caller
) -> None:
    task_id = await new_task(buyer)
    await add_artifact(services, buyer, task_id, "screenshot", "paso-1.jpg", JPEG, "image/jpeg")
    pdf = await add_artifact(services, buyer, task_id, "pdf", "factura.pdf", PDF, "application/pdf")
    listed = await _urls(buyer, task_id)
    assert [(a["kind"], a["contentType"], a["size"]) for a in listed.values()] == [
        ("screenshot", "image/jpeg", len(JPEG)),
        ("pdf", "application/pdf", len(PDF)),
    ]
    assert listed["factura.pdf"]["sha256"] == pdf.sha256
    match = URL.match(listed["factura.pdf"]["url"])
    assert match, listed["factura.pdf"]["url"]
    assert match[1] == str(pdf.id) and match[2] == str(buyer.user_id)
    assert 14 * 60 < int(match[3]) - time.time() <= 15 * 60
    # Someone else cannot see the task, so not its artifacts either.
    other = await create_user(anonymous)
    assert (await other(ARTIFACTS, id=task_id))["task"] is None


async def test_owner_downloads_exact_bytes_with_signed_url(
    services: Services, buyer: Caller, server: str
) -> None:
    task_id = await new_task(buyer)
    await add_artifact(
        services, buyer, task_id, "download", "Factura ñ 1.pdf", PDF, "application/pdf"
    )
    await add_artifact(services, buyer, task_id, "screenshot", "paso.jpg", JPEG, "image/jpeg")
    await add_artifact(
        services, buyer, task_id, "html", "final.html", HTML, "text/html; charset=utf-8"
    )
    listed = await _urls(buyer, task_id)

    pdf = await _get(server, listed["Factura ñ 1.pdf"]["url"])
    assert pdf.status_code == 200, pdf.text
    assert pdf.content == PDF
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''Factura%20%C3%B1%201.pdf" in pdf.headers["content-disposition"]
    assert pdf.headers["cache-control"] == "private, max-age=0"
    assert pdf.headers["x-content-type-options"] == "nosniff"

    jpeg = await _get(server, listed["paso.jpg"]["url"])
    assert (jpeg.status_code, jpeg.content) == (200, JPEG)
    assert jpeg.headers["content-type"] == "image/jpeg"
    assert jpeg.headers["content-disposition"].startswith("inline;")

    html = await _get(server, listed["final.html"]["url"])
    assert (html.status_code, html.content) == (200, HTML)
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.headers["content-disposition"].startswith("inline;")
    assert html.headers["content-security-policy"].startswith("sandbox;")  # no vendor scripts


async def test_bad_links_are_refused(
    services: Services, settings: Settings, buyer: Caller, anonymous: Caller, server: str
) -> None:
    mine = await add_artifact(
        services, buyer, await new_task(buyer), "xml", "a.xml", b"<a/>", "application/xml"
    )
    other = await create_user(anonymous)
    theirs = await add_artifact(
        services, other, await new_task(other), "xml", "b.xml", b"<b/>", "application/xml"
    )
    secret = links.link_secret(settings)
    assert buyer.user_id is not None and other.user_id is not None
    good = links.signed_path(secret, mine.id, buyer.user_id)
    assert (await _get(server, good)).status_code == 200
    query = parse_qs(urlsplit(good).query)
    u, e, s = query["u"][0], int(query["e"][0]), query["s"][0]

    tampered = f"/artifacts/{mine.id}?u={u}&e={e}&s={s[:-2]}{'AA' if s[-2:] != 'AA' else 'BB'}"
    later = f"/artifacts/{mine.id}?u={u}&e={e + 3600}&s={s}"
    past = int(time.time()) - 1
    expired = (
        f"/artifacts/{mine.id}?u={u}&e={past}&s={links.sign(secret, mine.id, buyer.user_id, past)}"
    )
    swapped_id = f"/artifacts/{theirs.id}?u={u}&e={e}&s={s}"
    swapped_user = f"/artifacts/{mine.id}?u={other.user_id}&e={e}&s={s}"
    missing = f"/artifacts/{mine.id}?u={u}&s={s}"
    for path in (tampered, later, expired, swapped_id, swapped_user, missing):
        response = await _get(server, path)
        assert response.status_code == 403, (path, response.status_code)
        assert b"<a/>" not in response.content and b"<b/>" not in response.content

    # Validly signed, but for user B: A's artifact is not B's, whether it exists or not.
    for_other = links.signed_path(secret, mine.id, other.user_id)
    assert (await _get(server, for_other)).status_code == 404
    nowhere = links.signed_path(secret, uuid.uuid4(), buyer.user_id)
    assert (await _get(server, nowhere)).status_code == 404
    assert (await _get(server, "/artifacts/not-a-uuid")).status_code == 404


async def test_bearer_token_opens_only_the_owners_files(
    services: Services, buyer: Caller, anonymous: Caller, server: str
) -> None:
    mine = await add_artifact(
        services, buyer, await new_task(buyer), "pdf", "f.pdf", PDF, "application/pdf"
    )
    other = await create_user(anonymous)
    path = f"/artifacts/{mine.id}"

    owner = await _get(server, path, buyer.token)
    assert (owner.status_code, owner.content) == (200, PDF)
    assert owner.headers["content-type"] == "application/pdf"
    assert (await _get(server, path, other.token)).status_code == 404
    assert (await _get(server, f"/artifacts/{uuid.uuid4()}", buyer.token)).status_code == 404
    anonymous_response = await _get(server, path)
    assert anonymous_response.status_code == 401
    assert anonymous_response.headers["www-authenticate"] == "Bearer"
    assert (await _get(server, path, "garbage")).status_code == 401
