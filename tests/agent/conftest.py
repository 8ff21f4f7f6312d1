"""The agent engine against the local portals, with a scripted chat model or a local
OpenAI-compatible stand-in (no LLM is reachable here); embedded mode only."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from autofactura.oneshot_result import Result
from tests.engine.conftest import run_portal
from tests.portals.app import PortalServer

SCRIPTED = "tests.support.agents:scripted_agent"


def folio(kind: str) -> str:
    """A store ticket (the prose says those start with T) whose script is `kind`."""
    return f"T{uuid.uuid4().hex[:8].upper()}-{kind}"


async def run_agent(
    portals: PortalServer, name: str, folio: str, out: Path, **settings: Any
) -> Result:
    """run_portal with the scripted agent after autofill."""
    values: dict[str, Any] = {"task_timeout_seconds": 120, "extra_engines": SCRIPTED, **settings}
    return await run_portal(portals, name, folio, out, **values)
