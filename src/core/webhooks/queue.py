"""How the core asks for a delivery attempt, without knowing the queue behind it.

Deliveries are created inside `lifecycle.move`, which has a session and nothing else, so
the queue is the process's own: whoever sets up the process's broker (`actors.broker.
configure`) installs it, as dramatiq's actors are bound to the process's broker.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.db.database import after_commit

log = logging.getLogger(__name__)


class DeliveryQueue(Protocol):
    def send(self, delivery_id: uuid.UUID, delay_seconds: float = 0.0) -> None:
        """Send a message that attempts the delivery (at least once), after the delay."""


class Unsent:
    """A process with no broker (the one-shot CLI): deliveries stay pending, and the API's
    sweeper sends them."""

    def send(self, delivery_id: uuid.UUID, delay_seconds: float = 0.0) -> None:
        log.debug("no delivery queue in this process; delivery %s waits", delivery_id)


_queue: DeliveryQueue = Unsent()


def use_delivery_queue(queue: DeliveryQueue) -> None:
    global _queue
    _queue = queue


def delivery_queue() -> DeliveryQueue:
    return _queue


def send_after_commit(session: AsyncSession, delivery_ids: Sequence[uuid.UUID]) -> None:
    """A worker never looks for a delivery that is not committed, and a rolled-back status
    change sends nothing."""
    ids = list(delivery_ids)

    def send() -> None:
        for delivery_id in ids:
            _queue.send(delivery_id)

    after_commit(session, send)
