"""A task's own browser: announced as a live_url event, driven over CDP, its downloads kept
as the task's artifacts (downloadable by the owner), and gone when the task ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.pipeline.conftest import Pipeline
from tests.pipeline.helpers import FINAL, Buyer
from tests.support.pages import StaticPage, serve_pages

INVOICE = b'<?xml version="1.0"?><cfdi:Comprobante Version="4.0"/>'
PAGE = b'<html><body><a id="xml" href="/factura.xml" download>XML</a></body></html>'


@pytest.fixture(scope="module")
def portal() -> Iterator[str]:
    invoice = StaticPage(INVOICE, "application/xml", attachment="factura.xml")
    with serve_pages({"/": StaticPage(PAGE), "/factura.xml": invoice}) as url:
        yield url + "/"


ARTIFACTS = "query($id: ID!) { task(id: $id) { liveUrl artifacts { name kind contentType url } } }"


async def test_the_browser_is_announced_used_and_its_download_kept(
    pipeline: Pipeline, buyer: Buyer, portal: str
) -> None:
    task_id = await buyer.create_task("BROWSER-1", extra={"page": portal})
    state = await buyer.wait_for_status(task_id, FINAL)
    assert state["failureCode"] == "UNSUPPORTED_PORTAL"
    events = await buyer.events(task_id)
    live = [e for e in events if e["type"] == "LIVE_URL"]
    assert [e["payload"]["url"] for e in live] == [f"/live/{_raw(task_id)}"]
    kept = [(e["payload"]["kind"], e["payload"]["name"]) for e in events if e["type"] == "ARTIFACT"]
    step_seqs = [e["seq"] for e in events if e["type"] == "STEP"][1:]  # steps with a browser
    assert kept == [
        *[("screenshot", f"step-{seq}.jpg") for seq in step_seqs],
        ("html", "final.html"),
        ("download", "factura.xml"),
    ]
    task = (await buyer.api.data(ARTIFACTS, id=task_id))["task"]
    assert task["liveUrl"].startswith(f"/live/{_raw(task_id)}?t=")  # signed for its owner
    by_name = {a["name"]: a for a in task["artifacts"]}
    artifact = by_name["factura.xml"]
    assert artifact["kind"] == "download"
    assert by_name["final.html"]["contentType"] == "text/html"
    assert all(
        a["contentType"] == "image/jpeg" for a in task["artifacts"] if a["kind"] == "screenshot"
    )
    async with httpx.AsyncClient(base_url=pipeline.url) as client:
        response = await client.get(artifact["url"])
        page = await client.get(task["liveUrl"])
    assert response.status_code == 200
    assert response.content == INVOICE
    async with httpx.AsyncClient(base_url=pipeline.url) as client:
        html = await client.get(by_name["final.html"]["url"])
        shot = await client.get(
            next(a for a in task["artifacts"] if a["kind"] == "screenshot")["url"]
        )
    assert b'id="xml"' in html.content
    assert shot.content[:3] == b"\xff\xd8\xff"  # a JPEG
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    # Its profile directory is gone (others' may remain: a killed worker cannot clean up).
    browsers = Path(pipeline.settings.data_dir) / "browsers"
    mine = f"{_raw(task_id)}-"
    assert not browsers.exists() or not any(p.name.startswith(mine) for p in browsers.iterdir())


def _raw(global_id: str) -> str:
    from strawberry.relay import GlobalID

    return GlobalID.from_id(global_id).node_id
