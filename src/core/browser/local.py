"""A local headless Chromium per task, reached over CDP on a loopback port.

Each session gets its own directory under base_dir (<task id>-<random>/ holding profile/,
downloads/ and chrome.log), removed by stop(). allowed_domains is accepted and ignored
here: the engines keep the browser on the vendor's domain. All of the browser's traffic,
loopback included, goes through its own EgressProxy, which refuses private addresses
unless allow_private (AUTOFACTURA_ALLOW_PRIVATE_URLS) is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import hashlib
import json
import os
import shutil
import signal
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from autofactura.core.browser.egress import EgressProxy
from autofactura.core.browser.session import BrowserError, BrowserSession

START_TIMEOUT_S = 15.0
STOP_GRACE_S = 5.0
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chrome(chrome_path: str | None) -> str:
    """CHROME_PATH, else /usr/bin/chromium, else one on PATH, else Playwright's own."""
    if chrome_path:
        if os.path.isfile(chrome_path) and os.access(chrome_path, os.X_OK):
            return chrome_path
        raise BrowserError(f"CHROME_PATH {chrome_path!r} is not an executable file")
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    cache = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or os.path.expanduser(
        "~/.cache/ms-playwright"
    )
    bundled = sorted(glob.glob(os.path.join(cache, "chromium-*", "chrome-linux*", "chrome")))
    if bundled:
        return bundled[-1]
    raise BrowserError("no Chromium found: set CHROME_PATH or install chromium (/usr/bin/chromium)")


def chrome_args(profile: Path, headless: bool, proxy_port: int | None = None) -> list[str]:
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
    ]
    if proxy_port is not None:
        args += [
            f"--proxy-server=http://127.0.0.1:{proxy_port}",
            # Chromium bypasses proxies for loopback on its own; "<-loopback>" undoes that.
            "--proxy-bypass-list=<-loopback>",
            # WebRTC's UDP would go around the proxy, straight to any address.
            "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        ]
    if headless:
        args.insert(0, "--headless=new")
    return [*args, "about:blank"]


def scratch_dir(session_id: str) -> Path:
    """Chromium's TMPDIR for one session (it leaves .org.chromium.* files there)."""
    digest = hashlib.sha256(session_id.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"autofactura-chrome-{digest}"


def _dies_with_us() -> list[str]:
    """util-linux's setpriv, when present, execs Chromium with a parent-death signal: a
    worker killed without cleaning up (SIGKILL, the OOM killer) takes its Chromiums along,
    instead of leaving them running, for nobody, in sessions of their own. The signal
    follows the thread that started it: here, a worker thread's loop, which outlives its
    browsers."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []


class LocalChromium:
    """BrowserProvider that starts Debian's (or CHROME_PATH's) Chromium per task."""

    name = "local"

    def __init__(
        self,
        chrome_path: str | None,
        headless: bool,
        base_dir: Path,
        allow_private: bool = False,
        also_allowed: frozenset[tuple[str, int]] = frozenset(),
    ) -> None:
        self.chrome_path = chrome_path
        self.headless = headless
        self.base_dir = Path(base_dir)
        self.allow_private = allow_private
        self.also_allowed = also_allowed  # exact (address, port): the app's demo portal
        self._procs: dict[str, asyncio.subprocess.Process] = {}
        self._proxies: dict[str, EgressProxy] = {}

    async def start(self, task_id: uuid.UUID, allowed_domains: Sequence[str]) -> BrowserSession:
        binary = find_chrome(self.chrome_path)
        self.base_dir.mkdir(parents=True, exist_ok=True)
        root = Path(tempfile.mkdtemp(prefix=f"{task_id}-", dir=self.base_dir))
        profile, downloads = root / "profile", root / "downloads"
        profile.mkdir()
        downloads.mkdir()
        _write_preferences(profile, downloads)
        session = BrowserSession("local", "", downloads, None, root.name)
        proxy = self._proxies[session.session_id] = EgressProxy(
            allow_private=self.allow_private, also_allowed=self.also_allowed
        )
        session.egress_refusals = proxy.refused
        try:
            try:
                port = await proxy.start()
            except OSError as exc:
                raise BrowserError(f"could not start the egress proxy: {exc}") from exc
            proc = await self._launch(binary, profile, root, session.session_id, port)
            self._procs[session.session_id] = proc
            session.cdp_url = await self._wait_endpoint(proc, root)
        except BaseException:
            await self.stop(session)
            raise
        return session

    async def _launch(
        self, binary: str, profile: Path, root: Path, session_id: str, proxy_port: int
    ) -> asyncio.subprocess.Process:
        try:
            log = os.open(root / "chrome.log", os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                # Chromium leaves org.chromium.* folders in TMPDIR when it is killed: give
                # it one of its own, removed on stop (short: it holds a Unix socket).
                scratch_dir(session_id).mkdir(mode=0o700, exist_ok=True)
                return await asyncio.create_subprocess_exec(
                    *_dies_with_us(),
                    binary,
                    *chrome_args(profile, self.headless, proxy_port),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                    env={**os.environ, "TMPDIR": str(scratch_dir(session_id))},
                )
            finally:
                os.close(log)
        except OSError as exc:
            raise BrowserError(f"could not start Chromium at {binary!r}: {exc}") from exc

    async def _wait_endpoint(self, proc: asyncio.subprocess.Process, root: Path) -> str:
        port_file = root / "profile" / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                raise BrowserError(f"Chromium exited with {proc.returncode}: {_tail(root)}")
            with contextlib.suppress(OSError, ValueError):
                lines = port_file.read_text().split()
                if len(lines) >= 2 and int(lines[0]) > 0:
                    return f"ws://127.0.0.1:{int(lines[0])}{lines[1]}"
            await asyncio.sleep(0.05)
        raise BrowserError(f"Chromium gave no DevTools endpoint in {START_TIMEOUT_S:.0f}s")

    async def downloads(self, session: BrowserSession) -> list[Path]:
        if not session.downloads_dir.is_dir():
            return []
        return sorted(
            path
            for path in session.downloads_dir.iterdir()
            # Skip Chromium's in-progress files (.crdownload, hidden .org.chromium.*).
            if path.is_file()
            and not path.name.endswith(".crdownload")
            and not path.name.startswith(".")
        )

    def pid(self, session: BrowserSession) -> int | None:
        proc = self._procs.get(session.session_id)
        return proc.pid if proc else None

    async def stop(self, session: BrowserSession) -> None:
        proc = self._procs.pop(session.session_id, None)
        if proc is not None:
            await _terminate(proc)
        proxy = self._proxies.pop(session.session_id, None)
        if proxy is not None:
            await proxy.stop()
        shutil.rmtree(self.base_dir / session.session_id, ignore_errors=True)
        shutil.rmtree(scratch_dir(session.session_id), ignore_errors=True)


async def _terminate(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the process group, SIGKILL it after a grace period, then reap."""
    for sig, grace in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, STOP_GRACE_S)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            await asyncio.wait_for(proc.wait(), grace)
            break
        except TimeoutError:
            continue
    # Children that outlived the leader (renderers, zygote) share its group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _write_preferences(profile: Path, downloads: Path) -> None:
    """Downloads land in the session's folder, without a prompt, for any CDP client that
    does not set its own download behavior (Playwright does: use download.save_as)."""
    prefs = {
        "download": {"default_directory": str(downloads), "prompt_for_download": False},
        "savefile": {"default_directory": str(downloads)},
    }
    (profile / "Default").mkdir()
    (profile / "Default" / "Preferences").write_text(json.dumps(prefs))


def _tail(root: Path) -> str:
    try:
        return (root / "chrome.log").read_text(errors="replace")[-500:].strip()
    except OSError:
        return ""
