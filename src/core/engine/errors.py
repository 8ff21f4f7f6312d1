"""Why a run stops early; the task's state already says so when these are raised."""

from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from autofactura.core.browser.session import BrowserError


class RunStopped(Exception):
    """The task left RUNNING for good (cancelled, failed, timed out): stop working on it."""


class LeaseHeld(Exception):
    """Another worker holds the task right now; dramatiq retries this message later."""


# Failures of what we depend on, not of the task: the message is retried with backoff
# and the task, still leased, is taken over once the lease runs out.
TRANSIENT = (LeaseHeld, OperationalError, InterfaceError, RedisError, ConnectionError, BrowserError)


def database_lost(exc: BaseException) -> bool:
    """Postgres went away under a statement (shutting down, restarting, connection
    broken): asyncpg's errors for it reach us as a plain DBAPIError, not OperationalError."""
    if not isinstance(exc, DBAPIError):
        return False
    state = str(getattr(exc.orig, "sqlstate", "") or "")
    return exc.connection_invalidated or state.startswith(("08", "57P"))
