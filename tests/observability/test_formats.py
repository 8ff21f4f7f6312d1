"""Both log formats, as `configure_logging` installs them: a line written inside a task's
context carries it, and the task's own values and anything RFC- or e-mail-shaped are
masked in the message and in the traceback alike."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from autofactura.core.config import Settings
from autofactura.core.observability import context as observed
from autofactura.core.observability.logs import configure_logging
from tests.pipeline.conftest import variant

NAME, RFC, EMAIL = "Ana López Díaz", "LODA800101AB1", "ana@example.mx"


@pytest.fixture
def root_logging() -> Iterator[None]:
    """configure_logging replaces the root logger's handlers: give the suite's back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)


def _log_a_failure(settings: Settings) -> str:
    stream = io.StringIO()
    configure_logging(settings, stream)
    log = logging.getLogger("autofactura.test")
    with observed.bound(task_id="t-1", attempt=2), observed.hiding([NAME]):
        try:
            raise ValueError(f"rechazado: {NAME} {RFC.lower()} <{EMAIL}>")
        except ValueError:
            log.exception("el portal dijo %s", f"{NAME}/{RFC}")
    log.info("fuera de la tarea")
    return stream.getvalue()


@pytest.mark.usefixtures("root_logging")
def test_json_lines(settings: Settings) -> None:
    first, second = (json.loads(line) for line in _log_a_failure(settings).splitlines())
    assert first["message"] == "el portal dijo [redacted]/[rfc]"
    assert (first["level"], first["logger"]) == ("ERROR", "autofactura.test")
    assert (first["task_id"], first["attempt"]) == ("t-1", 2)
    assert first["exc"].endswith("ValueError: rechazado: [redacted] [rfc] <[email]>")
    assert "task_id" not in second  # the context ended with the block


@pytest.mark.usefixtures("root_logging")
def test_text_lines(settings: Settings) -> None:
    text = _log_a_failure(variant(settings, log_format="text"))
    assert "ERROR autofactura.test el portal dijo [redacted]/[rfc] [task_id=t-1 attempt=2]" in text
    assert "ValueError: rechazado: [redacted] [rfc] <[email]>" in text
    for value in (NAME, RFC, RFC.lower(), EMAIL):
        assert value not in text
