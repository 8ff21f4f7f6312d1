"""Model calls and wall time for the agent alone, the chain (autofill, then the agent), and
the replay of the playbook a first success left, on two local portals.

No LLM is reachable here: the agent's model is a scripted one (tests/support/agents.py),
so the times are the engines' own cost; a real model adds its latency per call. Each run
starts its own Chromium, in this process, against a throwaway embedded database.

    .venv/bin/python bench/agent.py              # ~1 minute
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.portals.app import PortalServer, serve_portals  # noqa: E402
from tests.support.agents import CHATS  # noqa: E402
from tests.support.inprocess import start  # noqa: E402

from autofactura.core.config import Settings  # noqa: E402
from autofactura.core.db.migrate import upgrade  # noqa: E402
from autofactura.core.services import Services, build_services, database_url  # noqa: E402

SCRIPTED = "tests.support.agents:scripted_agent"
# (label, portal, built-in engines, script): the scripted agent runs after the built-ins.
CASES = [
    ("agent alone", "clasico", "", "CLASICO"),
    ("chain autofill→agent", "clasico", "autofill", "CLASICO"),
    ("playbook replay", "clasico", "playbook,autofill", "CLASICO"),
    ("agent alone", "prosa", "", "PROSA"),
    ("chain autofill→agent", "prosa", "autofill", "PROSA"),
    ("playbook replay", "prosa", "playbook,autofill", "PROSA"),
]


async def one(
    services: Services,
    server: PortalServer,
    portal: str,
    engines: str,
    kind: str,
    user: uuid.UUID | None,
) -> tuple[float, int, str, uuid.UUID]:
    number = f"T{uuid.uuid4().hex[:8].upper()}-{kind}"
    started = time.perf_counter()
    run = await start(
        services,
        server.url(portal),
        number,
        engines=engines,
        extra_engines=SCRIPTED,
        allow_private_urls=True,
        user_id=user,
    )
    await run.runner
    task = await run.task()
    seconds = time.perf_counter() - started
    calls = CHATS[number].calls if number in CHATS else 0
    return seconds, calls, f"{task.status}/{task.engine}", run.user_id


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, serve_portals() as server:
        settings = Settings(data_dir=Path(tmp), allow_private_urls=True, log_level="WARNING")
        await asyncio.to_thread(upgrade, database_url(settings))
        services = build_services(settings)
        print(f"{'case':<22} {'portal':<8} {'seconds':>8} {'model calls':>12}  outcome")
        try:
            for label, portal, engines, kind in CASES:
                times, calls, outcome, user = [], [], "", None
                if label == "playbook replay":  # learn it once first, as the same buyer
                    *_, user = await one(services, server, portal, "autofill", kind, None)
                for _ in range(runs):
                    seconds, count, outcome, _ = await one(
                        services, server, portal, engines, kind, user
                    )
                    times.append(seconds)
                    calls.append(count)
                median = statistics.median(times)
                print(f"{label:<22} {portal:<8} {median:>8.2f} {max(calls):>12}  {outcome}")
        finally:
            await services.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
