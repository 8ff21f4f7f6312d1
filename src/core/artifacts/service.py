"""Saving a task's files and opening them again for their owner only."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.artifacts.models import Artifact
from autofactura.core.artifacts.storage import ArtifactMissing, ArtifactStorage
from autofactura.core.errors import NotFound
from autofactura.core.tasks.models import Task

KINDS: Final = frozenset({"screenshot", "download", "html", "xml", "pdf"})
MAX_NAME = 255
MAX_KEY_NAME = 100
DEFAULT_CONTENT_TYPE = "application/octet-stream"
NOT_FOUND_MESSAGE = "No encontramos ese archivo."

_UNSAFE_KEY_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_CONTENT_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+(; ?[\w.+-]+=[\w.+-]+)*$")


def clean_name(name: str) -> str:
    """A display name: the last path part, no control characters, at most 255 chars."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    return text[:MAX_NAME] or "archivo"


def key_name(name: str) -> str:
    """The name as it appears in a storage key: ASCII letters, digits, `.`, `_`, `-`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    safe = _UNSAFE_KEY_CHARS.sub("_", ascii_name).strip("._")
    return safe[-MAX_KEY_NAME:].lstrip("._") or "file"


def storage_key(
    user_id: uuid.UUID, task_id: uuid.UUID | None, artifact_id: uuid.UUID, name: str
) -> str:
    folder = task_id or "inbox"  # an e-mailed invoice for none of the buyer's tasks
    return f"{user_id}/{folder}/{artifact_id}-{key_name(name)}"


async def save(
    session: AsyncSession,
    storage: ArtifactStorage,
    task: Task,
    kind: str,
    name: str,
    data: bytes,
    content_type: str,
) -> Artifact:
    """Store `data` as the task's file (see `save_for`)."""
    return await save_for(session, storage, task.user_id, task.id, kind, name, data, content_type)


async def save_for(
    session: AsyncSession,
    storage: ArtifactStorage,
    user_id: uuid.UUID,
    task_id: uuid.UUID | None,
    kind: str,
    name: str,
    data: bytes,
    content_type: str,
) -> Artifact:
    """Store `data` and add its row to the caller's session (committed with it); with no
    task it is the user's own (an invoice that arrived by e-mail for no task).

    The bytes are written first: a rolled-back transaction leaves an orphan file, never a
    row that points at nothing.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown artifact kind: {kind!r}")
    content_type = content_type.strip().lower()
    if not _CONTENT_TYPE.match(content_type) or len(content_type) > 127:
        content_type = DEFAULT_CONTENT_TYPE
    artifact_id = uuid.uuid4()
    display = clean_name(name)
    key = storage_key(user_id, task_id, artifact_id, display)
    await storage.put(key, data, content_type)
    row = Artifact(
        id=artifact_id,
        task_id=task_id,
        user_id=user_id,
        kind=kind,
        name=display,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
    )
    session.add(row)
    return row


def event_payload(row: Artifact) -> dict[str, object]:
    """What an artifact event says about a stored file."""
    return {
        "artifactId": str(row.id),
        "kind": row.kind,
        "name": row.name,
        "size": row.size,
        "contentType": row.content_type,
    }


async def open_for(
    session: AsyncSession, storage: ArtifactStorage, user_id: uuid.UUID, artifact_id: uuid.UUID
) -> tuple[Artifact, bytes]:
    """The artifact and its bytes, if it is `user_id`'s; NotFound otherwise (either way)."""
    row = (
        await session.execute(
            select(Artifact).where(Artifact.id == artifact_id, Artifact.user_id == user_id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    try:
        data = await storage.get(row.storage_key)
    except ArtifactMissing:
        raise NotFound(NOT_FOUND_MESSAGE) from None
    return row, data
