"""Browserbase cloud sessions through the official SDK (its async client).

start() creates a session with a timeout and the vendor's domains as allowedDomains
(Browserbase restricts main-frame navigations to them), connects over its connect URL and
reads the live view from the debug URLs; the session is released if anything after the
create fails. Files the page downloads stay on Browserbase's side until downloads()
fetches the ZIP through the API. The driver must keep downloads enabled on its own CDP
connection (Browser.setDownloadBehavior, downloadPath "downloads"): Chromium resets that
setting when the connection that made it closes, so it cannot be done here.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from browserbase import APIError, APIStatusError, AsyncBrowserbase

from autofactura.core.browser.session import BrowserError, BrowserSession

log = logging.getLogger(__name__)

SESSION_TIMEOUT_S = 900
_GONE = {400, 404, 409, 410}  # already released, expired or unknown: nothing to release


class BrowserbaseProvider:
    """BrowserProvider backed by Browserbase (BROWSERBASE_API_KEY, BROWSERBASE_PROJECT_ID)."""

    name = "browserbase"

    def __init__(
        self,
        api_key: str,
        project_id: str | None,
        api_url: str = "https://api.browserbase.com",
        *,
        base_dir: Path | None = None,
        session_timeout_s: int = SESSION_TIMEOUT_S,
        max_retries: int = 2,
    ) -> None:
        self.project_id = project_id
        self.base_dir = Path(base_dir or Path(tempfile.gettempdir()) / "autofactura-browsers")
        self.session_timeout_s = session_timeout_s
        self.client = AsyncBrowserbase(api_key=api_key, base_url=api_url, max_retries=max_retries)
        self._released: set[str] = set()

    async def start(self, task_id: uuid.UUID, allowed_domains: Sequence[str]) -> BrowserSession:
        extra = {"project_id": self.project_id} if self.project_id else {}
        try:
            created = await self.client.sessions.create(
                api_timeout=self.session_timeout_s,
                browser_settings={"allowed_domains": list(allowed_domains)},
                user_metadata={"task_id": str(task_id)},
                **extra,  # type: ignore[arg-type]
            )
        except APIError as exc:
            raise BrowserError(f"Browserbase could not create a session: {exc}") from exc
        session = BrowserSession("browserbase", created.connect_url, Path(), None, created.id)
        try:
            live = await self.client.sessions.debug(created.id)
            session.live_view_url = live.debugger_fullscreen_url
            self.base_dir.mkdir(parents=True, exist_ok=True)
            root = Path(tempfile.mkdtemp(prefix=f"{task_id}-", dir=self.base_dir))
            session.downloads_dir = root / "downloads"
            session.downloads_dir.mkdir()
        except BaseException as exc:
            await self.stop(session)
            if isinstance(exc, APIError | OSError):
                raise BrowserError(f"Browserbase session {created.id} failed: {exc}") from exc
            raise
        return session

    async def downloads(self, session: BrowserSession) -> list[Path]:
        try:
            response = await self.client.sessions.downloads.list(session.session_id)
            data = await response.read()
        except APIError as exc:
            raise BrowserError(f"Browserbase downloads of {session.session_id}: {exc}") from exc
        if data:
            try:
                extract_zip(data, session.downloads_dir)
            except zipfile.BadZipFile as exc:
                raise BrowserError(f"Browserbase sent a bad downloads archive: {exc}") from exc
        return sorted(p for p in session.downloads_dir.rglob("*") if p.is_file())

    async def stop(self, session: BrowserSession) -> None:
        if session.downloads_dir != Path():
            shutil.rmtree(session.downloads_dir.parent, ignore_errors=True)
        if session.session_id in self._released:
            return
        try:
            extra = {"project_id": self.project_id} if self.project_id else {}
            await self.client.sessions.update(
                session.session_id,
                status="REQUEST_RELEASE",
                **extra,  # type: ignore[arg-type]
            )
        except APIStatusError as exc:
            if exc.status_code not in _GONE:
                log.warning("Browserbase release of %s failed: %s", session.session_id, exc)
                return
        except APIError as exc:
            log.warning("Browserbase release of %s failed: %s", session.session_id, exc)
            return
        self._released.add(session.session_id)


def extract_zip(data: bytes, target: Path) -> list[Path]:
    """Extract regular files only, refusing absolute paths and '..' components."""
    written = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if info.is_dir() or name.is_absolute() or ".." in name.parts or not name.parts:
                continue
            if (info.external_attr >> 16) & 0o170000 == 0o120000:  # a symlink
                continue
            dest = target.joinpath(*name.parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.ExitStack() as stack:
                src = stack.enter_context(archive.open(info))
                out = stack.enter_context(dest.open("wb"))
                shutil.copyfileobj(src, out)
            written.append(dest)
    return written
