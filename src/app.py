"""The ASGI application: GraphQL over HTTP and WebSocket at /graphql, artifacts, live
views, the inbound e-mail webhook and health; the SMTP receiver too when SMTP_PORT is set."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from autofactura.actors.broker import configure as configure_broker
from autofactura.actors.embedded import EmbeddedWorker
from autofactura.actors.runtime import use_settings
from autofactura.actors.tasks import DramatiqQueue
from autofactura.artifact_routes import artifact_download
from autofactura.console_routes import console_routes
from autofactura.core.config import Settings
from autofactura.core.mail.smtp import smtp_receiver
from autofactura.core.services import Services, build_services
from autofactura.demo_portal import demo_portal_routes
from autofactura.health_routes import healthz, readyz
from autofactura.http import BodyLimit, SecurityHeaders
from autofactura.live.routes import live_page, live_socket
from autofactura.mail_routes import INBOUND_PATH, inbound_email
from autofactura.metrics import Metrics, RequestMetrics, metrics_endpoint
from autofactura.schema import build_schema
from autofactura.schema.context import Context, Unauthenticated, token_from
from autofactura.schema.fanout import Fanout
from autofactura.sweeper import run_sweeper
from autofactura.ws import LegacyWSHandler, TransportWSHandler

log = logging.getLogger("autofactura")


class GraphQLApp(GraphQL[Context, None]):
    graphql_ws_handler_class = LegacyWSHandler
    graphql_transport_ws_handler_class = TransportWSHandler

    def __init__(self, services: Services, metrics: Metrics) -> None:
        settings = services.settings
        super().__init__(
            build_schema(settings),
            graphql_ide=None if settings.production else "graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        )
        self.services = services
        self.metrics = metrics  # the WebSocket handlers count open subscriptions on it
        self.fanout = Fanout(self.schema, services)

    def decode_json(self, data: str | bytes) -> object:
        """Only a JSON object is a GraphQL request; anything else is the client's error."""
        try:
            decoded = json.loads(data)
        except RecursionError:
            raise HTTPException(400, "Unable to parse request body as JSON") from None
        if not isinstance(decoded, (dict, list)):  # a list is a batch: refused later, clearly
            raise HTTPException(400, "The request body must be a JSON object")
        return decoded

    async def on_ws_connect(self, context: Context) -> None:
        """Authenticate once, in connection_init; a refused token closes the socket."""
        try:
            await context.principal()
        except Unauthenticated as exc:
            raise ConnectionRejectionError({"message": str(exc)}) from None

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(
            services=self.services, request=request, response=response, token=token_from(request)
        )


def create_app(settings: Settings) -> ASGIApp:
    broker = configure_broker(settings)
    use_settings(settings)
    services = build_services(settings, queue=DramatiqQueue(settings.retry_min_backoff_ms))
    metrics = Metrics()
    graphql = GraphQLApp(services, metrics)
    embedded = None if settings.redis_url else EmbeddedWorker(broker, settings.worker_threads)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as running:
            # First what can fail to start (the SMTP port taken), before any thread runs.
            if settings.smtp_port is not None:
                port = await running.enter_async_context(
                    smtp_receiver(services, settings.smtp_host, settings.smtp_port)
                )
                log.info("SMTP receiver on %s:%d", settings.smtp_host, port)
            if embedded is not None:
                embedded.start()
                running.callback(embedded.stop)
            await running.enter_async_context(
                run_sweeper(services, resend_all_pending=embedded is not None)
            )
            yield
        await services.close()

    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz(services)),
        Route("/metrics", metrics_endpoint(services, metrics, broker, embedded)),
        Route("/artifacts/{artifact_id}", artifact_download(services), methods=["GET"]),
        Route("/live/{task_id}", live_page(services), methods=["GET"]),
        WebSocketRoute("/live/{task_id}/ws", live_socket(services)),
        Route(INBOUND_PATH, inbound_email(services), methods=["POST"]),
        Route("/graphql", graphql, methods=["GET", "POST", "OPTIONS"]),
        WebSocketRoute("/graphql", graphql),
        *console_routes(),
        *(demo_portal_routes() if settings.demo_portal_enabled else []),
    ]
    middleware = [
        Middleware(RequestMetrics, metrics=metrics),
        Middleware(BodyLimit, paths={INBOUND_PATH: settings.inbound_max_bytes}),
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type"],
            max_age=600,
        ),
        # Large answers (a 50-task page, the schema, the console's scripts) go compressed to
        # clients that ask; small ones are not worth it. WebSockets pass through untouched.
        Middleware(GZipMiddleware, minimum_size=1024, compresslevel=6),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    # Outside Starlette's own error handler, so even a 500 carries the headers.
    return SecurityHeaders(app, hsts=settings.production)
