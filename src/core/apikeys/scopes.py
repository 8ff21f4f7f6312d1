"""What a credential may do: `read` (queries, subscriptions, downloads) and `write`
(mutations). The two are independent: `write` does not imply `read`. A person's session
holds both; an API key holds the ones chosen when it was made."""

from __future__ import annotations

READ = "read"
WRITE = "write"
ALL: tuple[str, ...] = (READ, WRITE)  # the order keys list them in

_MISSING = {
    READ: "Esta clave de API no permite leer datos (le falta el permiso read).",
    WRITE: "Esta clave de API no permite modificar datos (le falta el permiso write).",
}


def missing(scope: str) -> str:
    """The Spanish message for a caller whose credential lacks `scope`."""
    return _MISSING[scope]
