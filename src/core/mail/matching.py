"""Which of the buyer's waiting tasks a CFDI answers: the receptor's RFC, the total, the
issuer's RFC when an earlier invoice from that portal told us, an issue date not before the
purchase; the ticket's folio, when the CFDI carries it, and the wait itself break ties."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from autofactura.core.cfdi.parse import Cfdi
from autofactura.core.tasks.models import Task

_CENT = Decimal("0.01")
# A folio this short ("12") appears by chance in any XML; only longer ones are evidence.
_MIN_FOLIO_EVIDENCE = 4
# A CFDI's Fecha is local time at the issuer; a purchase late at night may be dated the day
# before the invoice in another zone.
_DATE_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class Candidate:
    """A task that can take an invoice, with what its CFDI must say."""

    task: Task
    tax_id: str  # the profile's RFC (decrypted)
    total: Decimal
    bought: date
    folio: str
    issuer_rfc: str | None  # from an earlier invoice of the same portal; None if unknown
    waiting: bool  # AWAITING_EMAIL (else COMPLETED by a portal that only e-mailed)


class Stamped(Protocol):
    """The facts matching needs: a parsed CFDI has them, and so does a kept invoice's row
    (so a kept one is judged without fetching its XML)."""

    @property
    def receptor_rfc(self) -> str: ...
    @property
    def issuer_rfc(self) -> str: ...
    @property
    def issued_at(self) -> str | None: ...


def misfits(stamped: Stamped, total: Decimal, candidate: Candidate) -> list[str]:
    """What in the CFDI rules this task out (Spanish, for the buyer); [] when it fits."""
    problems = []
    if stamped.receptor_rfc.strip().upper() != candidate.tax_id.strip().upper():
        problems.append("el RFC del receptor")
    if total.quantize(_CENT, ROUND_HALF_UP) != candidate.total.quantize(_CENT, ROUND_HALF_UP):
        problems.append("el total")
    issuer = candidate.issuer_rfc
    if issuer is not None and stamped.issuer_rfc.strip().upper() != issuer.strip().upper():
        problems.append("el RFC del emisor")
    issued = _issued_on(stamped.issued_at)
    if issued is not None and issued < candidate.bought - _DATE_SLACK:
        problems.append("la fecha (es anterior a la compra)")
    return problems


def carries_folio(cfdi: Cfdi, text: bytes, folio: str) -> bool:
    """The ticket's folio in the CFDI's Serie/Folio or anywhere in its text (concepts,
    addenda; `text` is the XML as `compact_xml` gives it): a vendor that prints it there
    says which ticket this is."""
    wanted = _compact(folio)
    if len(wanted) < _MIN_FOLIO_EVIDENCE:
        return False
    stamped = _compact(f"{cfdi.series or ''}{cfdi.folio or ''}")
    if wanted in (stamped, _compact(cfdi.folio or "")):
        return True
    return wanted.encode() in text


def best(cfdi: Cfdi, xml: bytes, candidates: list[Candidate]) -> Candidate | None:
    """The fitting task this CFDI most likely answers, or None."""
    fitting = [c for c in candidates if not misfits(cfdi, cfdi.total, c)]
    if not fitting:
        return None
    text = compact_xml(xml)  # once, not once per fitting task

    def rank(c: Candidate) -> tuple[bool, bool, datetime]:
        # Sorted ascending: a folio found first, waiting tasks next, then the oldest.
        return (not carries_folio(cfdi, text, c.folio), not c.waiting, c.task.created_at)

    return min(fitting, key=rank)


def _issued_on(issued_at: str | None) -> date | None:
    try:
        return datetime.fromisoformat(issued_at or "").date()
    except ValueError:
        return None


def _compact(text: str) -> str:
    return re.sub(r"[\s\-/.]", "", text).upper()


def compact_xml(data: bytes) -> bytes:
    return re.sub(rb"[\s\-/.]", b"", data).upper()
