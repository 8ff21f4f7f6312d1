"""The task page's live side, end to end: a task that waits for the buyer's approval shows the
live browser in the page, and Resume (the approval) lets it stamp; and the demo vendor portal
that ships with the app completes a whole run."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.console.conftest import Shots
from tests.console.helpers import (
    LONG_WAIT_MS,
    buyer_with_profile,
    create_task,
    folio,
)
from tests.portals.app import PortalServer

JPEG_DATA = re.compile(r"^data:image/jpeg;base64,")
SEQS = "items => items.map(item => item.dataset.seq)"


async def test_approving_before_stamping_through_the_live_view(
    server: str, browser: Browser, portals: PortalServer, shots: Shots
) -> None:
    page = await buyer_with_profile(browser, server)
    await page.goto("/#/tasks")
    await page.locator("#task-form [name=requireConfirmation]").check()
    ticket = folio("APRUEBA")
    await create_task(page, portals.url("clasico"), ticket)
    status = page.locator("h1 [data-status]")
    await expect(status).to_have_attribute(
        "data-status", "INTERVENTION_NEEDED", timeout=LONG_WAIT_MS
    )
    await expect(page.locator(".notice")).to_contain_text("Reanudar para aprobar")
    frame = page.frame_locator("#live-frame")
    # The viewer inside the page receives the task's browser as frames.
    await expect(frame.locator("#screen")).to_have_attribute("src", JPEG_DATA)
    await expect(page.locator("[data-action=takeOver]")).to_be_enabled()
    await expect(page.locator("[data-action=pauseTask]")).to_be_disabled()
    assert not portals.ledger.stamps("clasico", ticket)
    await shots.take(page, "08-task-live-view")

    # A network drop just before the approval: the timeline catches up after reconnecting.
    await page.evaluate("window.autofacturaSubscriptions.reset()")
    await page.click("[data-action=resumeTask]")
    await expect(status).to_have_attribute("data-status", "COMPLETED", timeout=LONG_WAIT_MS)
    await expect(page.locator("#invoice-uuid")).to_be_visible()
    await expect(page.locator("#live-frame")).to_have_count(0)
    await expect(page.locator("#timeline")).to_contain_text("descargada y verificada")
    await expect(page.locator("#stream-state")).to_have_text("● en vivo")
    seqs = [int(s) for s in await page.locator("#timeline li").evaluate_all(SEQS)]
    assert seqs == list(range(1, len(seqs) + 1)), "a gap or a duplicate in the timeline"
    assert len(portals.ledger.stamps("clasico", ticket)) == 1
    await page.context.close()


async def test_a_failure_is_explained_and_can_be_retried(
    server: str, browser: Browser, portals: PortalServer, shots: Shots
) -> None:
    page = await buyer_with_profile(browser, server)
    await create_task(page, portals.url("clasico"), folio("NOEXISTE"))
    status = page.locator("h1 [data-status]")
    await expect(status).to_have_attribute("data-status", "FAILED", timeout=LONG_WAIT_MS)
    await expect(page.locator("#next-step")).to_contain_text("Revisa el folio")
    await expect(page.locator("[data-action=retryTask]")).to_be_enabled()
    await shots.take(page, "09-task-failed")
    await page.click("[data-action=retryTask]")
    await expect(page.locator("#timeline")).to_contain_text("intento", timeout=LONG_WAIT_MS)
    await page.context.close()


async def test_the_demo_portal_completes_a_whole_run(
    server: str, browser: Browser, shots: Shots
) -> None:
    page = await buyer_with_profile(browser, server)
    demo = await browser.new_page()
    await demo.goto(f"{server}/demo/portal/")
    await expect(demo.locator("h1")).to_have_text("Facturación de tickets")
    await shots.take(demo, "10-demo-portal")
    await demo.close()

    await page.goto("/#/tasks")
    await page.click("#use-demo")
    vendor_url = await page.locator("[data-field=vendorUrl]").input_value()
    assert vendor_url == f"{server}/demo/portal/"
    await create_task(page, vendor_url, folio("DEMO"))
    await expect(page.locator("#invoice-uuid")).to_be_visible(timeout=LONG_WAIT_MS)
    await expect(page.locator("#verification")).to_contain_text("Verificada")
    await page.context.close()
