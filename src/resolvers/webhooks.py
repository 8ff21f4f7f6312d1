"""webhooks and the webhook mutations: register, delete, replay a delivery."""

from __future__ import annotations

import strawberry

from autofactura.core.webhooks import service
from autofactura.schema.context import Info
from autofactura.schema.errors import user_errors
from autofactura.schema.ids import require
from autofactura.schema.types.results import (
    CreateWebhookResult,
    DeleteWebhookResult,
    ReplayWebhookDeliveryResult,
)
from autofactura.schema.types.webhook import DeletedWebhook, Webhook, WebhookDelivery


async def webhooks(info: Info) -> list[Webhook]:
    user_id = await info.context.user_id()
    async with info.context.db.session(user_id, readonly=True) as session:
        rows = await service.list_for_user(session, user_id)
    return [Webhook.from_model(row) for row in rows]


@user_errors
async def create_webhook(info: Info, url: str, events: list[str]) -> CreateWebhookResult:
    """The endpoint gets a POST, signed with its own `secret`, for each of `events`."""
    user_id = await info.context.user_id()
    allow_private = info.context.services.settings.allow_private_urls
    async with info.context.db.session(user_id) as session:
        row = await service.create(session, user_id, url, events, allow_private_urls=allow_private)
    return Webhook.from_model(row)


@user_errors
async def delete_webhook(info: Info, id: strawberry.ID) -> DeleteWebhookResult:
    user_id = await info.context.user_id()
    webhook_id = require(id, "Webhook", "id", service.MISSING)
    async with info.context.db.session(user_id) as session:
        await service.delete(session, user_id, webhook_id)
    return DeletedWebhook(id=id)


@user_errors
async def replay_webhook_delivery(info: Info, id: strawberry.ID) -> ReplayWebhookDeliveryResult:
    """Send a delivery's body again, as a new delivery (with its own retries)."""
    services = info.context.services
    user_id = await info.context.user_id()
    # Each replay is a POST to a URL the user chose: bounded, so we are nobody's cannon.
    await services.limiter.hit(services.rules.webhook_replay, str(user_id))
    delivery_id = require(id, "WebhookDelivery", "id", service.MISSING_DELIVERY)
    async with info.context.db.session(user_id) as session:
        row = await service.replay(session, user_id, delivery_id)
    return WebhookDelivery.from_model(row)
