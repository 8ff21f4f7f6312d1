"""Webhook, its deliveries and each delivery's attempts (the delivery log)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import strawberry

from autofactura.core.webhooks.models import Webhook as WebhookModel
from autofactura.core.webhooks.models import WebhookAttempt as WebhookAttemptModel
from autofactura.core.webhooks.models import WebhookDelivery as WebhookDeliveryModel
from autofactura.schema.context import Info
from autofactura.schema.ids import encode

MAX_DELIVERIES_PAGE = 100


@strawberry.enum(name="WebhookDeliveryState")
class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@strawberry.type(description="One POST of a delivery: what the endpoint answered, or why not.")
class WebhookAttempt:
    attempt: int = strawberry.field(description="1 for the first POST, then 2, 3…")
    status_code: int | None = strawberry.field(description="The HTTP status; null if none came.")
    error: str | None = strawberry.field(
        description="Why there was no answer (timeout, connection, a refused address), or a "
        "note on it (a redirect, which is never followed)."
    )
    duration_ms: int
    created_at: datetime

    @classmethod
    def from_model(cls, row: WebhookAttemptModel) -> WebhookAttempt:
        return cls(
            attempt=row.attempt,
            status_code=row.status_code,
            error=row.error,
            duration_ms=row.duration_ms,
            created_at=row.created_at,
        )


@strawberry.type(description="One event sent to one endpoint, retried until delivered.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(
        description="Also sent as the X-Autofactura-Delivery header."
    )
    event: str
    state: DeliveryState = strawberry.field(
        description="PENDING until a 2xx (DELIVERED) or the 24 h retry window ends (FAILED)."
    )
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next POST is due, while PENDING."
    )
    task_id: strawberry.ID | None = strawberry.field(
        description="The task the event is about; null once it was deleted."
    )
    replay_of: strawberry.ID | None = strawberry.field(
        description="The delivery this one replays (replayWebhookDelivery)."
    )
    delivery_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Every POST of this delivery, oldest first.")
    async def attempts_log(self, info: Info) -> list[WebhookAttempt]:
        rows = await (await info.context.loaders()).webhook_attempts.load(self.delivery_id)
        return [WebhookAttempt.from_model(row) for row in rows]

    @classmethod
    def from_model(cls, row: WebhookDeliveryModel) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(encode("WebhookDelivery", row.id)),
            event=row.event,
            state=DeliveryState(row.state),
            attempts=row.attempts,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            next_attempt_at=row.next_attempt_at if row.state == DeliveryState.PENDING else None,
            task_id=_maybe("Task", row.task_id),
            replay_of=_maybe("WebhookDelivery", row.replay_of),
            delivery_id=row.id,
        )


@strawberry.type(description="An endpoint told about your tasks' events, signed with `secret`.")
class Webhook:
    id: strawberry.ID
    url: str
    events: list[str] = strawberry.field(
        description="task.completed, task.failed, task.intervention_needed, task.cancelled."
    )
    secret: str = strawberry.field(
        description="The HMAC-SHA256 key of X-Autofactura-Signature (the whole string)."
    )
    created_at: datetime
    webhook_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The newest deliveries first (at most 100).")
    async def deliveries(self, info: Info, first: int = 20) -> list[WebhookDelivery]:
        first = max(0, min(first, MAX_DELIVERIES_PAGE))
        loader = (await info.context.loaders()).webhook_deliveries
        rows = await loader.load((self.webhook_id, first))
        return [WebhookDelivery.from_model(row) for row in rows]

    @classmethod
    def from_model(cls, row: WebhookModel) -> Webhook:
        return cls(
            id=strawberry.ID(encode("Webhook", row.id)),
            url=row.url,
            events=list(row.events),
            secret=row.secret,
            created_at=row.created_at,
            webhook_id=row.id,
        )


@strawberry.type(description="The id of what was deleted.")
class DeletedWebhook:
    id: strawberry.ID


def _maybe(type_name: str, value: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(encode(type_name, value)) if value is not None else None
