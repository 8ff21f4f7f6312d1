"""The browser-session interface every engine drives: a CDP URL, a downloads folder and,
for cloud browsers, the provider's own live view."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from autofactura.core.browser.egress import Refusal
    from autofactura.core.config import Settings


class BrowserError(Exception):
    """The browser could not start or died; transient (a retry may succeed)."""


@dataclass
class BrowserSession:
    provider: str
    cdp_url: str
    """The browser-level ws:// CDP endpoint (Playwright's connect_over_cdp, browser-use)."""
    downloads_dir: Path
    live_view_url: str | None
    """The provider's own live view (Browserbase's debugger fullscreen URL); None locally."""
    session_id: str
    egress_refusals: list[Refusal] = field(default_factory=list)
    """What the local browser's egress proxy refused so far (a live list, distinct entries,
    capped); always empty for cloud browsers, whose network is not the worker's."""


class BrowserProvider(Protocol):
    async def start(self, task_id: uuid.UUID, allowed_domains: Sequence[str]) -> BrowserSession:
        """Start a browser for one task; raises BrowserError."""
        ...

    async def downloads(self, session: BrowserSession) -> list[Path]:
        """The files downloaded so far, as local paths under session.downloads_dir."""
        ...

    async def stop(self, session: BrowserSession) -> None:
        """Release the browser; idempotent, never raises for an already-gone browser."""
        ...


def provider_for(settings: Settings) -> BrowserProvider:
    """Browserbase when BROWSERBASE_API_KEY is set, else a local Chromium per task."""
    if settings.browserbase_api_key:
        from autofactura.core.browser.browserbase import BrowserbaseProvider

        return BrowserbaseProvider(
            api_key=settings.browserbase_api_key,
            project_id=settings.browserbase_project_id,
            api_url=settings.browserbase_api_url,
            base_dir=settings.data_dir / "browsers",
        )
    from autofactura.core.browser.local import LocalChromium

    return LocalChromium(
        chrome_path=settings.chrome_path,
        headless=settings.browser_headless,
        base_dir=settings.data_dir / "browsers",
        allow_private=settings.allow_private_urls,
        also_allowed=demo_target(settings),
    )


def demo_target(settings: Settings) -> frozenset[tuple[str, int]]:
    """The app's own demo portal, the one private target its browsers may reach."""
    if settings.demo_portal_url is None:
        return frozenset()
    parts = urlsplit(settings.demo_portal_url)
    return frozenset({(parts.hostname or "", parts.port or 80)})
