"""Building blocks of the hand-written portal scripts: filling by selector, waiting for the
portal's answer (success or its own error element) and catching downloads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from playwright.async_api import Dialog, FrameLocator, Locator, Page

Ticket = Mapping[str, Any]  # {"folio","date":"YYYY-MM-DD","total","store"?,"extra"?:{label: value}}
Profile = Mapping[str, str]  # {"taxId","legalName","taxSystem","zip","cfdiUse","email"}
Files = list[tuple[str, bytes]]
Scope = Page | FrameLocator
OUTCOME_TIMEOUT_S = 15.0


class PortalRefused(Exception):
    """The portal answered with an error message instead of an invoice."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def dmy(ticket: Ticket) -> str:
    """The ticket's ISO date as dd/mm/aaaa."""
    year, month, day = str(ticket["date"]).split("-")
    return f"{day}/{month}/{year}"


def extra(ticket: Ticket, label: str, default: str = "") -> str:
    return str(dict(ticket.get("extra") or {}).get(label, default))


async def fill(scope: Scope, values: Mapping[str, str]) -> None:
    """Fill each selector with its value, in order."""
    for selector, value in values.items():
        await scope.locator(selector).fill(value)


async def select(scope: Scope, values: Mapping[str, str]) -> None:
    """Pick each native select's option by value."""
    for selector, value in values.items():
        await scope.locator(selector).select_option(value)


async def option_value(scope: Scope, select_selector: str, text: str) -> str:
    """The value of the first option whose text contains `text` (lists with opaque ids)."""
    value = await scope.locator(f"{select_selector} option", has_text=text).first.get_attribute(
        "value"
    )
    if not value:
        raise PortalRefused(f"no option {text!r} in {select_selector}")
    return value


def record_dialogs(page: Page) -> list[str]:
    """Dismiss every alert()/confirm() from now on, keeping their messages."""
    messages: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        messages.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    return messages


async def outcome(
    scope: Scope, success: str, failure: str, dialogs: list[str] | None = None
) -> Locator:
    """Wait until `success` shows (returned) or `failure` or a dialog does (PortalRefused)."""
    deadline = time.monotonic() + OUTCOME_TIMEOUT_S
    while time.monotonic() < deadline:
        if dialogs:
            raise PortalRefused(dialogs[-1])
        failed = scope.locator(failure)
        if await failed.count() and await failed.first.is_visible():
            raise PortalRefused(" ".join((await failed.first.inner_text()).split()))
        found = scope.locator(success)
        if await found.count() and await found.first.is_visible():
            return found.first
        await asyncio.sleep(0.1)
    raise PortalRefused(f"the portal showed neither {success!r} nor {failure!r}")


async def download(page: Page, target: Locator) -> tuple[str, bytes]:
    """Click `target` and return the file the browser downloads (name, bytes)."""
    async with page.expect_download() as started:
        await target.click()
    done = await started.value
    path = await done.path()
    return done.suggested_filename, await asyncio.to_thread(Path(path).read_bytes)


async def download_all(page: Page, scope: Scope, *selectors: str) -> Files:
    return [await download(page, scope.locator(selector).first) for selector in selectors]
