"""node(id): any Task or FiscalProfile of the caller's by its global id."""

from __future__ import annotations

import strawberry
from strawberry import relay

from autofactura.schema.context import Info
from autofactura.schema.ids import parse_global
from autofactura.schema.types.profile import FiscalProfile
from autofactura.schema.types.task import Task

_TYPES: dict[str, type[Task] | type[FiscalProfile]] = {"Task": Task, "FiscalProfile": FiscalProfile}


async def node(info: Info, id: strawberry.ID) -> relay.Node | None:
    """Null when the id is malformed, unknown, or someone else's."""
    global_id = parse_global(id)
    if global_id is None or global_id.type_name not in _TYPES:
        return None
    node_type = _TYPES[global_id.type_name]
    found = await node_type.resolve_nodes(info=info, node_ids=[global_id.node_id])
    return found[0]
