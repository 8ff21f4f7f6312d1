"""PlaybookEngine: replays the buyer's recorded flow for this portal with autofill's own
parts (filling, outcome reading, capture and verification) and no LLM. When the page no
longer matches an action, it counts a failure and hands the task down the chain; the next
engine's success re-learns the playbook."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any
from urllib.parse import urljoin

from playwright.async_api import Error as PlaywrightError

from autofactura.core.autofill import buttons
from autofactura.core.autofill.capture import download_buttons
from autofactura.core.autofill.engine import NAVIGATION_TIMEOUT_MS, _Drive, driving
from autofactura.core.autofill.fill import CannotFill, fill
from autofactura.core.autofill.meanings import Meaning
from autofactura.core.autofill.outcome import Signal, read_page
from autofactura.core.autofill.scan import PageView
from autofactura.core.engine.run import TaskRun
from autofactura.core.playbooks import recorder as act
from autofactura.core.playbooks import service
from autofactura.core.playbooks.locate import find_button, find_control
from autofactura.core.playbooks.redact import fill_in, profile_values, ticket_values

NAME = service.REPLAY_ENGINE
CHANGED = "El portal cambió; el playbook ya no aplica."
MAX_LOOKS = 4  # reads of the page for one action (after a person's help or an approval)
MAX_FILL_PASSES = 3  # lookups that enable more fields, as autofill's round does


class _Next(Enum):
    DONE = "done"  # the action is done: go on with the next one
    AGAIN = "again"  # read the page again and retry the same action
    CHANGED = "changed"  # the page no longer matches the playbook
    ENDED = "ended"  # the task reached a final state


class PlaybookEngine:
    name = NAME

    async def run(self, task_run: TaskRun) -> bool:
        actions = await _stored(task_run)
        if not actions:
            return False  # nothing learned for this portal yet: no browser needed
        async with driving(task_run, NAME) as drive:
            if drive is None:
                return True
            ended = await _Replay(task_run, drive, actions).run()
        if not ended:
            async with task_run.services.db.session() as db:
                domain = service.domain_of(task_run.vendor_url)
                await service.replayed(db, task_run.user_id, domain, ok=False)
        return ended


async def _stored(task_run: TaskRun) -> list[dict[str, Any]]:
    async with task_run.services.db.session(readonly=True) as session:
        playbook = await service.for_url(session, task_run.user_id, task_run.vendor_url)
    actions = playbook.actions if playbook is not None else []
    if not all(isinstance(a, dict) and a.get("action") in act.ACTIONS for a in actions):
        return []  # written by a newer version or by hand: not ours to guess at
    return list(actions)


class _Replay:
    def __init__(self, task_run: TaskRun, drive: _Drive, actions: list[dict[str, Any]]) -> None:
        self.task_run, self.drive, self.portal = task_run, drive, drive.portal
        self.actions = actions
        buyer = drive.buyer
        self.values = {
            **ticket_values(task_run.ticket),
            **profile_values(buyer.tax_id, buyer.legal_name, buyer.zip, buyer.email),
        }

    async def run(self) -> bool:
        """True when the task ended (completed or failed); False when the page changed."""
        domain = service.domain_of(self.task_run.vendor_url)
        await self.task_run.step(
            "think",
            f"Repetimos el playbook aprendido para {domain}: {len(self.actions)} pasos, sin IA.",
            shot=False,
            playbook=domain,
        )
        if not await self.drive._open():
            return True  # the portal did not answer: the task failed already
        for number, action in enumerate(self.actions, 1):
            outcome = await self._replay(number, action)
            if outcome is _Next.ENDED:
                return True
            if outcome is _Next.CHANGED:
                kind = action["action"]
                await self.task_run.step(
                    "think", CHANGED, playbook=domain, failedStep=number, failedAction=kind
                )
                return False
        return False  # a playbook always ends with `finish`, which ends or changes

    async def _replay(self, number: int, action: dict[str, Any]) -> _Next:
        for _ in range(MAX_LOOKS):
            await self.task_run.checkpoint()
            view, outcome = await self._look()
            if outcome is _Next.DONE:
                outcome = await self._do(number, action, view)
            if outcome is not _Next.AGAIN:
                return outcome
        return _Next.CHANGED

    async def _look(self) -> tuple[PageView, _Next]:
        """Read the page before acting: the portal's answer may end the task (the invoice,
        a refusal) whatever the playbook says next."""
        if await self.portal.dismiss_overlays():
            await self.task_run.step("click", "Cerramos un aviso que tapaba el portal.", shot=False)
        view = await self.portal.settled()
        reading = read_page(view.text, [*self.portal.take_dialogs(), *view.alerts])
        if reading is None:
            return view, _Next.DONE
        if reading.signal is Signal.ERROR and reading.message in self.drive.errors_seen:
            return view, _Next.DONE  # already noted; whether it matters shows in what follows
        if await self.drive._on_reading(reading, view) is not None:
            return view, _Next.ENDED
        # A message noted: go on. Help from a person or a lookup click changed the page.
        return view, _Next.DONE if reading.signal is Signal.ERROR else _Next.AGAIN

    async def _do(self, number: int, action: dict[str, Any], view: PageView) -> _Next:
        kind = action["action"]
        if kind == act.FILL_PAGE:
            return await self._fill_page(view)
        if kind == act.CLICK:
            return await self._click(number, action, view)
        if kind == act.CHOOSE:
            return await self._choose(number, action, view)
        if kind == act.NAVIGATE:
            return await self._navigate(number, action)
        if download_buttons(view):  # act.FINISH
            await self.drive._finish(view, None)
            return _Next.ENDED
        return _Next.CHANGED

    async def _fill_page(self, view: PageView) -> _Next:
        for _ in range(MAX_FILL_PASSES):
            filled, handed_over = await self.drive._fill(view)
            if handed_over:
                return _Next.AGAIN
            if not filled:
                break
            view = await self.portal.settled(quick=True)  # lookups may have enabled fields
        return _Next.DONE

    async def _click(self, number: int, action: dict[str, Any], view: PageView) -> _Next:
        button = await find_button(view, action, self.values)
        if button is None:
            return _Next.CHANGED
        alone = dataclasses.replace(view, buttons=[button])
        tax_id = self.drive.buyer.tax_id
        choice = buttons.choose(alone, fields_waiting=False, tried={}, tax_id=tax_id)
        stamps = choice is not None and choice.stamps
        if stamps and self.drive._missing(view):
            return _Next.CHANGED  # never stamp with a field the playbook did not fill
        if stamps and not await self.drive._ready_to_stamp(view):
            return _Next.AGAIN  # the buyer was asked to approve: read the page again
        await self.task_run.step(
            "click",
            f"Pulsamos «{button.text}» (paso {number} del playbook).",
            button=button.text,
            irreversible=stamps,
            replayed=number,
        )
        self.task_run.recorder.click(
            button.text, tag=action.get("tag", ""), attrs=action.get("attrs")
        )
        try:
            await button.locator().click(timeout=10_000)
        except PlaywrightError:
            return _Next.CHANGED
        return _Next.DONE

    async def _choose(self, number: int, action: dict[str, Any], view: PageView) -> _Next:
        label, recorded = str(action.get("label", "")), str(action.get("option", ""))
        found = find_control(view, label, self.values)
        option = fill_in(recorded, self.values)
        if found is None or not option:
            return _Next.CHANGED
        try:
            await fill(found, Meaning.EXTRA, option)
        except CannotFill:
            return _Next.CHANGED
        await self.task_run.step(
            "select", f"{label}: {recorded} (paso {number} del playbook).", replayed=number
        )
        self.task_run.recorder.choose(label, option)
        return _Next.DONE

    async def _navigate(self, number: int, action: dict[str, Any]) -> _Next:
        path = fill_in(str(action.get("path", "")), self.values)
        vendor_url = self.task_run.vendor_url
        url = urljoin(vendor_url, path) if path else None
        if url is None or service.domain_of(url) != service.domain_of(vendor_url):
            return _Next.CHANGED
        await self.task_run.step(
            "navigate", f"Vamos a {action['path']} (paso {number} del playbook).", replayed=number
        )
        self.task_run.recorder.navigate(path or "")
        try:
            await self.portal.page.goto(
                url, wait_until="domcontentloaded", timeout=NAVIGATION_TIMEOUT_MS
            )
        except PlaywrightError:
            return _Next.CHANGED
        return _Next.DONE
