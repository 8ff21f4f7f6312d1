"""Rate limits on register, login and createTask over real HTTP, and, with Redis, one count
shared by every API process."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from autofactura.core.config import Settings
from tests.conftest import DISTRIBUTED
from tests.http.conftest import (
    LOGIN,
    PASSWORD,
    Api,
    create_profile,
    new_email,
    random_loopback,
    register,
    task_input,
    variant,
)
from tests.support.api import CREATE_TASK, REGISTER
from tests.support.live_server import live_server

WINDOW_S = 60
LIMITS = {
    "rate_limit_register": f"3/{WINDOW_S}",
    "rate_limit_login": f"3/{WINDOW_S}",
    "rate_limit_create_task": f"2/{WINDOW_S}",
}
MESSAGE = re.compile(r"^Demasiados intentos\. Espera (\d+) segundos e inténtalo de nuevo\.$")
REGISTER_RESULT = REGISTER.replace(
    "... on UserError", "... on RateLimitedError { retryAfterSeconds } ... on UserError"
)
CREATE_TASK_RESULT = CREATE_TASK.replace(
    "... on UserError", "... on RateLimitedError { retryAfterSeconds } ... on UserError"
)


@pytest.fixture(scope="module")
def servers(settings: Settings) -> Iterator[tuple[str, str]]:
    """Two servers on the same limits; one is enough without Redis (memory counts)."""
    limited = variant(settings, **LIMITS)
    with contextlib.ExitStack() as stack:
        first = stack.enter_context(live_server(limited))
        second = stack.enter_context(live_server(limited)) if DISTRIBUTED else first
        yield first, second


@pytest.fixture(autouse=True)
def same_window() -> None:
    """The limits count in fixed windows aligned to the clock; a test that straddles a
    boundary would see its count reset. Start each test with time to spare in the window."""
    left = WINDOW_S - time.time() % WINDOW_S
    if left < 10:
        time.sleep(left + 0.1)


def client(base_url: str, ip: str) -> Api:
    # Each test comes from its own loopback address: its own key space in the limiter, also
    # in a Redis shared with earlier runs and other servers.
    return Api(base_url, client_ip=ip)


def assert_rate_limited(result: dict[str, Any], window_s: int = WINDOW_S) -> None:
    assert result["__typename"] == "RateLimitedError", result
    assert result["code"] == "RATE_LIMITED"
    assert 0 < result["retryAfterSeconds"] <= window_s
    match = MESSAGE.match(result["message"])
    assert match, result["message"]
    assert int(match.group(1)) == result["retryAfterSeconds"]


def _register(api: Api, email: str | None = None) -> dict[str, Any]:
    body = api.data(REGISTER_RESULT, email=email or new_email(), password=PASSWORD)
    result: dict[str, Any] = body["register"]
    return result


def _login(api: Api, email: str, password: str) -> dict[str, Any]:
    result: dict[str, Any] = api.data(LOGIN, email=email, password=password)["login"]
    return result


def test_fourth_register_from_one_address_is_limited(servers: tuple[str, str]) -> None:
    api = client(servers[0], random_loopback())
    assert [_register(api)["__typename"] for _ in range(3)] == ["AuthPayload"] * 3
    assert_rate_limited(_register(api))
    # Another address is not affected.
    assert _register(client(servers[0], random_loopback()))["__typename"] == "AuthPayload"


def test_fourth_login_from_one_address_is_limited(servers: tuple[str, str]) -> None:
    api = client(servers[0], random_loopback())
    # Wrong guesses at three different accounts: a spray from one address.
    for _ in range(3):
        assert _login(api, new_email(), "wrong")["__typename"] == "InvalidCredentialsError"
    assert_rate_limited(_login(api, new_email(), "wrong"))


def test_guesses_at_one_account_are_limited_across_addresses(servers: tuple[str, str]) -> None:
    email = new_email()
    assert _register(client(servers[0], random_loopback()), email)["__typename"] == "AuthPayload"
    # Each guess from a different address: only the per-account count can stop this.
    for attempt in range(3):
        guess = _login(client(servers[0], random_loopback()), email, f"wrong-{attempt}")
        assert guess["__typename"] == "InvalidCredentialsError", guess
    assert_rate_limited(_login(client(servers[0], random_loopback()), email, "wrong-4"))
    # Until the window ends, even the right password waits.
    assert_rate_limited(_login(client(servers[0], random_loopback()), email, PASSWORD))


def test_third_create_task_is_limited(servers: tuple[str, str]) -> None:
    buyer = register(client(servers[0], random_loopback()))
    profile_id = create_profile(buyer)["id"]
    results = [
        buyer.data(CREATE_TASK_RESULT, input=task_input(profile_id, folio=f"RL-{n}"))["createTask"]
        for n in range(3)
    ]
    assert [r["__typename"] for r in results[:2]] == ["Task", "Task"]
    assert_rate_limited(results[2])
    tasks = buyer.data("{ tasks { edges { node { ticket { folio } } } } }")["tasks"]["edges"]
    assert sorted(e["node"]["ticket"]["folio"] for e in tasks) == ["RL-0", "RL-1"]


distributed_only = pytest.mark.skipif(
    not DISTRIBUTED, reason="one shared count needs Redis (distributed mode)"
)


@distributed_only
def test_register_count_is_shared_by_two_servers(servers: tuple[str, str]) -> None:
    ip = random_loopback()
    first, second = (client(url, ip) for url in servers)
    assert first.base_url != second.base_url
    results = [_register(api)["__typename"] for api in (first, second, first)]
    assert results == ["AuthPayload"] * 3
    assert_rate_limited(_register(second))


@distributed_only
def test_login_count_is_shared_by_two_servers(servers: tuple[str, str]) -> None:
    email = new_email()
    assert _register(client(servers[0], random_loopback()), email)["__typename"] == "AuthPayload"
    for attempt, url in enumerate((servers[0], servers[1], servers[0])):
        guess = _login(client(url, random_loopback()), email, f"wrong-{attempt}")
        assert guess["__typename"] == "InvalidCredentialsError", guess
    assert_rate_limited(_login(client(servers[1], random_loopback()), email, "wrong-4"))


@distributed_only
def test_create_task_count_is_shared_by_two_servers(servers: tuple[str, str]) -> None:
    buyer = register(client(servers[0], random_loopback()))
    on_second = Api(servers[1], buyer.token, buyer.client_ip)
    profile_id = create_profile(buyer)["id"]

    def create(api: Api, folio: str) -> dict[str, Any]:
        task = task_input(profile_id, folio=folio)
        result: dict[str, Any] = api.data(CREATE_TASK_RESULT, input=task)["createTask"]
        return result

    assert create(buyer, "S-1")["__typename"] == "Task"
    assert create(on_second, "S-2")["__typename"] == "Task"
    assert_rate_limited(create(buyer, "S-3"))
    assert_rate_limited(create(on_second, "S-4"))
