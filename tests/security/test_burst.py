"""Rate limits under a burst: N requests at once (asyncio.gather over httpx) at register,
login and createTask; exactly the limit get through, every other one is RATE_LIMITED with a
retry-after. Distributed: the burst is split over two API processes sharing Redis's count."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from autofactura.core.config import Settings
from tests.conftest import DISTRIBUTED
from tests.http.conftest import LOGIN, PASSWORD, new_email, random_loopback, task_input, variant
from tests.http.test_rate_limits import CREATE_TASK_RESULT, REGISTER_RESULT, assert_rate_limited
from tests.support.api import CREATE_PROFILE, PROFILE, TLS
from tests.support.live_server import live_server

LIMIT = 4
BURST = 12
# Windows are aligned to the clock: with a day-long one a burst (a second or two) never
# straddles a boundary, so its count never resets midway (nor does a test wait for a fresh
# window). Each burst comes from its own loopback address: a key space of its own.
WINDOW_S = 86_400


@pytest.fixture(scope="module")
def servers(settings: Settings) -> Iterator[list[str]]:
    rule = f"{LIMIT}/{WINDOW_S}"
    limited = variant(
        settings, rate_limit_register=rule, rate_limit_login=rule, rate_limit_create_task=rule
    )
    with contextlib.ExitStack() as stack:
        count = 2 if DISTRIBUTED else 1
        yield [stack.enter_context(live_server(limited)) for _ in range(count)]


@pytest.fixture(autouse=True)
def inside_the_day() -> None:
    """The one moment a burst could straddle: the last seconds of a UTC day."""
    left = WINDOW_S - time.time() % WINDOW_S
    if left < 10:
        time.sleep(left + 0.1)


@dataclass(frozen=True)
class Burst:
    servers: list[str]
    ip: str  # the one client address of the whole test
    token: str | None = None

    async def send(self, query: str, variables: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """All at once, spread over the servers; each request's one result."""
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}

        async def one(n: int, client: httpx.AsyncClient) -> dict[str, Any]:
            body = {"query": query, "variables": variables[n]}
            response = await client.post("/graphql", json=body, headers=headers)
            assert response.status_code == 200, response.text
            answer = response.json()
            assert not answer.get("errors"), answer
            result: dict[str, Any] = next(iter(answer["data"].values()))
            return result

        async with contextlib.AsyncExitStack() as stack:
            clients = [
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        base_url=url,
                        timeout=30,
                        transport=httpx.AsyncHTTPTransport(local_address=self.ip, verify=TLS),
                    )
                )
                for url in self.servers
            ]
            return await asyncio.gather(
                *(one(n, clients[n % len(clients)]) for n in range(len(variables)))
            )

    async def signed_up(self) -> Burst:
        signed = await self.send(REGISTER_RESULT, [{"email": new_email(), "password": PASSWORD}])
        assert signed[0]["__typename"] == "AuthPayload", signed
        return Burst(self.servers, self.ip, signed[0]["token"])


# Each kind: what to send BURST times (after any set-up) and what a success is called.
Setup = Callable[[Burst], Awaitable[tuple[Burst, str, list[dict[str, Any]], str]]]


async def _registers(burst: Burst) -> tuple[Burst, str, list[dict[str, Any]], str]:
    variables = [{"email": new_email(), "password": PASSWORD} for _ in range(BURST)]
    return burst, REGISTER_RESULT, variables, "AuthPayload"


async def _logins(burst: Burst) -> tuple[Burst, str, list[dict[str, Any]], str]:
    email = new_email()
    # The sign-up comes from another address: the burst's own count starts empty.
    signed = await Burst(burst.servers, random_loopback()).send(
        REGISTER_RESULT, [{"email": email, "password": PASSWORD}]
    )
    assert signed[0]["__typename"] == "AuthPayload", signed
    return burst, LOGIN, [{"email": email, "password": PASSWORD}] * BURST, "AuthPayload"


async def _task_creations(burst: Burst) -> tuple[Burst, str, list[dict[str, Any]], str]:
    buyer = await burst.signed_up()
    profile = (await buyer.send(CREATE_PROFILE, [{"input": PROFILE}]))[0]
    variables = [{"input": task_input(profile["id"], folio=f"BURST-{n}")} for n in range(BURST)]
    return buyer, CREATE_TASK_RESULT, variables, "Task"


@pytest.mark.parametrize(
    "setup", [_registers, _logins, _task_creations], ids=["register", "login", "createTask"]
)
async def test_a_burst_lets_exactly_the_limit_in(servers: list[str], setup: Setup) -> None:
    burst, query, variables, success = await setup(Burst(servers, random_loopback()))
    results = await burst.send(query, variables)
    for result in results:
        if result["__typename"] != success:
            assert_rate_limited(result, WINDOW_S)
    outcome = Counter(r["__typename"] for r in results)
    assert outcome == {success: LIMIT, "RateLimitedError": BURST - LIMIT}
