"""What `autofactura run` prints: events on stderr as they happen, and the result JSON
(the contract in DESIGN.md) as the last line of stdout."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.artifacts import service as artifacts
from autofactura.core.artifacts.storage import ArtifactStorage
from autofactura.core.errors import InvalidInput
from autofactura.core.events.models import TaskEvent
from autofactura.core.invoices.models import Invoice


@dataclass(frozen=True)
class Result:
    task_id: str | None
    status: str
    failure_code: str | None
    intervention_reason: str | None
    message: str | None
    engine: str | None
    steps: int
    duration_s: float
    invoice: dict[str, Any] | None

    @classmethod
    def refused(cls, error: Exception, started: float) -> Result:
        """Input refused before any browser opened: FAILED with the fields' problems."""
        message = str(error)
        code = "INVALID_PROFILE"
        if isinstance(error, InvalidInput):
            message = " ".join(f"{i.field}: {i.message}" for i in error.issues)
            if any(i.field == "vendorUrl" for i in error.issues):
                code = "PORTAL_UNREACHABLE"
        return cls(None, "FAILED", code, None, message, None, 0, _since(started), None)

    @classmethod
    def error(cls, message: str, started: float) -> Result:
        return cls(None, "ERROR", "INTERNAL", None, message, None, 0, _since(started), None)

    def emit(self) -> None:
        body = {
            "taskId": self.task_id,
            "status": self.status,
            "failureCode": self.failure_code,
            "interventionReason": self.intervention_reason,
            "message": self.message,
            "engine": self.engine,
            "steps": self.steps,
            "durationS": self.duration_s,
            "invoice": self.invoice,
        }
        sys.stdout.write(json.dumps(body, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


def _write(target: Path, data: bytes) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return str(target.resolve())


def print_event(event: TaskEvent) -> None:
    payload = event.payload
    text = payload.get("message") or payload.get("status") or payload.get("name") or ""
    extra = payload.get("action") or payload.get("status") or ""
    print(f"[{event.seq:>3}] {event.type:<9} {extra:<10} {text}", file=sys.stderr, flush=True)


async def invoice_json(
    session: AsyncSession, storage: ArtifactStorage, invoice: Invoice | None, out: Path
) -> dict[str, Any] | None:
    """The invoice as the contract shows it, its files copied into `out` (absolute paths)."""
    if invoice is None:
        return None
    files = []
    for artifact_id in (invoice.xml_artifact_id, invoice.pdf_artifact_id):
        if artifact_id is None:
            continue
        row, data = await artifacts.open_for(session, storage, invoice.user_id, artifact_id)
        files.append(await asyncio.to_thread(_write, out / row.name, data))
    return {
        "uuid": invoice.uuid,
        "total": invoice.total,
        "issuerRfc": invoice.issuer_rfc,
        "receptorRfc": invoice.receptor_rfc,
        "verified": invoice.verified,
        "files": files,
    }
