"""Logging for every process (serve, worker, mail, run): one JSON object per line by
default (AUTOFACTURA_LOG_FORMAT=text for a person at a terminal), carrying the context of
where it was written, with personal data masked in the message and the traceback."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from autofactura.core.config import Settings
from autofactura.core.observability import context
from autofactura.core.observability.redact import redact, redact_tree

# What every LogRecord has; anything else on a record came from `extra=`.
# (uvicorn adds `color_message`: the message again, with terminal colours.)
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "color_message",
    "context",  # TextFormatter's
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        secrets = context.secrets()
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage(), secrets),
        }
        line.update(context.fields())
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in line:
                line[key] = redact_tree(value, secrets)
        if record.exc_info:
            line["exc"] = redact(self.formatException(record.exc_info), secrets)
        if record.stack_info:
            line["stack"] = redact(self.formatStack(record.stack_info), secrets)
        return json.dumps(line, ensure_ascii=False, default=lambda o: redact(str(o), secrets))


class TextFormatter(logging.Formatter):
    """For people: the usual one-line layout plus the context, masked like the JSON."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s%(context)s")

    def format(self, record: logging.LogRecord) -> str:
        found = context.fields()
        pairs = " ".join(f"{key}={value}" for key, value in found.items())
        record.context = f" [{pairs}]" if pairs else ""
        return redact(super().format(record), context.secrets())


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """Replace the root logger's handlers with one writing to `stream` (stderr now, which
    in a dramatiq worker process is its pipe to the supervisor)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    logging.captureWarnings(True)  # a library's warning is a log line too, as JSON
    return handler
