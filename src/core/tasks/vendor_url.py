"""Vendor URLs must be public http(s) hosts: the worker's network is not the buyer's to probe."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from autofactura.core.errors import InvalidInput, invalid

_FIELD = "vendorUrl"
_MAX_LENGTH = 2048


def _refuse(message: str) -> InvalidInput:
    return invalid(_FIELD, "INVALID_VENDOR_URL", message)


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def normalize_vendor_url(raw: str) -> tuple[str, str]:
    """Return (url, host) or raise InvalidInput; no network access."""
    url = raw.strip()
    if not url or len(url) > _MAX_LENGTH:
        raise _refuse("Escribe la dirección del portal de facturación (máximo 2048 caracteres).")
    if "://" not in url:
        url = f"https://{url}"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        parts.port  # noqa: B018 — raises ValueError on a malformed port
    except ValueError:
        raise _refuse("La dirección del portal no es válida.") from None
    if parts.scheme not in ("http", "https"):
        raise _refuse("El portal debe ser una dirección http:// o https://.")
    if not host or parts.username or parts.password:
        raise _refuse("La dirección del portal no es válida.")
    return url, host


async def check_vendor_url(raw: str, *, allow_private: bool) -> str:
    """Normalize and refuse loopback, private, link-local and metadata targets.

    A name that does not resolve now is accepted: DNS may be down for a moment, and the
    worker checks the address again right before it navigates.
    """
    url, host = normalize_vendor_url(raw)
    if allow_private:
        return url
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise _refuse("El portal debe ser un sitio público de internet.")
    for address in await _addresses(host):
        if not is_public_address(address):
            raise _refuse("El portal debe ser un sitio público de internet.")
    return url


async def _addresses(host: str) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]
