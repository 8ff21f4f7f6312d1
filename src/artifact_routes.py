"""GET /artifacts/{artifact_id}: a task's file, for its owner only.

Two ways in: a signed link from `Artifact.url` (`?u=<user id>&e=<expiry>&s=<signature>`,
what browsers use) or an `Authorization: Bearer <jwt or API key>` header (API clients; a
key needs the `read` scope). A bad or expired signature, or a key without `read`, is 403,
a missing or refused token 401, and an artifact that is not the (signed or authenticated)
user's is 404, whether it exists or not.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from autofactura.core import auth
from autofactura.core.apikeys import scopes
from autofactura.core.apikeys.errors import RefusedApiKey
from autofactura.core.artifacts import links
from autofactura.core.artifacts.service import open_for
from autofactura.core.errors import NotFound
from autofactura.core.services import Services
from autofactura.schema.context import token_from

INLINE_KINDS = frozenset({"screenshot", "html"})
# Stored pages come from vendors' sites: never let their scripts run on our origin.
ARTIFACT_CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'"
)


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def content_disposition(kind: str, name: str) -> str:
    disposition = "inline" if kind in INLINE_KINDS else "attachment"
    fallback = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in name
    )
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _signed_user(services: Services, request: Request, artifact_id: uuid.UUID) -> uuid.UUID:
    params = request.query_params
    try:
        user_id = uuid.UUID(params["u"])
        expires_at = int(params["e"])
        signature = params["s"]
    except (KeyError, ValueError):
        raise _Refused(403, "Enlace no válido.") from None
    secret = links.link_secret(services.settings)
    if not links.verify(secret, artifact_id, user_id, expires_at, signature):
        raise _Refused(403, "El enlace no es válido o ya expiró.")
    return user_id


async def _bearer_user(services: Services, request: Request) -> uuid.UUID:
    token = token_from(request)
    if not token:
        raise _Refused(401, "Inicia sesión para continuar.")
    try:
        principal = await services.verifier.verify(token)
    except RefusedApiKey as exc:
        raise _Refused(401, str(exc)) from None
    except auth.AuthError:
        raise _Refused(401, "La sesión no es válida; inicia sesión de nuevo.") from None
    if principal.expired():
        raise _Refused(401, "Tu sesión expiró; inicia sesión de nuevo.")
    if scopes.READ not in principal.scopes:
        raise _Refused(403, scopes.missing(scopes.READ))  # a write-only API key
    return principal.user_id


def artifact_download(services: Services) -> Callable[[Request], Awaitable[Response]]:
    async def download(request: Request) -> Response:
        try:
            artifact_id = uuid.UUID(request.path_params["artifact_id"])
        except ValueError:
            return PlainTextResponse("No encontrado.", 404)
        try:
            if "s" in request.query_params:
                user_id = _signed_user(services, request, artifact_id)
            else:
                user_id = await _bearer_user(services, request)
        except _Refused as refused:
            headers = {"www-authenticate": "Bearer"} if refused.status == 401 else None
            return PlainTextResponse(refused.message, refused.status, headers=headers)
        try:
            async with services.db.session(user_id, readonly=True) as session:
                row, data = await open_for(session, services.storage, user_id, artifact_id)
        except NotFound as exc:
            return PlainTextResponse(exc.message, 404)
        return Response(
            data,
            media_type=row.content_type,
            headers={
                "content-disposition": content_disposition(row.kind, row.name),
                "cache-control": "private, max-age=0",
                "content-security-policy": ARTIFACT_CSP,
                "x-content-type-options": "nosniff",
            },
        )

    return download
