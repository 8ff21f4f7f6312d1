"""The console under test: the real app (embedded worker, autofill engine) on a free port, the
local vendor portals, and a headless Debian Chromium driven by Playwright. Embedded mode
only, like the portal suites: the console is the same static files in both modes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from autofactura.core.config import Settings
from autofactura.core.services import Services
from tests.conftest import DISTRIBUTED
from tests.support.api import make_settings
from tests.support.live_server import live_server

CHROME = "/usr/bin/chromium"
CHROME_FLAGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-sandbox",
    "--disable-dev-shm-usage",
]
ROOT = Path(__file__).resolve().parents[2]
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture(scope="package")
def console_settings(settings: Settings) -> Settings:
    if DISTRIBUTED:
        pytest.skip("the console's end-to-end suite runs once, in the embedded mode")
    if not os.access(CHROME, os.X_OK):
        pytest.skip(f"no {CHROME}")
    assert settings.database_url is not None
    return make_settings(
        settings.database_url,
        settings.redis_url,
        settings.data_dir,
        settings.encryption_keys or "",
        engines="autofill",
        allow_private_urls=True,  # the test portals are on loopback
        intervention_timeout_seconds=120,
        worker_threads=2,
    )


@pytest.fixture(scope="package")
def server(console_settings: Settings, services: Services) -> Iterator[str]:
    """Depends on `services` so the process's broker is set first (see tests/pipeline)."""
    del services
    with live_server(console_settings) as url:
        yield url


@pytest.fixture(scope="module")
def site(settings: Settings, services: Services) -> Iterator[str]:
    """The app on the test settings, in either mode, for what needs no engine or browser."""
    del services
    with live_server(settings) as url:
        yield url


@pytest.fixture(scope="package")
async def browser(console_settings: Settings) -> AsyncIterator[Browser]:
    del console_settings  # for its skips
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=CHROME, headless=True, args=CHROME_FLAGS
        )
        yield chromium
        await chromium.close()


@dataclass
class Shots:
    """Screenshots of each page at desktop and phone sizes: evidence, not assertions."""

    folder: Path

    async def take(self, page: Page, name: str) -> None:
        before = page.viewport_size
        for size, (width, height) in SIZES.items():
            await page.set_viewport_size({"width": width, "height": height})
            await page.wait_for_timeout(150)
            await page.screenshot(path=self.folder / f"{name}-{size}.png", full_page=True)
        if before is not None:
            await page.set_viewport_size(before)


@pytest.fixture(scope="package")
def shots() -> Iterator[Shots]:
    folder = ROOT / "var" / "screenshots" / "console"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    yield Shots(folder)
    print(f"\nconsole screenshots: {folder}")
