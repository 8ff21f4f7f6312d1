"""Which subscription documents can share one execution: a single root `taskEvents`
field, without directives; shared by everyone who sent the same text, operation and
variables, whatever their `after`."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    VariableNode,
    parse,
)

from autofactura.schema.ids import decode


@dataclass(frozen=True)
class ShareKey:
    task_id: uuid.UUID
    query: str
    operation_name: str | None
    variables: str


@lru_cache(maxsize=256)
def parsed(query: str) -> DocumentNode | None:
    """The document, parsed once per distinct text (sockets send the same few)."""
    try:
        return parse(query)
    except GraphQLError:
        return None


def root_field(query: str, operation_name: str | None) -> FieldNode | None:
    document = parsed(query)
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name in (None, o.name and o.name.value)]
    if len(chosen) != 1 or chosen[0].operation != OperationType.SUBSCRIPTION:
        return None
    selections = chosen[0].selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    root = selections[0]
    if root.name.value != "taskEvents" or root.directives:
        return None
    return root


def _argument(root: FieldNode, name: str, variables: dict[str, Any]) -> tuple[Any, str | None]:
    """(value, the variable that carried it, if any)."""
    for argument in root.arguments or ():
        if argument.name.value != name:
            continue
        node = argument.value
        if isinstance(node, VariableNode):
            return variables.get(node.name.value), node.name.value
        if isinstance(node, StringValueNode | IntValueNode):
            return node.value, None
    return None, None


def share_key(
    query: str, variables: dict[str, Any] | None, operation_name: str | None
) -> tuple[ShareKey, int] | None:
    """The group key and the member's own `after`, or None to run it unshared."""
    root = root_field(query, operation_name)
    if root is None:
        return None
    values = dict(variables or {})
    raw_task, _ = _argument(root, "taskId", values)
    raw_after, after_variable = _argument(root, "after", values)
    task_id = decode(str(raw_task), "Task") if raw_task is not None else None
    try:
        after = int(raw_after or 0)
    except (TypeError, ValueError):
        return None
    if task_id is None:
        return None
    if after_variable is not None:
        values.pop(after_variable, None)
    key = ShareKey(task_id, query, operation_name, json.dumps(values, sort_keys=True, default=str))
    return key, after
