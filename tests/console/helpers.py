"""What a buyer does in the console, step by step, through the page itself."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from playwright.async_api import Browser, Page, expect

from tests.portals.buyer import PROFILE

PASSWORD = "caballo-correcto-bateria-9"
LONG_WAIT_MS = 90_000


async def new_page(browser: Browser, server: str) -> Page:
    """A fresh visitor: its own context, so its own sessionStorage and token."""
    context = await browser.new_context(
        base_url=server, viewport={"width": 1280, "height": 800}, accept_downloads=True
    )
    return await context.new_page()


async def sign_up(page: Page) -> str:
    email = f"consola-{uuid.uuid4().hex[:8]}@example.com"
    await page.goto("/")
    await expect(page.locator("#auth-form")).to_be_visible()
    await page.click("#toggle-mode")
    await page.fill("[data-field=email]", email)
    await page.fill("[data-field=password]", PASSWORD)
    await page.click("#auth-form button[type=submit]")
    await expect(page.locator("#tasks")).to_be_visible()
    return email


async def fill_profile(page: Page, tax_id: str) -> None:
    form = page.locator("#profile-form")
    for name, value in {**PROFILE, "taxId": tax_id}.items():
        control = form.locator(f"[data-field={name}]")
        if name in ("taxSystem", "cfdiUse"):  # dropdowns from the SAT catalogs
            await control.select_option(value)
        else:
            await control.fill(value)
    await form.locator("button[type=submit]").click()


async def create_task(page: Page, vendor_url: str, folio: str, *, total: str = "1234.50") -> str:
    """Fill the new-task form and land on the task's page; returns its id (from the hash)."""
    await page.goto("/#/tasks")
    form = page.locator("#task-form")
    await form.locator("[data-field=vendorUrl]").fill(vendor_url)
    await form.locator('[data-field="ticket.folio"]').fill(folio)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    await form.locator('[data-field="ticket.date"]').fill(yesterday)
    await form.locator('[data-field="ticket.total"]').fill(total)
    await form.locator('[data-field="ticket.store"]').fill("105")
    await form.locator("text=+ Agregar dato").click()
    await form.locator("[name=extraLabel]").fill("Web ID")
    await form.locator("[name=extraValue]").fill("7F3K9")
    await form.locator("button[type=submit]").click()
    await page.wait_for_url("**/#/tasks/*")
    await expect(page.locator("#timeline")).to_be_visible()
    return page.url.split("#/tasks/")[1]


def folio(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6].upper()}"


async def buyer_with_profile(browser: Browser, server: str) -> Page:
    """A new buyer signed up in a fresh page, with the test profile saved."""
    page = await new_page(browser, server)
    await sign_up(page)
    await page.goto("/#/profiles")
    await fill_profile(page, PROFILE["taxId"])
    await expect(page.locator(".profile")).to_have_count(1)
    return page
