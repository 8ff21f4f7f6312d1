"""Run one task: claim it, walk the engine chain, and always leave it in a clear state.

Idempotent, because messages arrive at least once: a task already past RUNNING is left
alone, and one held by a live worker is retried later; one whose worker died (lease
expired) is taken over.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta

from autofactura.core.browser.session import BrowserError
from autofactura.core.db.base import utcnow
from autofactura.core.engine.chain import build_chain
from autofactura.core.engine.errors import TRANSIENT, LeaseHeld, RunStopped, database_lost
from autofactura.core.engine.preflight import PreflightEngine
from autofactura.core.engine.run import TaskRun
from autofactura.core.events import recorder
from autofactura.core.events.models import EventType
from autofactura.core.observability import context as observed
from autofactura.core.services import Services
from autofactura.core.tasks.lifecycle import Outcome, move
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import FailureCode, TaskStatus

log = logging.getLogger(__name__)
_LIVE = (TaskStatus.RUNNING, TaskStatus.PAUSED, TaskStatus.INTERVENTION_NEEDED)
UNSUPPORTED = "Todavía no podemos facturar en este portal de forma automática."
TOO_MANY_CLAIMS = (
    "El navegador o el trabajador se detuvo {n} veces con esta tarea; la detuvimos para no "
    "repetir pasos en el portal. Puedes reintentarla."
)


async def claim(services: Services, task_id: uuid.UUID) -> Task | None:
    """Take the task for this worker, or None when there is nothing to do."""
    async with services.db.session() as session:
        task = await session.get(Task, task_id, with_for_update=services.db.is_postgres)
        if task is None or task.task_status.ends_run:
            return None
        now = utcnow()
        if task.task_status in _LIVE:
            if task.lease_expires_at is not None and task.lease_expires_at > now:
                raise LeaseHeld(str(task_id))
            if task.claims >= services.settings.max_task_claims:
                reason = TOO_MANY_CLAIMS.format(n=task.claims)
                outcome = Outcome(
                    failure_code=FailureCode.INTERNAL, failure_reason=reason, message=reason
                )
                await move(session, task, TaskStatus.FAILED, outcome)
                return None
            await recorder.record(
                session,
                task,
                EventType.STEP,
                {"action": "resume", "message": "Retomamos la tarea tras perder al trabajador."},
            )
        else:
            await move(session, task, TaskStatus.RUNNING, Outcome(message="En proceso."))
        task.lease_expires_at = now + timedelta(seconds=services.settings.lease_seconds)
        task.claims += 1
        return task


async def run_task(services: Services, task_id: uuid.UUID) -> None:
    # Every line logged while the task runs (by us, engines, libraries) carries its id.
    with observed.bound(task_id=str(task_id)):
        task = await claim(services, task_id)
        if task is None:
            return
        with observed.bound(attempt=task.attempt):
            async with TaskRun(services, task) as task_run:
                with observed.hiding(await _profile_values(task_run)):
                    log.info("task run started (claim %d)", task_run.claims)
                    await _run(services, task_run)
                    log.info("task run ended: %s", task_run.status)


async def _profile_values(task_run: TaskRun) -> list[str | None]:
    """What the logs must never show in clear for this task: its buyer's profile. One that
    cannot be read (a lost key) hides nothing: the engine reads it again inside the run's
    error handling, so the task fails INTERNAL instead of the message failing unhandled."""
    try:
        profile = await task_run.fiscal_profile()
    except TRANSIENT:
        raise
    except Exception:  # noqa: BLE001 — reported by the engine's own read, as the task's
        return []
    if profile is None:
        return []
    return [profile.tax_id, profile.legal_name, profile.zip, profile.email]


async def _run(services: Services, task_run: TaskRun) -> None:
    try:
        async with asyncio.timeout(services.settings.task_timeout_seconds) as bound:
            task_run.bound = bound
            await _walk(services, task_run)
    except RunStopped:
        return
    except TRANSIENT:
        raise
    except TimeoutError:
        await _stop(
            task_run,
            FailureCode.TIMEOUT,
            "El portal tardó demasiado; lo intentamos por el tiempo máximo sin terminar.",
        )
    except Exception as exc:
        if database_lost(exc):
            raise  # not the task's fault: its lease runs out and the sweep re-sends it
        await _unless_browser_died(task_run)
        error_id = uuid.uuid4().hex[:12]
        log.exception("task %s failed unexpectedly (error %s)", task_run.task_id, error_id)
        await _stop(task_run, FailureCode.INTERNAL, f"Error interno ({error_id}).")


async def _walk(services: Services, task_run: TaskRun) -> None:
    chain = build_chain(services.settings)
    for position, engine in enumerate(chain):
        # An engine that cannot go on hands over to the next one, or else to the buyer.
        task_run.has_fallback = position < len(chain) - 1
        if engine.name != PreflightEngine.name:  # checks, not an attempt at the portal
            await task_run.step("engine", f"Probando el motor {engine.name}.", engine=engine.name)
        if await engine.run(task_run):
            return
        # An engine also gives up when Chromium died under it (an empty page, nothing to
        # click): that is no reason to try the next one on the dead browser.
        await _unless_browser_died(task_run)
    await task_run.fail(FailureCode.UNSUPPORTED_PORTAL, UNSUPPORTED)


async def _unless_browser_died(task_run: TaskRun) -> None:
    if await task_run.browser_lost():
        # Chromium died under the engine: not the task's fault. Let the retried message
        # take over at once instead of after the lease (claims are bounded).
        await task_run.release()
        raise BrowserError("the browser died during a step") from None


async def _stop(task_run: TaskRun, code: FailureCode, reason: str) -> None:
    try:
        await task_run.fail(code, reason)
    except RunStopped:
        pass  # already ended by someone else
