"""node(id): any Task or FiscalProfile of the caller's by its global id."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.relay import GlobalID

from autofactura.schema.context import Info
from autofactura.schema.types.profile import FiscalProfile
from autofactura.schema.types.task import Task

_TYPES: dict[str, type[Task] | type[FiscalProfile]] = {"Task": Task, "FiscalProfile": FiscalProfile}


async def node(info: Info, id: strawberry.ID) -> relay.Node | None:
    """Null when the id is malformed, unknown, or someone else's."""
    try:
        global_id = GlobalID.from_id(id)
    except Exception:
        return None
    node_type = _TYPES.get(global_id.type_name)
    if node_type is None:
        return None
    found = await node_type.resolve_nodes(info=info, node_ids=[global_id.node_id])
    return found[0]
