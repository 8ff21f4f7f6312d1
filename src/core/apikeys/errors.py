"""Why an API key is refused; an auth error, so every entry point answers 401."""

from __future__ import annotations

from autofactura.core.auth.errors import InvalidToken

REFUSED_MESSAGE = "La clave de API no es válida o fue revocada."


class RefusedApiKey(InvalidToken):
    """The key is malformed, unknown, revoked or expired (the caller is not told which)."""

    def __init__(self) -> None:
        super().__init__(REFUSED_MESSAGE)
