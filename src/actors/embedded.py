"""The embedded mode's workers: dramatiq worker threads inside the API process."""

from __future__ import annotations

import dramatiq


class EmbeddedWorker:
    def __init__(self, broker: dramatiq.Broker, threads: int) -> None:
        # A short poll timeout so a message is picked up promptly and stop() is quick.
        self._worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)

    @property
    def worker(self) -> dramatiq.Worker:
        """The dramatiq worker itself (/metrics counts the messages it holds)."""
        return self._worker

    def start(self) -> None:
        self._worker.start()

    def stop(self) -> None:
        self._worker.stop(timeout=10_000)
