"""The security suite's live server and its two accounts: a victim who owns one of every
kind of object (task, fiscal profile, webhook, API key, an uploaded invoice and its XML
artifact) and an attacker with a valid session of their own."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from autofactura.core.config import Settings
from autofactura.core.services import Services
from tests.http.conftest import Api, create_profile, create_task, register, variant
from tests.security.browser_run import CHROME, BrowserRuns, run_in_a_browser
from tests.security.resolver import stand_in_resolver
from tests.support.api import PROFILE
from tests.support.cfdi_factory import make_cfdi, receptor_of
from tests.support.live_server import live_server

HERE = Path(__file__).parent
INBOUND_SECRET = "inbound-secret-for-the-security-suite"
# A public address no delivery ever reaches: the victim's webhook listens for completions
# only, and no task of theirs completes here.
HOOK_URL = "https://93.184.216.34/hooks/autofactura"

CREATE_WEBHOOK = """
mutation($url: String!, $events: [String!]!) {
  createWebhook(url: $url, events: $events) {
    __typename ... on Webhook { id } ... on ValidationError { problems { field code message } }
  }
}"""
CREATE_KEY = """
mutation { createApiKey(name: "ERP", scopes: [read, write]) {
  __typename ... on ApiKeyCreated { key apiKey { id } } } }"""
UPLOAD = """
mutation($xml: String!) { uploadInvoice(xml: $xml) {
  __typename ... on InvoiceUpload { invoice { id uuid xmlUrl } } ... on UserError { code } } }"""


@dataclass(frozen=True)
class Victim:
    api: Api
    user_id: str
    task_id: str
    profile_id: str
    webhook_id: str
    api_key: str
    api_key_id: str
    invoice_uuid: str
    artifact_id: str
    artifact_url: str  # the signed link the owner got

    def object_ids(self) -> dict[str, str]:
        """The GraphQL ids an attacker may aim at, by kind."""
        return {
            "task": self.task_id,
            "profile": self.profile_id,
            "webhook": self.webhook_id,
            "apiKey": self.api_key_id,
        }


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The real browser runs first in this folder: in embedded mode every app in a process
    shares one in-memory queue, so the suite's own server (default settings) must not be up
    yet, or its worker threads would take the runs' tasks. Other folders keep their order."""
    here = [n for n, item in enumerate(items) if item.path.is_relative_to(HERE)]
    mine = sorted(
        (items[n] for n in here), key=lambda i: "browser_runs" not in getattr(i, "fixturenames", ())
    )
    for n, item in zip(here, mine, strict=True):
        items[n] = item


@pytest.fixture(scope="package", autouse=True)
def resolver() -> Iterator[threading.Event]:
    """Every name the suite's servers look up goes to the stand-in (resolver.py)."""
    with stand_in_resolver() as release:
        yield release


@pytest.fixture(scope="package")
async def browser_runs(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> BrowserRuns:
    """The two real runs (browser_run.py), shared by test_vendor_domain.py and test_pii.py."""
    if not os.access(CHROME, os.X_OK):
        pytest.skip(f"no {CHROME}")
    return await run_in_a_browser(settings, tmp_path_factory.mktemp("written") / "all.log")


@pytest.fixture(scope="package")
def server(settings: Settings, services: Services) -> Iterator[str]:
    """Default security settings (no private URLs), inbound mail on so /inbound/email is live.
    Depends on `services` so that fixture sets the process's broker first (see tests/pipeline)."""
    del services
    secured = variant(
        settings, inbound_domain="in.example.com", inbound_webhook_secret=INBOUND_SECRET
    )
    with live_server(secured) as url:
        yield url


@pytest.fixture(scope="package")
def api(server: str) -> Api:
    return Api(server)


def _created(api: Api, query: str, field: str, typename: str, **variables: object) -> dict:  # type: ignore[type-arg]
    result = api.data(query, **variables)[field]
    assert result["__typename"] == typename, result
    return result  # type: ignore[no-any-return]


@pytest.fixture(scope="package")
def victim(api: Api) -> Victim:
    owner = register(api)
    user_id = owner.data("{ me { id } }")["me"]["id"]
    profile = create_profile(owner)
    task = create_task(owner, profile["id"])
    hook = _created(
        owner, CREATE_WEBHOOK, "createWebhook", "Webhook", url=HOOK_URL, events=["task.completed"]
    )
    key = _created(owner, CREATE_KEY, "createApiKey", "ApiKeyCreated")
    xml = make_cfdi(**receptor_of(PROFILE), total="777.70").decode()
    invoice = _created(owner, UPLOAD, "uploadInvoice", "InvoiceUpload", xml=xml)["invoice"]
    url = invoice["xmlUrl"]
    return Victim(
        api=owner,
        user_id=user_id,
        task_id=task["id"],
        profile_id=profile["id"],
        webhook_id=hook["id"],
        api_key=key["key"],
        api_key_id=key["apiKey"]["id"],
        invoice_uuid=invoice["uuid"],
        artifact_id=url.split("/artifacts/", 1)[1].split("?", 1)[0],
        artifact_url=url,
    )


@pytest.fixture(scope="package")
def attacker(api: Api) -> Api:
    return register(api)
