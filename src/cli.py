"""The `autofactura` command: serve, worker, mail, migrate, export-schema, run."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from autofactura.core.config import Settings, SettingsError, load_settings
from autofactura.core.observability.logs import configure_logging

log = logging.getLogger("autofactura")


def _no_inbound_domain(settings: Settings) -> bool:
    if settings.inbound_domain:
        return False
    print(
        "autofactura: the SMTP receiver needs AUTOFACTURA_INBOUND_DOMAIN (the domain buyers' "
        "inbound addresses are at, e.g. facturas.example.com)",
        file=sys.stderr,
    )
    return True


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from autofactura.app import create_app
    from autofactura.core.db.migrate import upgrade
    from autofactura.core.observability.sentry import init_sentry
    from autofactura.core.services import database_url

    if settings.smtp_port is not None and _no_inbound_domain(settings):
        return 2
    init_sentry(settings)  # before the app makes its broker: Sentry hooks brokers as made
    if not settings.distributed_database:
        # Embedded mode must work with no set-up step: the SQLite schema follows the code.
        upgrade(database_url(settings))
    host, port = args.host or settings.host, args.port or settings.port
    # The app knows where it listens (the demo portal's own URL depends on it).
    settings = settings.model_copy(update={"host": host, "port": port})
    app = create_app(settings)
    log.info("GraphQL at http://%s:%d/graphql", host, port)
    if settings.demo_portal_url:
        log.info("demo vendor portal at %s", settings.demo_portal_url)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's lines go through our handler, as JSON like the rest
        ws_per_message_deflate=False,
    )
    return 0


def _migrate(settings: Settings, _: argparse.Namespace) -> int:
    from autofactura.core.db.migrate import upgrade
    from autofactura.core.services import database_url

    upgrade(database_url(settings))
    print("autofactura: database is up to date", file=sys.stderr)
    return 0


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.redis_url:
        print(
            "autofactura: the worker needs REDIS_URL (embedded mode runs workers inside "
            "`autofactura serve`)",
            file=sys.stderr,
        )
        return 2
    # dramatiq's own CLI supervises the worker processes (restarts, signals, reloads),
    # logging through our handler: each worker process configures it again (with Sentry).
    argv = [
        sys.executable,
        "-m",
        "autofactura.actors.supervisor",
        "--skip-logging",
        "autofactura.actors.worker",
        "autofactura.actors.tasks",
        "autofactura.actors.webhooks",
        "--processes",
        str(args.processes),
        "--threads",
        str(args.threads),
    ]
    if args.queues:  # e.g. workers of their own for webhook deliveries
        argv += ["--queues", *args.queues]
    # A worker takes no more messages than it has threads (dramatiq's default is twice as
    # many): one it holds but does not run yet waits, if it dies, for the queue maintenance
    # (actors/broker.py) to put it back.
    os.environ.setdefault("dramatiq_queue_prefetch", str(args.threads))
    os.execv(sys.executable, argv)  # noqa: S606 — fixed argv, our own interpreter
    return 0  # not reached: execv replaced this process


async def _receive_mail(settings: Settings, host: str, port: int) -> None:
    from autofactura.actors.broker import configure as configure_broker
    from autofactura.actors.runtime import use_settings
    from autofactura.actors.tasks import DramatiqQueue
    from autofactura.core.mail.smtp import smtp_receiver
    from autofactura.core.services import build_services

    # The same services as the API's: a received invoice may complete a task and wake it.
    configure_broker(settings)
    use_settings(settings)
    services = build_services(settings, queue=DramatiqQueue(settings.retry_min_backoff_ms))
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    try:
        async with smtp_receiver(services, host, port) as bound:
            print(
                f"autofactura: receiving mail for @{settings.inbound_domain} on {host}:{bound}",
                file=sys.stderr,
                flush=True,
            )
            await stop.wait()
    finally:
        await services.close()


def _mail(settings: Settings, args: argparse.Namespace) -> int:
    if _no_inbound_domain(settings):
        return 2
    if not settings.redis_url:
        print(
            "autofactura: note: embedded mode's live events stay in one process, so open "
            "subscriptions in `serve` will not see what mail received here changes; set "
            "AUTOFACTURA_SMTP_PORT and `serve` runs this receiver in-process instead",
            file=sys.stderr,
        )
    host = args.host or settings.smtp_host
    port = args.port if args.port is not None else (settings.smtp_port or 25)
    from autofactura.core.observability.sentry import init_sentry

    init_sentry(settings)  # before _receive_mail makes the broker, as in `serve`
    try:
        asyncio.run(_receive_mail(settings, host, port))
    except OSError as exc:
        print(f"autofactura: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    return 0


def _export_schema(settings: Settings, _: argparse.Namespace) -> int:
    from autofactura.schema import build_schema

    sys.stdout.write(build_schema(settings).as_str() + "\n")
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from autofactura.oneshot import run_command

    return run_command(settings, args)


def _add_run(commands: Any) -> None:
    run = commands.add_parser("run", help="get one ticket's invoice, here, with no server")
    run.add_argument("--vendor-url", required=True, help="the vendor's invoicing portal")
    run.add_argument("--ticket", required=True, help="ticket JSON, or @file")
    run.add_argument("--profile", required=True, help="fiscal profile JSON, or @file")
    run.add_argument("--out", default="facturas", help="where the invoice files go")
    run.add_argument("--engine", choices=("auto", "autofill", "agent"), default="auto")
    run.add_argument("--timeout", type=int, help="seconds for the whole run")
    run.set_defaults(handler=_run)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autofactura", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API (embedded mode also runs the workers)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=_serve)
    worker = commands.add_parser("worker", help="run task workers (distributed mode)")
    worker.add_argument("--processes", type=int, default=1)
    worker.add_argument("--threads", type=int, default=4)
    worker.add_argument(
        "--queues", nargs="+", help="only these queues (autofactura, webhooks); default all"
    )
    worker.set_defaults(handler=_worker)
    mail = commands.add_parser(
        "mail", help="receive invoices by SMTP at AUTOFACTURA_INBOUND_DOMAIN"
    )
    mail.add_argument("--host", help="address to listen on (default AUTOFACTURA_SMTP_HOST)")
    mail.add_argument("--port", type=int, help="default AUTOFACTURA_SMTP_PORT, else 25")
    mail.set_defaults(handler=_mail)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(handler=_migrate)
    commands.add_parser("export-schema", help="print the GraphQL schema (SDL)").set_defaults(
        handler=_export_schema
    )
    _add_run(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"autofactura: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    return int(args.handler(settings, args))


if __name__ == "__main__":
    sys.exit(main())
