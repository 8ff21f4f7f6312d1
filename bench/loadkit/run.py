"""One load run over GraphQL: buyers, subscribers, every task created at once, the wait for
all of them to end, then what the API, the streams and the portals' ledger say happened."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from tests.portals.app import PortalServer
from tests.portals.buyer import PROFILE, ticket
from tests.support.api import CREATE_PROFILE, REGISTER

from loadkit.streams import (
    FINAL,
    EventStream,
    UpdateStream,
    follow_events,
    follow_updates,
    open_updates,
)

CREATE_TASKS = """mutation($input: [CreateTaskInput!]!) { createTasks(input: $input) {
  __typename ... on Task { id } ... on UserError { code message } } }"""
TASKS = """query($after: String) { tasks(first: 100, after: $after) {
  edges { node { id status failureCode createdAt completedAt } }
  pageInfo { hasNextPage endCursor } } }"""
TASK_LOG = """query($id: ID!) { task(id: $id) { status events(first: 500) { seq type status } } }"""
MAX_BULK = 100
POLL_S = 1.0
STREAM_GRACE_S = 30.0
PASSWORD = "load-pass-1"  # noqa: S105 — throwaway accounts in the bench's own database


@dataclass
class Job:
    """One task as the bench created it, and what became of it."""

    task_id: str
    portal: str
    folio: str
    buyer: int
    state: dict[str, Any] | None = None
    log: list[dict[str, Any]] | None = None  # the event log read back over HTTP at the end
    stamps: int = 0


@dataclass
class Outcome:
    jobs: list[Job]
    refused: list[dict[str, Any]]
    wall_s: float
    events: list[EventStream]
    updates: list[UpdateStream]
    memory: dict[str, object] = field(default_factory=dict)
    log_errors: dict[str, int] = field(default_factory=dict)  # ERROR and Traceback lines
    workers_exited: list[int] = field(default_factory=list)  # exit codes of dead workers


@dataclass
class Buyer:
    token: str
    profile_id: str
    updates: UpdateStream = field(default_factory=UpdateStream)


async def _gql(http: httpx.AsyncClient, token: str | None, query: str, **variables: Any) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{response.status_code}: {body}")
    return body["data"]


async def _register(http: httpx.AsyncClient) -> Buyer:
    email = f"load-{secrets.token_hex(6)}@example.com"
    signed = (await _gql(http, None, REGISTER, email=email, password=PASSWORD))["register"]
    profile = await _gql(http, signed["token"], CREATE_PROFILE, input=PROFILE)
    return Buyer(signed["token"], profile["createFiscalProfile"]["id"])


async def _create(
    http: httpx.AsyncClient, buyer: Buyer, index: int, jobs: list[Job], portals: PortalServer
) -> tuple[list[Job], list[dict[str, Any]]]:
    """createTasks in calls of at most 100; the jobs that got a task, and the refusals."""
    created: list[Job] = []
    refused: list[dict[str, Any]] = []
    for start in range(0, len(jobs), MAX_BULK):
        chunk = jobs[start : start + MAX_BULK]
        items = [
            {
                "vendorUrl": portals.url(j.portal),
                "ticket": ticket(j.folio),
                "fiscalProfileId": buyer.profile_id,
            }
            for j in chunk
        ]
        results = (await _gql(http, buyer.token, CREATE_TASKS, input=items))["createTasks"]
        for job, result in zip(chunk, results, strict=True):
            if result["__typename"] == "Task":
                job.task_id = result["id"]
                created.append(job)
            else:
                refused.append({"buyer": index, "folio": job.folio, **result})
    return created, refused


async def _states(http: httpx.AsyncClient, buyer: Buyer) -> dict[str, dict[str, Any]]:
    states: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        page = (await _gql(http, buyer.token, TASKS, after=after))["tasks"]
        states.update({e["node"]["id"]: e["node"] for e in page["edges"]})
        if not page["pageInfo"]["hasNextPage"]:
            return states
        after = page["pageInfo"]["endCursor"]


async def _wait_all(
    http: httpx.AsyncClient, buyers: list[Buyer], jobs: list[Job], deadline: float
) -> None:
    """Poll every buyer's tasks until all have ended or the deadline passed."""
    reported = time.monotonic()
    while True:
        states: dict[str, dict[str, Any]] = {}
        for buyer in buyers:
            states.update(await _states(http, buyer))
        for job in jobs:
            job.state = states.get(job.task_id)
        ended = sum(1 for j in jobs if j.state and j.state["status"] in FINAL)
        if ended == len(jobs) or time.monotonic() > deadline:
            return
        if time.monotonic() - reported > 10:
            reported = time.monotonic()
            print(f"load: {ended}/{len(jobs)} ended", file=sys.stderr, flush=True)
        await asyncio.sleep(POLL_S)


async def _read_logs(http: httpx.AsyncClient, buyers: list[Buyer], jobs: list[Job]) -> None:
    gate = asyncio.Semaphore(8)

    async def one(job: Job) -> None:
        async with gate:
            task = (await _gql(http, buyers[job.buyer].token, TASK_LOG, id=job.task_id))["task"]
        job.log = task["events"] if task else None

    await asyncio.gather(*(one(job) for job in jobs))


def _plan(args: argparse.Namespace) -> list[Job]:
    portals = args.portals.split(",")
    tag = secrets.token_hex(3).upper()
    return [
        Job("", portals[i % len(portals)], f"LD{tag}{i:04d}", i % args.buyers)
        for i in range(args.tasks)
    ]


async def run_load(args: argparse.Namespace, api_url: str, portals: PortalServer) -> Outcome:
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=api_url, timeout=120, limits=limits) as http:
        buyers = [await _register(http) for _ in range(args.buyers)]
        opened = [await open_updates(api_url, b.token) for b in buyers]
        plan = _plan(args)
        started = time.monotonic()
        deadline = started + args.timeout
        followers = [
            asyncio.create_task(follow_updates(ws, op, b.updates, deadline + STREAM_GRACE_S))
            for (ws, op), b in zip(opened, buyers, strict=True)
        ]
        made = await asyncio.gather(
            *(
                _create(http, b, i, [j for j in plan if j.buyer == i], portals)
                for i, b in enumerate(buyers)
            )
        )
        jobs = [job for created, _ in made for job in created]
        for job in jobs:
            buyers[job.buyer].updates.watched.add(job.task_id)
        step = max(1, len(jobs) // max(1, args.subscribe))
        events = [EventStream(j.task_id) for j in jobs[::step][: args.subscribe]]
        token_of = {j.task_id: buyers[j.buyer].token for j in jobs}
        followers += [
            asyncio.create_task(
                follow_events(api_url, token_of[s.task_id], s, deadline + STREAM_GRACE_S)
            )
            for s in events
        ]
        await _wait_all(http, buyers, jobs, deadline)
        wall = time.monotonic() - started
        await _read_logs(http, buyers, jobs)
        # The streams had everything by now, unless they lost something: a bounded wait.
        await asyncio.wait(followers, timeout=STREAM_GRACE_S)
        for follower in followers:
            follower.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
    for job in jobs:
        job.stamps = len(portals.ledger.stamps(job.portal, job.folio))
    refused = [r for _, rs in made for r in rs]
    return Outcome(jobs, refused, wall, events, [b.updates for b in buyers])
