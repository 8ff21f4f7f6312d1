"""The portal's page as the engine sees it: opened over the task's CDP browser, its
dialogs (alert/confirm) collected, and read again once it stops changing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager

from playwright.async_api import Dialog, Frame, Page, Request, Response, async_playwright
from playwright.async_api import Error as PlaywrightError

from autofactura.core.autofill.scan import PageView, scan
from autofactura.core.browser.session import BrowserSession

SETTLE_SECONDS = 20.0
# A cookie banner or welcome pop-up over the page: a fixed layer covering much of the view,
# closed with its own accept/close control (never one that submits a form).
_DISMISS_JS = """() => {
  const words = /^(aceptar|acepto|entendido|cerrar|continuar|ok|de acuerdo|×|x|✕)$/i;
  const fixed = [...document.querySelectorAll("body *")].filter((el) => {
    const style = getComputedStyle(el);
    return style.position === "fixed" && style.display !== "none" &&
      style.visibility !== "hidden" && el.getClientRects().length;
  });
  const covers = fixed.some((el) => {
    const box = el.getBoundingClientRect();
    return box.width * box.height >= 0.2 * innerWidth * innerHeight;
  });
  if (!covers) return 0;
  for (const layer of fixed) {
    for (const c of layer.querySelectorAll("button,a,[role=button],[onclick],span,div")) {
      const text = (c.innerText || c.getAttribute("aria-label") || "").trim();
      if (words.test(text) && !c.closest("form") && c.getClientRects().length) {
        c.click();
        return 1;
      }
    }
  }
  return 0;
}"""
_POLL_SECONDS = 0.08
_POSTBACK_GRACE_SECONDS = 0.08
# What a portal waits on before it shows an answer (not images, fonts or analytics beacons).
_WATCHED = frozenset({"document", "xhr", "fetch"})


class PortalPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []  # alert() texts since the last take_dialogs()
        self._inflight: set[Request] = set()  # the page's own loads: documents, XHR, fetch
        self.navigations = 0  # grows with every frame navigation: a postback ends a view
        self.document_status = 0  # the HTTP status of the page's last document
        page.on("dialog", self._on_dialog)
        page.on("response", self._responded)
        page.on("framenavigated", self._navigated)
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    async def navigating(self) -> bool:
        """True when a choice just made reloads the page (an ASP.NET AutoPostBack…)."""
        await asyncio.sleep(_POSTBACK_GRACE_SECONDS)
        return any(r.resource_type == "document" for r in self._inflight)

    def _navigated(self, frame: Frame) -> None:
        self.navigations += 1

    def _responded(self, response: Response) -> None:
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self.document_status = response.status

    def _started(self, request: Request) -> None:
        if request.resource_type in _WATCHED:
            self._inflight.add(request)

    def _ended(self, request: Request) -> None:
        self._inflight.discard(request)

    async def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        try:
            await dialog.accept()
        except PlaywrightError:
            pass  # already handled or the page went away

    def take_dialogs(self) -> list[str]:
        taken, self.dialogs = self.dialogs, []
        return taken

    async def dismiss_overlays(self) -> int:
        """Close cookie banners and pop-ups that cover the page; how many were closed."""
        closed = 0
        for frame in self.page.frames:
            try:
                closed += int(await frame.evaluate(_DISMISS_JS))
            except PlaywrightError:
                continue
        return closed

    @property
    def gone(self) -> bool:
        """The browser died or the page closed: its loads will never end, nothing to wait for."""
        browser = self.page.context.browser
        return self.page.is_closed() or (browser is not None and not browser.is_connected())

    async def settled(self, *, quick: bool = False) -> PageView:
        """The page once navigations, AJAX and spinners are over (bounded wait). `quick`
        trusts one read when nothing is loading (after typing: changes are synchronous)."""
        deadline = time.monotonic() + SETTLE_SECONDS
        last = ""
        view = await self._scan()
        if quick and not view.busy and not self._inflight:
            return view
        while time.monotonic() < deadline and not self.gone:
            fingerprint = view.fingerprint()
            if fingerprint == last and not view.busy and not self._inflight:
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
async def open_page(
    starting: Awaitable[BrowserSession],
) -> AsyncIterator[tuple[PortalPage, BrowserSession]]:
    """The browser's first page (the one the live view shows), driven over CDP. Playwright's
    driver starts while the browser does."""
    session_task = asyncio.ensure_future(starting)
    try:
        async with async_playwright() as driver:
            session = await session_task
            browser = await driver.chromium.connect_over_cdp(session.cdp_url)
            try:
                context = browser.contexts[0]
                page = context.pages[0] if context.pages else await context.new_page()
                yield PortalPage(page), session
            finally:
                await browser.close()  # over CDP this only disconnects; the browser lives on
    finally:
        if not session_task.done():
            session_task.cancel()
