"""The fault tests' service: one live server on short timings and, in the distributed mode,
real worker processes; the local portals behind a fault middleware. Tests that bring their
own Redis or Postgres start their own server and workers (see servers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autofactura.core.config import Settings
from autofactura.core.services import Services
from tests.conftest import DISTRIBUTED
from tests.faults.portal_faults import FaultyPortals, serve_faulty_portals
from tests.faults.stack import Service, fault_settings, serving
from tests.pipeline.helpers import Buyer, register


@pytest.fixture(scope="package")
def faulty() -> Iterator[FaultyPortals]:
    with serve_faulty_portals() as portals:
        yield portals


@pytest.fixture(autouse=True)
def _no_armed_faults(faulty: FaultyPortals) -> Iterator[None]:
    yield
    faulty.faults.release()


@pytest.fixture(scope="package")
def service(settings: Settings, services: Services) -> Iterator[Service]:
    """`services` first: it sets the process's broker that the live server borrows."""
    del services
    with serving(fault_settings(settings), workers=DISTRIBUTED) as service:
        yield service


@pytest.fixture
async def buyer(service: Service) -> Buyer:
    return await register(service.url)
