"""Helpers for the pipeline tests: GraphQL over real HTTP (async), the buyer's set-up, and
bounded waits that poll a task's state until a deadline."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from autofactura.core.services import Services
from autofactura.core.tasks import service as task_service
from autofactura.schema.ids import decode
from tests.support.api import CREATE_PROFILE, PROFILE, REGISTER, TLS, ticket

_TOTALS = itertools.count()

VENDOR_URL = "https://93.184.216.34/facturacion"
FINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED"})

CREATE_TASK = """
mutation($input: CreateTaskInput!) {
  createTask(input: $input) {
    __typename
    ... on Task { id status attempt }
    ... on UserError { code message field }
  }
}"""

TASK_STATE = """
query($id: ID!) {
  task(id: $id) { id status attempt failureCode failureReason interventionReason engine }
}"""

TASK_EVENTS = """
query($id: ID!, $after: Int!) {
  task(id: $id) { status events(first: 500, after: $after) { seq type status message payload } }
}"""

EVENTS_SUBSCRIPTION = """
subscription($id: ID!, $after: Int!) {
  taskEvents(taskId: $id, after: $after) { seq type status message payload }
}"""

UPDATES_SUBSCRIPTION = """
subscription { taskUpdates { id status attempt failureCode } }"""

_CONTROL_FIELDS = """
    __typename
    ... on Task { id status attempt failureCode interventionReason }
    ... on InvalidTransitionError { currentStatus }
    ... on UserError { code message field }
"""
CONTROLS = ("pauseTask", "resumeTask", "cancelTask", "retryTask")


def control_mutation(name: str) -> str:
    return f"mutation($id: ID!) {{ {name}(id: $id) {{ {_CONTROL_FIELDS} }} }}"


@dataclass(frozen=True)
class Api:
    """GraphQL POSTs to a live server as one caller."""

    base_url: str
    token: str | None = None
    user_id: uuid.UUID | None = None

    async def result(self, query: str, **variables: Any) -> dict[str, Any]:
        """The whole JSON body; the HTTP status must be 200 (never a 500)."""
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        async with httpx.AsyncClient(base_url=self.base_url, verify=TLS, timeout=30) as client:
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        assert response.status_code == 200, (response.status_code, response.text)
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.result(query, **variables)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def control(self, name: str, task_id: str) -> dict[str, Any]:
        """pauseTask / resumeTask / cancelTask / retryTask: the union member it returned."""
        result: dict[str, Any] = (await self.data(control_mutation(name), id=task_id))[name]
        return result


@dataclass(frozen=True)
class Buyer:
    """A registered user with one fiscal profile."""

    api: Api
    profile_id: str

    @property
    def token(self) -> str:
        assert self.api.token is not None
        return self.api.token

    @property
    def user_id(self) -> uuid.UUID:
        assert self.api.user_id is not None
        return self.api.user_id

    async def create_task(self, folio: str, extra: dict[str, str] | None = None) -> str:
        # The folio is the scripted engine's script, so tests reuse it: a total of its own
        # keeps two such tasks from being one ticket twice (DUPLICATE_TICKET).
        total = f"{100 + next(_TOTALS)}.50"
        task_input = {
            "vendorUrl": VENDOR_URL,
            "ticket": ticket(folio=folio, extra=extra, total=total),
            "fiscalProfileId": self.profile_id,
        }
        created = (await self.api.data(CREATE_TASK, input=task_input))["createTask"]
        assert created["__typename"] == "Task", created
        assert created["status"] == "PENDING", created
        task_id: str = created["id"]
        return task_id

    async def state(self, task_id: str) -> dict[str, Any]:
        task: dict[str, Any] | None = (await self.api.data(TASK_STATE, id=task_id))["task"]
        assert task is not None, f"task {task_id} not found"
        return task

    async def events(self, task_id: str, after: int = 0) -> list[dict[str, Any]]:
        """The task's event log, read over HTTP (no bus involved)."""
        task = (await self.api.data(TASK_EVENTS, id=task_id, after=after))["task"]
        assert task is not None
        events: list[dict[str, Any]] = task["events"]
        return events

    async def wait_for_status(
        self, task_id: str, statuses: Iterable[str], within: float = 20.0
    ) -> dict[str, Any]:
        """Poll until the task is in one of `statuses`; fail with its last state if not."""
        wanted = set(statuses)
        return await self.wait_for_state(task_id, lambda s: s["status"] in wanted, within)

    async def wait_for_state(
        self, task_id: str, ok: Callable[[dict[str, Any]], bool], within: float = 20.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while True:
            state = await self.state(task_id)
            if ok(state):
                return state
            assert time.monotonic() < deadline, f"gave up after {within}s waiting: {state}"
            await asyncio.sleep(0.05)

    async def wait_for_events(
        self, task_id: str, ok: Callable[[list[dict[str, Any]]], bool], within: float = 20.0
    ) -> list[dict[str, Any]]:
        """Poll the event log until `ok(events)`."""
        deadline = time.monotonic() + within
        while True:
            events = await self.events(task_id)
            if ok(events):
                return events
            assert time.monotonic() < deadline, f"gave up after {within}s; log: {events}"
            await asyncio.sleep(0.05)

    async def finish(self, task_id: str) -> None:
        """Leave the task in a final state (cancel it if it still runs), for the next test."""
        state = await self.state(task_id)
        if state["status"] not in FINAL:
            await self.api.control("cancelTask", task_id)


async def register(
    base_url: str, email: str | None = None, profile: dict[str, str] = PROFILE
) -> Buyer:
    api = Api(base_url)
    email = email or f"pipeline-{uuid.uuid4().hex[:12]}@example.com"
    signed = (await api.data(REGISTER, email=email, password="s3cret-pass"))["register"]
    assert signed["__typename"] == "AuthPayload", signed
    user = Api(base_url, signed["token"], uuid.UUID(signed["user"]["id"]))
    created = (await user.data(CREATE_PROFILE, input=profile))["createFiscalProfile"]
    assert created["__typename"] == "FiscalProfile", created
    return Buyer(user, created["id"])


def task_uuid(task_id: str) -> uuid.UUID:
    found = decode(task_id, "Task")
    assert found is not None, task_id
    return found


class _Held:
    """A TaskQueue that sends nothing: the task stays PENDING until a test runs it."""

    def enqueue(self, task_id: uuid.UUID) -> None:
        pass


async def create_pending_task(services: Services, buyer: Buyer, folio: str) -> uuid.UUID:
    """A task created through the core service with no message sent, so no worker takes it."""
    profile_id = decode(buyer.profile_id, "FiscalProfile")
    assert profile_id is not None
    new = task_service.NewTask(
        vendor_url=VENDOR_URL,
        ticket=task_service.TicketData(
            folio=folio, date=date.today() - timedelta(days=1), total=Decimal("245.50")
        ),
        fiscal_profile_id=profile_id,
    )
    async with services.db.session(buyer.user_id) as session:
        task = await task_service.create(
            session, buyer.user_id, new, allow_private_urls=False, queue=_Held()
        )
    return task.id


# --- Reading event lists -------------------------------------------------------------------


def seqs(events: Iterable[dict[str, Any]]) -> list[int]:
    return [e["seq"] for e in events]


def statuses(events: Iterable[dict[str, Any]]) -> list[str]:
    return [e["status"] for e in events if e["type"] == "STATUS"]


def steps(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "STEP"]


def last_status(events: list[dict[str, Any]]) -> dict[str, Any]:
    return [e for e in events if e["type"] == "STATUS"][-1]


def is_final_event(event: dict[str, Any]) -> bool:
    return event["type"] == "STATUS" and event["status"] in FINAL


def assert_gap_free(events: list[dict[str, Any]], start: int = 1) -> None:
    """seq start, start+1, … with no gap and no duplicate."""
    assert seqs(events) == list(range(start, start + len(events))), seqs(events)
