"""Inbound e-mail: N buyers each with a task waiting for its e-mailed invoice, then N real
SMTP deliveries (smtplib, C at a time) into the receiver and the whole pipeline (parse,
match, verify, store, complete). Prints messages per second and the time from DATA to the
receiver's 250 (the pipeline's work is inside it). Embedded (SQLite) by default; with
--database-url and --redis-url, the distributed stores.

    .venv/bin/python bench/inbound.py --messages 200 --concurrency 8
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import smtplib
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.mail.inbox import cfdi_for, invoice_mail, new_buyer, new_task, task_row

from autofactura.core.config import Settings
from autofactura.core.db.migrate import upgrade
from autofactura.core.mail.smtp import smtp_receiver
from autofactura.core.privacy import Keyring, use_keyring
from autofactura.core.services import build_services, database_url


def _deliver(port: int, raw: bytes, to: str) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        # SMTP lines end in CRLF; the test helper builds the message with bare LFs.
        client.sendmail("facturas@vendedor.com.mx", [to], raw.replace(b"\n", b"\r\n"))
    return time.perf_counter() - started


async def run(args: argparse.Namespace) -> None:
    data = Path(tempfile.mkdtemp(prefix="inbound-bench-"))
    key = base64.b64encode(os.urandom(32)).decode()
    values: dict[str, Any] = {
        "data_dir": data,
        "encryption_keys": f"k1:{key}",
        "inbound_domain": "inbound.example.com",
        "log_level": "WARNING",
    }
    if args.database_url:
        values.update(database_url=args.database_url, redis_url=args.redis_url)
    settings = Settings(**values)
    use_keyring(Keyring.from_setting(settings.encryption_keys or ""))
    upgrade(database_url(settings))
    services = build_services(settings)
    try:
        buyers = [await new_buyer(services) for _ in range(args.messages)]
        tasks = [await new_task(services, buyer) for buyer in buyers]
        mails = [(invoice_mail(b.address, cfdi_for()), b.address) for b in buyers]
        # The clients get threads of their own: in the loop's default executor they would
        # take the threads the receiver needs for its file writes and wait on themselves.
        clients = ThreadPoolExecutor(args.concurrency, thread_name_prefix="smtp-client")
        loop = asyncio.get_running_loop()

        async def one(raw: bytes, to: str) -> float:
            return await loop.run_in_executor(clients, _deliver, port, raw, to)

        async with smtp_receiver(services, "127.0.0.1", 0) as port:
            started = time.perf_counter()
            seconds = await asyncio.gather(*(one(raw, to) for raw, to in mails))
            wall = time.perf_counter() - started
        done = [(await task_row(services, t)).status for t in tasks]
    finally:
        await services.close()
    ms = sorted(s * 1000 for s in seconds)
    store = "postgres+redis" if args.database_url else "sqlite"
    print(f"store={store} messages={len(ms)} concurrency={args.concurrency}")
    print(f"messages/s: {len(ms) / wall:.1f}  (wall {wall:.2f} s)")
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(f"per message ms: p50 {statistics.median(ms):.1f}  p95 {p95:.1f}  max {ms[-1]:.1f}")
    print(f"tasks COMPLETED: {done.count('COMPLETED')}/{len(done)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
