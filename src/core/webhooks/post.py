"""One POST to an endpoint, connecting only to an address checked right before it: a name
that pointed at a public host when it was registered may point inward now.

The name is resolved here and the connection goes to that very address (TLS still checks
the certificate against the name); no redirect is followed, no proxy from the environment
is used, and the response body is never read.
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass

import httpx

from autofactura.core.tasks.vendor_url import is_private_name, is_public_address

_ERROR_MAX = 300


@dataclass(frozen=True)
class Answer:
    """What the endpoint answered (`status_code`), or why it did not (`error`)."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _Refused(Exception):
    """The endpoint's address is not one we may connect to, or there is none."""


async def post(
    url: str, body: bytes, headers: dict[str, str], *, time_limit: float, allow_private: bool
) -> Answer:
    started = time.monotonic()
    try:
        async with asyncio.timeout(time_limit):
            status = await _post(httpx.URL(url), body, headers, time_limit, allow_private)
        return Answer(status, _note(status), _ms_since(started))
    except _Refused as exc:
        return Answer(None, str(exc), _ms_since(started))
    except (TimeoutError, httpx.TimeoutException):
        return Answer(None, f"Sin respuesta en {time_limit:g} s.", _ms_since(started))
    except (httpx.HTTPError, OSError) as exc:
        error = f"No se pudo entregar: {type(exc).__name__}: {exc}"[:_ERROR_MAX]
        return Answer(None, error, _ms_since(started))


async def _post(
    url: httpx.URL, body: bytes, headers: dict[str, str], time_limit: float, allow_private: bool
) -> int:
    host = url.raw_host.decode("ascii")
    address = await _checked_address(host, url.port or _default_port(url), allow_private)
    extensions = {"sni_hostname": host} if url.scheme == "https" and host != address else {}
    headers = {**headers, "Host": url.netloc.decode("ascii")}
    async with httpx.AsyncClient(
        timeout=time_limit, follow_redirects=False, trust_env=False
    ) as client:
        request = client.build_request(
            "POST",
            url.copy_with(host=address),
            content=body,
            headers=headers,
            extensions=extensions,
        )
        response = await client.send(request, stream=True)
        await response.aclose()
        return response.status_code


async def _checked_address(host: str, port: int, allow_private: bool) -> str:
    """The first address `host` resolves to, if every one of them is public."""
    if not allow_private and is_private_name(host.lower().rstrip(".")):
        raise _Refused("La dirección del webhook es de una red privada; no se envió.")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError):
        raise _Refused(f"No se pudo resolver {host}.") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise _Refused(f"No se pudo resolver {host}.")
    if not allow_private and not all(is_public_address(address) for address in addresses):
        raise _Refused("La dirección del webhook resuelve a una red privada; no se envió.")
    return addresses[0]


def _default_port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80


def _note(status: int) -> str | None:
    if 300 <= status < 400:
        return "Redirección: no se sigue; registra la dirección final del webhook."
    return None


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
