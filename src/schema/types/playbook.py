"""Playbook: a portal flow learned from one of the caller's successful tasks, replayed for
their next ticket at that portal with no LLM."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from autofactura.core.playbooks.models import Playbook as PlaybookModel
from autofactura.schema.errors import NotFoundError
from autofactura.schema.ids import encode


@strawberry.type(description="A recorded portal flow: actions with meanings, never values.")
class Playbook:
    id: strawberry.ID
    domain: str = strawberry.field(description="The portal's host, without 'www.'.")
    learned_by: str = strawberry.field(description="The engine whose success it recorded.")
    steps: int = strawberry.field(description="How many actions it replays.")
    successes: int = strawberry.field(description="Replays that completed a task.")
    failures: int = strawberry.field(
        description="Replays that found the portal changed and fell back to the next engine."
    )
    created_at: datetime
    updated_at: datetime
    actions: JSON = strawberry.field(
        description="The actions: fill_page, click {text, tag, attrs}, choose {label, option}, "
        "navigate {path}, finish. Values appear as their meanings, e.g. {folio}."
    )

    @classmethod
    def from_model(cls, row: PlaybookModel) -> Playbook:
        return cls(
            id=strawberry.ID(encode("Playbook", row.id)),
            domain=row.domain,
            learned_by=row.learned_by,
            steps=len(row.actions),
            successes=row.successes,
            failures=row.failures,
            created_at=row.created_at,
            updated_at=row.updated_at,
            actions=cast(JSON, row.actions),
        )


@strawberry.type(description="The id of what was deleted.")
class DeletedPlaybook:
    id: strawberry.ID


DeletePlaybookResult = Annotated[
    DeletedPlaybook | NotFoundError, strawberry.union("DeletePlaybookResult")
]
