"""Every local vendor portal in one Starlette app, each under /<portal-name>/, and a helper
that serves them on 127.0.0.1 for tests and benchmarks."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from tests.portals import (
    asistente,
    captcha,
    clasico,
    combos,
    correo,
    divs,
    errores,
    gasolinera,
    login,
    marco,
    placeholders,
    prosa,
    tabla,
)
from tests.portals.ledger import Ledger
from tests.support.stand_ins import serve_asgi

# The portals a form filler can finish alone (no CAPTCHA, login wall or e-mail delivery).
FORM_PORTALS = (
    "clasico",
    "tabla",
    "placeholders",
    "asistente",
    "marco",
    "combos",
    "divs",
    "gasolinera",
    "errores",
)
PORTALS: dict[str, Callable[[Ledger], list[BaseRoute]]] = {
    "clasico": clasico.routes,
    "tabla": tabla.routes,
    "placeholders": placeholders.routes,
    "asistente": asistente.routes,
    "marco": marco.routes,
    "combos": combos.routes,
    "divs": divs.routes,
    "gasolinera": gasolinera.routes,
    "captcha": captcha.routes,
    "correo": correo.routes,
    "errores": errores.routes,
    "login": login.routes,
    "mismatch": clasico.mismatch_routes,
    "prosa": prosa.routes,
}


def build_app(ledger: Ledger) -> Starlette:
    """The portals, all sharing `ledger` as their back office."""
    return Starlette(
        routes=[Mount(f"/{name}", routes=make(ledger)) for name, make in PORTALS.items()]
    )


@dataclass(frozen=True)
class PortalServer:
    """Where the portals answer and the back office they share."""

    base_url: str
    ledger: Ledger
    names: tuple[str, ...] = tuple(PORTALS)

    def url(self, name: str) -> str:
        """The portal's entry page."""
        if name not in PORTALS:
            raise KeyError(f"no portal named {name!r}")
        return f"{self.base_url}/{name}/"


@contextlib.contextmanager
def serve_portals(ledger: Ledger | None = None) -> Iterator[PortalServer]:
    """Serve every portal on 127.0.0.1 in a thread until the block ends."""
    ledger = ledger or Ledger()
    with serve_asgi(build_app(ledger), "local portals") as base_url:
        yield PortalServer(base_url, ledger)
