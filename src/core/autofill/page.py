"""The portal's page as the engine sees it: opened over the task's CDP browser, its
dialogs (alert/confirm) collected, and read again once it stops changing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Dialog, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

from autofactura.core.autofill.scan import PageView, scan

SETTLE_SECONDS = 20.0
_POLL_SECONDS = 0.25


class PortalPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []  # alert() texts since the last take_dialogs()
        page.on("dialog", self._on_dialog)

    async def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        try:
            await dialog.accept()
        except PlaywrightError:
            pass  # already handled or the page went away

    def take_dialogs(self) -> list[str]:
        taken, self.dialogs = self.dialogs, []
        return taken

    async def settled(self) -> PageView:
        """The page once navigations, AJAX and spinners are over (bounded wait)."""
        deadline = time.monotonic() + SETTLE_SECONDS
        last = ""
        view = await self._scan()
        while time.monotonic() < deadline:
            fingerprint = view.fingerprint()
            if fingerprint == last and not view.busy:
                return view
            last = fingerprint
            await asyncio.sleep(_POLL_SECONDS)
            view = await self._scan()
        return view

    async def _scan(self) -> PageView:
        try:
            await self.page.wait_for_load_state("domcontentloaded", timeout=10_000)
        except PlaywrightError:
            pass  # still loading: read what there is
        return await scan(self.page)


@asynccontextmanager
async def open_page(cdp_url: str) -> AsyncIterator[PortalPage]:
    """The browser's first page (the one the live view shows), driven over CDP."""
    async with async_playwright() as driver:
        browser = await driver.chromium.connect_over_cdp(cdp_url)
        try:
            context = browser.contexts[0]
            page = context.pages[0] if context.pages else await context.new_page()
            yield PortalPage(page)
        finally:
            await browser.close()  # over CDP this only disconnects; the task's browser lives on
