"""Autofill against a hand-written Playwright script, portal by portal, in one process.

For each local test portal a script with hard-coded selectors (tests/portals/handwritten.py)
is the lower bound; autofill runs the whole `autofactura run` pipeline (throwaway SQLite,
preflight, a fresh Chromium with its egress proxy, events, screenshots, verification).
Both start their own browser, so both times include its start. Prints one table and the
median ratio; the goal is within 1.5x, with zero LLM calls (no LLM is configured).

    .venv/bin/python bench/autofill.py              # ~2 minutes
    .venv/bin/python bench/autofill.py --runs 5 --portals clasico,marco
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402
from tests.portals.app import FORM_PORTALS, PortalServer, serve_portals  # noqa: E402
from tests.portals.buyer import PROFILE, ticket  # noqa: E402
from tests.portals.handwritten import SCRIPTS  # noqa: E402

from autofactura.core.browser.local import LocalChromium  # noqa: E402
from autofactura.core.config import Settings  # noqa: E402
from autofactura.oneshot import Request, run_once  # noqa: E402


async def hand(server: PortalServer, name: str, base: Path) -> float:
    started = time.perf_counter()
    provider = LocalChromium(chrome_path=None, headless=True, base_dir=base, allow_private=True)
    session = await provider.start(uuid.uuid4(), [])
    try:
        async with async_playwright() as driver:
            browser = await driver.chromium.connect_over_cdp(session.cdp_url)
            page = browser.contexts[0].pages[0]
            files = await SCRIPTS[name](page, server.url(name), ticket(_folio()), PROFILE)
            assert files, f"the hand script got no files from {name}"
            await browser.close()
    finally:
        await provider.stop(session)
    return time.perf_counter() - started


async def engine(server: PortalServer, name: str, out: Path) -> float:
    settings = Settings(allow_private_urls=True, log_level="WARNING")
    request = Request(server.url(name), ticket(_folio()), PROFILE, out, "autofill", None)
    started = time.perf_counter()
    result = await run_once(settings, request)
    assert result.status == "COMPLETED", f"{name}: {result}"
    return time.perf_counter() - started


def _folio() -> str:
    return f"B{uuid.uuid4().hex[:10].upper()}"


async def main(portals: list[str], runs: int) -> None:
    ratios = []
    print(f"{'portal':<12} {'hand s':>8} {'autofill s':>11} {'ratio':>6}")
    with serve_portals() as server, tempfile.TemporaryDirectory() as tmp:
        for name in portals:
            hand_s = statistics.median([await hand(server, name, Path(tmp)) for _ in range(runs)])
            auto_s = statistics.median(
                [await engine(server, name, Path(tmp) / "out") for _ in range(runs)]
            )
            ratios.append(auto_s / hand_s)
            print(f"{name:<12} {hand_s:>8.2f} {auto_s:>11.2f} {auto_s / hand_s:>6.2f}", flush=True)
    print(f"median ratio autofill/hand: {statistics.median(ratios):.2f} over {len(ratios)} portals")
    print("LLM calls: 0 (no LLM configured; autofill is deterministic)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--portals", default=",".join(FORM_PORTALS))
    options = parser.parse_args()
    asyncio.run(main(options.portals.split(","), options.runs))
