"""Get the invoice files off a success page whatever the mechanism: links, download
attributes, buttons that POST, blobs made in JS, inline XML, ZIPs (unpacked later)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from autofactura.core.autofill.classify import ButtonRole, classify_button
from autofactura.core.autofill.scan import FoundButton, PageView
from autofactura.core.cfdi.files import InvoiceFile, invoice_files, unique_files

DOWNLOAD_TIMEOUT_MS = 15_000
_ORDER = {
    ButtonRole.DOWNLOAD_XML: 0,
    ButtonRole.DOWNLOAD_ZIP: 1,
    ButtonRole.DOWNLOAD_PDF: 2,
    ButtonRole.DOWNLOAD_ANY: 3,
}


@dataclass(frozen=True)
class Captured:
    files: list[InvoiceFile]
    names: list[str]  # what was clicked, for the step event


def download_buttons(view: PageView) -> list[tuple[ButtonRole, FoundButton]]:
    found = []
    for button in view.buttons:
        role = classify_button(button.text, href=button.href, download=button.download)
        if role in _ORDER and not button.disabled:
            found.append((role, button))
    return sorted(found, key=lambda item: _ORDER[item[0]])


def _have(files: list[InvoiceFile], kind: str) -> bool:
    return any(f.kind == kind for f in files)


async def capture(page: Page, view: PageView, downloads_dir: Path) -> Captured:
    """Click every download control until there is an XML and a PDF (or nothing left)."""
    files: list[InvoiceFile] = []
    names: list[str] = []
    for role, button in download_buttons(view):
        if role is ButtonRole.DOWNLOAD_PDF and _have(files, "pdf"):
            continue
        if role in (ButtonRole.DOWNLOAD_XML, ButtonRole.DOWNLOAD_ANY) and _have(files, "xml"):
            continue
        if role is ButtonRole.DOWNLOAD_ZIP and _have(files, "xml") and _have(files, "pdf"):
            continue
        got = await _download(page, button, downloads_dir)
        if got is not None:
            names.append(button.text or got[0])
            files += invoice_files(*got)
    return Captured(unique_files(files), names)


async def _download(
    page: Page, button: FoundButton, downloads_dir: Path
) -> tuple[str, bytes] | None:
    """A click that downloads; else the link fetched with the page's cookies (inline XML)."""
    try:
        async with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as pending:
            await button.locator().click(timeout=DOWNLOAD_TIMEOUT_MS)
        download = await pending.value
        # Through the session's downloads folder (a remote browser's files come back
        # there); the engine keeps what it captured as the invoice's own artifacts.
        target = downloads_dir / Path(download.suggested_filename).name
        await download.save_as(target)
        data = target.read_bytes()
        target.unlink(missing_ok=True)
        return target.name, data
    except PlaywrightError:
        pass
    if button.href and not button.href.startswith(("javascript:", "#", "blob:")):
        return await _fetch(page, urljoin(button.frame.url, button.href))
    return None


async def _fetch(page: Page, url: str) -> tuple[str, bytes] | None:
    try:
        response = await page.context.request.get(url, timeout=DOWNLOAD_TIMEOUT_MS)
    except PlaywrightError:
        return None
    if not response.ok:
        return None
    name = Path(url.split("?", 1)[0]).name or "factura"
    return name, await response.body()
