"""A whole run, as deployed: `autofactura serve` (and, distributed, `autofactura worker`)
as real processes configured by their environment, the real autofill engine at a local
portal, one task that completes and one whose engine raises an error quoting the buyer's
data. Their logs are one JSON object per line, lines written while a task runs carry its
id and attempt, and neither the logs nor the Sentry envelope show the buyer in clear."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from autofactura.core.config import Settings
from autofactura.core.db.database import sqlite_url
from tests.conftest import DISTRIBUTED
from tests.observability.engines import OTHER_EMAIL, OTHER_RFC
from tests.observability.processes import serve_process, worker_process
from tests.observability.sentry_collector import exception_types, sentry_collector
from tests.pipeline.conftest import variant
from tests.pipeline.helpers import CREATE_TASK, FINAL, Api, Buyer, task_uuid
from tests.portals.app import serve_portals
from tests.portals.buyer import PROFILE, ticket
from tests.support.api import CREATE_PROFILE, REGISTER
from tests.support.workers import clear_backlog

ACCOUNT_EMAIL = f"observed-{uuid.uuid4().hex[:10]}@example.org"
CLEAR = (
    PROFILE["taxId"],
    PROFILE["legalName"],
    PROFILE["email"],
    ACCOUNT_EMAIL,
    OTHER_RFC,
    OTHER_EMAIL,
)


@dataclass
class Run:
    lines: list[dict[str, Any]]
    raw: str
    completed: uuid.UUID
    failed: uuid.UUID
    envelope: bytes


async def _buyer(base_url: str) -> Api:
    signed = (await Api(base_url).data(REGISTER, email=ACCOUNT_EMAIL, password="s3cret-pass"))[
        "register"
    ]
    return Api(base_url, signed["token"], uuid.UUID(signed["user"]["id"]))


async def _task(api: Api, profile_id: str, vendor_url: str, folio: str) -> str:
    task_input = {"vendorUrl": vendor_url, "ticket": ticket(folio), "fiscalProfileId": profile_id}
    created = (await api.data(CREATE_TASK, input=task_input))["createTask"]
    assert created["__typename"] == "Task", created
    task_id: str = created["id"]
    return task_id


async def _wait_final(api: Api, task_id: str) -> dict[str, Any]:
    return await Buyer(api, profile_id="").wait_for_status(task_id, FINAL, within=90)


@pytest.fixture(scope="module")
async def run(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Run]:
    logs = tmp_path_factory.mktemp("observed")
    # Embedded, the child `serve` gets a SQLite file of its own: a second process on the
    # suite's file ran its migrations and sweeper there, and SQLite across processes lost
    # the suite's WAL when it stopped ("file is not a database" in later tests).
    own = {} if DISTRIBUTED else {"database_url": sqlite_url(logs / "serve.db")}
    observed = variant(
        settings,
        **own,
        engines="",
        extra_engines="tests.observability.engines:LeakyEngine",
        allow_private_urls=True,
        log_level="INFO",
        task_timeout_seconds=90,
    )
    with contextlib.ExitStack() as stack:
        dsn, envelopes = stack.enter_context(sentry_collector())
        portals = stack.enter_context(serve_portals())
        files = [stack.enter_context((logs / name).open("wb")) for name in ("serve", "worker")]
        url = stack.enter_context(serve_process(observed, files[0], SENTRY_DSN=dsn))
        if DISTRIBUTED:
            clear_backlog(observed)
            # Configured as `serve` is: the same environment name for Sentry.
            worker_env = {"LOG_LEVEL": "INFO", "SENTRY_DSN": dsn, "AUTOFACTURA_ENV": observed.env}
            stack.enter_context(worker_process(observed, files[1], **worker_env))
        api = await _buyer(url)
        profile = (await api.data(CREATE_PROFILE, input=PROFILE))["createFiscalProfile"]
        completed = await _task(api, profile["id"], portals.url("clasico"), "A-88121")
        failed = await _task(api, profile["id"], portals.url("clasico"), "LEAK-1")
        assert (await _wait_final(api, completed))["status"] == "COMPLETED"
        assert (await _wait_final(api, failed))["failureCode"] == "INTERNAL"
        envelope = envelopes.wait_for_exception("RuntimeError", within=30)
    raw = "".join(_read(logs / name) for name in ("serve", "worker"))
    lines = [json.loads(line) for line in raw.splitlines() if line.strip()]
    yield Run(lines, raw, task_uuid(completed), task_uuid(failed), envelope)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_every_line_is_one_json_object(run: Run) -> None:
    assert len(run.lines) > 10
    for line in run.lines:
        assert isinstance(line, dict), line
        assert {"ts", "level", "logger", "message"} <= line.keys(), line


def test_lines_written_while_a_task_runs_carry_its_id_and_attempt(run: Run) -> None:
    for task_id in (run.completed, run.failed):
        mine = [line for line in run.lines if line.get("task_id") == str(task_id)]
        messages = [line["message"] for line in mine]
        assert any(m.startswith("task run started") for m in messages), messages
        assert all(line["attempt"] == 1 for line in mine if "attempt" in line), mine
    [error] = [line for line in run.lines if line["level"] == "ERROR" and "exc" in line]
    assert error["task_id"] == str(run.failed) and error["attempt"] == 1
    assert "RuntimeError" in error["exc"], error
    # The quoted values are there, masked: the task's own profile values as such, anyone
    # else's RFC and e-mail by their shape.
    masked = "[redacted] ([redacted]), avisar a [redacted]; copia a [rfc] [email]"
    assert masked in error["exc"], error["exc"]


def test_no_line_shows_the_buyer_in_clear(run: Run) -> None:
    text = run.raw.casefold()
    for value in CLEAR:
        assert value.casefold() not in text, value


def test_sentry_gets_the_error_without_the_buyer_in_clear(run: Run) -> None:
    assert "RuntimeError" in exception_types(run.envelope)
    body = run.envelope.decode("utf-8").casefold()
    assert '"environment":"test"' in body.replace(" ", "")
    for value in CLEAR:
        assert value.casefold() not in body, value
    assert "[rfc]" in body and "[email]" in body
