"""TaskRun: what an engine holds while it works on a task.

It records steps, keeps the worker's lease alive, and between steps looks at the control
channel (the task's live events, backed by a read of the database at most once a
second): a pause or an intervention waits for the person, bounded in time; a
cancellation stops the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from autofactura.core.browser.session import BrowserSession
from autofactura.core.cfdi.files import InvoiceFile
from autofactura.core.cfdi.parse import Cfdi
from autofactura.core.cfdi.verify import Mismatch
from autofactura.core.db.base import utcnow
from autofactura.core.engine import resubmit
from autofactura.core.engine.browser import TaskBrowser
from autofactura.core.engine.errors import RunStopped
from autofactura.core.events import recorder
from autofactura.core.events.bus import Subscription, task_channel
from autofactura.core.events.models import EventType
from autofactura.core.invoices import service as invoices
from autofactura.core.mail import addresses, settle
from autofactura.core.playbooks import service as playbooks
from autofactura.core.playbooks.recorder import Recorder
from autofactura.core.profiles import repository as profiles
from autofactura.core.profiles.models import FiscalProfile
from autofactura.core.services import Services
from autofactura.core.tasks import repository
from autofactura.core.tasks.lifecycle import IllegalTransition, Outcome, move
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import FailureCode, InterventionReason, TaskStatus

log = logging.getLogger(__name__)
_WAITING = (TaskStatus.PAUSED, TaskStatus.INTERVENTION_NEEDED)
_LIVE = (TaskStatus.RUNNING, *_WAITING)
_DB_CHECK_SECONDS = 1.0


class TaskRun:
    def __init__(self, services: Services, task: Task) -> None:
        self.services = services
        self.task_id: uuid.UUID = task.id
        self.user_id: uuid.UUID = task.user_id
        self.vendor_url = task.vendor_url
        self.ticket = dict(task.ticket)
        self.fiscal_profile_id = task.fiscal_profile_id
        self.status = task.task_status
        # A retry starts attempt + 1; this run only ever acts for its own attempt.
        self.attempt = task.attempt
        # > 1 when this run took the attempt over from a dead worker or browser: the engine
        # must look for an invoice already issued before it stamps again.
        self.claims = task.claims
        self.require_confirmation = task.require_confirmation
        self.has_fallback = False  # set by the runner: another engine follows this one
        # The buyer's inbound address when portals got it instead of the profile's e-mail.
        self.inbound_email: str | None = None
        # What the engines did, without the values: the portal's playbook once it completes.
        self.recorder = Recorder.for_ticket(self.ticket)
        self._subscription: Subscription | None = None
        self._browser = TaskBrowser(services, task.id, task.user_id, task.vendor_url)
        self._checked_at = 0.0
        self._lease_keeper: asyncio.Task[None] | None = None
        # Set on entering, before this run can stamp: see resubmit.earlier_stamp.
        self.earlier_stamp: str | None = None
        self.bound: asyncio.Timeout | None = None  # the run's time bound, see _bound_waits

    async def __aenter__(self) -> TaskRun:
        channel = task_channel(self.task_id)
        self._subscription = await self.services.bus.subscribe(channel, maxsize=64)
        if self.claims > 1:  # took the attempt over: did the run before us press "stamp"?
            self.earlier_stamp = await resubmit.earlier_stamp(
                self.services.db, self.user_id, self.task_id, self.attempt
            )
        self._lease_keeper = asyncio.create_task(self._keep_lease(), name="lease-keeper")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stop_keeping_lease()
        try:
            await self._browser.close()
        finally:
            if self._subscription is not None:
                await self.services.bus.unsubscribe(self._subscription)

    async def browser(self) -> BrowserSession:
        """This task's own browser (started on first use); engines drive its first page
        over its CDP URL: that is the page the live view shows and the screenshots keep."""
        return await self._browser.open()

    async def browser_lost(self) -> bool:
        """True when this run started a browser that no longer answers (it crashed)."""
        return await self._browser.lost()

    async def release(self) -> None:
        """Give up the lease now, so a redelivered message can take the task over."""
        await self._stop_keeping_lease()
        async with self.services.db.session() as session:
            (await self._load(session)).lease_expires_at = utcnow()

    async def fiscal_profile(self) -> FiscalProfile | None:
        """The buyer's profile as it is now (decrypted); None when it was deleted."""
        if self.fiscal_profile_id is None:
            return None
        async with self.services.db.session() as session:
            return await profiles.get(session, self.user_id, self.fiscal_profile_id)

    async def delivery_email(self, profile: FiscalProfile) -> str:
        """The address portals get: the buyer's inbound address when the profile uses it
        (an e-mailed invoice then reaches the task), else the profile's own e-mail."""
        if not addresses.uses_inbound(self.services.settings, profile):
            return profile.email
        async with self.services.db.session() as session:
            address = await addresses.address_for(session, self.services.settings, self.user_id)
        self.inbound_email = address
        return address or profile.email

    async def await_email(self, engine: str) -> None:
        """The portal e-mailed the invoice to the inbound address: let the worker and the
        browser go and wait for it (or take one that arrived already)."""
        await self._browser.close()
        wait = self.services.settings.email_wait_seconds
        until = utcnow() + timedelta(seconds=wait)
        message = (
            f"El portal envió la factura a tu buzón de autofactura ({self.inbound_email}); "
            f"la esperamos hasta {_duration(wait)} y la verificamos al llegar."
        )
        outcome = Outcome(engine=engine, message=message, awaiting_email_until=until)
        await self._move(TaskStatus.AWAITING_EMAIL, outcome, completed_by=engine)
        async with self.services.db.session() as session:
            task = await self._load(session, lock=True)
            if await settle.claim_kept(session, self.services.storage, task):
                self.status = task.task_status

    async def keep_invoice(
        self, cfdi: Cfdi, mismatches: list[Mismatch], files: list[InvoiceFile]
    ) -> None:
        """Store the invoice's files and facts on the task (streamed as events)."""
        await self.checkpoint()
        async with self.services.db.session() as session:
            task = await self._load(session, lock=True)
            self._observe(task)
            await invoices.record(session, self.services.storage, task, cfdi, mismatches, files)

    async def step(self, action: str, message: str, *, shot: bool = True, **details: Any) -> bool:
        """Record one thing the engine did, after making sure it may still act; with a
        screenshot unless `shot` is False. True when a person had the browser meanwhile."""
        handed_over = False
        if details.get("irreversible"):
            details["attempt"] = self.attempt  # what a takeover looks for: earlier_stamp
        while True:
            handed_over = await self.checkpoint() or handed_over
            try:
                seq = await self._write(
                    EventType.STEP, {"action": action, "message": message, **details}
                )
                if shot:
                    await self._browser.screenshot(f"step-{seq}.jpg")
                return handed_over
            except _Recheck:
                continue  # paused or cancelled meanwhile: wait or stop, then record

    async def steps(self, items: list[tuple[str, str, dict[str, Any]]]) -> bool:
        """Record several steps done in a row (action, message, details) in one write, with
        no screenshot; True when a person had the browser meanwhile."""
        handed_over = False
        while items:
            handed_over = await self.checkpoint() or handed_over
            payloads = [{"action": a, "message": m, **d} for a, m, d in items]
            try:
                await self._write_many(EventType.STEP, payloads)
                break
            except _Recheck:
                continue
        return handed_over

    async def checkpoint(self) -> bool:
        """Return when the task is RUNNING; wait while a person has it; stop if it ended.

        True when a person had the browser meanwhile: the page may have changed, so the
        engine must read it again before acting.
        """
        await self._refresh(force=False)
        deadline = time.monotonic() + self.services.settings.intervention_timeout_seconds
        handed_over = self.status in _WAITING
        with self._bound_waits():
            while self.status in _WAITING:
                if time.monotonic() >= deadline:
                    await self._end_waiting()
                await self._wait_for_change(min(1.0, max(0.0, deadline - time.monotonic())))
        if self.status is not TaskStatus.RUNNING:
            raise RunStopped(self.status.value)
        return handed_over

    @contextlib.contextmanager
    def _bound_waits(self) -> Iterator[None]:
        """The run's time bound (`self.bound`, set by the runner) stands still while a
        person has the task: their time is not the portal's."""
        when = self.bound.when() if self.bound is not None else None
        if self.bound is None or when is None or self.status not in _WAITING:
            yield
            return
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.bound.reschedule(None)
        try:
            yield
        finally:
            self.bound.reschedule(when + loop.time() - started)

    async def need_intervention(self, reason: InterventionReason, message: str) -> None:
        """Hand the task to the buyer (CAPTCHA, login…) and wait until they resume it; the
        engine then reads the page again (the buyer changed it)."""
        await self._move(
            TaskStatus.INTERVENTION_NEEDED, Outcome(intervention_reason=reason, message=message)
        )
        await self.checkpoint()

    async def fail(self, code: FailureCode, reason: str, engine: str | None = None) -> None:
        await self._browser.close()  # its final page and downloads are kept before the end
        await self._move(
            TaskStatus.FAILED,
            Outcome(failure_code=code, failure_reason=reason, engine=engine, message=reason),
        )

    async def complete(self, engine: str, message: str | None = None) -> None:
        await self._browser.close()
        outcome = Outcome(engine=engine, message=message)
        await self._move(TaskStatus.COMPLETED, outcome, completed_by=engine)

    async def _move(
        self, target: TaskStatus, outcome: Outcome, *, completed_by: str | None = None
    ) -> None:
        async with self.services.db.session() as session:
            task = await self._load(session)
            try:
                await move(session, task, target, outcome)
            except IllegalTransition as exc:
                self.status = exc.current  # someone (the buyer) got there first
                raise RunStopped(exc.current.value) from None
            if completed_by is not None:  # learned in the same transaction as COMPLETED
                await playbooks.completed(
                    session,
                    self.user_id,
                    self.vendor_url,
                    completed_by,
                    self.recorder,
                    self.fiscal_profile_id,
                    delivery_email=self.inbound_email,
                )
            self.status = target

    async def _write(self, type_: EventType, payload: dict[str, Any]) -> int:
        return (await self._write_many(type_, [payload]))[-1]

    async def _write_many(self, type_: EventType, payloads: list[dict[str, Any]]) -> list[int]:
        """Record only while the row (locked) still says RUNNING for this attempt: a pause
        or cancel that committed a moment ago wins over a step in flight."""
        async with self.services.db.session() as session:
            task = await self._load(session, lock=True)
            self._observe(task)
            if self.status is not TaskStatus.RUNNING:
                raise _Recheck()
            task.lease_expires_at = utcnow() + timedelta(
                seconds=self.services.settings.lease_seconds
            )
            return [(await recorder.record(session, task, type_, p)).seq for p in payloads]

    async def _load(self, session: Any, *, lock: bool = False) -> Task:
        task = await repository.get(
            session, self.user_id, self.task_id, for_update=lock and self.services.db.is_postgres
        )
        if task is None:  # deleted with its owner's account
            raise RunStopped("deleted")
        return task

    async def _refresh(self, *, force: bool) -> None:
        sub = self._subscription
        while sub is not None and not sub.queue.empty():
            self._apply(sub.queue.get_nowait().payload)
        stale = time.monotonic() - self._checked_at >= _DB_CHECK_SECONDS
        if force or stale or (sub is not None and sub.lagged):
            if sub is not None:
                sub.lagged = False
            async with self.services.db.session() as session:
                self._observe(await self._load(session))
            self._checked_at = time.monotonic()

    def _apply(self, payload: dict[str, Any]) -> None:
        if payload.get("attempt", self.attempt) != self.attempt:
            raise RunStopped("superseded by a new attempt")
        if "status" in payload:
            self.status = TaskStatus(payload["status"])

    def _observe(self, task: Task) -> None:
        if task.attempt != self.attempt:
            raise RunStopped("superseded by a new attempt")
        if task.claims != self.claims:  # our lease ran out and another worker took over
            raise RunStopped("taken over by another worker")
        self.status = task.task_status

    async def _wait_for_change(self, seconds: float) -> None:
        if self._subscription is not None:
            event = await self._subscription.get(wait_seconds=seconds)
            if event is not None:
                self._apply(event.payload)
        await self._refresh(force=False)
        await self._renew_lease()

    async def _renew_lease(self) -> None:
        async with self.services.db.session() as session:
            task = await self._load(session)
            if task.claims != self.claims or task.task_status not in _LIVE:
                return  # not ours any more: never stretch another run's lease
            task.lease_expires_at = utcnow() + timedelta(
                seconds=self.services.settings.lease_seconds
            )

    async def _keep_lease(self) -> None:
        """Renew the lease while this run lives, also during a long browser call (a slow
        portal): a lease that ran out under a live run let a second worker run the same
        task beside it, stamping twice. A dead worker stops renewing; that is the point."""
        every = self.services.settings.lease_seconds / 3
        while True:
            await asyncio.sleep(every)
            try:
                await self._renew_lease()
            except RunStopped:
                return
            except Exception:  # a lost database: try again next time, the lease may hold
                log.warning("could not renew the lease of task %s", self.task_id, exc_info=True)

    async def _stop_keeping_lease(self) -> None:
        keeper, self._lease_keeper = self._lease_keeper, None
        if keeper is not None:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _end_waiting(self) -> None:
        waited = _duration(self.services.settings.intervention_timeout_seconds)
        await self.fail(
            FailureCode.TIMEOUT, f"Nadie retomó la tarea en {waited}; la dimos por terminada."
        )
        raise RunStopped(TaskStatus.FAILED.value)


class _Recheck(Exception):
    """The task left RUNNING between the checkpoint and the write."""


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} segundo{'s' if seconds != 1 else ''}"
    if seconds < 2 * 3600:
        minutes = round(seconds / 60)
        return f"{minutes} minuto{'s' if minutes != 1 else ''}"
    return f"{round(seconds / 3600)} horas"
