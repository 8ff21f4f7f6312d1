"""Fixtures for the mail receivers: the test services with an inbound domain and webhook
secret, and a stand-in for the receive pipeline that records what reached it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pytest

from autofactura.core.config import Settings
from autofactura.core.mail.receive import Receipt
from autofactura.core.mail.smtp import Pipeline
from autofactura.core.services import Services
from tests.support.api import make_settings

DOMAIN = "inbound.example.com"
SECRET = "inbound-webhook-secret"
MAX_BYTES = 64 * 1024
KNOWN = ("comprador1", "comprador2")  # local parts the stand-in pipeline says are ours
BROKEN = "roto"  # a local part whose lookup fails, as if the database were down


def mail_settings(base: Settings, **overrides: Any) -> Settings:
    """The test settings (same database, Redis, keys, data dir) with mail switched on."""
    assert base.database_url is not None
    values: dict[str, Any] = {
        "inbound_domain": DOMAIN,
        "inbound_webhook_secret": SECRET,
        "inbound_max_bytes": MAX_BYTES,
        **overrides,
    }
    return make_settings(
        base.database_url, base.redis_url, base.data_dir, base.encryption_keys or "", **values
    )


def with_settings(services: Services, settings: Settings) -> Services:
    """The same services (database, Redis) seen through other settings."""
    return dataclasses.replace(services, settings=settings)


@pytest.fixture
def mail_services(services: Services, settings: Settings) -> Services:
    return with_settings(services, mail_settings(settings))


@dataclass
class FakePipeline:
    """Says which addresses are ours and records each delivery; `fail` makes it raise."""

    delivered: list[tuple[bytes, list[str]]] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    fail: bool = False

    async def known(self, services: Services, address: str) -> bool:
        local = address.partition("@")[0]
        if local == BROKEN:
            raise ConnectionError("database unavailable")
        return local.lower() in KNOWN  # the pipeline's choice: fold the local part's case

    async def deliver(
        self, services: Services, raw: bytes, recipients: list[str], *, channel: str
    ) -> Receipt:
        if self.fail:
            raise RuntimeError("pipeline exploded")
        self.delivered.append((raw, recipients))
        self.channels.append(channel)
        return Receipt(recipients=recipients, duplicate=False, invoices=1, matched=0)

    def pipeline(self) -> Pipeline:
        return Pipeline(known=self.known, deliver=self.deliver)


@pytest.fixture
def fake() -> FakePipeline:
    return FakePipeline()
