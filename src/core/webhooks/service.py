"""Register, list and delete webhook endpoints, and replay a delivery; the session's
owner is the caller, who commits."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.db.base import utcnow
from autofactura.core.errors import Conflict, FieldIssue, InvalidInput, NotFound
from autofactura.core.tasks.vendor_url import UrlWords, check_public_url
from autofactura.core.users import repository as users
from autofactura.core.webhooks import repository
from autofactura.core.webhooks.events import EVENTS
from autofactura.core.webhooks.models import Webhook, WebhookDelivery
from autofactura.core.webhooks.queue import send_after_commit

MAX_WEBHOOKS = 20
SECRET_PREFIX = "whsec_"  # noqa: S105 — the visible prefix, not a secret
MISSING = "No encontramos ese webhook."
MISSING_DELIVERY = "No encontramos esa entrega de webhook."
WEBHOOK_URL = UrlWords(
    field="url",
    code="INVALID_WEBHOOK_URL",
    empty="Escribe la dirección del webhook (máximo 2048 caracteres).",
    malformed="La dirección del webhook no es válida.",
    scheme="El webhook debe ser una dirección http:// o https://.",
    not_public="El webhook debe apuntar a un sitio público de internet.",
)
_EVENT_LIST = ", ".join(EVENTS[:-1]) + f" o {EVENTS[-1]}"


def new_secret() -> str:
    """The HMAC key, shown to its owner: 256 random bits after a recognisable prefix."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


async def create(
    session: AsyncSession,
    user_id: uuid.UUID,
    url: str,
    events: Sequence[str],
    *,
    allow_private_urls: bool,
) -> Webhook:
    """Every input problem is reported at once; the URL obeys the vendor URLs' rules."""
    issues = _event_issues(events)
    try:
        url = await check_public_url(url, allow_private=allow_private_urls, words=WEBHOOK_URL)
    except InvalidInput as exc:
        issues = exc.issues + issues
    if issues:
        raise InvalidInput(issues)
    await users.lock(session, user_id)  # two creates at once must not both pass the count
    if await repository.count_active(session, user_id) >= MAX_WEBHOOKS:
        raise Conflict(
            f"Ya tienes {MAX_WEBHOOKS} webhooks; borra alguno antes de registrar otro.",
            code="TOO_MANY_WEBHOOKS",
        )
    webhook = Webhook(user_id=user_id, url=url, events=_unique(events), secret=new_secret())
    await repository.add(session, webhook)
    return webhook


async def list_for_user(session: AsyncSession, user_id: uuid.UUID) -> list[Webhook]:
    return await repository.active_for_user(session, user_id)


async def delete(session: AsyncSession, user_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
    """Soft: its delivery log stays for replays' sake (a replay still needs the endpoint,
    so none is possible after this), and what was pending stops."""
    webhook = await repository.get_active(session, user_id, webhook_id)
    if webhook is None:
        raise NotFound(MISSING, field="id")
    webhook.deleted_at = utcnow()
    await repository.fail_pending(session, webhook.id)
    await session.flush()


async def replay(
    session: AsyncSession, user_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """A new delivery of the same body (the same event id) to the same endpoint, sent
    after commit with a fresh retry window."""
    original = await repository.delivery_for_user(session, user_id, delivery_id)
    if original is None:
        raise NotFound(MISSING_DELIVERY, field="id")
    if await repository.get_active(session, user_id, original.webhook_id) is None:
        raise NotFound(MISSING, field="id")
    now = utcnow()
    copy = WebhookDelivery(
        webhook_id=original.webhook_id,
        user_id=user_id,
        task_id=original.task_id,
        event=original.event,
        payload=original.payload,
        state=repository.PENDING,
        attempts=0,
        next_attempt_at=now,
        replay_of=original.id,
        created_at=now,
    )
    await repository.add(session, copy)
    send_after_commit(session, [copy.id])
    return copy


def _event_issues(events: Sequence[str]) -> list[FieldIssue]:
    if not events:
        return [FieldIssue("events", "NO_EVENTS", f"Elige al menos un evento: {_EVENT_LIST}.")]
    return [
        FieldIssue(
            "events",
            "UNKNOWN_EVENT",
            f"No conocemos el evento «{event}»; los eventos son {_EVENT_LIST}.",
        )
        for event in _unique(events)
        if event not in EVENTS
    ]


def _unique(events: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(events))
