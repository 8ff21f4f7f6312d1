"""Keeps the browser on the vendor's domain while the agent drives: a top-level navigation
anywhere else is aborted before it leaves the browser. browser-use's own allowed_domains
only reacts after the request was made; this is the lock, that is the model's feedback.
Frames from other domains (an invoicing provider's form) and subresources still load."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Request, Route

from autofactura.core.agent.domains import allowed

_REMOVE_SECONDS = 3.0


class DomainGuard:
    def __init__(self, page: Page, domain: str) -> None:
        self.context = page.context
        self.domain = domain
        self.refused: list[str] = []  # hosts a navigation was refused for

    def take_refused(self) -> list[str]:
        taken, self.refused = self.refused, []
        return taken

    async def install(self) -> None:
        await self.context.route("**/*", self._check)

    async def remove(self) -> None:
        try:
            # Bounded: while a navigation to a silent server is pending, Playwright's unroute
            # never returns, and it runs on the way out of a run that timed out.
            async with asyncio.timeout(_REMOVE_SECONDS):
                await self.context.unroute("**/*", self._check)
        except (PlaywrightError, TimeoutError):
            pass  # the browser is gone or stuck: it is closed right after, routes and all

    async def _check(self, route: Route, request: Request) -> None:
        top_level = request.is_navigation_request() and request.frame.parent_frame is None
        if top_level and not allowed(request.url, self.domain):
            self.refused.append(urlsplit(request.url).hostname or request.url)
            await route.abort("blockedbyclient")
            return
        await route.fallback()
