"""A per-browser HTTP forward proxy on loopback: Chromium reaches only public addresses,
each host resolved once here and connected to at the very address that was checked."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from autofactura.core.tasks.vendor_url import is_public_address

Resolver = Callable[[str, int], Awaitable[list[str]]]

MAX_REFUSALS = 100
PUBLIC_CONNECT_PORTS = frozenset({80, 443, 8080, 8443})
_HEAD_LIMIT = 64 * 1024
_CHUNK = 64 * 1024
_CONNECT_TIMEOUT_S = 15.0
# A lookup that hangs (a dead DNS server) is a 502 then, not a request held open meanwhile.
RESOLVE_TIMEOUT_S = 10.0
# Hop-by-hop headers between Chromium and us: never forwarded to the vendor.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authorization"})


@dataclass(frozen=True)
class Refusal:
    host: str
    port: int
    reason: str


class _Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


class _Unreachable(Exception):
    """The host does not resolve or does not answer: a 502, not a policy refusal."""


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class EgressProxy:
    """Plain http:// requests (absolute URI, one per connection) and CONNECT tunnels.

    `refused` lists each distinct refusal (at most MAX_REFUSALS) for the engine to report.
    `is_allowed_address` is the policy when private addresses are not allowed; tests
    widen it to one extra address rather than switching the check off.
    """

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver | None = None,
        is_allowed_address: Callable[[str], bool] = is_public_address,
        also_allowed: frozenset[tuple[str, int]] = frozenset(),
        resolve_seconds: float = RESOLVE_TIMEOUT_S,
    ) -> None:
        self.allow_private = allow_private
        self._resolve_seconds = resolve_seconds
        # Exact (address, port) targets let through anyway: the app's own demo portal.
        self._also_allowed = also_allowed
        self.refused: list[Refusal] = []
        self._resolve = resolver or system_resolver
        self._is_allowed = is_allowed_address
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._closing = False

    async def start(self) -> int:
        """Listen on 127.0.0.1 (on the running loop) and return the port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=_HEAD_LIMIT)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening and close every open request and tunnel; idempotent."""
        self._closing = True
        server, self._server = self._server, None
        if server is not None:
            server.close()
        while self._handlers:
            for task in self._handlers:
                task.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            if not self._closing:
                await self._handle(reader, writer)
        except _Refused as refused:
            self._record(refused.refusal)
            writer.write(_reply(403, "Forbidden", f"egress refused: {refused.refusal.reason}"))
        except _Unreachable as exc:
            writer.write(_reply(502, "Bad Gateway", str(exc)))
        except (ValueError, UnicodeError, asyncio.LimitOverrunError):
            writer.write(_reply(400, "Bad Request", "not a proxy request"))
        except (OSError, asyncio.IncompleteReadError):
            pass  # either side went away
        except asyncio.CancelledError:
            # Only stop() cancels us. Ending cancelled would make 3.11's start_server
            # callback call task.exception(), which raises, logged as an asyncio ERROR.
            pass
        finally:
            self._handlers.discard(task)
            writer.close()  # flushes a refusal first; nothing here waits on the peer

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, version = request_line.split(" ")
        if method.upper() == "CONNECT":
            await self._tunnel(target, reader, writer)
        else:
            headers = [line for line in header_lines if line]
            await self._forward(method, target, version, headers, reader, writer)

    async def _tunnel(
        self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        parts = urlsplit(f"//{target}")
        host, port = parts.hostname, parts.port
        if not host or port is None:
            raise ValueError(target)
        if not self.allow_private and port not in PUBLIC_CONNECT_PORTS:
            raise _Refused(Refusal(host, port, f"port {port} is not allowed"))
        up_reader, up_writer = await self._open(host, port)
        try:
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await _relay(reader, writer, up_reader, up_writer)
        finally:
            up_writer.close()

    async def _forward(
        self,
        method: str,
        target: str,
        version: str,
        headers: list[str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        parts = urlsplit(target)
        if parts.scheme.lower() != "http" or not parts.hostname:
            raise ValueError(target)
        path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        up_reader, up_writer = await self._open(parts.hostname, parts.port or 80)
        try:
            up_writer.write(_head(f"{method} {path} {version}", headers))
            # A POST's body must flow while we wait for the answer, or both sides wait.
            body = asyncio.create_task(_pipe(reader, up_writer))
            try:
                try:
                    response = await up_reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    raise _Unreachable(f"{parts.hostname} sent no valid response") from None
                status_line, *response_headers = response.decode("latin-1").split("\r\n")
                writer.write(_head(status_line, [line for line in response_headers if line]))
                await _pipe(up_reader, writer)
            finally:
                body.cancel()
                await asyncio.gather(body, return_exceptions=True)
        finally:
            up_writer.close()

    async def _open(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Connect to the first allowed address of host; refuse when none is allowed."""
        addresses = await self._addresses(host, port)
        allowed = [
            address
            for address in addresses
            if self._allows(address) or (address, port) in self._also_allowed
        ]
        if not allowed:
            raise _Refused(Refusal(host, port, f"{addresses[0]} is not a public address"))
        failure: BaseException | None = None
        for address in allowed:
            try:
                async with asyncio.timeout(_CONNECT_TIMEOUT_S):
                    return await asyncio.open_connection(address, port, limit=_HEAD_LIMIT)
            except (OSError, TimeoutError) as exc:
                failure = exc
        raise _Unreachable(f"could not connect to {host}:{port}: {failure}")

    async def _addresses(self, host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        try:
            async with asyncio.timeout(self._resolve_seconds):
                addresses = await self._resolve(host, port)
        except TimeoutError:
            raise _Unreachable(f"{host} did not resolve in {self._resolve_seconds:g} s") from None
        except (OSError, UnicodeError) as exc:
            raise _Unreachable(f"{host} does not resolve: {exc}") from None
        if not addresses:
            raise _Unreachable(f"{host} does not resolve")
        return addresses

    def _allows(self, address: str) -> bool:
        if self.allow_private:
            return True
        try:
            return self._is_allowed(address)
        except ValueError:
            return False

    def _record(self, refusal: Refusal) -> None:
        if refusal not in self.refused and len(self.refused) < MAX_REFUSALS:
            self.refused.append(refusal)


def _head(first_line: str, headers: list[str]) -> bytes:
    """A request or response head without hop-by-hop headers, closing after this exchange."""
    kept = [line for line in headers if line.split(":", 1)[0].strip().lower() not in _HOP_BY_HOP]
    return "\r\n".join([first_line, *kept, "Connection: close", "", ""]).encode("latin-1")


def _reply(status: int, reason: str, body: str) -> bytes:
    data = f"{body}\n".encode()
    head = [
        f"HTTP/1.1 {status} {reason}",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Length: {len(data)}",
        "Connection: close",
    ]
    return "\r\n".join([*head, "", ""]).encode() + data


async def _relay(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
) -> None:
    """Stream both ways until either side closes (the vendor does, after its response)."""
    pipes = [
        asyncio.create_task(_pipe(reader, up_writer)),
        asyncio.create_task(_pipe(up_reader, writer)),
    ]
    try:
        await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pipe in pipes:
            pipe.cancel()
        await asyncio.gather(*pipes, return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while chunk := await reader.read(_CHUNK):
        writer.write(chunk)
        await writer.drain()
