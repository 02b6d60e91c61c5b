"""What each review status means, and which status may follow which.

The one owner of these rules: permissions, the review workflow, the admin, the API, the exports
and the editor page (which gets them from the server) all ask here. It imports no tables, so
the rules of who may do what can sit below the models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Q
from django.utils.translation import pgettext_lazy

from annotations.choices import Status

# In the author's hands: they may change it, submit it or delete it.
EDITABLE = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED})
# A reviewer has decided; the decision's note is shown to the author.
REVIEWED = frozenset({Status.APPROVED, Status.REJECTED, Status.CHANGES_REQUESTED})
# Approved work is frozen for everyone, admins included: changing it means reopening it, which
# sends it back to its author and through review again (the "reopen" transition below).
FROZEN = frozenset({Status.APPROVED})
# What the review queue holds.
AWAITING_REVIEW = Status.SUBMITTED


def exported_by_default(unreviewed_projects: Any) -> Q:
    """What exports hand out unless asked for other statuses: approved work, and submitted
    work too in `unreviewed_projects`, those that do not require review before export (what
    a `project__in` lookup takes: querysets.ExportScope.exported_by_default names them)."""
    return Q(status=Status.APPROVED) | Q(status=Status.SUBMITTED, project__in=unreviewed_projects)


def is_editable(status: str) -> bool:
    """Whether the author may still change an annotation in this status."""
    return status in EDITABLE


def is_frozen(status: str) -> bool:
    """Whether nobody may change it (only reopen it through review)."""
    return status in FROZEN


def label(status: str) -> str:
    return Status(status).label


@dataclass(frozen=True)
class Transition:
    name: str
    verb: str
    sources: frozenset[str]
    target: str
    actor: Literal["author", "reviewer", "curator", "publisher", "system"]
    note_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "submit", pgettext_lazy("review step", "submit"), EDITABLE, Status.SUBMITTED, "author"
        ),
        Transition(
            "withdraw",
            pgettext_lazy("review step", "withdraw"),
            frozenset({Status.SUBMITTED}),
            Status.DRAFT,
            "author",
        ),
        # A rejection is not a dead end: the author may rework it into a new submission; the
        # review history keeps the decision it answers.
        Transition(
            "revise",
            pgettext_lazy("review step", "revise"),
            frozenset({Status.REJECTED}),
            Status.DRAFT,
            "author",
        ),
        Transition(
            "approve",
            pgettext_lazy("review step", "approve"),
            frozenset({Status.SUBMITTED}),
            Status.APPROVED,
            "reviewer",
        ),
        Transition(
            "reject",
            pgettext_lazy("review step", "reject"),
            frozenset({Status.SUBMITTED}),
            Status.REJECTED,
            "reviewer",
            True,
        ),
        Transition(
            "request_changes",
            pgettext_lazy("review step", "request changes on"),
            frozenset({Status.SUBMITTED}),
            Status.CHANGES_REQUESTED,
            "reviewer",
            True,
        ),
        Transition(
            "reopen",
            pgettext_lazy("review step", "reopen"),
            FROZEN,
            Status.CHANGES_REQUESTED,
            "reviewer",
            note_required=True,
        ),
        # A curator settles what the article's annotators proposed: the span goes into the
        # adjudicated set approved, the annotators having been the first pair of eyes. A span
        # nobody proposed is submitted instead, for another reviewer.
        Transition(
            "adjudicate",
            pgettext_lazy("review step", "adjudicate"),
            frozenset({Status.DRAFT}),
            Status.APPROVED,
            "curator",
        ),
        # A correction of the article changed the words an approved annotation quotes: it goes
        # back to its author, with the reason, and through review again.
        Transition(
            "requeue",
            pgettext_lazy("review step", "send back after a correction"),
            FROZEN,
            Status.CHANGES_REQUESTED,
            "system",
            note_required=True,
        ),
    ]
}
# The decisions a reviewer takes on a submitted annotation (the queue's buttons and actions).
REVIEW_DECISIONS = ("approve", "reject", "request_changes")
