"""Per-request DataLoaders: a page of tasks costs one query per relation, not one per task."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from autofactura.core.artifacts import repository as artifacts
from autofactura.core.artifacts.models import Artifact
from autofactura.core.db import Database
from autofactura.core.events import repository as events
from autofactura.core.events.models import TaskEvent
from autofactura.core.invoices import repository as invoices
from autofactura.core.invoices.models import Invoice
from autofactura.core.profiles import repository as profiles
from autofactura.core.profiles.models import FiscalProfile
from autofactura.core.tasks import repository as tasks
from autofactura.core.tasks.models import Task
from autofactura.core.webhooks import repository as webhooks
from autofactura.core.webhooks.models import WebhookAttempt, WebhookDelivery

EventWindow = tuple[uuid.UUID, int, int]  # (task id, after seq, how many)
DeliveryWindow = tuple[uuid.UUID, int]  # (webhook id, how many, newest first)


class Loaders:
    def __init__(self, db: Database, user_id: uuid.UUID) -> None:
        self._db, self._user_id = db, user_id
        # Batching, not caching: a WebSocket keeps one context for its whole life, and a
        # cache would serve it stale tasks. Duplicate keys in a batch are fine below.
        self.profile = DataLoader(self._profiles, cache=False)
        self.task = DataLoader(self._tasks, cache=False)
        self.artifacts = DataLoader(self._artifacts, cache=False)
        self.events = DataLoader(self._events, cache=False)
        self.invoice = DataLoader(self._invoices, cache=False)
        self.webhook_deliveries = DataLoader(self._webhook_deliveries, cache=False)
        self.webhook_attempts = DataLoader(self._webhook_attempts, cache=False)

    async def _profiles(self, ids: Sequence[uuid.UUID]) -> list[FiscalProfile | None]:
        async with self._db.session(self._user_id, readonly=True) as session:
            found = {p.id: p for p in await profiles.get_many(session, self._user_id, ids)}
        return [found.get(i) for i in ids]

    async def _tasks(self, ids: Sequence[uuid.UUID]) -> list[Task | None]:
        async with self._db.session(self._user_id, readonly=True) as session:
            found = {t.id: t for t in await tasks.get_many(session, self._user_id, ids)}
        return [found.get(i) for i in ids]

    async def _artifacts(self, task_ids: Sequence[uuid.UUID]) -> list[list[Artifact]]:
        async with self._db.session(self._user_id, readonly=True) as session:
            rows = await artifacts.for_tasks(session, self._user_id, task_ids)
        grouped: dict[uuid.UUID, list[Artifact]] = {i: [] for i in task_ids}
        for row in rows:
            if row.task_id is not None:  # always, since rows are these tasks' own
                grouped[row.task_id].append(row)
        return [grouped[i] for i in task_ids]

    async def _invoices(self, task_ids: Sequence[uuid.UUID]) -> list[Invoice | None]:
        async with self._db.session(self._user_id, readonly=True) as session:
            rows = await invoices.for_tasks(session, self._user_id, task_ids)
        found = {row.task_id: row for row in rows}
        return [found.get(i) for i in task_ids]

    async def _events(self, keys: Sequence[EventWindow]) -> list[list[TaskEvent]]:
        windows = {(after, first) for _, after, first in keys}
        found: dict[EventWindow, list[TaskEvent]] = {key: [] for key in keys}
        async with self._db.session(self._user_id, readonly=True) as session:
            for after, first in windows:
                ids = [task_id for task_id, a, f in keys if (a, f) == (after, first)]
                for event in await events.windows(session, self._user_id, ids, after, first):
                    found[(event.task_id, after, first)].append(event)
        return [found[key] for key in keys]

    async def _webhook_deliveries(
        self, keys: Sequence[DeliveryWindow]
    ) -> list[list[WebhookDelivery]]:
        found: dict[DeliveryWindow, list[WebhookDelivery]] = {key: [] for key in keys}
        async with self._db.session(self._user_id, readonly=True) as session:
            for first in {first for _, first in keys}:
                ids = [webhook_id for webhook_id, f in keys if f == first]
                for row in await webhooks.recent_deliveries(session, self._user_id, ids, first):
                    found[(row.webhook_id, first)].append(row)
        return [found[key] for key in keys]

    async def _webhook_attempts(
        self, delivery_ids: Sequence[uuid.UUID]
    ) -> list[list[WebhookAttempt]]:
        async with self._db.session(self._user_id, readonly=True) as session:
            rows = await webhooks.attempts_of(session, self._user_id, delivery_ids)
        grouped: dict[uuid.UUID, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
        for row in rows:
            grouped[row.delivery_id].append(row)
        return [grouped[i] for i in delivery_ids]
