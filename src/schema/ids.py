"""Global (Relay) ids in and out; raw UUIDs are accepted too, for integrators' convenience."""

from __future__ import annotations

import uuid

from strawberry.relay import GlobalID
from strawberry.relay.types import GlobalIDValueError

from autofactura.core.errors import NotFound


def parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def parse_global(value: str) -> GlobalID | None:
    try:
        return GlobalID.from_id(value)
    except (GlobalIDValueError, TypeError):
        return None


def decode(value: str, type_name: str) -> uuid.UUID | None:
    """The UUID inside a global id of `type_name`, or None when it is not one."""
    raw = parse_uuid(value)
    if raw is not None:
        return raw
    global_id = parse_global(value)
    if global_id is None or global_id.type_name != type_name:
        return None
    return parse_uuid(global_id.node_id)


def require(value: str, type_name: str, field: str, message: str) -> uuid.UUID:
    found = decode(value, type_name)
    if found is None:
        raise NotFound(message, field=field)
    return found


def encode(type_name: str, value: uuid.UUID) -> str:
    return str(GlobalID(type_name, str(value)))
