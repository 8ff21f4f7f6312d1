"""Live subscriptions under load: the app's `taskEvents` (GraphQL over graphql-transport-ws)
beside a bare Starlette WebSocket relay of the same Redis feed (bench/relay.py).

Loads: (a) 1,000 subscribers over 500 RUNNING tasks, 2 events/s per task (a busy day);
(b) 100 subscribers of one task (an integrator's dashboard). For each load the app and the
relay are measured one after the other in the same run, with the same feed, each server in
its own child process (so its CPU is its own): deliveries/s, server CPU seconds per 1,000
deliveries, deliveries per server CPU-second, and p50/p99 latency from the publish (after
the event rows commit, as the worker does) to the client's receipt. With --profile, py-spy
samples the app server under load (a) and the per-delivery CPU is broken down by layer.

Distributed mode: Postgres database `autofactura_bench_subs` (created, migrated, dropped at
the end unless --keep-db) and Redis db 13 (flushed before and after).

    .venv/bin/python bench/subscriptions.py [--window 20] [--warmup 3] [--profile 15]

Roles, all started through this file (their code is in bench/subs/): the orchestrator
(default; also plays the worker that publishes), `--serve-app FD` (the app under uvicorn,
like `autofactura serve`) and `--client` (a process of WebSocket subscribers driven over
stdin/stdout).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

# The project root, so the bench shares the tests' sample data (tests.support.api).
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from subs.common import ROOT, raise_fd_limit, run_event_loop

if TYPE_CHECKING:
    from autofactura.core.config import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured per phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="feed runs this long first")
    parser.add_argument("--loads", default="ab", help="which loads: a, b or ab")
    parser.add_argument("--tasks-a", type=int, default=500)
    parser.add_argument("--subs-per-task", type=int, default=2, help="load (a)")
    parser.add_argument("--rate-a", type=float, default=2.0, help="events/s per task, load (a)")
    parser.add_argument("--subs-b", type=int, default=100)
    parser.add_argument(
        "--rate-b", type=float, default=20.0, help="events/s of the one task in load (b)"
    )
    parser.add_argument("--tick", type=float, default=0.01, help="publisher tick, seconds")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument(
        "--connect-concurrency",
        type=int,
        default=25,
        help="subscriptions being set up at once per client process",
    )
    parser.add_argument(
        "--profile",
        type=float,
        default=15.0,
        help="py-spy the app under load (a) this many seconds (0: no)",
    )
    parser.add_argument("--profile-rate", type=int, default=200, help="py-spy samples/s")
    parser.add_argument(
        "--profile-out",
        type=Path,
        default=None,
        help="raw py-spy stacks (default: var/bench-subscriptions.pyspy.txt)",
    )
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/autofactura_bench_subs"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument(
        "--patch-gql-leak",
        action="store_true",
        help="experiment: run the app with graphql-core's subscription "
        "subfield-cache leak patched (see patch_graphql_core_leak)",
    )
    parser.add_argument(
        "--profile-relay", action="store_true", help="also py-spy the relay under load (a)"
    )
    parser.add_argument(
        "--ws-deflate",
        action="store_true",
        help="experiment: serve both with permessage-deflate and have clients negotiate it",
    )
    parser.add_argument(
        "--timeline", action="store_true", help="also print each second of each window"
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the database in place")
    return parser


async def _admin(url: str, *statements: str) -> None:
    """Run statements on the server's `postgres` database (for creating and dropping ours)."""
    import asyncpg

    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()


def _db_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def _create_db(url: str, drop_first: bool) -> None:
    name = _db_name(url)
    drop = [f'drop database if exists "{name}" with (force)'] if drop_first else []
    await _admin(url, *drop, f'create database "{name}"')


async def _drop_db(url: str) -> None:
    await _admin(url, f'drop database if exists "{_db_name(url)}" with (force)')


def _flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def parse_args() -> argparse.Namespace:
    args = build_parser().parse_args()
    if args.profile and not (Path(sys.executable).parent / "py-spy").exists():
        print("py-spy not in the venv (pip install py-spy): skipping the profile", file=sys.stderr)
        args.profile = 0
    args.log_dir = ROOT / "var"
    args.log_dir.mkdir(exist_ok=True)
    if args.profile_out is None:
        args.profile_out = args.log_dir / "bench-subscriptions.pyspy.txt"
    return args


def bench_settings(args: argparse.Namespace, data_dir: Path) -> Settings:
    """Production settings on the bench database and Redis, with limits out of the way."""
    from autofactura.core.config import Settings

    return Settings(
        env="production",
        data_dir=data_dir,
        database_url=args.database_url,
        redis_url=args.redis_url,
        encryption_keys=f"bench:{base64.b64encode(os.urandom(32)).decode()}",
        jwt_secret=secrets.token_hex(32),
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        rate_limit_login="100000000/60",
        rate_limit_register="100000000/60",
        rate_limit_create_task="100000000/60",
        log_level="WARNING",
    )


def orchestrate() -> None:
    args = parse_args()
    raise_fd_limit()

    from subs.orchestrator import Bench

    from autofactura.core.db.migrate import upgrade

    started = time.perf_counter()
    asyncio.run(_create_db(args.database_url, drop_first=True))
    _flush_redis(args.redis_url)
    tmp = Path(tempfile.mkdtemp(prefix="autofactura-bench-subs-"))
    bench = Bench(args, tmp)
    try:
        upgrade(args.database_url)
        settings = bench_settings(args, tmp)
        bench.servers.start(settings.model_dump_json())
        run_event_loop(lambda: bench.run(settings))
    finally:
        bench.servers.stop()
        _flush_redis(args.redis_url)
        if not args.keep_db:
            asyncio.run(_drop_db(args.database_url))
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"total {time.perf_counter() - started:.0f} s", file=sys.stderr)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        from subs.client import client_main

        client_main()
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--serve-app":
        from subs.app_server import serve_app

        serve_app(int(sys.argv[2]))
        return
    orchestrate()


if __name__ == "__main__":
    main()
