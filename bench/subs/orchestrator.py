"""The orchestrator: for each load, the app and then the relay, each with its subscribers,
the feed, a measured window and (load a) a profiled one; then the report."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from subs.client import ClientProc
from subs.loads import Load, set_up_loads
from subs.measure import Phase, measure_window
from subs.publisher import Feed
from subs.pyspy import profile_report, record
from subs.report import header, report
from subs.servers import Servers, Target


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.servers = Servers(args, tmp)

    def _target(self, name: str) -> Target:
        target = self.servers.app if name == "app" else self.servers.relay
        assert target is not None, "servers not started"
        return target

    async def _start_clients(self, load: Load, target: Target) -> list[ClientProc]:
        """The load's subscribers, dealt round-robin over --client-procs processes."""
        args = self.args
        subs = [(gid if target.name == "app" else raw, token) for gid, raw, token in load.subs]
        parts = [subs[i :: args.client_procs] for i in range(args.client_procs)]
        return [
            await ClientProc.start(
                {
                    "kind": target.name,
                    "url": target.ws_url,
                    "subs": part,
                    "concurrency": args.connect_concurrency,
                    "ready_timeout": 120,
                    "deflate": args.ws_deflate,
                }
            )
            for part in parts
            if part
        ]

    def _profile_file(self, target: Target) -> Path:
        out: Path = self.args.profile_out
        if target.name != "app":
            out = out.with_name(out.name.replace(".pyspy", f".{target.name}.pyspy"))
        return out

    async def _profile(
        self,
        result: Phase,
        feed: Feed,
        clients: list[ClientProc],
        target: Target,
        redis: Any,
        seconds: float,
    ) -> None:
        """A second window with py-spy recording the server through it."""
        out = self._profile_file(target)
        result.profile_file = out

        async def spy(seconds: float) -> None:
            if not await record(target.pid, seconds, self.args.profile_rate, out):
                result.profile_file = None

        result.profile = await measure_window(feed, clients, target, redis, seconds, 0.3, spy)

    async def phase(
        self, load: Load, name: str, pg: Any, redis: Any, profile_seconds: float = 0
    ) -> Phase:
        args = self.args
        target = self._target(name)
        started = time.perf_counter()
        clients = await self._start_clients(load, target)
        feed = None
        try:
            ready = [await asyncio.wait_for(c.recv(), 180) for c in clients]
            connect_seconds = time.perf_counter() - started
            n_ready = sum(r["ready"] for r in ready)
            n_failed = sum(r["failed"] for r in ready)
            print(
                f"  {load.name}/{name}: {n_ready} subscribers ready, {n_failed} failed, in "
                f"{connect_seconds:.1f} s",
                file=sys.stderr,
            )
            for r in ready:
                for e in r["errors"]:
                    print(f"    error: {e}", file=sys.stderr)
            feed = Feed(pg, redis, load.tasks, load.rate, args.tick)
            feed.start()
            result = Phase(
                name,
                connect_seconds,
                n_ready,
                n_failed,
                await measure_window(feed, clients, target, redis, args.window, args.warmup),
            )
            if profile_seconds:
                await self._profile(result, feed, clients, target, redis, profile_seconds)
            return result
        finally:
            if feed is not None:
                await feed.stop()
            await asyncio.gather(*(c.close() for c in clients))

    async def run(self, settings: Any) -> None:
        import asyncpg
        from redis.asyncio import Redis

        load_a, load_b = await set_up_loads(self.servers.app_url, settings, self.args)
        pg = await asyncpg.connect(self.args.database_url)
        redis = Redis.from_url(self.args.redis_url)
        try:
            header(self.args)
            for load in (load_a, load_b):
                if load.name not in self.args.loads:
                    continue
                profile = self.args.profile if load.name == "a" else 0
                app = await self.phase(load, "app", pg, redis, profile)
                relay_profile = profile if self.args.profile_relay else 0
                relay = await self.phase(load, "relay", pg, redis, relay_profile)
                report(load, app, relay, self.args)
                for phase in (app, relay):
                    if phase.profile is not None and phase.profile_file is not None:
                        profile_report(phase.profile, phase.profile_file, phase.target)
        finally:
            await pg.close()
            await redis.aclose()
