"""A live server on the test settings for the API key tests that go over real HTTP and
WebSocket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autofactura.core.config import Settings
from autofactura.core.services import Services

# The stand-in Supabase Auth of tests/auth, for keys in Supabase mode (re-exported: fixtures).
from tests.auth.conftest import supabase as supabase
from tests.auth.conftest import supabase_server as supabase_server
from tests.auth.conftest import supabase_services as supabase_services
from tests.http.conftest import variant
from tests.support.live_server import live_server


@pytest.fixture(scope="package")
def server(settings: Settings, services: Services) -> Iterator[str]:
    """Base URL. It depends on `services` so that fixture sets the process's broker first;
    the server borrows it and gives it back when it stops."""
    del services
    # Open sockets check their key again every half second (30 s in production).
    with live_server(variant(settings, api_key_recheck_seconds=0.5)) as url:
        yield url
