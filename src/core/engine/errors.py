"""Why a run stops early; the task's state already says so when these are raised."""


class RunStopped(Exception):
    """The task left RUNNING for good (cancelled, failed, timed out): stop working on it."""


class LeaseHeld(Exception):
    """Another worker holds the task right now; dramatiq retries this message later."""
