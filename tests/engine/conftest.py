"""Autofill against the local portals, through `autofactura run`'s in-process entry point
(a throwaway embedded instance per ticket): the engine's own suite, run in embedded mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autofactura.core.config import Settings
from autofactura.oneshot import Request, run_once
from autofactura.oneshot_result import Result
from tests.portals.app import PortalServer
from tests.portals.buyer import PROFILE, ticket

SECRETS = ("EKU9003173C9", "ESCUELA KEMPER", "26015", "compras@example.com")


async def run_portal(
    portals: PortalServer,
    name: str,
    folio: str,
    out: Path,
    *,
    profile: dict[str, str] | None = None,
    total: str = "1234.50",
    **settings: Any,
) -> Result:
    """One ticket at a portal through `autofactura run`'s pipeline, with autofill (and any
    `extra_engines` after it); `settings` override the defaults below."""
    values: dict[str, Any] = {
        "allow_private_urls": True,
        "log_level": "WARNING",
        "task_timeout_seconds": 90,
        **settings,
    }
    request = Request(
        portals.url(name), ticket(folio, total), profile or PROFILE, out, "autofill", None
    )
    return await run_once(Settings(**values), request)
