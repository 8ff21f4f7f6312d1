"""HTTP concerns around the endpoints: security headers and request size caps."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1_000_000

# GraphiQL's page loads React and GraphiQL from unpkg; everything else is JSON.
_HTML_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://unpkg.com; "
    "style-src 'self' 'unsafe-inline' https://unpkg.com; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'"
)
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
# The web console (src/web): its own scripts and styles only, GraphQL over fetch and
# WebSocket to this origin, and the live view (/live, same origin) in an iframe.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
# The live view may be framed by this origin's console only (frame-ancestors 'self').
_LIVE_PREFIX = "/live/"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app, self.hsts = app, hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                html = headers.get("content-type", "").startswith("text/html")
                csp = _HTML_CSP if html else _API_CSP
                framable = html and scope["path"].startswith(_LIVE_PREFIX)
                if framable:
                    csp = csp.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
                headers.setdefault("content-security-policy", csp)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("x-frame-options", "SAMEORIGIN" if framable else "DENY")
                headers.setdefault("referrer-policy", "no-referrer")
                headers.setdefault("cross-origin-opener-policy", "same-origin")
                if self.hsts:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """Refuse request bodies over the cap with 413, whether announced or streamed.

    `paths` gives exact paths their own cap: a raw e-mail at /inbound/email may be
    megabytes where a GraphQL document never needs one."""

    def __init__(
        self, app: ASGIApp, limit: int = MAX_BODY_BYTES, paths: Mapping[str, int] | None = None
    ) -> None:
        self.app, self.limit, self.paths = app, limit, dict(paths or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope["path"], self.limit)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > limit:
            await PlainTextResponse("Request too large", 413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await PlainTextResponse("Request too large", 413)(scope, receive, send)


class _TooLarge(Exception):
    """A streamed body went over the cap."""
