"""Task, its ticket, its event log and its files."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from autofactura.core.apikeys.scopes import WRITE
from autofactura.core.artifacts import links
from autofactura.core.artifacts.models import Artifact as ArtifactModel
from autofactura.core.events.bus import BusEvent
from autofactura.core.events.models import TaskEvent as TaskEventModel
from autofactura.core.tasks.models import Task as TaskModel
from autofactura.live.tokens import live_path
from autofactura.schema.context import Info
from autofactura.schema.ids import parse_uuid
from autofactura.schema.types.enums import (
    EventType,
    FailureCode,
    InterventionReason,
    TaskStatus,
)
from autofactura.schema.types.invoice import Invoice
from autofactura.schema.types.profile import FiscalProfile

MAX_EVENTS_PAGE = 500


@strawberry.type(description="The purchase ticket as the buyer gave it.")
class Ticket:
    folio: str
    date: date
    total: Decimal
    store: str | None
    extra: JSON = strawberry.field(description="Other values printed on the ticket, by label.")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ticket:
        return cls(
            folio=data["folio"],
            date=date.fromisoformat(data["date"]),
            total=Decimal(data["total"]),
            store=data.get("store"),
            extra=cast(JSON, data.get("extra") or {}),
        )


@strawberry.type(description="One entry of a task's append-only log.")
class TaskEvent:
    seq: int
    type: EventType
    payload: JSON
    created_at: datetime

    @strawberry.field(description="The task status this event set, for status events.")
    def status(self) -> TaskStatus | None:
        value = self.payload.get("status") if isinstance(self.payload, dict) else None
        return TaskStatus(value) if value else None

    @strawberry.field(description="A short human-readable line about the event.")
    def message(self) -> str | None:
        return self.payload.get("message") if isinstance(self.payload, dict) else None

    @classmethod
    def from_bus(cls, event: BusEvent) -> TaskEvent:
        return cls(
            seq=event.seq,
            type=EventType(event.type),
            payload=cast(JSON, event.payload),
            created_at=event.created_at,
        )

    @classmethod
    def from_model(cls, row: TaskEventModel) -> TaskEvent:
        return cls.from_bus(BusEvent.of(row))


@strawberry.type(description="A file the task produced (screenshot, download, XML, PDF).")
class Artifact:
    id: strawberry.ID
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    artifact_id: strawberry.Private[uuid.UUID]
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="A download link only the owner can open: relative to the API's origin, "
        "signed, valid for 15 minutes. API clients may GET /artifacts/{id} with their Bearer "
        "token instead."
    )
    def url(self, info: Info) -> str:
        secret = links.link_secret(info.context.services.settings)
        return links.signed_path(secret, self.artifact_id, self.user_id)

    @classmethod
    def from_model(cls, row: ArtifactModel) -> Artifact:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            name=row.name,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            created_at=row.created_at,
            artifact_id=row.id,
            user_id=row.user_id,
        )


@strawberry.type(name="Task")
class Task(relay.Node):
    task_id: relay.NodeID[str]
    status: TaskStatus
    vendor_url: str
    ticket: Ticket
    failure_code: FailureCode | None
    failure_reason: str | None
    intervention_reason: InterventionReason | None
    stored_live_url: strawberry.Private[str | None]
    require_confirmation: bool = strawberry.field(
        description="The engine stops before the stamping click until you approve."
    )
    engine: str | None
    attempt: int
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    awaiting_email_until: datetime | None = strawberry.field(
        description="AWAITING_EMAIL: when it gives up on the e-mailed invoice (TIMEOUT)."
    )
    fiscal_profile_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Null once the profile was deleted after the task ended.")
    async def fiscal_profile(self, info: Info) -> FiscalProfile | None:
        if self.fiscal_profile_id is None:
            return None
        row = await (await info.context.loaders()).profile.load(self.fiscal_profile_id)
        return FiscalProfile.from_model(row) if row else None

    @strawberry.field(description="Watch the browser and take over (signed for you, 1 h).")
    async def live_url(self, info: Info) -> str | None:
        url = self.stored_live_url
        if url is None or not url.startswith("/live/"):
            return url  # a provider's own live view (Browserbase) or none yet
        principal = await info.context.principal()
        # A caller that may not change anything (a read-only API key) gets a view-only link.
        view_only = WRITE not in principal.scopes
        return live_path(
            info.context.services.settings,
            uuid.UUID(self.task_id),
            principal.user_id,
            view_only=view_only,
        )

    @strawberry.field(description="The stamped invoice; null until the task obtains one.")
    async def invoice(self, info: Info) -> Invoice | None:
        row = await (await info.context.loaders()).invoice.load(uuid.UUID(self.task_id))
        return Invoice.from_model(row) if row else None

    @strawberry.field
    async def artifacts(self, info: Info) -> list[Artifact]:
        rows = await (await info.context.loaders()).artifacts.load(uuid.UUID(self.task_id))
        return [Artifact.from_model(row) for row in rows]

    @strawberry.field(description="Events with seq > `after`, oldest first (at most 500).")
    async def events(self, info: Info, first: int = 100, after: int = 0) -> list[TaskEvent]:
        first = max(0, min(first, MAX_EVENTS_PAGE))
        key = (uuid.UUID(self.task_id), max(after, 0), first)
        rows = await (await info.context.loaders()).events.load(key)
        return [TaskEvent.from_model(row) for row in rows]

    @classmethod
    def from_model(cls, row: TaskModel) -> Task:
        return cls(
            task_id=str(row.id),
            status=TaskStatus(row.status),
            vendor_url=row.vendor_url,
            ticket=Ticket.from_json(row.ticket),
            failure_code=FailureCode(row.failure_code) if row.failure_code else None,
            failure_reason=row.failure_reason,
            intervention_reason=(
                InterventionReason(row.intervention_reason) if row.intervention_reason else None
            ),
            stored_live_url=row.live_url,
            require_confirmation=row.require_confirmation,
            engine=row.engine,
            attempt=row.attempt,
            created_at=row.created_at,
            started_at=row.started_at,
            completed_at=row.completed_at,
            awaiting_email_until=row.awaiting_email_until,
            fiscal_profile_id=row.fiscal_profile_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False, **_: Any
    ) -> list[Task | None]:
        loaders = await info.context.loaders()
        ids = [parse_uuid(node_id) for node_id in node_ids]
        rows = await loaders.task.load_many([i for i in ids if i is not None])
        found = {row.id: row for row in rows if row is not None}
        return [cls.from_model(found[i]) if i in found else None for i in ids]
