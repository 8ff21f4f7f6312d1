"""Taking over on a CAPTCHA portal from the console: the task stops for the buyer, who fills
the portal's form and types the CAPTCHA's answer through the live view embedded in the task's
page (clicks and keys travel over its WebSocket), submits it there and resumes; the task
then completes with the invoice the portal stamped."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import unquote

from playwright.async_api import Browser, Page, expect

from autofactura.live.registry import LIVE_BROWSERS
from autofactura.live.screencast import PageScreencast
from autofactura.schema.ids import decode
from tests.console.conftest import Shots
from tests.console.helpers import (
    LONG_WAIT_MS,
    buyer_with_profile,
    create_task,
    folio,
)
from tests.portals.app import PortalServer
from tests.portals.buyer import PROFILE

JPEG_DATA = re.compile(r"^data:image/jpeg;base64,")
# What the person reads on the portal's page (the CAPTCHA image stands for its token).
READ_PAGE = """JSON.stringify({
  token: document.querySelector("[name=captcha_id]").value,
  box: document.querySelector("#tienda").getBoundingClientRect().toJSON(),
  width: innerWidth, height: innerHeight})"""


async def _read_portal(task_id: str) -> dict[str, Any]:
    raw_id = decode(unquote(task_id), "Task")
    assert raw_id is not None
    cdp_url = LIVE_BROWSERS.get(raw_id)
    assert cdp_url is not None, "the task's browser is not registered"
    async with PageScreencast(cdp_url) as cast:
        result = await cast.send(
            "Runtime.evaluate", {"expression": READ_PAGE, "returnByValue": True}
        )
    read: dict[str, Any] = json.loads(result["result"]["value"])
    return read


async def _type(page: Page, *keys: str) -> None:
    """Keys into the live view: "<Tab>"-style names are keys, anything else is text."""
    for key in keys:
        if key.startswith("<") and key.endswith(">"):
            await page.keyboard.press(key[1:-1])
        else:
            await page.keyboard.type(key)


async def test_taking_over_a_captcha_in_the_live_view(
    server: str, browser: Browser, portals: PortalServer, shots: Shots
) -> None:
    page = await buyer_with_profile(browser, server)
    ticket = folio("CAPTCHA")
    task_id = await create_task(page, portals.url("captcha"), ticket)
    status = page.locator("h1 [data-status]")
    await expect(status).to_have_attribute(
        "data-status", "INTERVENTION_NEEDED", timeout=LONG_WAIT_MS
    )
    await expect(page.locator(".notice")).to_contain_text("CAPTCHA")
    await page.click("[data-action=takeOver]")
    screen = page.frame_locator("#live-frame").locator("#screen")
    await expect(screen).to_have_attribute("src", JPEG_DATA)
    await expect(screen).to_have_class("control")

    portal = await _read_portal(task_id)
    answer = portals.ledger.captcha_answer(portal["token"])
    assert answer
    shown = await screen.bounding_box()
    assert shown is not None
    box = portal["box"]
    x = (box["x"] + box["width"] / 2) / portal["width"] * shown["width"]
    y = (box["y"] + box["height"] / 2) / portal["height"] * shown["height"]
    await screen.click(position={"x": x, "y": y})
    day = (date.today() - timedelta(days=1)).strftime("%d/%m/%Y")
    await _type(
        page,
        "105",
        "<Tab>",
        ticket,
        "<Tab>",
        day,
        "<Tab>",
        "1234.50",
        "<Tab>",
        PROFILE["taxId"],
        "<Tab>",
        PROFILE["legalName"],
        "<Tab>",
        PROFILE["zip"],
        "<Tab>",
        "<ArrowDown>",  # régimen: 601, the first after the placeholder
        "<Tab>",
        "<ArrowDown>",
        "<ArrowDown>",
        "<ArrowDown>",  # uso: G01, G02, G03
        "<Tab>",
        PROFILE["email"],
        "<Tab>",
        answer,
    )
    await page.wait_for_timeout(1500)  # the keys are still reaching the portal's page
    await shots.take(page, "11-task-takeover")
    await _type(page, "<Enter>")
    for _ in range(100):
        if portals.ledger.stamps("captcha", ticket):
            break
        await page.wait_for_timeout(100)
    assert len(portals.ledger.stamps("captcha", ticket)) == 1, "the form did not go through"

    await page.click("[data-action=resumeTask]")
    await expect(status).to_have_attribute("data-status", "COMPLETED", timeout=LONG_WAIT_MS)
    await expect(page.locator("#invoice-uuid")).to_have_text(
        portals.ledger.stamps("captcha", ticket)[0].uuid
    )
    await page.context.close()
