"""Issue 9's console end to end, in real headless Chromium against the running app: sign up,
profiles with the API's Spanish errors, a task that completes against a local portal with
its XML downloaded, and a second buyer who sees none of the first's tasks."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

from playwright.async_api import Browser, expect

from autofactura.core.cfdi.parse import parse_cfdi
from tests.console.conftest import Shots
from tests.console.helpers import (
    LONG_WAIT_MS,
    PASSWORD,
    buyer_with_profile,
    create_task,
    fill_profile,
    folio,
    new_page,
    sign_up,
)
from tests.portals.app import PortalServer
from tests.portals.buyer import PROFILE


async def test_a_buyer_gets_an_invoice_from_the_console(
    server: str, browser: Browser, portals: PortalServer, shots: Shots
) -> None:
    page = await new_page(browser, server)
    await page.goto("/")
    await expect(page.locator("#auth-form")).to_be_visible()
    await shots.take(page, "01-login")
    await sign_up(page)
    await expect(page.locator(".empty")).to_have_text("Aún no tienes facturas.")
    await shots.take(page, "02-tasks-empty")

    await page.goto("/#/profiles")
    await fill_profile(page, "ABC123")
    error = page.locator('[data-error-for="taxId"]')
    await expect(error).to_contain_text("RFC")
    await expect(page.locator("[data-field=taxId]")).to_have_attribute("aria-invalid", "true")
    await shots.take(page, "03-profile-refused")
    await fill_profile(page, PROFILE["taxId"])
    await expect(page.locator(f'.profile[data-rfc="{PROFILE["taxId"]}"]')).to_be_visible()
    await shots.take(page, "04-profiles")

    await page.goto("/#/tasks")
    await expect(page.locator("#task-form")).to_be_visible()
    await shots.take(page, "05-new-task")
    ticket = folio("WEB")
    await create_task(page, portals.url("clasico"), ticket)
    uuid_shown = page.locator("#invoice-uuid")
    await expect(uuid_shown).to_be_visible(timeout=LONG_WAIT_MS)
    await expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", "COMPLETED")
    await expect(page.locator("#verification")).to_contain_text("Verificada")
    await expect(page.locator("#timeline li").first).to_be_visible()
    await shots.take(page, "06-task-completed")

    async with page.expect_download() as waiting:
        await page.click("#download-xml")
    download = await waiting.value
    path = await download.path()
    cfdi = parse_cfdi(await asyncio.to_thread(Path(path).read_bytes))
    assert cfdi.uuid == (await uuid_shown.inner_text()).strip()
    assert cfdi.receptor_rfc == PROFILE["taxId"]
    assert [s.uuid for s in portals.ledger.stamps("clasico", ticket)] == [cfdi.uuid]

    await page.goto("/#/tasks")
    row = page.locator(f'.task-row[data-folio="{ticket}"]')
    await expect(row.locator("[data-status]")).to_have_attribute("data-status", "COMPLETED")
    await shots.take(page, "07-tasks")
    await page.context.close()


async def test_a_second_buyer_sees_none_of_the_first_buyers_tasks(
    server: str, browser: Browser, portals: PortalServer
) -> None:
    first = await buyer_with_profile(browser, server)
    task_id = await create_task(first, portals.url("clasico"), folio("AJENO"))

    second = await new_page(browser, server)
    email = await sign_up(second)
    await expect(second.locator(".empty")).to_have_text("Aún no tienes facturas.")
    await expect(second.locator(".task-row")).to_have_count(0)
    await second.goto(f"/#/tasks/{task_id}")
    await expect(second.locator("#task")).to_contain_text("No encontramos esa tarea.")
    await second.goto("/#/profiles")
    await expect(second.locator(".profile")).to_have_count(0)
    # Signing out forgets the token; logging back in asks for the right password.
    await second.click("#logout")
    await expect(second.locator("#auth-form")).to_be_visible()
    await second.fill("[data-field=email]", email)
    await second.fill("[data-field=password]", "no-es-la-clave-1")
    await second.click("#auth-form button[type=submit]")
    await expect(second.locator("#auth-form .form-error")).not_to_be_empty()
    await second.fill("[data-field=password]", PASSWORD)
    await second.click("#auth-form button[type=submit]")
    await expect(second.locator(".empty")).to_have_text("Aún no tienes facturas.")
    for page in (first, second):
        await page.context.close()


CREATE_ELSEWHERE = """async ([vendorUrl, folio, day]) => {
  const token = sessionStorage.getItem("autofactura.token");
  const call = (query, variables) => fetch("/graphql", {method: "POST",
    headers: {"content-type": "application/json", authorization: `Bearer ${token}`},
    body: JSON.stringify({query, variables})}).then(r => r.json());
  const profiles = await call("{ fiscalProfiles { id } }", {});
  const input = {vendorUrl, fiscalProfileId: profiles.data.fiscalProfiles[0].id,
    ticket: {folio, date: day, total: "1234.50", store: "105"}};
  const created = await call(
    "mutation($input: CreateTaskInput!) { createTask(input: $input) { __typename } }", {input});
  return created.data.createTask.__typename;
}"""


async def test_the_task_list_follows_tasks_made_elsewhere_live(
    server: str, browser: Browser, portals: PortalServer
) -> None:
    page = await buyer_with_profile(browser, server)
    await page.goto("/#/tasks")
    await expect(page.locator("#live-state")).to_have_text("● en vivo")
    ticket = folio("OTRO")
    day = (date.today() - timedelta(days=1)).isoformat()
    # Another client (a script with the same account) creates a task while the list's
    # socket is down; once it is back the list shows the task, then follows it.
    await page.evaluate("window.autofacturaSubscriptions.reset()")
    made = await page.evaluate(CREATE_ELSEWHERE, [portals.url("clasico"), ticket, day])
    assert made == "Task"
    row = page.locator(f'.task-row[data-folio="{ticket}"] [data-status]')
    await expect(row).to_have_attribute("data-status", "COMPLETED", timeout=LONG_WAIT_MS)
    await expect(page.locator("#live-state")).to_have_text("● en vivo")
    assert page.url.endswith("#/tasks")  # no reload, no navigation
    await page.context.close()


async def test_a_profile_is_edited_and_deleted(server: str, browser: Browser) -> None:
    page = await new_page(browser, server)
    await sign_up(page)
    await page.goto("/#/profiles")
    await fill_profile(page, PROFILE["taxId"])
    card = page.locator(f'.profile[data-rfc="{PROFILE["taxId"]}"]')
    await card.locator("text=Editar").click()
    form = page.locator("#profile-form")
    await expect(form.locator("h2")).to_have_text("Editar perfil")
    # The SAT catalogs as choices, narrowed to a persona moral (a 12-character RFC).
    regimes = form.locator("[data-field=taxSystem] option")
    offered = await regimes.evaluate_all("options => options.map(o => o.value)")
    assert "601" in offered and "612" not in offered
    assert await form.locator("[data-field=taxSystem]").input_value() == PROFILE["taxSystem"]
    uses = await form.locator("[data-field=cfdiUse] option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert "G03" in uses and "D01" not in uses  # deductions are for personas físicas
    await form.locator("[data-field=zip]").fill("123")
    await form.locator("button[type=submit]").click()
    await expect(form.locator('[data-error-for="zip"]')).not_to_be_empty()
    await form.locator("[data-field=email]").fill("facturas@example.com")
    await form.locator("[data-field=zip]").fill(PROFILE["zip"])
    await form.locator("button[type=submit]").click()
    await expect(card).to_contain_text("facturas@example.com")
    page.on("dialog", lambda dialog: dialog.accept())
    await card.locator("text=Eliminar").click()
    await expect(page.locator(".profile")).to_have_count(0)
    await page.context.close()
