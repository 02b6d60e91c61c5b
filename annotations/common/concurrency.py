"""Concurrency: optimistic versions and bounded retries, for every writer.

A change names the version it started from (VersionConflict when another writer got there
first). A deadlock or serialization failure that still happens is retried a few times, then
reported as Busy.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import OperationalError, connection

P = ParamSpec("P")
R = TypeVar("R")

# PostgreSQL's deadlock_detected and serialization_failure: the transaction may simply be rerun.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 4


class VersionConflict(Exception):
    """The annotation changed since the caller read it; nothing was written."""

    def __init__(self, *, expected: int, current: int, what: str = "annotation") -> None:
        super().__init__(
            f"This {what} has changed since you loaded it (you had version {expected}, "
            f"it is now at version {current}). Reload it and try again."
        )
        self.expected = expected
        self.current = current


class Busy(Exception):
    """The database kept refusing this write for lock conflicts; nothing was written."""

    retry_after = 1


def is_transient(exc: BaseException) -> bool:
    """Whether the database refused for a lock conflict that a rerun may not meet."""
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) in TRANSIENT_SQLSTATES


def retrying(func: Callable[P, R]) -> Callable[P, R]:
    """Rerun a write whose transaction met a deadlock or serialization failure.

    The function must open its own transaction: inside a caller's transaction nothing can be
    rerun, so the conflict is reported at once.
    """

    @wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                if not is_transient(exc):
                    raise
                if attempt == ATTEMPTS or connection.in_atomic_block:
                    raise Busy("The database is busy with other changes; retry shortly.") from exc
                time.sleep(random.uniform(0.01, 0.05) * attempt)
        raise AssertionError("unreachable")

    return run
