"""Everything a run writes, as it leaves the processes, into one file: file descriptors 1 and
2 of this process and so of every child started meanwhile (Chromium, `autofactura worker`),
Python's sys.stdout and sys.stderr, and every log record of this process at DEBUG (the API
server's thread, the embedded worker, the libraries), formatted by the app's own JSON
formatter: what a deployment writes, masking included. uvicorn's own loggers (access lines
too) are turned up to DEBUG; they write through uvicorn's handlers, into the same file."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from autofactura.core.observability.logs import JsonFormatter

UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


@contextlib.contextmanager
def everything_written(path: Path) -> Iterator[None]:
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    root = logging.getLogger()
    level = root.level
    with path.open("a", encoding="utf-8", buffering=1) as stream:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        os.dup2(stream.fileno(), 1)
        os.dup2(stream.fileno(), 2)
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        try:
            with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
                yield
        finally:
            root.removeHandler(handler)
            root.setLevel(level)
            stream.flush()
            for fd, copy in zip((1, 2), saved, strict=True):
                os.dup2(copy, fd)
                os.close(copy)


@contextlib.contextmanager
def uvicorn_at_debug() -> Iterator[None]:
    """uvicorn sets its loggers' levels when a server starts: lower them after that."""
    loggers = [logging.getLogger(name) for name in UVICORN]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
