"""What a log line or an error report knows about where it happened: the task being run
(and its attempt) in a worker, the request path in the API. Context variables, so every
existing `log.info(...)` gains them without being edited, and threads or tasks started
from there inherit them."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from autofactura.core.observability.redact import Secrets

_fields: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "log_fields", default=MappingProxyType({})
)
_secrets: contextvars.ContextVar[Secrets | None] = contextvars.ContextVar(
    "log_secrets", default=None
)


def fields() -> dict[str, Any]:
    """The context of the current line (a copy: callers may not change it)."""
    return dict(_fields.get())


def secrets() -> Secrets | None:
    """The running task's buyer values, masked wherever they appear."""
    return _secrets.get()


@contextlib.contextmanager
def bound(**values: Any) -> Iterator[None]:
    """Add `values` to the context of every line logged inside the block."""
    token = _fields.set({**_fields.get(), **values})
    try:
        yield
    finally:
        _fields.reset(token)


@contextlib.contextmanager
def hiding(values: Iterable[str | None]) -> Iterator[None]:
    """Mask these values (the task's profile) in everything logged inside the block."""
    token = _secrets.set(Secrets(values))
    try:
        yield
    finally:
        _secrets.reset(token)
