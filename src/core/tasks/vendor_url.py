"""Vendor URLs must be public http(s) hosts: the worker's network is not the buyer's to probe.

Webhook URLs follow the same rules (`check_public_url` with their own field and words).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from autofactura.core.errors import InvalidInput, invalid

_MAX_LENGTH = 2048
# How long a request waits for the system resolver. A lookup that takes longer is given up
# like one that fails (see check_public_url); its thread stays blocked until the resolver
# gives up (often 10 s or more), so lookups have threads of their own and never hold up
# the ones the rest of the app borrows (password hashing, files).
RESOLVE_SECONDS = 3.0
_LOOKUPS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="resolve")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UrlWords:
    """The field a refused URL came in and what the person is told, per refusal."""

    field: str
    code: str
    empty: str
    malformed: str
    scheme: str
    not_public: str

    def refuse(self, message: str) -> InvalidInput:
        return invalid(self.field, self.code, message)


VENDOR_URL = UrlWords(
    field="vendorUrl",
    code="INVALID_VENDOR_URL",
    empty="Escribe la dirección del portal de facturación (máximo 2048 caracteres).",
    malformed="La dirección del portal no es válida.",
    scheme="El portal debe ser una dirección http:// o https://.",
    not_public="El portal debe ser un sitio público de internet.",
)


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def is_private_name(host: str) -> bool:
    """Names that only ever mean this machine or its network, whatever DNS says."""
    return host == "localhost" or host.endswith((".localhost", ".local", ".internal"))


def normalize_vendor_url(raw: str, words: UrlWords = VENDOR_URL) -> tuple[str, str]:
    """Return (url, host) or raise InvalidInput; no network access."""
    url = raw.strip()
    if not url or len(url) > _MAX_LENGTH:
        raise words.refuse(words.empty)
    if "://" not in url:
        url = f"https://{url}"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        parts.port  # noqa: B018 — raises ValueError on a malformed port
    except ValueError:
        raise words.refuse(words.malformed) from None
    if parts.scheme not in ("http", "https"):
        raise words.refuse(words.scheme)
    if not host or parts.username or parts.password:
        raise words.refuse(words.malformed)
    return url, host


async def check_public_url(raw: str, *, allow_private: bool, words: UrlWords) -> str:
    """Normalize and refuse loopback, private, link-local and metadata targets.

    A name that does not resolve now (or not within RESOLVE_SECONDS) is accepted: DNS may
    be down for a moment, and the address is checked again right before each connection.
    """
    url, host = normalize_vendor_url(raw, words)
    if allow_private:
        return url
    if is_private_name(host):
        raise words.refuse(words.not_public)
    for address in await _addresses(host):
        if not is_public_address(address):
            raise words.refuse(words.not_public)
    return url


async def check_vendor_url(
    raw: str, *, allow_private: bool, demo_portal_url: str | None = None
) -> str:
    """A public vendor URL, or (when the demo is on) the app's own demo portal."""
    if demo_portal_url is not None and is_demo_portal(raw, demo_portal_url):
        return normalize_vendor_url(raw)[0]
    return await check_public_url(raw, allow_private=allow_private, words=VENDOR_URL)


def is_demo_portal(raw: str, demo_portal_url: str) -> bool:
    """Exactly the demo's scheme, host and port, and a path under it (no tricks with
    user info, other ports or paths: those go through the public-address check)."""
    try:
        url, _ = normalize_vendor_url(raw)
    except InvalidInput:
        return False
    want, got = urlsplit(demo_portal_url), urlsplit(url)
    return (
        (got.scheme, got.hostname, got.port) == (want.scheme, want.hostname, want.port)
        and got.path.startswith(want.path)
        # Browsers read %2e as a dot: /demo/portal/%2e%2e/ climbs out of the portal too.
        and ".." not in unquote(got.path)
    )


async def _addresses(host: str) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    # The system resolver on a thread whatever the event loop (uvloop resolves its own
    # way): one resolver for the API and the worker, and one to stand in for.
    lookup = functools.partial(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().run_in_executor(_LOOKUPS, lookup), RESOLVE_SECONDS
        )
    except TimeoutError:
        log.warning("no DNS answer for %s within %.0f s", host, RESOLVE_SECONDS)
        return []
    except (socket.gaierror, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]
