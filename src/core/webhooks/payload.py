"""What a delivery POSTs: the event and the task as an integrator reads it over GraphQL,
without the buyer's fiscal data (no RFC, name, zip or e-mail in clear)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

from autofactura.core.invoices.models import Invoice
from autofactura.core.tasks.models import Task


def global_id(type_name: str, value: uuid.UUID) -> str:
    """The Relay id GraphQL gives the same object, so `task(id:)` takes it as is."""
    return base64.b64encode(f"{type_name}:{value}".encode()).decode()


def event_payload(
    event_id: uuid.UUID, event: str, created_at: datetime, task: Task, invoice: Invoice | None
) -> dict[str, Any]:
    """`id` names the event: a replay sends the same body, so receivers can deduplicate."""
    return {
        "id": global_id("WebhookDelivery", event_id),
        "event": event,
        "createdAt": created_at.isoformat(),
        "task": task_payload(task, invoice),
    }


def task_payload(task: Task, invoice: Invoice | None) -> dict[str, Any]:
    return {
        "id": global_id("Task", task.id),
        "status": task.status,
        "vendorUrl": task.vendor_url,
        "ticket": task.ticket,
        "failureCode": task.failure_code,
        "failureReason": task.failure_reason,
        "interventionReason": task.intervention_reason,
        "engine": task.engine,
        "attempt": task.attempt,
        "createdAt": _iso(task.created_at),
        "startedAt": _iso(task.started_at),
        "completedAt": _iso(task.completed_at),
        "invoice": _invoice(invoice),
    }


def _invoice(invoice: Invoice | None) -> dict[str, Any] | None:
    if invoice is None:
        return None
    # Not receptor_rfc: that is the buyer's RFC.
    return {
        "uuid": invoice.uuid,
        "total": invoice.total,
        "issuerRfc": invoice.issuer_rfc,
        "issuerName": invoice.issuer_name,
        "verified": invoice.verified,
    }


def body_of(payload: dict[str, Any]) -> bytes:
    """Compact with sorted keys: the same bytes on every attempt and on both databases
    (Postgres' JSONB does not keep key order)."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
