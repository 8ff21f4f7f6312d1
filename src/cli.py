"""The `autofactura` command: serve, worker, migrate, export-schema, run."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from autofactura.core.config import Settings, SettingsError, load_settings


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from autofactura.app import create_app
    from autofactura.core.db.migrate import upgrade
    from autofactura.core.services import database_url

    if not settings.distributed_database:
        # Embedded mode must work with no set-up step: the SQLite schema follows the code.
        upgrade(database_url(settings))
    app = create_app(settings)
    host, port = args.host or settings.host, args.port or settings.port
    print(f"autofactura: GraphQL at http://{host}:{port}/graphql", file=sys.stderr)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
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
    # dramatiq's own CLI supervises the worker processes (restarts, signals, reloads).
    argv = [
        sys.executable,
        "-m",
        "dramatiq",
        "autofactura.actors.worker",
        "autofactura.actors.tasks",
        "--processes",
        str(args.processes),
        "--threads",
        str(args.threads),
    ]
    os.execv(sys.executable, argv)  # noqa: S606 — fixed argv, our own interpreter
    return 0  # not reached: execv replaced this process


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
    worker.set_defaults(handler=_worker)
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
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    return int(args.handler(settings, args))


if __name__ == "__main__":
    sys.exit(main())
