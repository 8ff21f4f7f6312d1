"""What every fault test asserts of each task it ran: it ended COMPLETED, or FAILED with a
failure code and a reason in Spanish (or CANCELLED by the buyer); the portal stamped its
ticket at most once, and a stamped ticket is the task's invoice; and a subscriber opened
before the fault saw the whole log, gap-free, to the final status.

A run that takes over an attempt whose earlier run pressed the stamping button asks the
buyer first (INTERVENTION_NEEDED, CONFIRMATION_REQUIRED, resubmit.ASK): a waiting state,
which `settle` answers as the buyer would, with resumeTask or cancelTask."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Any

from websockets.exceptions import ConnectionClosed

from autofactura.core.engine import resubmit
from tests.pipeline.helpers import (
    EVENTS_SUBSCRIPTION,
    FINAL,
    Buyer,
    assert_gap_free,
    is_final_event,
    last_status,
    statuses,
)
from tests.portals.ledger import Ledger
from tests.support.ws import PROTOCOLS, GraphQLWebSocket, Incomplete, Message

TASK_INVOICE = "query($id: ID!) { task(id: $id) { invoice { uuid } } }"
_SPANISH = re.compile(
    r"\b(el|la|los|las|del|de|no|en|tu|portal|tarea|factura|pudimos|intenta|tardó|nadie)\b",
    re.IGNORECASE,
)
_ASKED = re.compile(re.escape(resubmit.ASK).replace(re.escape("{button}"), "[^»]+"))
_ENGLISH = re.compile(r"\b(the|failed|error:|timeout exceeded|exception)\b", re.IGNORECASE)


def _final(message: Message) -> bool:
    return message.kind == "data" and is_final_event(message.payload["data"]["taskEvents"])


class Watch:
    """A real WebSocket subscriber to one task's taskEvents, read in the background until
    the final status. When its stream breaks (the server lost its database), it does what
    a buyer's client does: subscribes again with `after` = the last seq it saw."""

    def __init__(self, base_url: str, buyer: Buyer, task_id: str, n: int, within: float) -> None:
        self.base_url, self.buyer, self.task_id = base_url, buyer, task_id
        self.protocol = PROTOCOLS[n % 2]
        self.seen: list[dict[str, Any]] = []
        self.reconnects = 0
        self._subscribed = asyncio.Event()
        self.reading = asyncio.create_task(self._read(time.monotonic() + within))

    @classmethod
    async def open(cls, base_url: str, buyer: Buyer, task_id: str, n: int, within: float) -> Watch:
        watch = cls(base_url, buyer, task_id, n, within)
        await asyncio.wait_for(watch._subscribed.wait(), within)  # subscribed before the fault
        return watch

    async def _read(self, deadline: float) -> None:
        while not (self.seen and is_final_event(self.seen[-1])):
            assert time.monotonic() < deadline, ("the stream never ended", self.seen)
            try:
                await self._follow(deadline)
            except (OSError, Incomplete, ConnectionClosed, TimeoutError):
                await asyncio.sleep(0.5)  # the server is back soon; then from where we were
            if not (self.seen and is_final_event(self.seen[-1])):
                self.reconnects += 1

    async def _follow(self, deadline: float) -> None:
        after = self.seen[-1]["seq"] if self.seen else 0
        ws = await GraphQLWebSocket.open(self.base_url, self.protocol, self.buyer.token)
        try:
            op = await ws.subscribe(EVENTS_SUBSCRIPTION, id=self.task_id, after=after)
            self._subscribed.set()
            messages = await ws.collect_until(op, _final, deadline - time.monotonic())
        finally:
            await ws.close()
        self.seen += [m.payload["data"]["taskEvents"] for m in messages if m.kind == "data"]

    async def events(self) -> list[dict[str, Any]]:
        await self.reading
        return self.seen


@dataclass
class Settled:
    state: dict[str, Any]
    asked: int  # how many times the buyer was asked to confirm a second stamp


async def settle(buyer: Buyer, task_id: str, within: float, answer: str = "resumeTask") -> Settled:
    """Wait for the task's end; each time it asks the buyer to confirm a stamp that may
    already have happened, check the question and answer it (`answer`: resumeTask or
    cancelTask). `within` bounds each wait."""
    asked = 0
    while True:
        state = await buyer.wait_for_status(task_id, {*FINAL, "INTERVENTION_NEEDED"}, within)
        if state["status"] in FINAL:
            return Settled(state, asked)
        assert state["interventionReason"] == "CONFIRMATION_REQUIRED", state
        question = last_status(await buyer.events(task_id))["message"]
        assert _ASKED.fullmatch(question), question
        asked += 1
        answered = await buyer.api.control(answer, task_id)
        assert answered["__typename"] == "Task", answered


def assert_spanish(text: str | None) -> None:
    assert text and _SPANISH.search(text) and not _ENGLISH.search(text), text


async def assert_settled(
    buyer: Buyer, task_id: str, watch: Watch, ledger: Ledger, folio: str, portal: str
) -> dict[str, Any]:
    """The task's end, checked as the module says; returns its state."""
    state = await buyer.state(task_id)
    assert state["status"] in FINAL, state
    if state["status"] == "FAILED":
        assert state["failureCode"], state
        assert_spanish(state["failureReason"])
    log = await buyer.events(task_id)
    seen = await watch.events()
    assert_gap_free(seen)
    # The stream ends at the final status; a run stopped by the buyer may still keep its
    # browser's last page (an artifact) after it, in the log.
    assert seen == log[: len(seen)], ("the subscriber's stream is not the task's log", seen, log)
    assert {e["type"] for e in log[len(seen) :]} <= {"ARTIFACT"}, log[len(seen) :]
    assert statuses(seen)[-1] == state["status"] and statuses(seen)[-1] in FINAL
    stamps = [s for s in ledger.stamps(portal, folio) if not s.earlier]
    assert len(stamps) <= 1, f"ticket {folio} stamped {len(stamps)} times"
    if stamps and state["status"] != "CANCELLED":  # a buyer who cancelled chose to stop
        await assert_invoice_kept(buyer, task_id, state, stamps[0].uuid)
    return state


async def assert_invoice_kept(
    buyer: Buyer, task_id: str, state: dict[str, Any], stamped: str
) -> None:
    """A ticket the portal stamped is the buyer's invoice: the task has it, or (a run that
    ended FAILED after the stamp, e.g. past its time bound) retryTask brings back that one
    invoice through the portal's "ya fue facturado" lookup, never a second stamp."""
    if state["status"] == "FAILED":
        retried = await buyer.api.control("retryTask", task_id)
        assert retried["__typename"] == "Task", retried
        state = (await settle(buyer, task_id, within=90)).state
    assert state["status"] == "COMPLETED", (state, stamped)
    invoice = (await buyer.api.data(TASK_INVOICE, id=task_id))["task"]["invoice"]
    assert invoice is not None and invoice["uuid"].upper() == stamped, invoice
