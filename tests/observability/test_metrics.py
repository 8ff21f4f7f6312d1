"""/metrics over real HTTP: the task series follow tasks as they are created, held and
completed (read from the database, so right whichever process changed them), HTTP requests
are counted under their route template, open subscriptions are counted while they are
open, and a configured token is required."""

from __future__ import annotations

import httpx

from autofactura.core.config import Settings
from tests.observability.conftest import Served
from tests.observability.scrape import scrape, value, wait_for_value
from tests.pipeline.conftest import variant
from tests.pipeline.helpers import EVENTS_SUBSCRIPTION, UPDATES_SUBSCRIPTION, register
from tests.support.live_server import live_server
from tests.support.ws import LEGACY_WS, TRANSPORT_WS, GraphQLWebSocket

TASKS = "autofactura_tasks"
SUBSCRIPTIONS = "autofactura_graphql_subscriptions"


async def test_task_series_follow_a_task_through_its_states(served: Served) -> None:
    buyer = await register(served.url)
    before = await scrape(served.url)
    held = await buyer.create_task("CAPTCHA-metrics")
    await buyer.wait_for_status(held, {"INTERVENTION_NEEDED"})
    during = await scrape(served.url)
    assert value(during, TASKS, status="INTERVENTION_NEEDED") == (
        value(before, TASKS, status="INTERVENTION_NEEDED") + 1
    )
    done = await buyer.create_task("DONE-metrics")
    await buyer.wait_for_status(done, {"COMPLETED"})
    await buyer.api.control("cancelTask", held)
    after = await scrape(served.url)
    for status, added in (("INTERVENTION_NEEDED", 0), ("COMPLETED", 1), ("CANCELLED", 1)):
        assert value(after, TASKS, status=status) == value(before, TASKS, status=status) + added
    completed = "autofactura_tasks_completed_total"
    assert value(after, completed, engine="scripted") == (
        value(before, completed, engine="scripted") + 1
    )
    for status in ("COMPLETED", "CANCELLED"):
        durations = "autofactura_task_duration_seconds_count"
        assert value(after, durations, status=status) == (
            value(before, durations, status=status) + 1
        )
        within = "autofactura_task_duration_seconds_bucket"
        assert value(after, within, status=status, le="+Inf") == (
            value(before, within, status=status, le="+Inf") + 1
        )
    # The held task ran while the other was created and completed: it took longer.
    seconds = "autofactura_task_duration_seconds_sum"
    assert value(after, seconds, status="CANCELLED") > value(before, seconds, status="CANCELLED")


async def test_requests_are_counted_by_route_template_and_status(served: Served) -> None:
    requests = "autofactura_http_requests_total"
    before = await scrape(served.url)
    async with httpx.AsyncClient(base_url=served.url) as client:
        for _ in range(3):
            assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/no/such/page")).status_code == 404
        task_page = await client.get("/live/2b0c6c53-0d6f-4d8e-9a3e-6f0b1c2d3e4f")
    after = await scrape(served.url)

    def added(route: str, status: int) -> float:
        labels = {"method": "GET", "route": route, "status": str(status)}
        return value(after, requests, **labels) - value(before, requests, **labels)

    assert added("/healthz", 200) == 3
    assert added("unmatched", 404) == 1  # one series for every unknown path
    assert added("/live/{task_id}", task_page.status_code) == 1
    latency = "autofactura_http_request_duration_seconds_count"
    assert value(after, latency, method="GET", route="/healthz") >= 3


async def test_open_subscriptions_are_counted_while_open(served: Served) -> None:
    buyer = await register(served.url)
    held = await buyer.create_task("CAPTCHA-subscribed")
    await buyer.wait_for_status(held, {"INTERVENTION_NEEDED"})
    base = value(await scrape(served.url), SUBSCRIPTIONS)
    events = await GraphQLWebSocket.open(served.url, TRANSPORT_WS, buyer.token)
    updates = await GraphQLWebSocket.open(served.url, LEGACY_WS, buyer.token)
    try:
        op = await events.subscribe(EVENTS_SUBSCRIPTION, id=held, after=0)
        await events.next_message(op, within=10)  # the replay has begun: it is live
        await wait_for_value(served.url, SUBSCRIPTIONS, lambda v: v == base + 1)
        await updates.subscribe(UPDATES_SUBSCRIPTION)
        await wait_for_value(served.url, SUBSCRIPTIONS, lambda v: v == base + 2)
        await updates.close()  # the client goes away
        await wait_for_value(served.url, SUBSCRIPTIONS, lambda v: v == base + 1)
        await events.stop(op)  # the client ends the operation, keeping the socket
        await wait_for_value(served.url, SUBSCRIPTIONS, lambda v: v == base)
    finally:
        await events.close()
        await updates.close()
        await buyer.api.control("cancelTask", held)


async def test_a_configured_token_is_required(settings: Settings) -> None:
    with live_server(variant(settings, metrics_token="s3cret-scrape")) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            for sent in ({}, {"authorization": "Bearer wrong"}, {"authorization": "Basic eDp5"}):
                refused = await client.get("/metrics", headers=sent)
                assert refused.status_code == 401, sent
                assert refused.headers["www-authenticate"].startswith("Bearer")
                assert TASKS not in refused.text
        samples = await scrape(url, token="s3cret-scrape")
    assert (TASKS, frozenset({("status", "PENDING")})) in samples
