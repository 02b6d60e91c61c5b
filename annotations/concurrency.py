"""Optimistic concurrency: every change to an annotation names the version it started from."""

from __future__ import annotations

from annotations.models import Annotation


class VersionConflict(Exception):
    """The annotation changed since the caller read it; nothing was written."""

    def __init__(self, *, expected: int, current: int) -> None:
        super().__init__(
            f"This annotation has changed since you loaded it (you had version {expected}, "
            f"it is now at version {current}). Reload it and try again."
        )
        self.expected = expected
        self.current = current


def lock(annotation: Annotation, expected_version: int | None) -> Annotation:
    """Return the row locked for this transaction, refusing a stale expected version.

    Must run inside transaction.atomic(); the lock makes the version check and the write that
    follows one step, so two writers can never both pass the check.
    """
    locked = Annotation.objects.select_for_update().select_related("article").get(pk=annotation.pk)
    if expected_version is not None and locked.version != expected_version:
        raise VersionConflict(expected=expected_version, current=locked.version)
    return locked
