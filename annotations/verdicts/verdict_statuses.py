"""What each verdict status means, and which may follow which: the verdict's own four-eyes
review, in the style of statuses.py. It imports no tables."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from annotations.choices import CorrectionStatus, VerdictStatus
from annotations.review.statuses import Transition

# The author may change a drafted verdict; a published one changes only by a correction that
# a second person approves (it then carries dateModified); in between it waits for a decision.
EDITABLE = frozenset({VerdictStatus.DRAFTED})
CORRECTABLE = frozenset({VerdictStatus.PUBLISHED})
# What feeds and the public ClaimReview show.
LIVE = VerdictStatus.PUBLISHED


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "submit",
            pgettext_lazy("verdict step", "submit"),
            frozenset({VerdictStatus.DRAFTED}),
            VerdictStatus.SUBMITTED,
            "author",
        ),
        Transition(
            "withdraw",
            pgettext_lazy("verdict step", "withdraw"),
            frozenset({VerdictStatus.SUBMITTED}),
            VerdictStatus.DRAFTED,
            "author",
        ),
        # A second pair of eyes: never the author's.
        Transition(
            "approve",
            pgettext_lazy("verdict step", "approve"),
            frozenset({VerdictStatus.SUBMITTED}),
            VerdictStatus.APPROVED,
            "reviewer",
        ),
        Transition(
            "send_back",
            pgettext_lazy("verdict step", "send back"),
            frozenset({VerdictStatus.SUBMITTED, VerdictStatus.APPROVED}),
            VerdictStatus.DRAFTED,
            "reviewer",
            note_required=True,
        ),
        Transition(
            "publish",
            pgettext_lazy("verdict step", "publish"),
            frozenset({VerdictStatus.APPROVED}),
            VerdictStatus.PUBLISHED,
            "publisher",
        ),
        Transition(
            "retract",
            pgettext_lazy("verdict step", "retract"),
            frozenset({VerdictStatus.PUBLISHED}),
            VerdictStatus.RETRACTED,
            "publisher",
            note_required=True,
        ),
    ]
}


# A correction of a published verdict: proposed by a fact-checker, then approved or rejected by
# another reviewer (four eyes, as for the verdict itself), or withdrawn by whoever proposed it.
CORRECTION_STEPS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "approve",
            pgettext_lazy("correction step", "approve"),
            frozenset({CorrectionStatus.PENDING}),
            CorrectionStatus.APPROVED,
            "reviewer",
        ),
        Transition(
            "reject",
            pgettext_lazy("correction step", "reject"),
            frozenset({CorrectionStatus.PENDING}),
            CorrectionStatus.REJECTED,
            "reviewer",
            note_required=True,
        ),
        Transition(
            "withdraw",
            pgettext_lazy("correction step", "withdraw"),
            frozenset({CorrectionStatus.PENDING}),
            CorrectionStatus.WITHDRAWN,
            "author",
        ),
    ]
}
