"""Execution context fix for long-lived subscriptions.

graphql-core 3.3.1–3.3.2 build each event's executor as a shallow copy of the
subscription's, so every event adds entries (keyed by the id of new field lists, which it
keeps alive) to one shared sub-field cache: memory grows by an entry per event and full
garbage collections pause the server for hundreds of milliseconds. Each event gets its
own caches here; they never hit across events anyway.
"""

from __future__ import annotations

from typing import Any

from graphql.pyutils import RefMap
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class PerEventCachesContext(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        executor._stream_usages = RefMap()
        return executor
