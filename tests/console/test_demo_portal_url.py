"""The demo portal is the one loopback vendor URL a task may use without
AUTOFACTURA_ALLOW_PRIVATE_URLS, so `make run` shows a whole run: exactly the app's own
scheme, host, port and /demo/portal/ path; any other loopback URL stays refused."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from autofactura.core.config import Settings
from autofactura.core.services import Services
from autofactura.core.tasks.vendor_url import is_demo_portal
from tests.conftest import DISTRIBUTED
from tests.console.conftest import CHROME
from tests.portals.buyer import PROFILE
from tests.support.api import CREATE_PROFILE, CREATE_TASK, REGISTER, make_settings, ticket
from tests.support.live_server import live_server

TASK = "query($id: ID!) { task(id: $id) { status failureReason engine invoice { verified } } }"


def test_only_the_exact_demo_url_is_the_demo() -> None:
    demo = "http://127.0.0.1:8000/demo/portal/"
    assert is_demo_portal("http://127.0.0.1:8000/demo/portal/", demo)
    assert is_demo_portal("http://127.0.0.1:8000/demo/portal/factura?x=1", demo)
    for other in (
        "http://127.0.0.1:8001/demo/portal/",  # another port
        "https://127.0.0.1:8000/demo/portal/",  # another scheme
        "http://localhost:8000/demo/portal/",  # another host name
        "http://127.0.0.1:8000/graphql",  # another path of the app
        "http://127.0.0.1:8000/demo/portal/../../graphql",
        "http://user@127.0.0.1:8000/demo/portal/",
    ):
        assert not is_demo_portal(other, demo), other
    assert Settings(env="production").demo_portal_url is None
    assert Settings(host="0.0.0.0", port=9000).demo_portal_url == (  # noqa: S104
        "http://127.0.0.1:9000/demo/portal/"
    )


@pytest.fixture(scope="module")
def demo_server(settings: Settings, services: Services) -> Iterator[str]:
    """The app with the demo on and private URLs NOT allowed, as after `make run`."""
    if DISTRIBUTED:
        pytest.skip("the engine runs once, in the embedded mode")
    del services  # sets the process's broker first
    assert settings.database_url is not None
    demo_settings = make_settings(
        settings.database_url,
        settings.redis_url,
        settings.data_dir,
        settings.encryption_keys or "",
        engines="autofill",
        chrome_path=CHROME,
        allow_private_urls=False,
        demo_portal=True,
        worker_threads=2,
    )
    with live_server(demo_settings) as url:
        yield url


async def _call(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    answer = await client.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, Any] = answer.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_make_run_shows_a_whole_run_on_the_demo_portal(demo_server: str) -> None:
    async with httpx.AsyncClient(base_url=demo_server, timeout=30) as client:
        signed = await _call(client, REGISTER, email="demo@example.com", password="una-clave-1")
        client.headers["authorization"] = f"Bearer {signed['register']['token']}"
        profile = (await _call(client, CREATE_PROFILE, input=PROFILE))["createFiscalProfile"]

        async def create(url: str) -> dict[str, Any]:
            task_input = {"vendorUrl": url, "ticket": ticket(), "fiscalProfileId": profile["id"]}
            created: dict[str, Any] = (await _call(client, CREATE_TASK, input=task_input))[
                "createTask"
            ]
            return created

        other = await create(f"{demo_server}/graphql")  # the app itself, not the demo
        assert other["__typename"] == "ValidationError", other
        task = await create(f"{demo_server}/demo/portal/")
        assert task["__typename"] == "Task", task
        for _ in range(600):
            state = (await _call(client, TASK, id=task["id"]))["task"]
            if state["status"] in ("COMPLETED", "FAILED"):
                break
            await asyncio.sleep(0.1)
    assert (state["status"], state["engine"]) == ("COMPLETED", "autofill"), state
    assert state["invoice"]["verified"]
