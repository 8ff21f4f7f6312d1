"""Reading /metrics over HTTP, as Prometheus does, and waiting for a value to change."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(base_url: str, token: str | None = None) -> Samples:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("text/plain"), response.headers
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when the series does not exist (yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def wait_for_value(
    base_url: str,
    name: str,
    ok: Callable[[float], bool],
    within: float = 30.0,
    **labels: str,
) -> Samples:
    """Scrape until the sample satisfies `ok`; fail with its last value if it never does."""
    deadline = time.monotonic() + within
    while True:
        samples = await scrape(base_url)
        found = value(samples, name, **labels)
        if ok(found):
            return samples
        assert time.monotonic() < deadline, f"{name}{labels} stayed {found} for {within}s"
        await asyncio.sleep(0.05)
