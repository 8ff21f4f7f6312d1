"""Pause, take over and cancel from the task's page while the task is running: a portal that
takes seconds to answer keeps it RUNNING long enough for the buyer to press Pausar."""

from __future__ import annotations

import http.server
import re
import threading
import time
from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, expect

from tests.console.conftest import Shots
from tests.console.helpers import (
    LONG_WAIT_MS,
    buyer_with_profile,
    create_task,
    folio,
)

SLOW_SECONDS = 6.0
PAGE = b"<html lang='es'><body><h1>Portal lento</h1><p>Sin formulario.</p></body></html>"


@pytest.fixture(scope="module")
def slow_portal() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(SLOW_SECONDS)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


async def test_pause_take_over_and_cancel_a_running_task(
    server: str, browser: Browser, slow_portal: str, shots: Shots
) -> None:
    page = await buyer_with_profile(browser, server)
    await create_task(page, slow_portal, folio("LENTO"))
    status = page.locator("h1 [data-status]")
    await expect(status).to_have_attribute("data-status", "RUNNING", timeout=LONG_WAIT_MS)
    await expect(page.locator("[data-action=pauseTask]")).to_be_enabled()
    await expect(page.locator("[data-action=resumeTask]")).to_be_disabled()

    await page.click("[data-action=takeOver]")  # pauses, then shows the live browser
    await expect(status).to_have_attribute("data-status", "PAUSED")
    await expect(page.locator(".notice")).to_contain_text("en pausa")
    screen = page.frame_locator("#live-frame").locator("#screen")
    await expect(screen).to_have_attribute("src", re.compile(r"^data:image/jpeg;base64,"))
    await expect(screen).to_have_class("control")
    await expect(page.locator("[data-action=resumeTask]")).to_be_enabled()
    await shots.take(page, "12-task-paused")

    page.on("dialog", lambda dialog: dialog.accept())
    await page.click("[data-action=cancelTask]")
    await expect(status).to_have_attribute("data-status", "CANCELLED")
    await expect(page.locator("#live-frame")).to_have_count(0)
    await expect(page.locator("[data-action=retryTask]")).to_be_enabled()
    await page.context.close()
