"""Artifacts: storage, the service, signed links and downloads over HTTP."""

from __future__ import annotations

import uuid

from autofactura.core.artifacts.models import Artifact
from autofactura.core.artifacts.service import save
from autofactura.core.services import Services
from autofactura.core.tasks.models import Task
from autofactura.schema.ids import decode
from tests.support.api import Caller, create_profile, create_task


async def new_task(caller: Caller) -> str:
    """A task of `caller`'s, by its GraphQL id."""
    profile = await create_profile(caller)
    task: dict[str, str] = await create_task(caller, profile["id"])
    return task["id"]


async def add_artifact(
    services: Services,
    caller: Caller,
    task_id: str,
    kind: str,
    name: str,
    data: bytes,
    content_type: str,
) -> Artifact:
    """Save an artifact on the task through the service, as its owner."""
    assert caller.user_id is not None
    row_id = decode(task_id, "Task")
    assert row_id is not None
    async with services.db.session(caller.user_id) as session:
        task = await session.get(Task, row_id)
        assert task is not None
        return await save(session, services.storage, task, kind, name, data, content_type)


def task_uuid(task_id: str) -> uuid.UUID:
    found = decode(task_id, "Task")
    assert found is not None
    return found
