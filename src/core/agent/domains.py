"""The vendor's registrable domain, which the agent may not leave (facturacion.oxxo.com and
www.oxxo.com are one vendor; oxxo.com.mx's second level is the country's)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

# Second-level labels under a country code that are registries, not vendors.
_SHARED_SECOND_LEVEL = frozenset({"com", "org", "net", "gob", "edu", "co", "ac"})


def registrable_domain(host: str) -> str:
    host = host.rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SHARED_SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def vendor_domain(url: str) -> str:
    return registrable_domain(urlsplit(url).hostname or "")


def allowed(url: str, domain: str) -> bool:
    """True for the vendor's own pages (and about:blank, data: the browser makes itself)."""
    parts = urlsplit(url)
    if parts.scheme in ("about", "data", "blob", "chrome-error"):
        return True
    host = (parts.hostname or "").lower()
    return host == domain or host.endswith(f".{domain}")
