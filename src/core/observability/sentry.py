"""Errors to Sentry when SENTRY_DSN is set, in the API and worker processes alike, with
the same masking as the logs applied to everything an event carries (messages, exception
values, breadcrumbs, request data)."""

from __future__ import annotations

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.dramatiq import DramatiqIntegration
from sentry_sdk.integrations.strawberry import StrawberryIntegration

from autofactura.core.config import Settings
from autofactura.core.observability import context
from autofactura.core.observability.redact import redact_tree


def before_send(event: Any, hint: Any) -> Any:
    """Runs in the thread that captured the event, so the task's own values are known."""
    del hint
    return redact_tree(event, context.secrets())


def init_sentry(settings: Settings) -> bool:
    """Start the SDK (before the dramatiq broker is made: its integration hooks brokers as
    they are created); False when no DSN is set."""
    if not settings.sentry_dsn:
        return False
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.env,
        send_default_pii=False,
        # Frame locals hold decrypted profiles; masking a truncated repr is not a promise.
        include_local_variables=False,
        before_send=before_send,
        before_breadcrumb=before_send,
        # Starlette and logging are on by default; dramatiq's is not, and strawberry's
        # would guess (and warn) whether the schema runs async: it does.
        integrations=[DramatiqIntegration(), StrawberryIntegration(async_execution=True)],
    )
    return True
