"""The publisher role, played in the orchestrator: the worker's side of the feed, events
committed to the log and then published to Redis."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from redis.exceptions import RedisError

from subs.common import CHANNEL, STEP


class Feed:
    """Plays the worker: each tick, for the tasks due, appends their next step events in one
    transaction (seq from tasks.last_seq, as the recorder does), then publishes the wire JSON
    (BusEvent.to_wire) to each task's channel; `sentAt` is stamped just before the publish."""

    SQL = """
    with bumped as (
      update tasks set last_seq = last_seq + 1 where id = any($1::uuid[])
      returning id, user_id, last_seq
    )
    insert into task_events (task_id, user_id, seq, type, payload, created_at)
    select id, user_id, last_seq, 'step', $2::jsonb, now() from bumped
    returning task_id, user_id, seq, created_at
    """

    def __init__(
        self, pg: Any, redis: Any, tasks: list[uuid.UUID], rate: float, tick: float
    ) -> None:
        period = 1.0 / rate
        slots = max(1, round(period / tick))
        self.tick = period / slots
        self.slots: list[list[uuid.UUID]] = [[] for _ in range(slots)]
        for i, task in enumerate(tasks):
            self.slots[i % slots].append(task)
        self.pg, self.redis = pg, redis
        self.sent: list[tuple[int, int]] = []  # (sentAt ns, events)
        self.late = 0
        self.failed = 0  # ticks whose publish failed (Redis connection dropped)
        self._stop = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop = True
        if self._task is not None:
            await self._task

    def published(self, t0: float, t1: float) -> int:
        a, b = int(t0 * 1e9), int(t1 * 1e9)
        return sum(n for ts, n in self.sent if a <= ts <= b)

    async def _run(self) -> None:
        started, k = time.perf_counter(), 0
        while not self._stop:
            due = self.slots[k % len(self.slots)]
            if due:
                await self._emit(due)
            k += 1
            delay = started + k * self.tick - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                self.late += 1

    async def _emit(self, due: list[uuid.UUID]) -> None:
        stored = {**STEP, "sentAt": time.time_ns()}  # the row's own copy (commit time)
        rows = await self.pg.fetch(self.SQL, due, json.dumps(stored))
        sent = time.time_ns()
        try:
            await self._publish(rows, sent)
        except (RedisError, OSError):
            self.failed += 1  # committed: the app catches up from the log, the relay can't
            return
        self.sent.append((sent, len(rows)))

    async def _publish(self, rows: list[Any], sent: int) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for row in rows:
                wire = {
                    "taskId": str(row["task_id"]),
                    "userId": str(row["user_id"]),
                    "seq": row["seq"],
                    "type": "step",
                    "payload": {**STEP, "sentAt": sent},
                    "createdAt": row["created_at"].isoformat(),
                }
                pipe.publish(CHANNEL + wire["taskId"], json.dumps(wire, separators=(",", ":")))
            await pipe.execute()
