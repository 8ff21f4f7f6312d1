"""One attempt at a delivery, as the `webhooks.deliver` actor runs it: claim the attempt,
POST the signed body, log what happened, then mark it delivered, schedule the next try
(exponential backoff) or give up once the retry window is over.

Messages come at least once, sometimes twice (a redelivery, the sweeper): the claim is a
compare-and-set on (state, attempts), so one worker POSTs each attempt, and a message that
arrives before the delivery is due is dropped (the one scheduled for then will come).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from autofactura.core.config import Settings
from autofactura.core.db.base import utcnow
from autofactura.core.db.database import after_commit
from autofactura.core.services import Services
from autofactura.core.signing import SIGNATURE_HEADER, sign
from autofactura.core.webhooks import repository
from autofactura.core.webhooks.models import WebhookAttempt
from autofactura.core.webhooks.payload import body_of, global_id
from autofactura.core.webhooks.post import Answer, post
from autofactura.core.webhooks.queue import delivery_queue

log = logging.getLogger(__name__)

EVENT_HEADER = "X-Autofactura-Event"
DELIVERY_HEADER = "X-Autofactura-Delivery"
USER_AGENT = "autofactura-webhooks/1"
MAX_BACKOFF_SECONDS = 3600.0
# Clocks of the worker that scheduled a retry and the one that runs it may differ a little.
CLOCK_SKEW = timedelta(seconds=2)
# A claimed attempt holds the delivery this long past its timeout; if the worker dies
# meanwhile, the sweeper finds it overdue and sends it again.
CLAIM_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True)
class Claim:
    """The attempt this worker won, with all it needs to make it."""

    delivery_id: uuid.UUID
    user_id: uuid.UUID
    attempt: int
    url: str
    secret: str
    event: str
    body: bytes
    created_at: datetime


def backoff_seconds(settings: Settings, attempt: int) -> float:
    """The wait after failed attempt number `attempt` (1, 2, …): base, 2×base, 4×base…"""
    exponent = min(attempt - 1, 30)  # 2**30 × any base is past the cap already
    return float(min(settings.webhook_retry_base_seconds * 2**exponent, MAX_BACKOFF_SECONDS))


async def deliver(services: Services, delivery_id: uuid.UUID) -> None:
    claim = await _claim(services, delivery_id)
    if claim is None:
        return
    settings = services.settings
    answer = await post(
        claim.url,
        claim.body,
        _headers(claim),
        time_limit=settings.webhook_timeout_seconds,
        allow_private=settings.allow_private_urls,
    )
    await _record(services, claim, answer)


def _headers(claim: Claim) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(claim.secret, claim.body, int(time.time())),  # fresh per attempt
        EVENT_HEADER: claim.event,
        DELIVERY_HEADER: global_id("WebhookDelivery", claim.delivery_id),
    }


async def _claim(services: Services, delivery_id: uuid.UUID) -> Claim | None:
    settings = services.settings
    async with services.db.session() as session:
        found = await repository.delivery_with_webhook(session, delivery_id)
        if found is None:
            log.info("webhook delivery %s is gone (its owner was deleted)", delivery_id)
            return None
        delivery, webhook = found
        now = utcnow()
        if delivery.state != repository.PENDING:
            return None
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now + CLOCK_SKEW:
            return None  # early: a duplicate message, or one whose attempt another holds
        window = timedelta(seconds=settings.webhook_retry_window_seconds)
        if webhook.deleted_at is not None or now > delivery.created_at + window:
            # Sent again by the sweeper after its time ran out, or its endpoint is gone.
            stop = {"state": repository.FAILED, "next_attempt_at": None}
            await repository.change_if_unchanged(session, delivery.id, delivery.attempts, **stop)
            return None
        lease = timedelta(seconds=settings.webhook_timeout_seconds) + CLAIM_MARGIN
        won = await repository.change_if_unchanged(
            session,
            delivery.id,
            delivery.attempts,
            attempts=delivery.attempts + 1,
            next_attempt_at=now + lease,
        )
        if not won:
            return None
        return Claim(
            delivery_id=delivery.id,
            user_id=delivery.user_id,
            attempt=delivery.attempts + 1,
            url=webhook.url,
            secret=webhook.secret,
            event=delivery.event,
            body=body_of(delivery.payload),
            created_at=delivery.created_at,
        )


async def _record(services: Services, claim: Claim, answer: Answer) -> None:
    now = utcnow()
    values, wait = _after(services.settings, claim, answer, now)
    attempt = WebhookAttempt(
        delivery_id=claim.delivery_id,
        user_id=claim.user_id,
        attempt=claim.attempt,
        status_code=answer.status_code,
        error=answer.error,
        duration_ms=answer.duration_ms,
        created_at=now,
    )
    async with services.db.session() as session:
        await repository.add(session, attempt)
        changed = await repository.change_if_unchanged(
            session, claim.delivery_id, claim.attempt, **values
        )
        if changed and wait is not None:
            after_commit(session, lambda: delivery_queue().send(claim.delivery_id, wait))


def _after(
    settings: Settings, claim: Claim, answer: Answer, now: datetime
) -> tuple[dict[str, Any], float | None]:
    """The delivery's new values, and the wait before its next attempt (None: no more)."""
    if answer.delivered:
        return {"state": repository.DELIVERED, "delivered_at": now, "next_attempt_at": None}, None
    wait = backoff_seconds(settings, claim.attempt)
    due = now + timedelta(seconds=wait)
    if due > claim.created_at + timedelta(seconds=settings.webhook_retry_window_seconds):
        log.info("webhook delivery %s failed for good", claim.delivery_id)
        return {"state": repository.FAILED, "next_attempt_at": None}, None
    return {"next_attempt_at": due}, wait
