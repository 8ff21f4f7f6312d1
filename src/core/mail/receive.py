"""One pipeline for every inbound e-mail (SMTP receiver, HTTP webhook): whose address it
is, the invoices it carries, and which waiting task each one completes."""

from __future__ import annotations

from dataclasses import dataclass, field

from autofactura.core.services import Services


@dataclass
class Receipt:
    """What became of one message."""

    recipients: list[str] = field(default_factory=list)  # the ones that are ours
    duplicate: bool = False  # the same message was received before: nothing done again
    invoices: int = 0  # CFDIs kept (matched or not)
    matched: int = 0  # tasks it completed


async def recipient_known(services: Services, address: str) -> bool:
    """True when `address` is a buyer's inbound address (refuse others at RCPT time)."""
    raise NotImplementedError


async def receive(services: Services, raw: bytes, recipients: list[str]) -> Receipt:
    """Read `raw` (MIME) for each of `recipients` that is ours and keep what it carries."""
    raise NotImplementedError
