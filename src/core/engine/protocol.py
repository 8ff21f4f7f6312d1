"""What an engine is: something that tries to get the invoice on the task's browser."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from autofactura.core.engine.run import TaskRun


class Engine(Protocol):
    """One link of the chain (playbook, autofill, agent, …).

    `run` returns True when it brought the task to a final state (through `TaskRun`),
    False when it could make no progress and the next engine should try.
    """

    name: str

    async def run(self, task_run: TaskRun) -> bool: ...
