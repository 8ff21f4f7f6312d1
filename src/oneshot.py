"""`autofactura run`: one ticket through the same pipeline, embedded, with no server.

Progress goes to stderr; the last line of stdout is the result as one JSON object (the
contract in DESIGN.md). Exit 0 COMPLETED, 2 FAILED, 3 INTERVENTION_NEEDED, 1 internal.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from autofactura.core.agent.llm import configured
from autofactura.core.config import Settings
from autofactura.core.errors import InvalidInput, ServiceError
from autofactura.core.fiscal.validation import FiscalProfileData
from autofactura.core.privacy.keyring import configured_keyring, use_keyring
from autofactura.core.queue import InlineQueue
from autofactura.core.tasks.status import TaskStatus
from autofactura.oneshot_result import Result, invoice_json, print_event

EXIT_CODES = {"COMPLETED": 0, "FAILED": 2, "INTERVENTION_NEEDED": 3}
# A throwaway database has no playbooks: the run starts with autofill.
ENGINES = {"auto": "autofill,agent", "autofill": "autofill", "agent": "agent"}
NO_LLM = "El motor agent necesita un LLM configurado (AUTOFACTURA_LLM_PROVIDER y _MODEL)."


class BadArguments(Exception):
    """The ticket or profile JSON is unusable; reported as FAILED/INVALID_PROFILE."""


@dataclass(frozen=True)
class Request:
    vendor_url: str
    ticket: dict[str, Any]
    profile: dict[str, Any]
    out: Path
    engine: str
    timeout: int | None


def _json_arg(raw: str, what: str) -> dict[str, Any]:
    text = raw
    if raw.startswith("@"):
        try:
            text = Path(raw[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise BadArguments(f"No pudimos leer {what} de {raw[1:]}: {exc.strerror}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadArguments(f"{what} no es JSON válido ({exc.msg}, línea {exc.lineno}).") from None
    if not isinstance(value, dict):
        raise BadArguments(f"{what} debe ser un objeto JSON.")
    return value


def _profile_data(profile: dict[str, Any]) -> FiscalProfileData:
    missing = [
        k
        for k in ("taxId", "legalName", "taxSystem", "zip", "cfdiUse", "email")
        if not isinstance(profile.get(k), str) or not profile[k].strip()
    ]
    if missing:
        raise BadArguments(f"Al perfil le falta: {', '.join(missing)}.")
    return FiscalProfileData(
        tax_id=profile["taxId"],
        legal_name=profile["legalName"],
        tax_system=profile["taxSystem"],
        zip=profile["zip"],
        cfdi_use=profile["cfdiUse"],
        email=profile["email"],
    )


def _ticket_data(ticket: dict[str, Any]) -> Any:
    from autofactura.core.tasks.service import TicketData

    try:
        bought = date.fromisoformat(str(ticket["date"]))
        total = Decimal(str(ticket["total"]))
        folio = str(ticket["folio"])
    except KeyError as exc:
        raise BadArguments(f"Al ticket le falta: {exc.args[0]}.") from None
    except (ValueError, InvalidOperation):
        raise BadArguments("ticket.date debe ser AAAA-MM-DD y ticket.total un importe.") from None
    extra = ticket.get("extra")
    store = ticket.get("store")
    return TicketData(
        folio=folio,
        date=bought,
        total=total,
        store=str(store) if store else None,
        extra=extra if isinstance(extra, dict) else None,
    )


def _settings(base: Settings, request: Request, data_dir: Path) -> Settings:
    update: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": None,
        "redis_url": None,
        "supabase_url": None,
        # No receiver lives as long as a one-shot run: the invoice goes to the profile's
        # own e-mail, as the buyer gave it.
        "inbound_domain": None,
        "engines": ENGINES[request.engine],
    }
    if request.timeout:
        update["task_timeout_seconds"] = request.timeout
    return base.model_copy(update=update)


async def _run(settings: Settings, request: Request, started: float) -> Result:
    from autofactura.core.db.migrate import upgrade
    from autofactura.core.engine.runner import run_task
    from autofactura.core.profiles import service as profiles
    from autofactura.core.services import build_services, database_url
    from autofactura.core.tasks import service as tasks
    from autofactura.core.users.service import ensure_user

    await asyncio.to_thread(upgrade, database_url(settings))
    services = build_services(settings)
    try:
        user_id = uuid.uuid4()
        async with services.db.session() as session:
            await ensure_user(session, user_id, "cli@autofactura.invalid")
            profile = await profiles.create(session, user_id, _profile_data(request.profile))
            new = tasks.NewTask(request.vendor_url, _ticket_data(request.ticket), profile.id)
            task = await tasks.create(
                session,
                user_id,
                new,
                allow_private_urls=settings.allow_private_urls,
                queue=InlineQueue(),
            )
        runner = asyncio.create_task(run_task(services, task.id))
        await _follow(services, task.id, runner)
        return await _result(services, task.id, request.out, started)
    finally:
        await services.close()


async def _follow(services: Any, task_id: uuid.UUID, runner: asyncio.Task[None]) -> None:
    """Print events as they come; stop the run when it needs a person (no one is here)."""
    from autofactura.core.events import repository as events

    seen = 0
    while True:
        await asyncio.wait({runner}, timeout=0.2)
        async with services.db.session(readonly=True) as session:
            batch = await events.after(session, task_id, seen, 200)
        for event in batch:
            seen = event.seq
            print_event(event)
            if event.payload.get("status") == TaskStatus.INTERVENTION_NEEDED.value:
                runner.cancel()
        if runner.done() and not batch:
            if not runner.cancelled() and runner.exception() is not None:
                raise runner.exception()  # type: ignore[misc]
            return


async def _result(services: Any, task_id: uuid.UUID, out: Path, started: float) -> Result:
    from autofactura.core.events import repository as events
    from autofactura.core.invoices import service as invoices
    from autofactura.core.tasks.models import Task

    async with services.db.session(readonly=True) as session:
        task = await session.get(Task, task_id)
        assert task is not None
        log = await events.after(session, task_id, 0, 10_000)
        invoice = await invoices.for_task(session, task)
        invoice_out = await invoice_json(session, services.storage, invoice, out)
    statuses = [e.payload for e in log if e.type == "status"]
    message = task.failure_reason or (statuses[-1].get("message") if statuses else None)
    return Result(
        task_id=str(task.id),
        status=task.status,
        failure_code=task.failure_code,
        intervention_reason=task.intervention_reason,
        message=message,
        engine=task.engine,
        steps=sum(1 for e in log if e.type == "step"),
        duration_s=round(time.monotonic() - started, 3),
        invoice=invoice_out if task.status == TaskStatus.COMPLETED.value else None,
    )


async def run_once(base: Settings, request: Request) -> Result:
    """One ticket end to end in a throwaway embedded instance (tests and bench use it too)."""
    started = time.monotonic()
    if request.engine == "agent" and not configured(base):
        raise BadArguments(NO_LLM)
    data_dir = Path(tempfile.mkdtemp(prefix="autofactura-run-"))
    # The throwaway instance sets the process's keyring to its own; a caller in the same
    # process (tests, benches) gets its own back, or what it encrypts later won't open.
    previous = configured_keyring()
    try:
        return await _run(_settings(base, request, data_dir), request, started)
    except (BadArguments, InvalidInput, ServiceError) as exc:
        return Result.refused(exc, started)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if previous is not None:
            use_keyring(previous)


def run_command(base: Settings, args: Any) -> int:
    started = time.monotonic()
    try:
        if args.engine == "agent" and not configured(base):
            raise BadArguments(NO_LLM)
        request = Request(
            args.vendor_url,
            _json_arg(args.ticket, "El ticket"),
            _json_arg(args.profile, "El perfil"),
            Path(args.out).resolve(),
            args.engine,
            args.timeout,
        )
        result = asyncio.run(run_once(base, request))
    except BadArguments as exc:
        result = Result.refused(exc, started)
    except Exception as exc:  # noqa: BLE001 — the contract: one JSON line, exit 1
        print(f"autofactura run: {type(exc).__name__}: {exc}", file=sys.stderr)
        Result.error(f"Error interno: {type(exc).__name__}", started).emit()
        return 1
    result.emit()
    return EXIT_CODES.get(result.status, 1)
