"""What /metrics reads from the database at scrape time, so the numbers are the same
whichever API process is scraped and however many workers changed them: tasks by status,
completed tasks by engine, and how long runs took (a cumulative histogram by SQL)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import TaskStatus

# Upper bounds in seconds: a quick portal takes seconds, one waiting for a person minutes.
DURATION_BUCKETS = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
FINAL = (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)


@dataclass
class Durations:
    """One final status's runs: how many took at most each bound, their count and sum."""

    at_most: list[int]
    count: int
    total_seconds: float

    @classmethod
    def none(cls) -> Durations:
        return cls([0] * len(DURATION_BUCKETS), 0, 0.0)


@dataclass
class TaskStats:
    by_status: dict[str, int] = field(default_factory=dict)
    completed_by_engine: dict[str, int] = field(default_factory=dict)
    durations: dict[str, Durations] = field(default_factory=dict)


def _seconds(session: AsyncSession) -> ColumnElement[float]:
    """completed_at - started_at in seconds, in the session's SQL dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", Task.completed_at - Task.started_at), Float)
    return (func.julianday(Task.completed_at) - func.julianday(Task.started_at)) * 86400.0


async def read(session: AsyncSession) -> TaskStats:
    stats = TaskStats()
    rows = await session.execute(select(Task.status, func.count()).group_by(Task.status))
    stats.by_status = {status: count for status, count in rows.all()}
    rows = await session.execute(
        select(func.coalesce(Task.engine, ""), func.count())
        .where(Task.status == TaskStatus.COMPLETED.value)
        .group_by(Task.engine)
    )
    stats.completed_by_engine = {engine or "unknown": count for engine, count in rows.all()}
    stats.durations = await _durations(session)
    return stats


async def _durations(session: AsyncSession) -> dict[str, Durations]:
    """Every run that a worker started and that ended (its current attempt): one pass,
    counting per bound. Cumulative over the table, so Prometheus' rate() over it gives
    the durations of the runs that ended in any window."""
    seconds = _seconds(session)
    bounds = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in DURATION_BUCKETS]
    query = (
        select(Task.status, func.count(), func.coalesce(func.sum(seconds), 0.0), *bounds)
        .where(Task.status.in_([status.value for status in FINAL]))
        .where(Task.started_at.is_not(None), Task.completed_at.is_not(None))
        .group_by(Task.status)
    )
    found: dict[str, Durations] = {}
    for row in (await session.execute(query)).all():
        status, count, total, *at_most = row
        found[status] = Durations([int(n or 0) for n in at_most], int(count), float(total))
    return found
