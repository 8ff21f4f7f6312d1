"""The two loads and their set-up: accounts, fiscal profiles and tasks made through GraphQL,
then each task moved to RUNNING through the state machine."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
from tests.support.api import PROFILE  # the same valid profile the tests use

REGISTER = """mutation($e: String!, $p: String!) { register(email: $e, password: $p) {
  __typename ... on AuthPayload { token } ... on UserError { code message } } }"""
CREATE_PROFILE = """mutation($input: FiscalProfileInput!) { createFiscalProfile(input: $input) {
  __typename ... on FiscalProfile { id } ... on UserError { code message } } }"""
CREATE_TASK = """mutation($input: CreateTaskInput!) { createTask(input: $input) {
  __typename ... on Task { id status } ... on UserError { code message } } }"""

# What set-up makes per account: (token, the task's global id, the task's uuid).
Owner = tuple[str, str, uuid.UUID]


@dataclass
class Load:
    name: str
    title: str
    subs: list[tuple[str, str, str]]  # (global id, uuid, token) per subscriber
    tasks: list[uuid.UUID]
    rate: float
    per_task: int


async def _gql(
    client: httpx.AsyncClient, query: str, token: str | None = None, **variables: Any
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    data: dict[str, Any] = body["data"]
    return data


async def _owner(client: httpx.AsyncClient, run: str, n: int) -> Owner:
    """Account n of this run, with a fiscal profile and one PENDING task."""
    from autofactura.schema.ids import decode

    data = await _gql(client, REGISTER, e=f"bench-{run}-{n}@example.com", p="bench-pass-1")
    token = data["register"]["token"]
    data = await _gql(client, CREATE_PROFILE, token, input=PROFILE)
    profile = data["createFiscalProfile"]["id"]
    ticket = {
        "folio": f"B-{n}",
        "date": str(date.today() - timedelta(days=1)),
        "total": "245.50",
    }
    data = await _gql(
        client,
        CREATE_TASK,
        token,
        input={
            "vendorUrl": "https://93.184.216.34/facturacion",
            "ticket": ticket,
            "fiscalProfileId": profile,
        },
    )
    created = data["createTask"]
    if created["__typename"] != "Task":
        raise RuntimeError(created)
    task_uuid = decode(created["id"], "Task")
    assert task_uuid is not None
    return token, created["id"], task_uuid


async def _owners(app_url: str, count: int) -> list[Owner]:
    gate = asyncio.Semaphore(8)
    run = secrets.token_hex(4)

    async def owner(client: httpx.AsyncClient, n: int) -> Owner:
        async with gate:
            return await _owner(client, run, n)

    async with httpx.AsyncClient(base_url=app_url, timeout=60) as client:
        return await asyncio.gather(*(owner(client, n) for n in range(count)))


async def _start_running(settings: Any, task_ids: list[uuid.UUID]) -> None:
    """The worker picks them up: PENDING → RUNNING through the state machine (an event each)."""
    from autofactura.core.services import build_services
    from autofactura.core.tasks.lifecycle import Outcome, move
    from autofactura.core.tasks.models import Task
    from autofactura.core.tasks.status import TaskStatus

    services = build_services(settings)
    try:
        move_gate = asyncio.Semaphore(8)

        async def running(task_id: uuid.UUID) -> None:
            async with move_gate, services.db.session() as session:
                task = await session.get(Task, task_id)
                assert task is not None
                await move(
                    session,
                    task,
                    TaskStatus.RUNNING,
                    Outcome(message="Abriendo el portal del proveedor."),
                )

        await asyncio.gather(*(running(task_id) for task_id in task_ids))
    finally:
        await services.close()


async def set_up_loads(app_url: str, settings: Any, args: argparse.Namespace) -> tuple[Load, Load]:
    """Load (a) over `--tasks-a` owners' tasks, load (b) over one more owner's task."""
    started = time.perf_counter()
    users = await _owners(app_url, args.tasks_a + 1)
    await _start_running(settings, [u[2] for u in users])
    print(
        f"set-up: {len(users)} users, profiles and RUNNING tasks through GraphQL in "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    many, one = users[:-1], users[-1]
    load_a = Load(
        "a",
        f"(a) {args.subs_per_task * len(many)} subscribers over {len(many)} running "
        f"tasks, {args.rate_a:g} events/s per task",
        [(gid, str(u), tok) for tok, gid, u in many for _ in range(args.subs_per_task)],
        [u for _, _, u in many],
        args.rate_a,
        args.subs_per_task,
    )
    load_b = Load(
        "b",
        f"(b) {args.subs_b} subscribers of one task, {args.rate_b:g} events/s",
        [(one[1], str(one[2]), one[0])] * args.subs_b,
        [one[2]],
        args.rate_b,
        args.subs_b,
    )
    return load_a, load_b
