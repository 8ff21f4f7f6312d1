"""A stand-in for the system resolver (socket.getaddrinfo, which the server calls on a thread
of its own) for the whole security suite: real DNS is not reachable here, and a query that
waits for an unreachable resolver would cost the suite seconds each time.

It answers for the names in FAKE_DNS, never answers for SILENT (its lookups wait until the
test releases them), lets `localhost` through to /etc/hosts and parses numeric hosts
itself; any other name fails at once, as if it did not exist, with no query sent."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

FAKE_DNS = {
    "internal.vendor.test": ["10.1.2.3"],
    "corp.vendor.test": ["172.20.0.5"],
    "home.vendor.test": ["192.168.0.10"],
    "meta.vendor.test": ["169.254.169.254"],
    "v6.vendor.test": ["::1"],
    "linklocal6.vendor.test": ["fe80::1"],
    "mapped.vendor.test": ["::ffff:10.0.0.1"],
    "mixed.vendor.test": ["93.184.216.34", "127.0.0.1"],  # one bad answer is enough
}
SILENT = "silent.vendor.test"


@contextlib.contextmanager
def stand_in_resolver() -> Iterator[threading.Event]:
    """Install the stand-in; yields the event that releases the lookups of SILENT."""
    real = socket.getaddrinfo
    release = threading.Event()

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name == SILENT:
            release.wait(30)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        if name in FAKE_DNS:
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port or 0),
                )
                for a in FAKE_DNS[name]
            ]
        if name == "localhost":
            return real(host, port, *args, **kwargs)
        return real(host, port, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)

    socket.getaddrinfo = getaddrinfo
    try:
        yield release
    finally:
        release.set()
        socket.getaddrinfo = real
