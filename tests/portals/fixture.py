"""The `portals` fixture (a pytest plugin of the suite): the local vendor portals, served
once per session. The suites that drive them run in the embedded mode only: they test the
engines, which the two modes share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import DISTRIBUTED
from tests.portals.app import PortalServer, serve_portals


@pytest.fixture(scope="session")
def portals() -> Iterator[PortalServer]:
    if DISTRIBUTED:
        pytest.skip("the engine suites run once, in the embedded mode")
    with serve_portals() as server:
        yield server
