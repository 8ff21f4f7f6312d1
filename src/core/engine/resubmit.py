"""A run that took an attempt over (its worker or browser died) must not stamp blindly: an
earlier run of the same attempt may have pressed the stamping button and died before the
invoice came back, and a portal without a "ya fue facturado" check would stamp twice."""

from __future__ import annotations

import uuid

from autofactura.core.db import Database
from autofactura.core.events import repository as events
from autofactura.core.events.models import EventType

# A task's log is a few dozen steps; this bounds a pathological one.
_MAX_EVENTS = 5000

ASK = (
    "Un intento anterior pulsó «{button}» en el portal y se interrumpió antes de recibir la "
    "factura: el portal pudo haberla timbrado ya. Revisa tu correo o el portal antes de "
    "seguir; reanuda solo si no la recibiste (si el portal dice que ya fue facturado, "
    "traemos esa factura)."
)


async def earlier_stamp(
    db: Database, user_id: uuid.UUID, task_id: uuid.UUID, attempt: int
) -> str | None:
    """The stamping button a run of this attempt pressed, as recorded; None if none did."""
    async with db.session(user_id, readonly=True) as session:
        logged = await events.after(session, task_id, 0, _MAX_EVENTS)
    for event in reversed(logged):
        payload = event.payload
        if (
            event.type == EventType.STEP
            and payload.get("irreversible")
            and payload.get("attempt") == attempt
        ):
            return str(payload.get("button") or "")
    return None
