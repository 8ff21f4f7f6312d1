"""A Relay connection of tasks, paged by an opaque (created_at, id) cursor."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

import strawberry
from strawberry.relay import PageInfo

from autofactura.core.errors import invalid
from autofactura.core.tasks.repository import Position
from autofactura.schema.types.task import Task


@strawberry.type
class TaskEdge:
    cursor: str
    node: Task


@strawberry.type
class TaskConnection:
    edges: list[TaskEdge]
    page_info: PageInfo


def encode_cursor(created_at: datetime, task_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{task_id}".encode()).decode()


def decode_cursor(cursor: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        stamp, _, task_id = raw.partition("|")
        position = Position(datetime.fromisoformat(stamp), uuid.UUID(task_id))
    except (ValueError, UnicodeError):
        raise invalid("after", "INVALID_CURSOR", "El cursor de paginación no es válido.") from None
    if position.created_at.tzinfo is None:
        raise invalid("after", "INVALID_CURSOR", "El cursor de paginación no es válido.")
    return position
