"""LocalChromium against Debian's real Chromium and a tiny local HTTP server."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from autofactura.core.browser import BrowserError, BrowserSession
from autofactura.core.browser.local import LocalChromium, scratch_dir
from tests.support.pages import StaticPage, serve_pages

CHROME = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.access(CHROME, os.X_OK), reason="no /usr/bin/chromium")


@pytest.fixture(scope="module")
def portal() -> Iterator[str]:
    link = StaticPage(b'<html><a id="dl" href="/cfdi.xml" download>XML</a></html>')
    xml = StaticPage(b"<cfdi:Comprobante/>", "application/xml", attachment="cfdi.xml")
    with serve_pages({"/": link, "/cfdi.xml": xml}) as url:
        yield url


@pytest.fixture
def provider(tmp_path: Path) -> LocalChromium:
    # The pages here are served on loopback: let the egress proxy through to them.
    return LocalChromium(
        chrome_path=None, headless=True, base_dir=tmp_path / "browsers", allow_private=True
    )


def _our_chromium_pids(base_dir: Path) -> list[int]:
    """Processes whose command line names a profile under base_dir."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if str(base_dir).encode() in cmdline:
                pids.append(int(entry.name))
    return pids


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_download_lands_in_session_folder(provider: LocalChromium, portal: str) -> None:
    session = await provider.start(uuid.uuid4(), ["127.0.0.1"])
    pid = provider.pid(session)
    assert pid is not None and session.provider == "local" and session.live_view_url is None
    assert session.cdp_url.startswith("ws://127.0.0.1:")
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.connect_over_cdp(session.cdp_url)
            page = await browser.contexts[0].new_page()
            await page.goto(portal)
            # Playwright sets its own download behavior on connect: save into the session.
            async with page.expect_download() as info:
                await page.click("#dl")
            download = await info.value
            await download.save_as(session.downloads_dir / download.suggested_filename)
            await browser.close()
        files = await provider.downloads(session)
        assert [f.name for f in files] == ["cfdi.xml"]
        assert files[0].read_bytes() == b"<cfdi:Comprobante/>"
    finally:
        await provider.stop(session)
    assert _gone(pid)
    assert not (provider.base_dir / session.session_id).exists()
    await provider.stop(session)  # twice is fine


async def test_plain_cdp_client_downloads_into_session_folder(
    provider: LocalChromium, portal: str
) -> None:
    """A driver that leaves download behavior alone gets the profile's folder."""
    import json

    import websockets

    session = await provider.start(uuid.uuid4(), [])
    try:
        async with websockets.connect(session.cdp_url) as ws:
            params = {"url": f"{portal}/cfdi.xml"}
            await ws.send(json.dumps({"id": 1, "method": "Target.createTarget", "params": params}))
            files: list[Path] = []
            for _ in range(100):
                files = await provider.downloads(session)
                if files:
                    break
                await asyncio.sleep(0.05)
        assert [f.name for f in files] == ["cfdi.xml"]
    finally:
        await provider.stop(session)


async def test_ten_sessions_leave_nothing_behind(provider: LocalChromium) -> None:
    scratch: list[Path] = []
    for _ in range(10):
        session = await provider.start(uuid.uuid4(), [])
        assert isinstance(session, BrowserSession)
        # Chromium's TMPDIR for this session (its .org.chromium.* files go there).
        scratch.append(scratch_dir(session.session_id))
        assert scratch[-1].is_dir()
        await provider.stop(session)
    assert list(provider.base_dir.iterdir()) == []
    assert _our_chromium_pids(provider.base_dir) == []
    # Exactly this provider's leftovers: other processes may use /tmp meanwhile.
    assert [path for path in scratch if path.exists()] == []


async def test_bad_chrome_path(tmp_path: Path) -> None:
    bad = str(tmp_path / "no-such-chrome")
    provider = LocalChromium(chrome_path=bad, headless=True, base_dir=tmp_path / "b")
    with pytest.raises(BrowserError, match="no-such-chrome"):
        await provider.start(uuid.uuid4(), [])


async def test_chromium_that_dies_at_start(tmp_path: Path) -> None:
    fake = tmp_path / "fake-chrome"
    fake.write_text("#!/bin/sh\necho boom >&2\nexit 3\n")
    fake.chmod(0o755)
    provider = LocalChromium(chrome_path=str(fake), headless=True, base_dir=tmp_path / "b")
    with pytest.raises(BrowserError, match="boom"):
        await provider.start(uuid.uuid4(), [])
    assert list((tmp_path / "b").iterdir()) == []


async def test_stop_after_browser_died(provider: LocalChromium) -> None:
    session = await provider.start(uuid.uuid4(), [])
    pid = provider.pid(session)
    assert pid is not None
    os.killpg(pid, 9)
    await provider.stop(session)
    await provider.stop(session)
    assert not (provider.base_dir / session.session_id).exists()
