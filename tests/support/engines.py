"""A scripted engine for tests of the pipeline, plugged in with
AUTOFACTURA_EXTRA_ENGINES=tests.support.engines:ScriptedEngine.

The ticket's folio says what to do, so one worker can serve every test:
- ``STEPS-<n>[-<delay ms>]``: n steps, each after a pause (default 200 ms), then give up
  (the chain then fails the task with UNSUPPORTED_PORTAL);
- ``CAPTCHA-…``: ask the buyer for help (CAPTCHA), then one step, then give up;
- ``DONE-…``: one step, then complete the task;
- ``BOOM-…``: raise an unexpected error;
- ``BROWSER-…``: open the task's browser, load ``ticket.extra["page"]`` over CDP with
  Playwright, click its download link into the session's downloads folder, then give up;
- ``CRASH-<n>``: on the first n workers that take the task, open the browser, crash it
  (CDP ``Browser.crash``) and drive on; a later worker completes the task;
- anything else: give up at once.
"""

from __future__ import annotations

import asyncio
import contextlib

from playwright.async_api import async_playwright

from autofactura.core.engine.run import TaskRun
from autofactura.core.tasks.status import InterventionReason


class ScriptedEngine:
    name = "scripted"

    async def run(self, task_run: TaskRun) -> bool:
        folio = str(task_run.ticket["folio"])
        kind, _, rest = folio.partition("-")
        if kind == "STEPS":
            count, _, delay_ms = rest.partition("-")
            for number in range(int(count)):
                await asyncio.sleep(int(delay_ms or 200) / 1000)
                await task_run.step("wait", f"Paso {number + 1}", number=number + 1)
            return False
        if kind == "CAPTCHA":
            await task_run.need_intervention(InterventionReason.CAPTCHA, "Resuelve el CAPTCHA.")
            await task_run.step("click", "Continuar tras el CAPTCHA")
            return False
        if kind == "DONE":
            await task_run.step("click", "Facturar")
            await task_run.complete(self.name)
            return True
        if kind == "BOOM":
            raise RuntimeError("scripted failure")
        if kind == "CRASH":
            if task_run.claims <= int(rest):
                await self._crash(task_run)
            await task_run.step("click", "Facturar")
            await task_run.complete(self.name)
            return True
        if kind == "BROWSER":
            await self._download(task_run)
            return False
        return False

    async def _crash(self, task_run: TaskRun) -> None:
        session = await task_run.browser()
        async with async_playwright() as driver:
            browser = await driver.chromium.connect_over_cdp(session.cdp_url)
            cdp = await browser.new_browser_cdp_session()
            with contextlib.suppress(Exception):  # the answer never comes: it died
                await cdp.send("Browser.crash")
            page = browser.contexts[0].pages[0]
            await page.goto("about:blank")  # raises: the browser is gone

    async def _download(self, task_run: TaskRun) -> None:
        session = await task_run.browser()
        async with async_playwright() as driver:
            browser = await driver.chromium.connect_over_cdp(session.cdp_url)
            page = browser.contexts[0].pages[0]  # the page the live view shows
            await page.goto(str(task_run.ticket["extra"]["page"]))
            await task_run.step("navigate", "Portal abierto")
            async with page.expect_download() as pending:
                await page.click("a#xml")
            download = await pending.value
            await download.save_as(session.downloads_dir / download.suggested_filename)
            await task_run.step("download", "Factura descargada")
            await browser.close()
