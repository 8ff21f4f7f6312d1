"""A compiled form of the common taskEvents selection: the fan-out builds each live
event's result straight from the event when the document only asks for TaskEvent's own
scalar fields, instead of running GraphQL execution once per event.

It must answer exactly what execution answers (tests/schema/test_projection.py checks
the two against each other); anything else in a document (fragments, directives,
arguments, unknown fields) keeps the ordinary execution.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import FieldNode

from autofactura.core.events.bus import BusEvent
from autofactura.core.events.models import EventType
from autofactura.core.tasks.status import TaskStatus
from autofactura.schema.share import root_field

Projector = Callable[[BusEvent], dict[str, Any]]


def _status(event: BusEvent) -> str | None:
    value = event.payload.get("status")
    return TaskStatus(value).name if value else None


_FIELDS: dict[str, Callable[[BusEvent], Any]] = {
    "__typename": lambda event: "TaskEvent",
    "seq": lambda event: event.seq,
    "type": lambda event: EventType(event.type).name,
    "status": _status,
    "message": lambda event: event.payload.get("message"),
    "payload": lambda event: event.payload,
    "createdAt": lambda event: event.created_at.isoformat(),
}


def _plain(node: Any) -> bool:
    return (
        isinstance(node, FieldNode)
        and node.name.value in _FIELDS
        and not node.arguments
        and not node.directives
        and node.selection_set is None
    )


def projector(query: str, operation_name: str | None) -> Projector | None:
    root = root_field(query, operation_name)
    if root is None or root.selection_set is None:
        return None
    selections = root.selection_set.selections
    if not selections or not all(_plain(node) for node in selections):
        return None
    root_key = root.alias.value if root.alias else root.name.value
    fields = [
        ((node.alias or node.name).value, _FIELDS[node.name.value])
        for node in selections
        if isinstance(node, FieldNode)
    ]

    def project(event: BusEvent) -> dict[str, Any]:
        return {root_key: {key: value(event) for key, value in fields}}

    return project
