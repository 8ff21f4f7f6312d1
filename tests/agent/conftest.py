"""The agent engine against the local portals, with a scripted chat model or a local
OpenAI-compatible stand-in (no LLM is reachable here); embedded mode only."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from autofactura.core.config import Settings
from autofactura.oneshot import Request, run_once
from autofactura.oneshot_result import Result
from tests.portals.app import PortalServer
from tests.portals.buyer import PROFILE, ticket

SCRIPTED = "tests.support.agents:scripted_agent"


def folio(kind: str) -> str:
    """A store ticket (the prose says those start with T) whose script is `kind`."""
    return f"T{uuid.uuid4().hex[:8].upper()}-{kind}"


async def run_agent(
    portals: PortalServer, name: str, folio: str, out: Path, **settings: Any
) -> Result:
    values: dict[str, Any] = {
        "allow_private_urls": True,
        "log_level": "WARNING",
        "task_timeout_seconds": 120,
        "extra_engines": SCRIPTED,
        **settings,
    }
    request = Request(portals.url(name), ticket(folio), PROFILE, out, "autofill", None)
    return await run_once(Settings(**values), request)
