"""Prometheus at GET /metrics (text exposition), every name prefixed `autofactura_`.

Counted in this process: HTTP requests by route template and status, their latency, and
the GraphQL subscriptions open on it. Read at scrape time, so right across API and worker
processes: tasks by status, completed tasks by engine and run durations (from the
database), and queue depth (Redis, or the in-process broker in embedded mode). With
AUTOFACTURA_METRICS_TOKEN set, a scrape needs `Authorization: Bearer <token>`."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import dramatiq
from graphql import OperationType, get_operation_ast
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autofactura.actors.depth import queue_depths
from autofactura.actors.embedded import EmbeddedWorker
from autofactura.core.observability import context as observed
from autofactura.core.observability import stats
from autofactura.core.services import Services
from autofactura.core.tasks.status import TaskStatus
from autofactura.schema.share import parsed

log = logging.getLogger(__name__)
UNMATCHED = "unmatched"  # one label for every unknown path: no unbounded series


class Metrics:
    """This app's own series (one registry per app: tests run several in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "autofactura_http_requests",
            "HTTP requests answered, by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "autofactura_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["method", "route"],
            registry=self.registry,
        )
        self.subscriptions = Gauge(
            "autofactura_graphql_subscriptions",
            "GraphQL subscriptions open on this API process",
            registry=self.registry,
        )
        ProcessCollector(namespace="autofactura", registry=self.registry)


@contextlib.contextmanager
def counted(view: Any, query: str, operation_name: str | None) -> Iterator[None]:
    """Count a subscription as open while its operation runs (the view is our GraphQLApp,
    holding the app's Metrics); queries and mutations sent over a socket do not count."""
    if not _is_subscription(query, operation_name):
        yield
        return
    with view.metrics.subscriptions.track_inprogress():
        yield


def _is_subscription(query: str, operation_name: str | None) -> bool:
    document = parsed(query)
    operation = get_operation_ast(document, operation_name) if document is not None else None
    return operation is not None and operation.operation == OperationType.SUBSCRIPTION


class RequestMetrics:
    """Counts and times each HTTP request under its route template, and gives every line
    logged while a request or WebSocket is served its path."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        with observed.bound(path=scope["path"], method=scope.get("method", "WEBSOCKET")):
            if scope["type"] == "websocket":
                await self.app(scope, receive, send)
                return
            await self._timed(scope, receive, send)

    async def _timed(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, started = 500, time.perf_counter()

        async def recorded(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recorded)
        finally:
            route, method = template(scope.get("route")), scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)


def template(route: BaseRoute | None) -> str:
    """The route Starlette's router matched (it leaves it in the scope), as a label."""
    if route is None:
        return UNMATCHED
    path = str(getattr(route, "path", UNMATCHED))
    return f"{path}/{{path}}" if isinstance(route, Mount) else path


class _Families(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def metrics_endpoint(
    services: Services,
    metrics: Metrics,
    broker: dramatiq.Broker,
    embedded: EmbeddedWorker | None,
) -> Callable[[Request], Awaitable[Response]]:
    token = services.settings.metrics_token

    async def endpoint(request: Request) -> Response:
        if token and not _bearer_matches(request, token):
            return Response(
                "unauthorized\n", 401, headers={"www-authenticate": 'Bearer realm="metrics"'}
            )
        worker = embedded.worker if embedded is not None else None
        shared = await _shared_families(services, broker, worker)
        body = generate_latest(metrics.registry) + generate_latest(_Families(shared))
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return endpoint


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


async def _shared_families(
    services: Services, broker: dramatiq.Broker, worker: dramatiq.Worker | None
) -> list[Metric]:
    families: list[Metric] = []
    up = GaugeMetricFamily(
        "autofactura_metrics_source_up",
        "1 when this scrape could read the source (database, queue), else 0",
        labels=["source"],
    )
    timeout = services.settings.readiness_timeout_seconds
    try:
        async with asyncio.timeout(timeout), services.db.session(readonly=True) as session:
            families += task_families(await stats.read(session))
        up.add_metric(["database"], 1)
    except Exception as exc:  # noqa: BLE001 — a scrape reports the outage instead of failing
        log.warning("metrics: cannot read task statistics: %s", exc)
        up.add_metric(["database"], 0)
    try:
        async with asyncio.timeout(timeout):
            depths = await queue_depths(broker, services.redis, worker)
        families.append(queue_family(depths))
        up.add_metric(["queue"], 1)
    except Exception as exc:  # noqa: BLE001 — as above
        log.warning("metrics: cannot read queue depth: %s", exc)
        up.add_metric(["queue"], 0)
    return [*families, up]


def task_families(found: stats.TaskStats) -> list[Metric]:
    tasks = GaugeMetricFamily("autofactura_tasks", "Tasks by status", labels=["status"])
    for status in TaskStatus:
        tasks.add_metric([status.value], found.by_status.get(status.value, 0))
    completed = CounterMetricFamily(
        "autofactura_tasks_completed",
        "Tasks completed, by the engine that got the invoice",
        labels=["engine"],
    )
    for engine, count in sorted(found.completed_by_engine.items()):
        completed.add_metric([engine], count)
    durations = HistogramMetricFamily(
        "autofactura_task_duration_seconds",
        "From a worker starting a task's current attempt to its final state",
        labels=["status"],
    )
    for status in stats.FINAL:
        runs = found.durations.get(status.value) or stats.Durations.none()
        bounds = [str(bound) for bound in stats.DURATION_BUCKETS]
        buckets = [*zip(bounds, runs.at_most, strict=True), ("+Inf", runs.count)]
        durations.add_metric([status.value], buckets, runs.total_seconds)
    return [tasks, completed, durations]


def queue_family(depths: dict[tuple[str, str], int]) -> Metric:
    family = GaugeMetricFamily(
        "autofactura_queue_depth",
        "Messages waiting on a queue (waiting: due; delayed: retries not yet due)",
        labels=["queue", "state"],
    )
    for (queue, state), count in sorted(depths.items()):
        family.add_metric([queue, state], count)
    return family
