"""`autofactura mail`: refuses to start without an inbound domain; otherwise receives mail
as its own process until SIGTERM."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import smtplib
import subprocess
import sys
from pathlib import Path

from autofactura.core.config import Settings
from tests.mail.conftest import DOMAIN
from tests.observability.sentry_collector import sentry_collector

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"receiving mail for @(\S+) on 127\.0\.0\.1:(\d+)")


def _env(settings: Settings, tmp_path: Path, **extra: str) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTOFACTURA_", "DATABASE_", "REDIS_", "SUPABASE_"))
    }
    mode = {"DATABASE_URL": settings.database_url or ""}
    if settings.redis_url:
        mode["REDIS_URL"] = settings.redis_url
    return {**clean, **mode, "AUTOFACTURA_DATA_DIR": str(tmp_path), **extra}


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 — our own interpreter and module, fixed arguments
        [sys.executable, "-m", "autofactura", "mail", *args],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_no_inbound_domain_exit_2(settings: Settings, tmp_path: Path) -> None:
    process = _start(_env(settings, tmp_path))
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "AUTOFACTURA_INBOUND_DOMAIN" in err


def _read_until_listening(process: subprocess.Popen[str]) -> tuple[list[str], int]:
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        found = LISTENING.search(line)
        if found:
            assert found.group(1) == DOMAIN
            return lines, int(found.group(2))
    raise AssertionError(f"the receiver did not start: {''.join(lines)}")


def _refused_elsewhere(port: int) -> int:
    with smtplib.SMTP("127.0.0.1", port, local_hostname="tests.local", timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("facturas@vendedor.com.mx")
        return smtp.rcpt("alguien@example.com")[0]


async def test_mail_receives_until_sigterm(settings: Settings, tmp_path: Path) -> None:
    env = _env(settings, tmp_path, AUTOFACTURA_INBOUND_DOMAIN=DOMAIN)
    process = _start(env, "--host", "127.0.0.1", "--port", "0")
    try:
        lines, port = await asyncio.wait_for(asyncio.to_thread(_read_until_listening, process), 60)
        embedded_note = any("embedded mode" in line for line in lines)
        assert embedded_note == (settings.redis_url is None)
        assert await asyncio.to_thread(_refused_elsewhere, port) == 550
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 30) == 0
    finally:
        process.kill()
        process.wait(10)


def _recipient_answer(port: int, address: str) -> int:
    with smtplib.SMTP("127.0.0.1", port, local_hostname="tests.local", timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("facturas@vendedor.com.mx")
        return smtp.rcpt(address)[0]


async def test_mail_reports_its_errors_to_sentry(settings: Settings, tmp_path: Path) -> None:
    """A receiver whose database is gone answers 451 (the sender retries) and Sentry hears
    of it, as from `serve` and `worker`."""
    broken = f"sqlite:///{tmp_path}/no-such-dir/autofactura.db"
    with sentry_collector() as (dsn, envelopes):
        env = _env(settings, tmp_path, AUTOFACTURA_INBOUND_DOMAIN=DOMAIN, SENTRY_DSN=dsn)
        env.pop("REDIS_URL", None)
        process = _start({**env, "DATABASE_URL": broken}, "--host", "127.0.0.1", "--port", "0")
        try:
            _, port = await asyncio.wait_for(asyncio.to_thread(_read_until_listening, process), 60)
            address = f"factura-aaaabbbbccccdddd@{DOMAIN}"
            assert await asyncio.to_thread(_recipient_answer, port, address) == 451
            envelope = await asyncio.to_thread(envelopes.wait_for_exception, "OperationalError", 30)
        finally:
            process.kill()
            process.wait(10)
    assert b"could not look up inbound recipient" in envelope
