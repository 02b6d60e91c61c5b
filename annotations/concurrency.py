"""Concurrency: optimistic versions, row locks taken in one order, and bounded retries.

Every change to an annotation names the version it started from and locks only the rows it
changes, in id order, so two writers never wait on each other in a circle. A deadlock or
serialization failure that still happens is retried a few times, then reported as Busy.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import OperationalError, connection

from annotations.models import Annotation

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


def lock(annotation: Annotation, expected_version: int | None) -> Annotation:
    """Return the row locked for this transaction, refusing a stale expected version.

    Must run inside transaction.atomic(); the lock makes the version check and the write that
    follows one step, so two writers can never both pass the check. Only the annotation's own
    row is locked: the article it belongs to stays free for every other writer.
    """
    locked = Annotation.objects.select_for_update(of=("self",)).get(pk=annotation.pk)
    _check_version(locked, expected_version)
    return locked


def lock_pair(
    first: Annotation, second_id: int, expected_version: int | None
) -> tuple[Annotation, Annotation]:
    """Lock two annotations in id order (so crossing writers cannot deadlock), checking the
    first one's version; return them as (first, second), read under the lock."""
    rows = Annotation.objects.select_for_update(of=("self",)).filter(pk__in={first.pk, second_id})
    locked = {row.pk: row for row in rows.order_by("pk")}
    if first.pk not in locked:
        raise Annotation.DoesNotExist(f"Annotation {first.pk} no longer exists.")
    if second_id not in locked:
        raise Annotation.DoesNotExist(f"Annotation {second_id} no longer exists.")
    _check_version(locked[first.pk], expected_version)
    return locked[first.pk], locked[second_id]


def _check_version(locked: Annotation, expected_version: int | None) -> None:
    if expected_version is not None and locked.version != expected_version:
        raise VersionConflict(expected=expected_version, current=locked.version)
