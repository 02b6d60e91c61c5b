"""Review transitions: the only code that changes an annotation's status.

The API, the admin and the editor pages call these functions and translate WorkflowError; each
transition locks the row, checks who may act, bumps the version and writes a ReviewEvent in one
transaction. Which status may follow which is statuses.py's; who may act is permissions.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.access import permissions
from annotations.choices import Anchor, Origin, Status
from annotations.common import concurrency
from annotations.models import Annotation, ReviewEvent, locking
from annotations.review import statuses
from annotations.review.statuses import TRANSITIONS

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class WorkflowError(Exception):
    """A transition that is not allowed; `code` says why, for callers that map it to a status.

    forbidden: this user may not take this step; invalid_state: not from the current status;
    note_required: the step needs a note.
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def check(name: str, *, annotation: Annotation, user: AbstractBaseUser, note: str = "") -> None:
    """Raise WorkflowError unless the user may take this step on the annotation as it is now.

    "system" steps are taken by the workbench itself (revising.py), on behalf of the user whose
    action caused them: no one asks for them, so no one is checked for them.
    """
    transition = TRANSITIONS[name]
    if transition.actor == "author" and annotation.author_id != user.pk:
        raise WorkflowError(
            _("Only the author can %(step)s this annotation.") % {"step": transition.verb},
            code="forbidden",
        )
    if transition.actor == "reviewer":
        if annotation.author_id == user.pk:
            raise WorkflowError(
                _("You cannot %(step)s your own annotation: another reviewer must review it.")
                % {"step": transition.verb},
                code="forbidden",
            )
        if not permissions.can_review_annotation(user, annotation):
            raise WorkflowError(
                _("Only reviewers can %(step)s annotations.") % {"step": transition.verb},
                code="forbidden",
            )
    if transition.actor == "curator" and not (
        annotation.origin == Origin.ADJUDICATION
        and annotation.author_id == user.pk
        and permissions.can_adjudicate(user, annotation)
    ):
        raise WorkflowError(
            _("Only the curator of an article’s adjudication can %(step)s its annotations.")
            % {"step": transition.verb},
            code="forbidden",
        )
    if annotation.status not in transition.sources:
        raise WorkflowError(
            _("Cannot %(step)s an annotation that is %(status)s.")
            % {"step": transition.verb, "status": statuses.label(annotation.status).lower()},
            code="invalid_state",
        )
    if transition.target == Status.SUBMITTED and annotation.anchor != Anchor.ANCHORED:
        raise WorkflowError(
            _(
                "The article was corrected since this annotation was made: confirm or fix its "
                "span on the current text before you submit it."
            ),
            code="invalid_state",
        )
    if transition.note_required and not note.strip():
        raise WorkflowError(
            _("A note is required to %(step)s an annotation.") % {"step": transition.verb},
            code="note_required",
        )


def available(annotation: Annotation, user: AbstractBaseUser) -> list[str]:
    """Return the names of the transitions this user may take now (for buttons and menus)."""
    allowed = []
    for name, transition in TRANSITIONS.items():
        if transition.actor in ("system", "curator"):  # taken by the workbench, not by buttons
            continue
        try:
            check(
                name, annotation=annotation, user=user, note="x" if transition.note_required else ""
            )
        except WorkflowError:
            continue
        allowed.append(name)
    return allowed


@concurrency.retrying
def perform(
    name: str,
    *,
    annotation: Annotation,
    user: AbstractBaseUser,
    note: str = "",
    expected_version: int | None = None,
) -> Annotation:
    """Take one transition and return the annotation as stored afterwards."""
    transition = TRANSITIONS[name]
    note = note.strip()
    with transaction.atomic():
        locked = locking.lock(annotation, expected_version)
        check(name, annotation=locked, user=user, note=note)
        now = timezone.now()
        from_status = locked.status
        locked.status = transition.target
        locked.version += 1
        fields = ["status", "version", "updated_at"]
        if transition.actor in ("reviewer", "curator"):
            locked.reviewer = user
            locked.reviewed_at = now
            locked.review_note = note
            fields += ["reviewer", "reviewed_at", "review_note"]
        elif transition.actor == "system":
            locked.review_note = note  # the author reads why it came back
            fields.append("review_note")
        if transition.target == Status.SUBMITTED:
            locked.submitted_at = now
            fields.append("submitted_at")
        locked._history_user = user
        locked.save(update_fields=fields)
        ReviewEvent.objects.create(
            annotation=locked,
            actor=user,
            from_status=from_status,
            to_status=transition.target,
            note=note,
            created_at=now,
        )
    return locked


def submit_drafts(*, user: AbstractBaseUser, article_id: int) -> list[Annotation]:
    """Submit every draft of the user's on the article that can go (all or none); return them.

    Drafts not on the article's current text are left for the author to re-anchor first.
    """
    drafts = Annotation.objects.filter(
        article_id=article_id, author=user, status__in=statuses.EDITABLE, anchor=Anchor.ANCHORED
    ).order_by("pk")
    with transaction.atomic():
        return [perform("submit", annotation=draft, user=user) for draft in drafts]


def actions(annotation: Annotation, user: AbstractBaseUser) -> list[str]:
    """Everything the user may do to the annotation now: edit, delete and the transitions open
    to them, so that clients show only live buttons."""
    allowed = available(annotation, user)
    if permissions.can_delete_annotation(user, annotation):
        allowed.insert(0, "delete")
    if permissions.can_edit_annotation(user, annotation):
        allowed.insert(0, "edit")
    return allowed
