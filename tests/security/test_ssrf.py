"""Vendor and webhook URLs that point into the worker's network, over real HTTP against the
default settings (no private-URL allowance): refused with the Spanish message, nothing made.

Names resolve through the suite's stand-in for the system resolver (resolver.py): it answers
for *.vendor.test and parses numeric hosts itself, so no query leaves the machine."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from autofactura.core.tasks import vendor_url
from tests.http.conftest import Api, create_profile, register
from tests.security.conftest import CREATE_WEBHOOK
from tests.security.resolver import FAKE_DNS, SILENT
from tests.support.api import CREATE_TASK, ticket

NOT_PUBLIC = "not public"
MALFORMED = "malformed"
SCHEME = "scheme"
VENDOR_WORDS = {
    NOT_PUBLIC: "El portal debe ser un sitio público de internet.",
    MALFORMED: "La dirección del portal no es válida.",
    SCHEME: "El portal debe ser una dirección http:// o https://.",
}
WEBHOOK_WORDS = {
    NOT_PUBLIC: "El webhook debe apuntar a un sitio público de internet.",
    MALFORMED: "La dirección del webhook no es válida.",
    SCHEME: "El webhook debe ser una dirección http:// o https://.",
}
ATTACKS = [
    # private ranges
    ("http://10.0.0.1/", NOT_PUBLIC),
    ("https://10.255.255.254:8443/facturacion", NOT_PUBLIC),
    ("http://172.16.0.1/", NOT_PUBLIC),
    ("http://172.31.255.254/", NOT_PUBLIC),
    ("http://192.168.1.1/", NOT_PUBLIC),
    ("http://[fd00::1]/", NOT_PUBLIC),
    # loopback in every spelling
    ("http://127.0.0.1/", NOT_PUBLIC),
    ("http://127.0.0.1:6379/", NOT_PUBLIC),
    ("http://[::1]/", NOT_PUBLIC),
    ("http://0.0.0.0/", NOT_PUBLIC),
    ("http://0/", NOT_PUBLIC),
    ("http://[::]/", NOT_PUBLIC),
    ("http://127.1/", NOT_PUBLIC),
    ("http://2130706433/", NOT_PUBLIC),
    ("http://0x7f000001/", NOT_PUBLIC),
    ("http://017700000001/", NOT_PUBLIC),
    ("http://[::ffff:127.0.0.1]/", NOT_PUBLIC),
    ("http://１２７.０.０.１/", NOT_PUBLIC),  # full-width digits: IDNA makes them 127.0.0.1
    ("HTTP://LOCALHOST./", NOT_PUBLIC),
    ("http://localhost:8000/", NOT_PUBLIC),
    ("http://portal.localhost/", NOT_PUBLIC),
    ("127.0.0.1/facturacion", NOT_PUBLIC),  # no scheme: read as https://
    # link-local and cloud metadata
    ("http://169.254.10.10/", NOT_PUBLIC),
    ("http://169.254.169.254/latest/meta-data/", NOT_PUBLIC),
    ("http://[fe80::1]/", NOT_PUBLIC),
    ("http://[fe80::1%25eth0]/", NOT_PUBLIC),
    ("http://[fd00:ec2::254]/", NOT_PUBLIC),  # AWS's IPv6 metadata address
    ("http://metadata.google.internal/computeMetadata/v1/", NOT_PUBLIC),
    ("http://printer.local/", NOT_PUBLIC),
    # names whose DNS answer is inside
    *[(f"https://{name}/facturacion", NOT_PUBLIC) for name in FAKE_DNS],
    # user info: the host is what follows the @
    ("http://vendor.com@127.0.0.1/", MALFORMED),
    ("http://93.184.216.34:80@169.254.169.254/", MALFORMED),
    ("http://user:pass@93.184.216.34/", MALFORMED),
    ("http://127.0.0.1\\@93.184.216.34/", MALFORMED),
    ("http://127.0.0.1#@93.184.216.34/", NOT_PUBLIC),
    ("http://93.184.216.34:99999/", MALFORMED),
    ("javascript:alert(document.domain)", MALFORMED),
    # other schemes
    ("file:///etc/passwd", SCHEME),
    ("ftp://93.184.216.34/", SCHEME),
    ("gopher://127.0.0.1:6379/_INFO", SCHEME),
    ("chrome://settings/", SCHEME),
    ("data://text/html,<script>alert(1)</script>", SCHEME),
    ("ws://93.184.216.34/", SCHEME),
]


@pytest.fixture(scope="module")
def buyer(api: Api) -> tuple[Api, str]:
    owner = register(api)
    return owner, create_profile(owner)["id"]


def _problems(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    assert result["__typename"] == "ValidationError", result
    return [(p["field"], p["code"], p["message"]) for p in result["problems"]]


def test_vendor_urls_into_the_network_are_refused(buyer: tuple[Api, str]) -> None:
    owner, profile_id = buyer
    wrong = {}
    for url, refusal in ATTACKS:
        task = {"vendorUrl": url, "ticket": ticket(), "fiscalProfileId": profile_id}
        result = owner.data(CREATE_TASK, input=task)["createTask"]
        expected = [("vendorUrl", "INVALID_VENDOR_URL", VENDOR_WORDS[refusal])]
        if result["__typename"] != "ValidationError" or _problems(result) != expected:
            wrong[url] = result
    assert wrong == {}
    assert owner.data("{ tasks { edges { node { id } } } }")["tasks"]["edges"] == []


BATCH = """
mutation($items: [CreateTaskInput!]!) { createTasks(input: $items) {
  __typename ... on ValidationError { problems { field code message } } ... on Task { id } } }"""


def test_a_batch_refuses_each_such_url_and_keeps_the_good_one(buyer: tuple[Api, str]) -> None:
    owner, profile_id = buyer
    urls = [url for url, _ in ATTACKS[:40]] + ["https://93.184.216.34/facturacion"]
    items = [{"vendorUrl": u, "ticket": ticket(), "fiscalProfileId": profile_id} for u in urls]
    results = owner.data(BATCH, items=items)["createTasks"]
    assert [r["__typename"] for r in results] == ["ValidationError"] * 40 + ["Task"]
    assert len(owner.data("{ tasks { edges { node { id } } } }")["tasks"]["edges"]) == 1


def test_webhook_urls_into_the_network_are_refused(buyer: tuple[Api, str]) -> None:
    owner, _ = buyer
    wrong = {}
    for url, refusal in ATTACKS:
        result = owner.data(CREATE_WEBHOOK, url=url, events=["task.failed"])["createWebhook"]
        if _problems(result) != [("url", "INVALID_WEBHOOK_URL", WEBHOOK_WORDS[refusal])]:
            wrong[url] = result
    assert wrong == {}
    assert owner.data("{ webhooks { id } }")["webhooks"] == []


def test_only_the_demo_portal_itself_passes_on_loopback(
    server: str, buyer: tuple[Api, str]
) -> None:
    """The app's own demo portal is the one loopback vendor allowed (outside production);
    a path that climbs out of it, spelled any way, is the API server itself."""
    owner, profile_id = buyer
    tricks = [
        f"{server}/demo/portal/../../graphql",
        f"{server}/demo/portal/%2e%2e/%2e%2e/graphql",
        f"{server}/demo/portal/%2E%2E/artifacts/x",
        f"{server}/demo/portal/.%2e/healthz",
        f"{server}/demo/portalx/",
        f"{server.replace('127.0.0.1', '127.0.0.2')}/demo/portal/",
    ]
    answers = {}
    for url in [*tricks, f"{server}/demo/portal/"]:
        task = {"vendorUrl": url, "ticket": ticket(), "fiscalProfileId": profile_id}
        answers[url] = owner.data(CREATE_TASK, input=task)["createTask"]["__typename"]
    assert answers == {**dict.fromkeys(tricks, "ValidationError"), f"{server}/demo/portal/": "Task"}


def test_a_name_the_resolver_does_not_answer_is_not_waited_for(
    buyer: tuple[Api, str], resolver: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lookup that hangs (an unreachable resolver) holds a request RESOLVE_SECONDS at most;
    the name is then treated like one that does not resolve: accepted, since the egress proxy
    and the webhook sender resolve it again, and check it, right before each connection."""
    monkeypatch.setattr(vendor_url, "RESOLVE_SECONDS", 0.5)
    owner, profile_id = buyer
    url = f"https://{SILENT}/facturacion"
    took = {}
    try:
        started = time.monotonic()
        task = {"vendorUrl": url, "ticket": ticket(), "fiscalProfileId": profile_id}
        created = owner.data(CREATE_TASK, input=task)["createTask"]
        took["task"] = time.monotonic() - started
        started = time.monotonic()
        hook = owner.data(CREATE_WEBHOOK, url=url, events=["task.failed"])["createWebhook"]
        took["webhook"] = time.monotonic() - started
    finally:
        resolver.set()
    assert (created["__typename"], hook["__typename"]) == ("Task", "Webhook")
    # It asked the resolver and waited for it (0.5 s), not for the lookup (30 s here).
    assert all(0.5 <= seconds < 10 for seconds in took.values()), took
