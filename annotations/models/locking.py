"""Row locks on annotations, taken in one order, with the version a writer started from.

Every change to an annotation locks only the rows it changes, in id order, so two writers never
wait on each other in a circle; a stale version is refused under the lock.
"""

from __future__ import annotations

from annotations.common.concurrency import VersionConflict
from annotations.models.content import Annotation


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
