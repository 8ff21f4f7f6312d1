"""How many messages wait on each queue, for /metrics: in Redis (any process can count
them) or in this process's own broker and worker threads (embedded mode).

`waiting`: due, not yet handed to an actor (in Redis: not yet fetched by a worker, which
prefetches up to twice its threads). `delayed`: retries and scheduled deliveries not yet
due, including those a worker holds in memory until their time (dramatiq's `.DQ`)."""

from __future__ import annotations

from collections import Counter

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from redis.asyncio import Redis

Depths = dict[tuple[str, str], int]  # (queue, "waiting" | "delayed") → messages


async def queue_depths(
    broker: dramatiq.Broker, redis: Redis | None, worker: dramatiq.Worker | None
) -> Depths:
    queues = sorted(q for q in broker.get_declared_queues() if not q.endswith(".DQ"))
    if isinstance(broker, RedisBroker) and redis is not None:
        return await _redis_depths(broker.namespace, redis, queues)
    if isinstance(broker, StubBroker):
        return _local_depths(broker, worker, queues)
    return {}


async def _redis_depths(namespace: str, redis: Redis, queues: list[str]) -> Depths:
    depths: Depths = {}
    for queue in queues:
        depths[(queue, "waiting")] = int(await redis.llen(f"{namespace}:{queue}"))
        delayed = int(await redis.llen(f"{namespace}:{queue}.DQ"))
        # Each worker's fetched delayed messages sit in its acks set until they are due.
        async for key in redis.scan_iter(match=f"{namespace}:__acks__.*.{queue}.DQ", count=500):
            delayed += int(await redis.scard(key))
        depths[(queue, "delayed")] = delayed
    return depths


def _local_depths(broker: StubBroker, worker: dramatiq.Worker | None, queues: list[str]) -> Depths:
    taken: Counter[str] = Counter()
    held: Counter[str] = Counter()
    if worker is not None:
        # Messages the worker fetched but no thread runs yet, and delayed ones it holds.
        for item in list(worker.work_queue.queue):
            taken[item.message.queue_name] += 1
        for name, consumer in list(worker.consumers.items()):
            held[name] += consumer.delay_queue.qsize()
    depths: Depths = {}
    for queue in queues:
        delayed = f"{queue}.DQ"
        depths[(queue, "waiting")] = broker.queues[queue].qsize() + taken[queue]
        depths[(queue, "delayed")] = broker.queues[delayed].qsize() + held[delayed]
    return depths
